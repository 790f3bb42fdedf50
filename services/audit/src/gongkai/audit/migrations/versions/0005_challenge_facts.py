"""Challenge facts: a reconsideration's or lawsuit's standing counted for the annual report's table 四

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 14:00:00

From now on every `gongkai.requests.challenge_recorded.v1` entry gives a fact (its kind as the action, its result
as the outcome, its day as the day). Entries recorded before this migration get theirs here; no table changes.
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

CHALLENGE = "gongkai.requests.challenge_recorded.v1"


def upgrade() -> None:
    from gongkai.audit.facts import fact_of
    from gongkai.audit.record import Record
    from gongkai.audit.tables import facts

    connection = op.get_bind()
    rows = connection.execute(sa.text("select e.* from audit.events e where e.type = :type and not exists "
                                      "(select 1 from audit.facts f where f.seq = e.seq) order by e.seq"),
                              {"type": CHALLENGE}).mappings().all()
    found = []
    for row in rows:
        fields = {k: row[k] for k in Record.__dataclass_fields__ if k in row}
        if (fact := fact_of(Record(**{**fields, "body": bytes(row["body"])}), row["seq"])) is not None:
            found.append(fact)
    if found:
        connection.execute(sa.insert(facts), found)


def downgrade() -> None:
    """The facts stay: the log and what was read from it are append-only."""
