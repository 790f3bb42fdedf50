"""What every fault test shares: the system under test, the burst, the observers and the ledger that counts.

One system serves the whole fault suite (``conftest.fault_system``): the four services as processes, on a
namespace and a database of their own, reaching RabbitMQ and PostgreSQL each through a ``TcpProxy`` (so that a
test can cut every connection to either). Starting four interpreters on a busy 2-core machine takes most of a
minute, so they are started once; each test begins with all four running and ready and the proxy open
(``FaultSystem.ensure``), and counts only the items it submitted itself.

The ledger is a total-order checker in the spirit of Jepsen's total-queue checker: every command sent is an
item that must come out exactly once at every end — one public (or staff) event id per item and channel, each
deadline opened once, each fact in the audit log once — and no item may reach the public without a signed
approval of exactly what was published. The observers are independent of the services: taps on the exchanges
straight to the broker (not through the proxy), and the services' own tables read as the administrator.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import re
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aio_pika
import asyncpg
import httpx
from gongkai.shared import contracts as c
from gongkai.shared.deadline_rules import load_policy
from gongkai.shared.decisions import KeyRing, development_signer
from gongkai.shared.envelope import CONTENT_TYPE, Envelope
from gongkai.shared.settings import Settings
from gongkai.shared.testing import Tap, connect_as
from gongkai.shared.topology import Topology
from gongkai_system import SERVICES, System
from tcp_proxy import TcpProxy

# The burst each test sends. CI keeps it small; `make faults` sends more (GONGKAI_FAULT_ITEMS=300).
ITEMS = int(os.environ.get("GONGKAI_FAULT_ITEMS", "30"))
# How long a test waits for its items to come out at every end: a base plus a share per item.
SETTLE_TIMEOUT = float(os.environ.get("GONGKAI_FAULT_TIMEOUT", "90")) + ITEMS * 0.5
# Once everything arrived, how long to go on listening for anything that would come twice.
LINGER_SECONDS = float(os.environ.get("GONGKAI_FAULT_LINGER_SECONDS", "2"))
# Where the figures of each test go as JSON lines, besides the summary printed at the end of the run.
REPORT_FILE = os.environ.get("GONGKAI_FAULT_REPORT")

NOTICE = {"body": "自2026年12月1日起，3路公交车调整走向。", "category": "S07"}
INTERNAL = {"body": "全年目标完成情况如下。", "category": "N01", "audience": "internal"}
REVIEW_KEYS = KeyRing([development_signer().verifier])
POLICY = load_policy()  # the rules notification counts with: which of them a submission opens
DUPLICATE_LOG = re.compile(r'"message": "duplicate (event|command) ignored"')


def notices(count: int, label: str, template: dict[str, Any] = NOTICE) -> list[dict[str, Any]]:
    """``count`` distinct items (the title names the test, so a log line tells which burst it belongs to)."""
    return [{**template, "title": f"关于调整城区公交线路的公告（{label}第{n}号）"} for n in range(count)]


def through(url: str, port: int) -> str:
    """``url`` with its host and port replaced by the proxy's (credentials and path kept)."""
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)
    host = f"127.0.0.1:{port}"
    return urlunsplit(parts._replace(netloc=f"{netloc[0]}@{host}" if len(netloc) == 2 else host))


