"""What audit does with each message, each auditor's question, and its own checkpoints."""

from __future__ import annotations

import base64
import logging
from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import Any

from gongkai.shared import contracts as c
from gongkai.shared.batching import Batcher
from gongkai.shared.envelope import new_event
from gongkai.shared.errors import NotFound, Refused
from gongkai.shared.identity import Principal
from gongkai.shared.service import Service

from . import annual_report, merkle, repository, statistics
from .checkpoint import Checkpoint
from .config import AuditConfig
from .record import Record, entry

log = logging.getLogger("gongkai.audit")

APPEND_BATCH = 500
OWN_EXCHANGE = "audit"  # entries the service appends itself: the auditors' queries
REFUSAL_FIELDS = ("seq", "type", "service", "via", "what", "status", "reason", "person", "account", "item_id",
                  "security", "recorded_at")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


class Audit:
    def __init__(self, service: Service, config: AuditConfig) -> None:
        self.service = service
        self.config = config
        self.signer = config.signer()
        # Many deliveries share one append (one transaction, one tree update); an outage pauses it.
        self.batcher: Batcher[Record, bool] = Batcher("audit.append", self._append_many, service.probe,
                                                       max_batch=APPEND_BATCH, linger_seconds=0.005)
        self.queue = "audit.append"  # /ready and /metrics see the append batcher like a consumer's
        service.consumers.append(self)

    # ---- appending --------------------------------------------------------------------------

    async def record(self, record: Record) -> bool:
        """Append one record, committed when this returns; False when the message was recorded before."""
        return await self.batcher.handle(record)

    async def close(self) -> None:
        await self.batcher.close()

    async def _append_many(self, records: list[Record]) -> list[bool]:
        async with self.service.uow() as uow:
            appended = await repository.append_many(uow.session, records)
            await uow.commit()
        return appended

    async def record_query(self, principal: Principal, query: str, parameters: dict[str, Any], count: int,
                           *, completed: bool = True) -> None:
        """An auditor's question becomes an entry of the log itself, covered by the tree like any other."""
        shown = {k: v.isoformat() if isinstance(v, date | datetime) else v for k, v in parameters.items()
                 if v is not None}
        envelope = new_event(c.AUDIT_QUERY_RECORDED, c.AuditQueryRecorded(
            query=query, parameters=shown, result_count=count, completed=completed),
            source=self.service.source, actor=principal.id, actorunit=principal.unit)
        await self.record(Record(record_key=f"{OWN_EXCHANGE}:{envelope.id}", exchange=OWN_EXCHANGE,
                                 routing_key=envelope.routing_key, dead_lettered=False, dead_letter_reason=None,
                                 valid=True, body=envelope.to_bytes(), event_id=envelope.id, type=envelope.type,
                                 source=envelope.source, actor=envelope.actor, actorunit=envelope.actorunit,
                                 correlation_id=envelope.correlationid, event_time=envelope.time,
                                 unit=principal.unit))

    # ---- checkpoints ------------------------------------------------------------------------

    async def checkpoint(self) -> dict[str, Any] | None:
        """Sign the tree as it is now, when it grew since the last checkpoint by anything but checkpoints.

        The checkpoint is stored and emitted (``audit.checkpoint`` on the events exchange) in one
        transaction. Returns it, or None when there was nothing new to sign.
        """
        async with self.service.uow() as uow:
            await repository.lock_appends(uow.session)
            last = await repository.latest_checkpoint(uow.session)
            size = await repository.tree_size(uow.session)
            if size == 0 or (last is not None and (last["size"] >= size or not await repository.grew_since(
                    uow.session, last["size"], c.AUDIT_CHECKPOINT))):
                return None
            root = merkle.root_of(size, await repository.nodes(uow.session, set(merkle.root_nodes(size))))
            note = Checkpoint(self.config.origin, size, root).sign(self.signer)
            await repository.add_checkpoint(uow.session, size, root, note)
            data = c.AuditCheckpoint(origin=self.config.origin, size=size, root=b64(root), note=note,
                                     key=self.signer.verifier.text())
            uow.emit(self.service.event(c.AUDIT_CHECKPOINT, data, subject=None))
            await uow.commit()
        log.info("checkpoint signed", extra={"size": size})
        return {"size": size, "root": b64(root), "note": note}

    async def checkpoints(self, *, after_size: int, limit: int) -> list[dict[str, Any]]:
        async with self.service.sessions() as session:
            rows = await repository.checkpoint_list(session, after_size=after_size, limit=limit)
        return [_checkpoint(row) for row in rows]

    async def latest_checkpoint(self) -> dict[str, Any]:
        async with self.service.sessions() as session:
            row = await repository.latest_checkpoint(session)
        if row is None:
            raise NotFound("no checkpoint has been signed yet")
        return _checkpoint(row)

    def public_key(self) -> dict[str, str]:
        return {"origin": self.config.origin, "key": self.signer.verifier.text()}

    # ---- proofs -----------------------------------------------------------------------------

    async def _size_known(self, session: Any, size: int) -> None:
        current = await repository.tree_size(session)
        if size > current:
            raise Refused(f"size {size} is beyond the tree, which has {current} entries", status=422)

    async def inclusion(self, seq: int, size: int) -> dict[str, Any]:
        if seq > size:
            raise Refused(f"entry {seq} is not in a tree of size {size}", status=422)
        async with self.service.sessions() as session:
            await self._size_known(session, size)
            ranges = merkle.inclusion_ranges(seq - 1, size)
            wanted = merkle.proof_nodes(ranges) | set(merkle.root_nodes(size)) | {(0, seq - 1)}
            nodes = await repository.nodes(session, wanted)
        return {"seq": seq, "leaf_index": seq - 1, "size": size, "leaf_hash": b64(nodes[(0, seq - 1)]),
                "root": b64(merkle.root_of(size, nodes)),
                "proof": [b64(merkle.range_hash(r, nodes)) for r in ranges]}

    async def consistency(self, old: int, new: int) -> dict[str, Any]:
        if old > new:
            raise Refused(f"size {old} is after size {new}: ask from the smaller size", status=422)
        async with self.service.sessions() as session:
            await self._size_known(session, new)
            ranges = merkle.consistency_ranges(old, new)
            wanted = merkle.proof_nodes(ranges) | set(merkle.root_nodes(old)) | set(merkle.root_nodes(new))
            nodes = await repository.nodes(session, wanted)
        return {"from": old, "to": new, "from_root": b64(merkle.root_of(old, nodes)),
                "to_root": b64(merkle.root_of(new, nodes)),
                "proof": [b64(merkle.range_hash(r, nodes)) for r in ranges]}

    # ---- reading the log --------------------------------------------------------------------

    async def entries(self, principal: Principal, *, after_seq: int, limit: int, up_to: int | None
                      ) -> dict[str, Any]:
        """Raw entries with the leaf hash the tree recorded for each: what an export is made of."""
        async with self.service.sessions() as session:
            rows = await repository.bodies(session, after_seq=after_seq, limit=limit + 1, up_to=up_to)
        more = len(rows) > limit
        page = [{"seq": r["seq"], "body": b64(bytes(r["body"])), "leaf_hash": b64(bytes(r["leaf_hash"]))}
                for r in rows[:limit]]
        await self.record_query(principal, "entries", {"after_seq": after_seq, "limit": limit, "up_to": up_to},
                                len(page))
        return {"entries": page, "next_after_seq": page[-1]["seq"] if more else None}

    async def trail(self, principal: Principal, item_id: str) -> list[dict[str, Any]]:
        async with self.service.sessions() as session:
            found = [entry(row) for row in await repository.trail(session, item_id)]
        await self.record_query(principal, "item", {"item": item_id}, len(found))
        return found

    async def events(self, principal: Principal, *, after_seq: int, limit: int, **filters: Any) -> dict[str, Any]:
        """One page in seq order; ``next_after_seq`` is set when there may be more."""
        async with self.service.sessions() as session:
            rows = await repository.page(session, after_seq=after_seq, limit=limit + 1, **filters)
        more = len(rows) > limit
        page = [entry(row) for row in rows[:limit]]
        await self.record_query(principal, "events", {"after_seq": after_seq, "limit": limit, **filters}, len(page))
        return {"events": page, "next_after_seq": page[-1]["seq"] if more else None}

    async def refusals(self, principal: Principal, *, after_seq: int, limit: int, **filters: Any) -> dict[str, Any]:
        """Refused requests and messages, per item and per person, in seq order, with their entries."""
        async with self.service.sessions() as session:
            rows = await repository.refusal_page(session, after_seq=after_seq, limit=limit + 1, **filters)
        more = len(rows) > limit
        page = [{**{k: row[k] for k in REFUSAL_FIELDS}, "entry": entry(row)} for row in rows[:limit]]
        await self.record_query(principal, "refusals", {"after_seq": after_seq, "limit": limit, **filters},
                                len(page))
        return {"refusals": page, "next_after_seq": page[-1]["seq"] if more else None}

    async def export(self, principal: Principal, format: str, **filters: Any) -> AsyncIterator[dict[str, Any]]:
        """Every matching entry up to the current size, streamed; the query is recorded when the stream ends."""
        count, completed = 0, False
        try:
            async with self.service.sessions() as session:
                up_to = await repository.tree_size(session)
                async for row in repository.stream(session, up_to=up_to, **filters):
                    count += 1
                    yield entry(row)
            completed = True
        finally:
            await self.record_query(principal, f"export-{format}", filters, count, completed=completed)

    # ---- statistics -------------------------------------------------------------------------

    async def statistics(self, principal: Principal, *, since: date, until: date, unit: str | None
                         ) -> dict[str, Any]:
        async with self.service.sessions() as session:
            rows = await repository.fact_counts(session, since=since, until=until, unit=unit)
        units = statistics.by_unit(rows)
        await self.record_query(principal, "statistics", {"from": since, "to": until, "unit": unit}, len(units))
        return {"from": since, "to": until, "units": units, "total": statistics.totals(units)}

    async def annual_report(self, principal: Principal, year: int) -> dict[str, Any]:
        since, until = date(year, 1, 1), date(year, 12, 31)
        async with self.service.sessions() as session:
            counts = await repository.fact_counts(session, since=since, until=until, unit=None)
            requests = await repository.request_facts(session, until=until)
            challenges = await repository.challenge_facts(session, until=until)
        report = {"year": year, "format": "国办公开办函〔2021〕30号",
                  "proactive": statistics.proactive_table(counts),
                  "requests": statistics.requests_table(requests, year),
                  "challenges": statistics.challenges_table(challenges, year)}
        await self.record_query(principal, "annual-report", {"year": year}, len(requests))
        return report

    async def full_annual_report(self, principal: Principal, year: int, format: str) -> dict[str, Any]:
        """The annual report in all six sections with its checks (国办公开办函〔2021〕30号), from the log."""
        since, until = date(year, 1, 1), date(year, 12, 31)
        async with self.service.sessions() as session:
            counts = await repository.fact_counts(session, since=since, until=until, unit=None)
            requests = await repository.request_facts(session, until=until)
            challenges = await repository.challenge_facts(session, until=until)
            entries = await repository.event_data(session, (c.OVERSIGHT_REPORT_FIGURES_ENTERED,
                                                            c.OVERSIGHT_REPORT_TEXT_SAVED))
            fees = await repository.event_data(session, (c.REQUESTS_FEE_SETTLED,))
        requests_table = statistics.requests_table(requests, year)
        report = annual_report.assemble(
            agency=self.config.agency_name, year=year, by_category=statistics.proactive_table(counts),
            requests=requests_table, challenges=statistics.challenges_table(challenges, year),
            entered=annual_report.entered_of(entries, year), previous=annual_report.entered_of(entries, year - 1),
            decisions=annual_report.decisions_from_events(counts), fees=annual_report.fees_from_events(fees, year),
            answered_by_year_end=annual_report.answered_count(requests, until))
        await self.record_query(principal, f"annual-report-{format}", {"year": year}, len(requests))
        return report


def _checkpoint(row: Any) -> dict[str, Any]:
    return {"size": row["size"], "root": b64(bytes(row["root"])), "note": row["note"], "signed_at": row["signed_at"]}
