"""a deadline may carry its category's own time limit (the catalogue's), in place of its rule's

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 22:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('deadlines', sa.Column('length', sa.Integer(), nullable=True, comment="the category's own time limit in working days, in place of the rule's"), schema='notification')


def downgrade() -> None:
    op.drop_column('deadlines', 'length', schema='notification')
