"""Facts keep the catalogue's 一级事项 (group) of an item's category, by which the annual report's table 二 counts
decisions (行政许可, 行政处罚, 行政强制)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 18:10:00

Events logged before it name no group (publishing has named it since this column was added), so the facts read
from them keep none, and the table stays append-only: nothing is filled in afterwards.
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("facts", sa.Column("category_group", sa.String(100), nullable=True,
                                     comment="the catalogue's 一级事项 of the category, where the event says"),
                  schema="audit")


def downgrade() -> None:
    op.drop_column("facts", "category_group", schema="audit")
