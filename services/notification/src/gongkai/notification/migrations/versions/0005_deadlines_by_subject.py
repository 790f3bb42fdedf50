"""an index of deadlines by subject and rule, whatever their state (was: a scan of the table per event)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 13:50:00
"""
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_deadlines_subject', 'deadlines', ['subject', 'rule'], unique=False, schema='notification')


def downgrade() -> None:
    op.drop_index('ix_deadlines_subject', table_name='deadlines', schema='notification')
