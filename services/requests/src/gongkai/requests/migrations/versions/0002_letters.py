"""letters: each letter a request's steps issued, as its HTML and hash

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 06:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('letters',
    sa.Column('letter_id', sa.String(length=80), nullable=False),
    sa.Column('request_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False, comment='receipt, correction, consultation, extension, reply'),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('html', sa.Text(), nullable=False, comment='the letter as it was issued'),
    sa.Column('sha256', sa.String(length=64), nullable=False, comment='SHA-256 of html (UTF-8)'),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('letter_id', name=op.f('pk_letters')),
    schema='requests'
    )
    op.create_index('ix_letters_request_id', 'letters', ['request_id'], unique=False, schema='requests')


def downgrade() -> None:
    op.drop_index('ix_letters_request_id', table_name='letters', schema='requests')
    op.drop_table('letters', schema='requests')
