"""annual report entries: the figures and section texts of a year's annual report, each with who entered it

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 18:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('annual_report_entries',
    sa.Column('entry_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('year', sa.Integer(), nullable=False, comment='the year the annual report is of'),
    sa.Column('kind', sa.String(length=8), nullable=False, comment='figure or text'),
    sa.Column('key', sa.String(length=32), nullable=False, comment='the figure (ReportFigure) or the section (ReportSection)'),
    sa.Column('value', sa.Text(), nullable=False, comment="the figure as a decimal, or the section's text"),
    sa.Column('note', sa.Text(), nullable=True, comment='where a figure comes from'),
    sa.Column('entered_by', sa.String(length=128), nullable=False),
    sa.Column('entered_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('entry_id', name=op.f('pk_annual_report_entries')),
    schema='oversight'
    )
    op.create_index('ix_annual_report_entries_year_kind_key', 'annual_report_entries',
                    ['year', 'kind', 'key', 'entry_id'], unique=False, schema='oversight')


def downgrade() -> None:
    op.drop_index('ix_annual_report_entries_year_kind_key', table_name='annual_report_entries', schema='oversight')
    op.drop_table('annual_report_entries', schema='oversight')
