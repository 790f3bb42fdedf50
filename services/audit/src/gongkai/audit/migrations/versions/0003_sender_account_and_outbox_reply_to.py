"""the sender's broker account of every entry (AMQP user_id), a wrong-account flag; the outbox's reply_to

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 10:00:00

``user_id`` is what RabbitMQ vouches for: the account that published the message. Entries recorded
before have none. The schema now belongs to the owner role and the service logs in as its runtime role
(``gongkai_audit``, INSERT and SELECT only on the log: see ``migrations/__init__.py``); the writer role
of 0002 is no longer used by the service and keeps its grants.
"""
import sqlalchemy as sa
from alembic import op
from gongkai.shared.migrations import add_outbox_reply_to_v2, drop_outbox_reply_to_v2

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

FLAG = 'unknown-source: an event whose source is not one of the services'
FLAGS = ("wrong-account: a fact not sent by its owner's broker account; "
         "unknown-source: an event whose source is not one of the services")


def upgrade() -> None:
    op.add_column('events', sa.Column('user_id', sa.String(length=128), nullable=True,
                                      comment='the broker account that sent it (AMQP user_id, checked by RabbitMQ)'),
                  schema='audit')
    op.alter_column('events', 'flag', existing_type=sa.String(length=64), schema='audit', comment=FLAGS,
                    existing_comment=FLAG)
    add_outbox_reply_to_v2('audit')


def downgrade() -> None:
    drop_outbox_reply_to_v2('audit')
    op.alter_column('events', 'flag', existing_type=sa.String(length=64), schema='audit', comment=FLAG,
                    existing_comment=FLAGS)
    op.drop_column('events', 'user_id', schema='audit')