async def until(condition: Callable[[], bool | Awaitable[bool]], timeout: float, every: float = 0.2) -> bool:
    """Wait until ``condition()`` holds; False (not an exception) when ``timeout`` passes first, so that a test
    can still count what did arrive and say so in its assertion."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return True
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(every)


# ---- the system under test ------------------------------------------------------------------------


class FaultSystem:
    """The four services as processes, their broker and database connections through proxies the test can cut."""

    def __init__(self, settings: Settings, log_dir: Path) -> None:
        self.settings = settings  # the administrators' URLs: what the test's own observers use
        broker = urlsplit(settings.amqp_url)
        database = urlsplit(settings.database_url.replace("+asyncpg", ""))
        self.broker = TcpProxy(broker.hostname or "127.0.0.1", broker.port or 5672)
        self.database = TcpProxy(database.hostname or "127.0.0.1", database.port or 5432)
        self.log_dir = log_dir
        self.cut_off: set[str] = set()
        self.system: System

    def __enter__(self) -> FaultSystem:
        self.broker.__enter__()
        self.database.__enter__()
        proxied = self.settings.model_copy(update={
            "amqp_url": through(self.settings.amqp_url, self.broker.port),
            "database_url": through(self.settings.database_url, self.database.port)})
        self.system = System(proxied, self.log_dir)
        self.system.migrate()
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.restore()
            self.system.stop()
        finally:
            self.database.__exit__(*exc)
            self.broker.__exit__(*exc)

    def url(self, service: str) -> str:
        return self.system.url(service)

    def cut(self, what: str = "broker") -> None:
        """Close every connection the services have to the broker (or the database) and refuse new ones."""
        getattr(self, what).cut()
        self.cut_off.add(what)

    def restore(self) -> None:
        for what in sorted(self.cut_off):
            getattr(self, what).restore()
        self.cut_off.clear()

    def kill(self, *services: str) -> None:
        """SIGKILL: no shutdown of any kind (the relay's batch and the consumers' deliveries are cut short)."""
        for name in services:
            self.system.kill(name)

    async def start(self, *services: str) -> None:
        """Start ``services`` and wait until each answers ``/ready`` (in a thread: the taps keep listening)."""
        await asyncio.to_thread(self.system.start, *services)

    async def ensure(self) -> None:
        """Every service running and ready, the proxies open: how each test finds the system."""
        self.restore()
        dead = [name for name in SERVICES
                if name not in self.system.processes or self.system.processes[name].poll() is not None]
        for name in dead:
            self.system.processes.pop(name, None)
        if dead:
            await self.start(*dead)
        for name in SERVICES:
            await asyncio.to_thread(self.system.wait_ready, name)

    def duplicates_absorbed(self) -> int:
        """How many deliveries the services' inboxes recognised as handled before (their logs say so)."""
        total = 0
        for name in SERVICES:
            path = self.log_dir / f"{name}.log"
            if path.exists():
                total += len(DUPLICATE_LOG.findall(path.read_text(errors="replace")))
        return total

    async def health(self, service: str) -> dict[str, Any]:
        async with httpx.AsyncClient(timeout=5) as client:
            return (await client.get(f"{self.url(service)}/health")).json()

    async def readiness(self) -> dict[str, dict[str, str]]:
        """Each service's ``/ready`` problems, asked of all four at once (empty when ready)."""

        async def ask(client: httpx.AsyncClient, name: str) -> dict[str, str]:
            try:
                answer = await client.get(f"{self.url(name)}/ready")
            except httpx.HTTPError as exc:
                return {"http": type(exc).__name__}
            return (answer.json().get("problems") or {}) if answer.status_code == 503 else {}

        async with httpx.AsyncClient(timeout=3) as client:
            answers = await asyncio.gather(*(ask(client, name) for name in SERVICES))
        return dict(zip(SERVICES, answers, strict=True))

    async def readiness_during(self, seconds: float) -> list[dict[str, dict[str, str]]]:
        """``readiness`` about once a second for ``seconds`` (by the clock, however slow the answers)."""
        seen = []
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            try:
                seen.append(await asyncio.wait_for(self.readiness(), timeout=left))
            except TimeoutError:
                break
            await asyncio.sleep(min(1.0, max(0.0, end - time.monotonic())))
        return seen


# ---- the broker, as the administrator -------------------------------------------------------------


async def parked(settings: Settings) -> dict[str, int]:
    """How many messages each parking queue holds."""
    topology = Topology(settings.namespace)
    connection = await aio_pika.connect(settings.amqp_url)
    async with connection:
        channel = await connection.channel()
        counts = {}
        for name in ("parking", "audit.parking"):
            queue = await channel.declare_queue(topology.queue(name), passive=True)
            counts[name] = queue.declaration_result.message_count or 0
        return counts


