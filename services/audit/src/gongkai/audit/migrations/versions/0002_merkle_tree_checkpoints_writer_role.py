"""Merkle tree, signed checkpoints, statistics facts, a dense seq and the insert-only writer role

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 09:20:00

``seq`` loses its identity: it is assigned under the append lock (max + 1), so it has no gaps even when
a transaction fails, and leaf ``seq - 1`` of the tree is the entry ``seq``. Rows recorded before this
migration get their tree nodes and facts here (their ``seq`` must already be dense).

The role ``gongkai_audit_writer`` (NOLOGIN; roles are per server, so it is created once and kept on
downgrade) may only INSERT and SELECT the log's tables; the service runs ``SET ROLE`` to it.
"""
import sqlalchemy as sa
from alembic import op
from gongkai.shared.migrations import as_administrator

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

WRITER = "gongkai_audit_writer"
INSERT_ONLY = ("events", "tree_nodes", "checkpoints", "facts")
CREATE_ROLE = f"""
do $$ begin
    create role {WRITER} nologin;
exception when duplicate_object or unique_violation then null;
end $$
"""


def upgrade() -> None:
    op.execute("alter table audit.events alter column seq drop identity")
    op.add_column('events', sa.Column('unit', sa.String(length=128), nullable=True,
                                      comment='the unit the entry is about: data.unit, else the actor\'s unit'),
                  schema='audit')
    op.add_column('events', sa.Column('flag', sa.String(length=64), nullable=True,
                                      comment='unknown-source: an event whose source is not one of the services'),
                  schema='audit')
    op.alter_column('events', 'seq', existing_type=sa.BigInteger(), schema='audit',
                    comment='1, 2, 3 … without gaps, assigned under the append lock: leaf seq - 1 of the Merkle tree',
                    existing_comment='order of recording; appends are serialised, so it is also commit order')
    op.create_index('ix_events_unit_seq', 'events', ['unit', 'seq'], unique=False, schema='audit')
    op.create_index('ix_events_received_at', 'events', ['received_at'], unique=False, schema='audit')
    op.create_table('tree_nodes',
    sa.Column('level', sa.SmallInteger(), autoincrement=False, nullable=False),
    sa.Column('index', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('hash', sa.LargeBinary(), nullable=False, comment='RFC 6962 hash of leaves [index·2^level, (index+1)·2^level); level 0: the leaf hashes'),
    sa.PrimaryKeyConstraint('level', 'index', name=op.f('pk_tree_nodes')),
    schema='audit'
    )
    op.create_table('checkpoints',
    sa.Column('size', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('root', sa.LargeBinary(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False, comment='the C2SP signed note, as published'),
    sa.Column('signed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('size', name=op.f('pk_checkpoints')),
    schema='audit'
    )
    op.create_table('facts',
    sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False, comment='the entry it was read from'),
    sa.Column('type', sa.String(length=128), nullable=False),
    sa.Column('unit', sa.String(length=128), nullable=True),
    sa.Column('category', sa.String(length=32), nullable=True),
    sa.Column('subject_id', sa.String(length=256), nullable=True, comment='the item or request id'),
    sa.Column('version', sa.Integer(), nullable=True),
    sa.Column('on_date', sa.Date(), nullable=False, comment='the day it happened (China Standard Time)'),
    sa.Column('action', sa.String(length=32), nullable=True),
    sa.Column('legal_reason', sa.String(length=64), nullable=True),
    sa.Column('rule', sa.String(length=64), nullable=True),
    sa.Column('late', sa.Boolean(), nullable=True),
    sa.Column('applicant_kind', sa.String(length=32), nullable=True),
    sa.Column('outcome', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_facts')),
    schema='audit'
    )
    op.create_index('ix_facts_type_on_date', 'facts', ['type', 'on_date'], unique=False, schema='audit')
    _backfill()
    for table in INSERT_ONLY[1:]:
        op.execute(f"create trigger {table}_append_only before update or delete on audit.{table} "
                   "for each row execute function audit.refuse_change()")
        op.execute(f"create trigger {table}_no_truncate before truncate on audit.{table} "
                   "for each statement execute function audit.refuse_change()")
    with as_administrator():  # migrations run as the schema's owner, which may not create roles
        op.execute(CREATE_ROLE)
    op.execute(f"grant usage on schema audit to {WRITER}")
    op.execute(f"grant select, insert on {', '.join('audit.' + t for t in INSERT_ONLY)} to {WRITER}")
    op.execute(f"grant select, insert, update, delete on audit.inbox, audit.outbox to {WRITER}")
    op.execute(f"grant usage on all sequences in schema audit to {WRITER}")


def _backfill() -> None:
    """Tree nodes and facts for the entries recorded before this migration."""
    from gongkai.audit.facts import fact_of
    from gongkai.audit.merkle import Frontier, leaf_hash
    from gongkai.audit.record import Record

    connection = op.get_bind()
    rows = connection.execute(sa.text("select * from audit.events order by seq")).mappings().all()
    frontier, nodes, found = Frontier(), [], []
    for expected, row in enumerate(rows, start=1):
        if row["seq"] != expected:
            raise RuntimeError(f"audit.events.seq has a gap before {row['seq']}: the tree needs a dense seq")
        nodes += frontier.append(leaf_hash(bytes(row["body"])))
        fields = {k: row[k] for k in Record.__dataclass_fields__ if k in row}
        if (fact := fact_of(Record(**{**fields, "body": bytes(row["body"])}), row["seq"])) is not None:
            found.append(fact)
    if nodes:
        connection.execute(sa.text("insert into audit.tree_nodes (level, index, hash) values (:l, :i, :h)"),
                           [{"l": level, "i": index, "h": digest} for level, index, digest in nodes])
    if found:
        from gongkai.audit.tables import facts
        connection.execute(sa.insert(facts), found)


def downgrade() -> None:
    op.execute(f"revoke all on audit.inbox, audit.outbox, audit.events from {WRITER}")
    op.execute(f"revoke usage on all sequences in schema audit from {WRITER}")
    op.execute(f"revoke usage on schema audit from {WRITER}")
    op.drop_index('ix_facts_type_on_date', table_name='facts', schema='audit')
    op.drop_table('facts', schema='audit')
    op.drop_table('checkpoints', schema='audit')
    op.drop_table('tree_nodes', schema='audit')
    op.drop_index('ix_events_received_at', table_name='events', schema='audit')
    op.drop_index('ix_events_unit_seq', table_name='events', schema='audit')
    op.alter_column('events', 'seq', existing_type=sa.BigInteger(), schema='audit',
                    comment='order of recording; appends are serialised, so it is also commit order')
    op.drop_column('events', 'flag', schema='audit')
    op.drop_column('events', 'unit', schema='audit')
    op.execute("alter table audit.events alter column seq add generated always as identity")
    op.execute("select setval(pg_get_serial_sequence('audit.events', 'seq'),"
               " coalesce((select max(seq) from audit.events), 0) + 1, false)")
