"""form hits: the public form's rate-limit hits, counted by every replica in one table

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 14:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('form_hits',
    sa.Column('key_sha256', sa.String(length=64), nullable=False, comment='SHA-256 of the window and the address or contact'),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    schema='participation'
    )
    op.create_index('ix_form_hits_key_at', 'form_hits', ['key_sha256', 'at'], unique=False, schema='participation')


def downgrade() -> None:
    op.drop_index('ix_form_hits_key_at', table_name='form_hits', schema='participation')
    op.drop_table('form_hits', schema='participation')
