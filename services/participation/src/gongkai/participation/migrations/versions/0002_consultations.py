"""consultations: decision drafts, their comments and hearing registrations

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 14:20:00
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('consultations',
    sa.Column('consultation_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('unit', sa.String(length=128), nullable=False),
    sa.Column('state', sa.String(length=24), nullable=False),
    sa.Column('opens_on', sa.Date(), nullable=False),
    sa.Column('closes_on', sa.Date(), nullable=False),
    sa.Column('document', postgresql.JSONB(astext_type=sa.Text()), nullable=False, comment="the domain's Consultation: draft, records, report"),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('consultation_id', name=op.f('pk_consultations')),
    schema='participation'
    )
    op.create_index('ix_consultations_state_opens_on', 'consultations', ['state', 'opens_on'], unique=False, schema='participation')
    op.create_table('comments',
    sa.Column('comment_id', sa.String(length=64), nullable=False),
    sa.Column('consultation_id', sa.String(length=64), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('shown', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('hidden', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('contact_key', sa.String(length=320), nullable=True),
    sa.Column('person', postgresql.JSONB(astext_type=sa.Text()), nullable=False, comment='name and contact: never public'),
    sa.Column('document', postgresql.JSONB(astext_type=sa.Text()), nullable=False, comment="the domain's Comment: text, its screening, hidden and why"),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('comment_id', name=op.f('pk_comments')),
    sa.UniqueConstraint('consultation_id', 'number', name='uq_comments_consultation_id_number'),
    schema='participation'
    )
    op.create_index('ix_comments_consultation_id_fingerprint', 'comments', ['consultation_id', 'fingerprint'], unique=False, schema='participation')
    op.create_table('registrations',
    sa.Column('registration_id', sa.String(length=64), nullable=False),
    sa.Column('consultation_id', sa.String(length=64), nullable=False),
    sa.Column('hearing_id', sa.String(length=16), nullable=False),
    sa.Column('registered_on', sa.Date(), nullable=False),
    sa.Column('person', postgresql.JSONB(astext_type=sa.Text()), nullable=False, comment='name, contact and statement: never public'),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('registration_id', name=op.f('pk_registrations')),
    schema='participation'
    )
    op.create_index('ix_registrations_consultation_id_hearing_id', 'registrations', ['consultation_id', 'hearing_id'], unique=False, schema='participation')


def downgrade() -> None:
    op.drop_index('ix_registrations_consultation_id_hearing_id', table_name='registrations', schema='participation')
    op.drop_table('registrations', schema='participation')
    op.drop_index('ix_comments_consultation_id_fingerprint', table_name='comments', schema='participation')
    op.drop_table('comments', schema='participation')
    op.drop_index('ix_consultations_state_opens_on', table_name='consultations', schema='participation')
    op.drop_table('consultations', schema='participation')
