"""initial schema: opinions, outbox and inbox

Revision ID: 0001
Revises:
Create Date: 2026-12-02 13:40:00
"""
import sqlalchemy as sa
from alembic import op
from gongkai.shared.migrations import (
    add_outbox_reply_to_v2,
    create_messaging_tables_v1,
    drop_messaging_tables_v1,
    drop_outbox_reply_to_v2,
)
from sqlalchemy.dialects import postgresql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_messaging_tables_v1('participation')
    add_outbox_reply_to_v2('participation')
    op.create_table('opinions',
    sa.Column('opinion_id', sa.String(length=64), nullable=False, comment='the number the person is given'),
    sa.Column('secret_sha256', sa.String(length=64), nullable=False, comment="SHA-256 of the person's secret; never the secret"),
    sa.Column('channel', sa.String(length=24), nullable=False),
    sa.Column('topic', sa.String(length=32), nullable=False),
    sa.Column('unit', sa.String(length=128), nullable=True),
    sa.Column('state', sa.String(length=24), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('hidden', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('published', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False, comment='SHA-256 of the text without case, spaces or punctuation: duplicates'),
    sa.Column('contact_key', sa.String(length=320), nullable=True, comment='the contact as one key (digits of the phone, e-mail), for duplicates'),
    sa.Column('person', postgresql.JSONB(astext_type=sa.Text()), nullable=False, comment='name and contact: never public'),
    sa.Column('document', postgresql.JSONB(astext_type=sa.Text()), nullable=False, comment="the domain's Opinion: steps, reply, publication"),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('opinion_id', name=op.f('pk_opinions')),
    schema='participation'
    )
    op.create_index('ix_opinions_state_received_on', 'opinions', ['state', 'received_on'], unique=False, schema='participation')
    op.create_index('ix_opinions_fingerprint', 'opinions', ['fingerprint', 'received_on'], unique=False, schema='participation')
    op.create_index('ix_opinions_published', 'opinions', ['published', 'received_on'], unique=False, schema='participation')


def downgrade() -> None:
    op.drop_index('ix_opinions_published', table_name='opinions', schema='participation')
    op.drop_index('ix_opinions_fingerprint', table_name='opinions', schema='participation')
    op.drop_index('ix_opinions_state_received_on', table_name='opinions', schema='participation')
    op.drop_table('opinions', schema='participation')
    drop_outbox_reply_to_v2('participation')
    drop_messaging_tables_v1('participation')