async def parked_messages(settings: Settings) -> list[tuple[str, Envelope | None, dict[str, Any]]]:
    """Every parked message (queue, envelope, headers), looked at and put back (basic.get, then nack)."""
    topology = Topology(settings.namespace)
    found: list[tuple[str, Envelope | None, dict[str, Any]]] = []
    connection = await aio_pika.connect(settings.amqp_url)
    async with connection:
        for name in ("parking", "audit.parking"):
            channel = await connection.channel()
            queue = await channel.declare_queue(topology.queue(name), passive=True)
            held = []
            while (message := await queue.get(fail=False, no_ack=False)) is not None:
                held.append(message)
                try:
                    envelope: Envelope | None = Envelope.model_validate_json(message.body)
                except ValueError:
                    envelope = None
                found.append((name, envelope, dict(message.headers or {})))
            for message in held:
                await message.nack(requeue=True)
            await channel.close()
    return found


async def publish_all(settings: Settings, party: str, exchange: str, envelopes: list[Envelope]) -> None:
    """Publish ``envelopes`` one after the other as ``party``'s account (its ``user_id``), each confirmed before
    the next is sent: every queue bound to them gets them in this order."""
    connection = await connect_as(settings, party)
    async with connection:
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        target = await channel.get_exchange(Topology(settings.namespace).exchange(exchange), ensure=False)
        for envelope in envelopes:
            await target.publish(
                aio_pika.Message(envelope.to_bytes(), message_id=envelope.id, content_type=CONTENT_TYPE,
                                 delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                                 user_id=settings.broker_account(party)),
                routing_key=envelope.routing_key, mandatory=True)


async def purge(settings: Settings, queue: str) -> int:
    """Empty one of the namespace's queues (as the administrator); how many messages it held."""
    connection = await aio_pika.connect(settings.amqp_url)
    async with connection:
        channel = await connection.channel()
        declared = await channel.declare_queue(Topology(settings.namespace).queue(queue), passive=True)
        return (await declared.purge()).message_count or 0


# ---- the observers and the ledger --------------------------------------------------------------------


@dataclass
class Figures:
    """What one fault test counted; the suite prints them all at the end (docs/faults.md has a run's)."""

    test: str
    items: int
    lost: int = 0  # an item that did not reach every channel it was sent to
    missing_effects: int = 0  # a deadline never opened, a fact missing from the audit log
    duplicate_publications: int = 0  # more than one public/staff event id for an item and channel
    duplicate_deadlines: int = 0  # a deadline rule opened twice for one item (or case)
    duplicate_audit: int = 0  # a message recorded twice in the audit log
    unreviewed: int = 0  # a public/staff event without a signed approval of what it published
    parked: int = 0  # messages the test's burst added to the parking queues
    wire_copies: int = 0  # public/staff deliveries beyond the first of each event id (at least once)
    absorbed: int = 0  # deliveries the inboxes ignored as handled before
    seconds: float = 0.0
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def duplicate_effects(self) -> int:
        return self.duplicate_publications + self.duplicate_deadlines + self.duplicate_audit


REPORTED: list[Figures] = []


def report(figures: Figures) -> Figures:
    REPORTED.append(figures)
    if REPORT_FILE:
        with open(REPORT_FILE, "a", encoding="utf-8") as out:
            out.write(json.dumps(asdict(figures), ensure_ascii=False, default=str) + "\n")
    return figures


