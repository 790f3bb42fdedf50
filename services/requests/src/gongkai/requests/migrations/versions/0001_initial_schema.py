"""initial schema: requests, outbox and inbox

Revision ID: 0001
Revises:
Create Date: 2026-12-02 06:00:00
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
    create_messaging_tables_v1('requests')
    add_outbox_reply_to_v2('requests')
    op.create_table('requests',
    sa.Column('request_id', sa.String(length=64), nullable=False, comment='the tracking number the applicant is given'),
    sa.Column('secret_sha256', sa.String(length=64), nullable=False, comment="SHA-256 of the applicant's secret; never the secret"),
    sa.Column('channel', sa.String(length=24), nullable=False),
    sa.Column('applicant_kind', sa.String(length=24), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('state', sa.String(length=24), nullable=False),
    sa.Column('unit', sa.String(length=128), nullable=True),
    sa.Column('applicant', postgresql.JSONB(astext_type=sa.Text()), nullable=False, comment='identity, contact, delivery form wanted'),
    sa.Column('workflow', postgresql.JSONB(astext_type=sa.Text()), nullable=False, comment="the domain's Request: steps, correction, extension, reply"),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('request_id', name=op.f('pk_requests')),
    schema='requests'
    )
    op.create_index('ix_requests_state_received_on', 'requests', ['state', 'received_on'], unique=False, schema='requests')


def downgrade() -> None:
    op.drop_index('ix_requests_state_received_on', table_name='requests', schema='requests')
    op.drop_table('requests', schema='requests')
    drop_outbox_reply_to_v2('requests')
    drop_messaging_tables_v1('requests')
