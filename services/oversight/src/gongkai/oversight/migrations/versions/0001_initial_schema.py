"""initial schema: inspections, unit facts, reports, outbox and inbox

Revision ID: 0001
Revises:
Create Date: 2026-12-02 14:00:00
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
    create_messaging_tables_v1('oversight')
    add_outbox_reply_to_v2('oversight')
    op.create_table('inspections',
    sa.Column('inspection_id', sa.String(length=64), nullable=False),
    sa.Column('unit', sa.String(length=128), nullable=False, comment='the unit inspected'),
    sa.Column('kind', sa.String(length=16), nullable=False, comment='announced (明查) or unannounced (暗访)'),
    sa.Column('on', sa.Date(), nullable=False, comment='the day of the inspection'),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('document', postgresql.JSONB(astext_type=sa.Text()), nullable=False, comment="the domain's Inspection: results, findings, rectifications"),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('inspection_id', name=op.f('pk_inspections')),
    schema='oversight'
    )
    op.create_index('ix_inspections_unit_on', 'inspections', ['unit', 'on'], unique=False, schema='oversight')
    op.create_table('unit_facts',
    sa.Column('event_id', sa.String(length=128), nullable=False, comment="the fact's CloudEvents id: each counted once"),
    sa.Column('kind', sa.String(length=24), nullable=False, comment='published (a publication deadline met), withdrawn, request_assigned, request_answered'),
    sa.Column('unit', sa.String(length=128), nullable=False, comment='the unit, or - when the fact names none'),
    sa.Column('on', sa.Date(), nullable=False, comment='the day it happened (Asia/Shanghai)'),
    sa.Column('late', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('subject', sa.String(length=64), nullable=True, comment='the item or request'),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_unit_facts')),
    schema='oversight'
    )
    op.create_index('ix_unit_facts_on_unit', 'unit_facts', ['on', 'unit'], unique=False, schema='oversight')
    op.create_table('reports',
    sa.Column('report_id', sa.String(length=64), nullable=False),
    sa.Column('schedule', sa.String(length=16), nullable=False),
    sa.Column('period', sa.String(length=8), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False, comment='the JSON delivered, byte for byte (it is what is signed)'),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False, comment='pending, delivered, acknowledged, failed'),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('receipt_id', sa.String(length=128), nullable=True),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('compiled_by', sa.String(length=128), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('report_id', name=op.f('pk_reports')),
    schema='oversight'
    )
    op.create_index('uq_reports_schedule_period', 'reports', ['schedule', 'period'], unique=True, schema='oversight')
    op.create_index('ix_reports_state_next_attempt_at', 'reports', ['state', 'next_attempt_at'], unique=False, schema='oversight')


def downgrade() -> None:
    op.drop_index('ix_reports_state_next_attempt_at', table_name='reports', schema='oversight')
    op.drop_index('uq_reports_schedule_period', table_name='reports', schema='oversight')
    op.drop_table('reports', schema='oversight')
    op.drop_index('ix_unit_facts_on_unit', table_name='unit_facts', schema='oversight')
    op.drop_table('unit_facts', schema='oversight')
    op.drop_index('ix_inspections_unit_on', table_name='inspections', schema='oversight')
    op.drop_table('inspections', schema='oversight')
    drop_outbox_reply_to_v2('oversight')
    drop_messaging_tables_v1('oversight')
