"""A batch's writes held back and sent together: one statement per table and kind instead of one per row.

In a batch of many messages each handler wrote its rows one statement at a time, and each statement was a round
trip to PostgreSQL and a socket write of its own. A store that knows the rows it writes (it holds their locks
and has read them ahead, so nothing else changes them) hands its inserts and updates to ``Writes`` instead; they
reach the database when ``flush`` is called, as one ``executemany`` per table, kind and set of columns.

The unit of work flushes before it commits, and at the end of a message that runs alone (in its savepoint, so
that a broken constraint still fails that message and no other). A store flushes before any statement of its own
that it sends at once (a read it cannot answer from what it knows, a write it must see the answer of), so every
statement sees the writes made before it. Within one flush the rows are reordered, never a row's own writes:

- a row written twice is written once, with what its writes add up to (an update of a row inserted in the same
  flush goes into the insert);
- updates go first, then inserts, then inserts that ignore a conflict, then upserts: an update may take a row
  out of a partial unique index (a deadline met) that a later insert puts a new row into (its successor).

No table of the services has a foreign key, so the order of the tables within a kind does not matter; it is the
order in which each table was first written.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from enum import Enum
from functools import lru_cache
from typing import Any

from sqlalchemy import Executable, Table, and_, bindparam
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession


class Kind(Enum):
    update = 1
    insert = 2
    insert_ignore = 3  # ON CONFLICT DO NOTHING: the first of two writes of a key stays, as in the table
    upsert = 4  # ON CONFLICT (key) DO UPDATE: the last of two writes of a key wins


@dataclass
class _Row:
    kind: Kind
    table: Table
    key: dict[str, Any]  # the key's columns and values
    values: dict[str, Any] = field(default_factory=dict)  # the other columns

    @property
    def full(self) -> dict[str, Any]:
        return {**self.values, **self.key}


class Writes:
    def __init__(self) -> None:
        self._rows: dict[tuple[str, Hashable], _Row] = {}
        self.statements = 0  # statements flushed (for tests and benchmarks)

    def __len__(self) -> int:
        return len(self._rows)

    def insert(self, table: Table, key: dict[str, Any], row: dict[str, Any]) -> None:
        """Insert ``row`` (with its ``key`` columns) at the next flush; a conflict fails the flush."""
        self._put(Kind.insert, table, key, row)

    def insert_ignore(self, table: Table, key: dict[str, Any], row: dict[str, Any]) -> None:
        """Insert ``row`` unless a row with its key (or another unique value of it) exists already."""
        self._put(Kind.insert_ignore, table, key, row)

    def upsert(self, table: Table, key: dict[str, Any], row: dict[str, Any]) -> None:
        """Insert ``row``, or replace the columns it names in the row of the same ``key``."""
        self._put(Kind.upsert, table, key, row)

    def update(self, table: Table, key: dict[str, Any], values: dict[str, Any]) -> None:
        """Set ``values`` in the row of ``key``; into a write of that row still held, when there is one."""
        ident = (table.fullname, _identity(key))
        values = {name: value for name, value in values.items() if name not in key}
        held = self._rows.get(ident)
        if held is None:
            self._rows[ident] = _Row(Kind.update, table, dict(key), values)
        elif held.kind is Kind.insert_ignore:
            raise ValueError(f"{table.fullname}: an update of a row whose insert may be ignored; flush first")
        else:
            held.values.update(values)

    def _put(self, kind: Kind, table: Table, key: dict[str, Any], row: dict[str, Any]) -> None:
        ident = (table.fullname, _identity(key))
        values = {name: value for name, value in row.items() if name not in key}
        held = self._rows.get(ident)
        if held is None:
            self._rows[ident] = _Row(kind, table, dict(key), values)
        elif held.kind is Kind.insert_ignore and kind is Kind.insert_ignore:
            pass  # the first stays
        elif held.kind is kind and kind is Kind.upsert:
            held.values.update(values)
        else:
            raise ValueError(f"{table.fullname}: a {kind.name} of a row already held as a {held.kind.name}")

    def clear(self) -> None:
        """Drop what is held (the transaction or savepoint that would have carried it rolled back)."""
        self._rows.clear()

    async def flush(self, session: AsyncSession) -> None:
        """Send what is held, one statement per table, kind and set of columns."""
        if not self._rows:
            return
        rows, self._rows = list(self._rows.values()), {}
        groups: dict[tuple[Kind, str, tuple[str, ...], frozenset[str]], list[_Row]] = {}
        for row in sorted(rows, key=lambda r: r.kind.value):  # stable: first written, first sent within a kind
            groups.setdefault((row.kind, row.table.fullname, tuple(sorted(row.key)), frozenset(row.values)),
                              []).append(row)
        for (kind, _, key, columns), members in groups.items():
            if kind is Kind.update:
                if not columns:
                    continue
                params = [{**{f"key_{name}": value for name, value in row.key.items()}, **row.values}
                          for row in members]
            else:
                params = [row.full for row in members]
            await session.execute(_statement(kind, members[0].table, key, columns), params)
            self.statements += 1


def _identity(key: dict[str, Any]) -> Hashable:
    return tuple(sorted(key.items()))


@lru_cache(maxsize=256)
def _statement(kind: Kind, table: Table, key: tuple[str, ...], columns: frozenset[str]) -> Executable:
    """The statement of one group, built once (its compiled form is then found in SQLAlchemy's cache)."""
    if kind is Kind.update:
        return table.update().where(and_(*[table.c[name] == bindparam(f"key_{name}") for name in key]))
    if kind is Kind.insert:
        return table.insert()
    if kind is Kind.insert_ignore:
        return pg_insert(table).on_conflict_do_nothing()
    stmt = pg_insert(table)
    return stmt.on_conflict_do_update(index_elements=list(key),
                                      set_={name: stmt.excluded[name] for name in sorted(columns - set(key))})
