"""the outbox's reply_to: an event that answers a staff tool's command also goes to its reply queue

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 10:00:00

The schema and its objects now belong to the owner role and the service runs as its runtime role;
``gongkai migrate`` does that around every migration (``gongkai.shared.roles``), so nothing here.
"""
from gongkai.shared.migrations import add_outbox_reply_to_v2, drop_outbox_reply_to_v2

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_outbox_reply_to_v2('publishing')


def downgrade() -> None:
    drop_outbox_reply_to_v2('publishing')
