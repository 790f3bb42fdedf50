"""Refusals: one row per access.refused, intake.rejected and publication_refused entry, listed per item and person

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 20:00:00

Append-only like the other tables of the log (triggers, and the writer role may only INSERT and SELECT).
Entries recorded before this migration get their rows here.
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

WRITER = "gongkai_audit_writer"


def upgrade() -> None:
    op.create_table('refusals',
    sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False, comment='the entry it was read from'),
    sa.Column('type', sa.String(length=128), nullable=False, comment='access.refused, intake.rejected or publication_refused'),
    sa.Column('service', sa.String(length=64), nullable=True, comment='the service that refused'),
    sa.Column('via', sa.String(length=8), nullable=False, comment='http or amqp'),
    sa.Column('what', sa.String(length=300), nullable=True, comment='the route template or the message type refused'),
    sa.Column('status', sa.Integer(), nullable=True, comment='the HTTP status given, or the one the refusal stands for'),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('person', sa.String(length=128), nullable=True, comment='the authenticated person, when known'),
    sa.Column('account', sa.String(length=128), nullable=True, comment='the broker account a message came from, when known'),
    sa.Column('item_id', sa.String(length=256), nullable=True, comment='the item (or case, request) concerned'),
    sa.Column('security', sa.Boolean(), nullable=False, comment="a forgery or an account's misuse, not a mistake"),
    sa.Column('recorded_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_refusals')),
    schema='audit'
    )
    op.create_index('ix_refusals_item_seq', 'refusals', ['item_id', 'seq'], unique=False, schema='audit')
    op.create_index('ix_refusals_person_seq', 'refusals', ['person', 'seq'], unique=False, schema='audit')
    op.create_index('ix_refusals_recorded_at', 'refusals', ['recorded_at'], unique=False, schema='audit')
    _backfill()
    op.execute("create trigger refusals_append_only before update or delete on audit.refusals "
               "for each row execute function audit.refuse_change()")
    op.execute("create trigger refusals_no_truncate before truncate on audit.refusals "
               "for each statement execute function audit.refuse_change()")
    op.execute(f"grant select, insert on audit.refusals to {WRITER}")


def _backfill() -> None:
    from gongkai.audit.record import Record
    from gongkai.audit.refusals import REFUSALS, refusal_of
    from gongkai.audit.tables import refusals

    connection = op.get_bind()
    rows = connection.execute(sa.text("select * from audit.events where type = any(:types) order by seq"),
                              {"types": sorted(REFUSALS)}).mappings().all()
    found = []
    for row in rows:
        fields = {k: row[k] for k in Record.__dataclass_fields__ if k in row}
        if (refusal := refusal_of(Record(**{**fields, "body": bytes(row["body"])}), row["seq"])) is not None:
            found.append({**refusal, "recorded_at": row["received_at"]})
    if found:
        connection.execute(sa.insert(refusals), found)


def downgrade() -> None:
    op.execute(f"revoke all on audit.refusals from {WRITER}")
    op.drop_index('ix_refusals_recorded_at', table_name='refusals', schema='audit')
    op.drop_index('ix_refusals_person_seq', table_name='refusals', schema='audit')
    op.drop_index('ix_refusals_item_seq', table_name='refusals', schema='audit')
    op.drop_table('refusals', schema='audit')