class Observer:
    """Watches one test's burst at every end: the public and staff exchanges, review's and publishing's facts
    on the events exchange (as the administrator, straight to the broker), and the services' tables."""

    def __init__(self, faults: FaultSystem, name: str, *, staff_tap: bool = True) -> None:
        """``staff_tap=False``: no queue of the test's is bound to the staff exchange (a tap's queue would make
        any staff event routable); staff events are then read from the audit log instead."""
        self.faults = faults
        self.settings = faults.settings
        self.name = name
        self.public = Tap(self.settings, "public")
        self.staff = Tap(self.settings, "staff", account=None) if staff_tap else None
        self.reviews = Tap(self.settings, "events", "review.#")
        self.disclosures = Tap(self.settings, "events", "disclosure.#")
        self.taps = tuple(t for t in (self.public, self.staff, self.reviews, self.disclosures) if t is not None)
        self._audited_staff: list[tuple[str, Envelope]] = []

    async def __aenter__(self) -> Observer:
        for tap in self.taps:
            await tap.__aenter__()
        self.started = time.monotonic()
        self.parked_before = sum((await parked(self.settings)).values())
        self.absorbed_before = self.faults.duplicates_absorbed()
        return self

    async def __aexit__(self, *exc: object) -> None:
        for tap in reversed(self.taps):
            await tap.__aexit__(*exc)

    # ---- what each item is expected to reach ----

    def submitted(self, sent: dict[str, float]) -> dict[str, Envelope]:
        """Command id → the first ``disclosure.submitted`` it caused."""
        found: dict[str, Envelope] = {}
        for envelope in self.disclosures.of_type(c.DISCLOSURE_SUBMITTED):
            if envelope.correlationid in sent and envelope.data.get("version") == 1:
                found.setdefault(envelope.correlationid, envelope)
        return found

    @staticmethod
    def channels(submitted: Envelope) -> set[str]:
        """The routing keys its publication goes out with: one per channel."""
        return {f"{channel}.{submitted.data['category']}.published" for channel in submitted.data["channels"]}

    def announcements(self) -> list[tuple[str, Envelope]]:
        staff = self.staff.messages if self.staff is not None else self._audited_staff
        return [*self.public.messages, *staff]

    def published(self, sent: dict[str, float]) -> dict[str, dict[str, set[str]]]:
        """Command id → routing key → the distinct event ids seen for it."""
        seen: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        for key, envelope in self.announcements():
            if envelope.correlationid in sent and key.endswith(".published"):
                seen[envelope.correlationid][key].add(envelope.id)
        return seen

    def out_everywhere(self, sent: dict[str, float]) -> bool:
        submitted, published = self.submitted(sent), self.published(sent)
        return len(submitted) == len(sent) and all(
            self.channels(s) <= set(published.get(command, {})) for command, s in submitted.items())

    async def complete(self, sent: dict[str, float], *, review_sla: bool = True,
                       timeout: float = SETTLE_TIMEOUT) -> bool:
        """Wait until every item is out on every channel, its deadlines are open and audit has its publication;
        then listen a little longer for anything that would come twice. False when the timeout passed."""

        async def done() -> bool:
            counts = await self._tables(sent)
            if not self.out_everywhere(sent):
                return False
            return (not _missing(counts, list(self.submitted(sent).values()), review_sla))

        finished = await until(done, timeout, every=0.5)
        await asyncio.sleep(LINGER_SECONDS)
        return finished

    # ---- the ledger ----

    async def ledger(self, sent: dict[str, float], *, review_sla: bool = True, **notes: Any) -> Figures:
        counts = await self._tables(sent)
        submitted = self.submitted(sent)
        published = self.published(sent)
        figures = Figures(test=self.name, items=len(sent), notes=notes)
        figures.lost = sum(1 for command in sent
                           if command not in submitted
                           or not self.channels(submitted[command]) <= set(published.get(command, {})))
        figures.duplicate_publications = sum(len(ids) - 1 for keys in published.values() for ids in keys.values())
        announced = [(k, e) for k, e in self.announcements() if e.correlationid in sent]
        figures.wire_copies = len(announced) - len({(k, e.id) for k, e in announced})

        figures.missing_effects = _missing(counts, list(submitted.values()), review_sla)
        figures.duplicate_deadlines = sum(n - 1 for n in counts["rules"].values() if n > 1)
        figures.duplicate_audit = sum(n - 1 for n in counts["audit_copies"].values() if n > 1)
        figures.missing_effects += len({e.id for _, e in announced} - counts["audit_ids"])
        figures.unreviewed = len(self.unreviewed(announced, counts["approved_cases"]))
        figures.parked = sum((await parked(self.settings)).values()) - self.parked_before
        figures.absorbed = self.faults.duplicates_absorbed() - self.absorbed_before
        figures.seconds = round(time.monotonic() - self.started, 1)
        figures.notes.setdefault("open_deadlines", counts["open"])
        return report(figures)

    def approvals(self) -> set[tuple[str, int, str]]:
        """(item, version, content hash) of every approval review signed (and whose signature verifies)."""
        signed = set()
        for envelope in self.reviews.of_type(c.REVIEW_APPROVED):
            decision = c.ReviewDecided.model_validate(envelope.data)
            if REVIEW_KEYS.problem(c.REVIEW_APPROVED, decision) is None:
                signed.add((decision.item_id, decision.version, decision.content_hash))
        return signed

    def unreviewed(self, announced: list[tuple[str, Envelope]], cases: set[tuple[str, int, str]]
                   ) -> list[Envelope]:
        """Announcements with neither a signed approval on the wire nor an approved case in review's table."""
        approved = self.approvals() | cases
        return [e for _, e in announced
                if (e.data["item_id"], e.data["version"], e.data["content_hash"]) not in approved]

    async def _tables(self, sent: dict[str, float]) -> dict[str, Any]:
        items = [e.subject for e in self.submitted(sent).values()]
        commands = list(sent)
        connection = await asyncpg.connect(self.settings.database_url.replace("+asyncpg", ""))
        try:
            deadlines = await connection.fetch(
                "select item_id, rule, state from notification.deadlines where item_id = any($1)", items)
            audit = await connection.fetch(
                "select type, subject, event_id, exchange, count(*) as n from audit.events "
                "where correlation_id = any($1) and not dead_lettered group by type, subject, event_id, exchange",
                commands)
            cases = await connection.fetch(
                "select item_id, version, content_hash from review.cases where state = 'approved' "
                "and item_id = any($1)", items)
            if self.staff is None:
                staff = await connection.fetch(
                    "select routing_key, body from audit.events where exchange = $1 and subject = any($2) "
                    "and not dead_lettered order by seq", Topology(self.settings.namespace).exchange("staff"), items)
                self._audited_staff = [(row["routing_key"], Envelope.model_validate_json(row["body"]))
                                       for row in staff]
        finally:
            await connection.close()
        rules: dict[tuple[str, str], int] = defaultdict(int)
        for row in deadlines:
            rules[row["item_id"], row["rule"]] += 1
        copies: dict[str, int] = defaultdict(int)
        recorded: dict[tuple[str, str], int] = defaultdict(int)
        for row in audit:
            copies[row["event_id"]] += row["n"]
            recorded[row["subject"], row["type"]] += 1
        return {"rules": rules, "audit_copies": copies, "audit": recorded,
                "audit_ids": {row["event_id"] for row in audit},
                "open": sum(1 for row in deadlines if row["state"] in ("open", "paused")
                            and row["rule"] == "review-sla"),
                "approved_cases": {(r["item_id"], r["version"], r["content_hash"]) for r in cases}}


