"""separation of duties: the item's authors and the redaction's requester on each case

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 20:30:00
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('cases', sa.Column('authors', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False, comment='who created, wrote or submitted a version of the item: none of them may decide'), schema='review')
    op.add_column('cases', sa.Column('redaction_requested_by', sa.String(length=128), nullable=True, comment='a redacted version: the reviewer who asked for it, who may not be its only approver'), schema='review')


def downgrade() -> None:
    op.drop_column('cases', 'redaction_requested_by', schema='review')
    op.drop_column('cases', 'authors', schema='review')
