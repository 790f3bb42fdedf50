"""due dates: when an item's first publication was due, and whether it came late, for the overdue page

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 14:00:00

Items stored before this migration have no due date (their events did not carry one): they count as "no time
limit known" until a rebuild or a new event states it.
"""
import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('items', sa.Column('due_on', sa.Date(), nullable=True,
                                     comment="when its first publication was due (its category's time limit)"),
                  schema='portal')
    op.add_column('items', sa.Column('late', sa.Boolean(), nullable=True,
                                     comment='first published after due_on; null: no due date known'), schema='portal')
    op.create_index('ix_items_late', 'items', ['category', sa.text('first_published_at DESC')], unique=False,
                    schema='portal', postgresql_where=sa.text('late'))


def downgrade() -> None:
    op.drop_index('ix_items_late', table_name='items', schema='portal', postgresql_where=sa.text('late'))
    op.drop_column('items', 'late', schema='portal')
    op.drop_column('items', 'due_on', schema='portal')