def _missing(counts: dict[str, Any], submitted: list[Envelope], review_sla: bool) -> int:
    """Effects an item should have and has not: its deadlines (one per rule), its submission and its
    publication in the audit log."""
    missing = 0
    for envelope in submitted:
        item = envelope.subject
        rule = POLICY.rules.get(envelope.data.get("deadline_rule") or "")
        wanted = ([rule.id] if rule and c.DISCLOSURE_SUBMITTED in rule.opened_by else []) + \
            (["review-sla"] if review_sla else [])
        missing += sum(1 for rule in wanted if counts["rules"].get((item, rule), 0) == 0)
        missing += sum(1 for kind in (c.DISCLOSURE_SUBMITTED, c.DISCLOSURE_PUBLISHED)
                       if counts["audit"].get((item, kind), 0) == 0)
    return missing


def summary_lines(figures: list[Figures]) -> list[str]:
    """The figures as the table docs/faults.md shows."""
    head = ("test", "items", "lost", "missing", "dup. effects", "unreviewed", "parked", "wire copies",
            "absorbed", "s")
    rows = [head] + [(f.test, f.items, f.lost, f.missing_effects, f.duplicate_effects, f.unreviewed, f.parked,
                      f.wire_copies, f.absorbed, f.seconds) for f in figures]
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(head))]
    return ["  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)) for row in rows]
