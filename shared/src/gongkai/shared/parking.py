"""Operating the parking queues: what is parked, and putting it back or removing it, each recorded in the audit log.

A message that keeps failing is dead-lettered to ``<ns>.dlx`` and kept in ``<ns>.parking``; audit's own queues
park theirs in ``<ns>.audit.parking``. RabbitMQ writes where and why in the ``x-death`` header (latest first:
queue, reason, count, time, and the exchange and routing keys it had there) and names the exchange it was first
published to in ``x-first-death-exchange``.

Reading takes every parked message with ``basic.get`` and manual acknowledgement on the operator's connection
(``AMQP_URL``: plain AMQP, so it works wherever the broker's port is reachable, compose included, without the
management plugin or ``rabbitmqctl``), holds them while the command runs, and settles them in the order they came:
what was replayed or dropped is acked right after its replay or its record committed, the rest is nacked with
requeue at the end, in order. A quorum queue hands returned messages out again before the others, in the order
they were returned, so the queue keeps its order. Both go a few at a time, each few applied before the next is
sent (see ``take`` and ``_give_back``). A connection lost midway returns every message still held, but in no
particular order.

A fact (the events, public and staff exchanges) is replayed by the outbox of the service that sent it, so that
its relay sends it again as that service's broker account: consumers trust a fact only from its owner's
``user_id``, which RabbitMQ lets no other account set. Its outbox row (``event_id`` is unique) is re-armed
(``sent_at`` cleared), or added when there is none. A fact whose ``user_id`` is not an account of its type's
senders was parked as a forgery, and is never replayed. A command (the intake exchange) is published again by
the operator, with its headers (the bearer token in ``authorization`` says who sent it). Each replay and drop is
a fact, ``parking.replayed`` or ``parking.dropped``, with an id derived from the parked copies (a retried command
records it once), written to the owner's outbox in the same transaction as the replay (audit's when there is no
owner); audit records it like any other event.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import aio_pika
from aio_pika.abc import AbstractIncomingMessage
from sqlalchemy import MetaData, Table, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from . import contracts as c
from .accounts import SERVICES, user_of
from .db import messaging_tables
from .envelope import CONTENT_TYPE, Envelope, MalformedEnvelope, message_key, parse
from .errors import CommandFailed
from .messages import MESSAGES, MessageSpec
from .settings import Settings
from .topology import Topology

PARKING_QUEUES = ("parking", "audit.parking")
FACT_EXCHANGES = ("events", "public", "staff")
COMMANDS = "intake"
RECORDER = "audit"  # records what has no owning service: commands, forgeries, bodies that are not envelopes
MAX_HELD = 100_000  # parked messages one command reads at most
AT_ONCE = 8  # acks or nacks sent before waiting for the queue to apply them
DEATH_HEADERS = ("x-death", "x-first-death-", "x-last-death-", "x-delivery-count")
SECRET_HEADERS = ("authorization",)


# ---- what one parked copy says about itself ---------------------------------------------------------------


@dataclass(frozen=True)
class Death:
    """One entry of ``x-death``: a queue the message died in, why, how often, and what it was sent with."""

    queue: str
    reason: str
    count: int
    time: datetime | None
    exchange: str
    routing_keys: tuple[str, ...]


def message_count(declared: aio_pika.abc.AbstractQueue) -> int:
    """The messages ready in a queue just declared (a passive declare counts without changing it)."""
    count = declared.declaration_result.message_count
    assert count is not None, "a Queue.DeclareOk off the wire has its count (pamqp's type is for building one)"
    return count


def deaths_of(headers: Mapping[str, Any]) -> tuple[Death, ...]:
    raw = headers.get("x-death")
    if not isinstance(raw, list | tuple):
        return ()
    out = []
    for entry in raw:
        if not isinstance(entry, Mapping):
            continue
        keys = entry.get("routing-keys")
        count = entry.get("count")
        out.append(Death(queue=_text(entry.get("queue")), reason=_text(entry.get("reason")),
                         count=count if isinstance(count, int) and not isinstance(count, bool) else 0,
                         time=_moment(entry.get("time")), exchange=_text(entry.get("exchange")),
                         routing_keys=tuple(_text(k) for k in keys) if isinstance(keys, list | tuple) else ()))
    return tuple(out)


@dataclass
class Parked:
    """One parked copy, held (unacknowledged) on the operator's channel."""

    parked_in: str
    delivery: AbstractIncomingMessage
    id: str
    envelope: Envelope | None
    deaths: tuple[Death, ...]

    @classmethod
    def of(cls, parked_in: str, delivery: AbstractIncomingMessage) -> Parked:
        body = bytes(delivery.body)
        try:
            envelope = parse(body)
        except (MalformedEnvelope, RecursionError):
            envelope = None
        return cls(parked_in, delivery, message_key(delivery.message_id, body), envelope,
                   deaths_of(delivery.headers or {}))

    @property
    def body(self) -> bytes:
        return bytes(self.delivery.body)

    @property
    def headers(self) -> Mapping[str, Any]:
        return self.delivery.headers or {}

    @property
    def user_id(self) -> str | None:
        return self.delivery.user_id

    @property
    def type(self) -> str | None:
        return self.envelope.type if self.envelope else None

    @property
    def latest(self) -> Death:
        """The dead-lettering that put it in this parking queue."""
        return self.deaths[0] if self.deaths else Death("", "", 0, None, "", ())

    @property
    def first(self) -> Death:
        """Its first dead-lettering: in the queue its first exchange and routing key delivered it to."""
        queue = _text(self.headers.get("x-first-death-queue"))
        return next((d for d in self.deaths if d.queue == queue), self.deaths[-1] if self.deaths else self.latest)

    @property
    def exchange(self) -> str:
        """The exchange it was first published to."""
        first = self.headers.get("x-first-death-exchange")
        return _text(first) if first is not None else self.first.exchange

    @property
    def routing_key(self) -> str:
        keys = self.first.routing_keys
        return keys[0] if keys else self.delivery.routing_key or ""

    def copy(self) -> c.ParkedCopy:
        return c.ParkedCopy(parked_in=self.parked_in, queue=self.latest.queue or "-", reason=self.latest.reason or "-",
                            count=self.latest.count, died_at=self.latest.time)

    def summary(self, settings: Settings) -> dict[str, Any]:
        """One line of ``gongkai parking list``."""
        latest = self.latest
        return {"id": self.id, "type": self.type, "from": sender_of(self, settings), "account": self.user_id,
                "source": self.envelope.source if self.envelope else None,
                "died_in": latest.queue, "reason": latest.reason, "times": latest.count,
                "died_at": latest.time.isoformat() if latest.time else None, "parked_in": self.parked_in,
                "exchange": self.exchange, "routing_key": self.routing_key}

    def detail(self) -> dict[str, Any]:
        """Everything ``gongkai parking show`` prints: the delivery, its headers (secrets hidden), the envelope."""
        d = self.delivery
        properties = {"message_id": d.message_id, "user_id": d.user_id, "correlation_id": d.correlation_id,
                      "reply_to": d.reply_to, "content_type": d.content_type, "content_encoding": d.content_encoding,
                      "delivery_mode": int(d.delivery_mode) if d.delivery_mode is not None else None,
                      "priority": d.priority, "timestamp": d.timestamp, "type": d.type, "app_id": d.app_id,
                      "expiration": d.expiration}
        headers = {k: ("<hidden>" if k.lower() in SECRET_HEADERS else v) for k, v in self.headers.items()}
        out: dict[str, Any] = {
            "parked_in": self.parked_in, "died_in": self.latest.queue, "reason": self.latest.reason,
            "first_exchange": self.exchange, "first_routing_key": self.routing_key,
            "properties": {k: v for k, v in properties.items() if v is not None},
            "headers": headers,
        }
        if self.envelope is not None:
            out["envelope"] = json.loads(self.body)
        else:
            out["body"] = self.body.decode("utf-8", errors="replace")
        document: dict[str, Any] = jsonable(out)
        return document


def sender_of(parked: Parked, settings: Settings) -> str:
    """Who sent it, as RabbitMQ vouches (``user_id``): the party of an account, else the account as it is."""
    if parked.user_id and parked.user_id.startswith(settings.broker_prefix):
        return parked.user_id.removeprefix(settings.broker_prefix)
    return parked.user_id or "no account"


# ---- holding the parked messages ---------------------------------------------------------------------------


class ParkingQueues:
    """Every message of the parking queues, held on the operator's channel until the ``async with`` ends."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.topology = Topology(settings.namespace)
        self.parked: list[Parked] = []
        self.truncated = False
        self._taken: set[int] = set()
        self._queues: dict[str, aio_pika.abc.AbstractQueue] = {}
        self._connection: aio_pika.abc.AbstractConnection | None = None

    async def __aenter__(self) -> ParkingQueues:
        try:
            self._connection = await aio_pika.connect(self.settings.amqp_url)
        except (OSError, aio_pika.exceptions.AMQPError) as exc:
            who = user_of(self.settings.amqp_url) or "the default account"
            raise CommandFailed(f"cannot connect to the broker at {_host(self.settings.amqp_url)} as {who}: "
                                f"{exc}") from exc
        try:
            await self._read()
        except BaseException:
            await self.__aexit__()
            raise
        return self

    @property
    def connection(self) -> aio_pika.abc.AbstractConnection:
        """The operator's connection, open only inside the ``async with``."""
        if self._connection is None:
            raise RuntimeError("the parking queues are read only inside `async with ParkingQueues(...)`")
        return self._connection

    async def _read(self) -> None:
        channel = await self.connection.channel()
        missing = await self.topology.missing(self.connection, exchanges=[],
                                              queues=[self.topology.queue(q) for q in PARKING_QUEUES])
        if missing:
            raise CommandFailed(f"no queue {', '.join(missing)} on the broker: run `gongkai broker setup` "
                                f"(namespace {self.settings.namespace})")
        for logical in PARKING_QUEUES:
            name = self.topology.queue(logical)
            queue = self._queues[name] = await channel.get_queue(name, ensure=False)
            while len(self.parked) < MAX_HELD:
                delivery = await queue.get(no_ack=False, fail=False)
                if delivery is None:
                    break
                self.parked.append(Parked.of(name, delivery))
            else:
                self.truncated = True

    async def take(self, copies: Sequence[Parked]) -> None:
        """Remove these copies from their parking queue (after what they were taken for has committed).

        A few acks at a time, each few followed by a ``basic.get``: the queue answers it only once it has applied
        the acks sent before it. (Past 32 commands in flight a quorum queue's client holds them back, and a
        connection closed meanwhile loses them: the messages would come back.) What that get finds arrived
        meanwhile; it is held with the rest and given back after them.
        """
        for name in dict.fromkeys(p.parked_in for p in copies):
            mine = [p for p in copies if p.parked_in == name]
            for start in range(0, len(mine), AT_ONCE):
                for parked in mine[start:start + AT_ONCE]:
                    await parked.delivery.ack()
                    self._taken.add(id(parked))
                if (arrived := await self._queues[name].get(no_ack=False, fail=False)) is not None:
                    self.parked.append(Parked.of(name, arrived))

    async def __aexit__(self, *exc: object) -> None:
        """Give back what was not taken, in the order it came, so the queues keep their order."""
        if self._connection is None:
            return
        try:
            await self._give_back()
        except (aio_pika.exceptions.AMQPError, ConnectionError):
            pass  # the connection is gone: the broker gives back every message still held (not in order)
        finally:
            await self._connection.close()
            self._connection = None

    async def _give_back(self) -> None:
        """Nack (requeue) a few at a time, each few once the queue has them back (counted by a passive declare).

        A quorum queue's client sends at most 32 commands ahead; past that it gathers the returns and sends them
        as one command later, in reverse order (RabbitMQ 3.10), which would swap the last messages given back.
        """
        counting = await self.connection.channel()
        for name in dict.fromkeys(p.parked_in for p in self.parked):
            rest = [p for p in self.parked if p.parked_in == name and id(p) not in self._taken]
            if not rest or rest[0].delivery.channel.is_closed:
                continue
            ready = await self._ready(counting, name)
            for start in range(0, len(rest), AT_ONCE):
                for parked in rest[start:start + AT_ONCE]:
                    await parked.delivery.nack(requeue=True)
                returned = min(start + AT_ONCE, len(rest))
                with contextlib.suppress(TimeoutError):  # taken meanwhile by another reader: go on
                    async with asyncio.timeout(5):
                        while await self._ready(counting, name) < ready + returned:
                            await asyncio.sleep(0.005)

    @staticmethod
    async def _ready(channel: aio_pika.abc.AbstractChannel, name: str) -> int:
        return message_count(await channel.declare_queue(name, passive=True))

    def select(self, ids: Sequence[str], *, every: bool = False, type: str | None = None,
               queue: str | None = None, what: str = "replay") -> list[list[Parked]]:
        """The parked copies asked for, grouped by message id in queue order; an unknown id refuses them all."""
        pool = [p for p in self.parked if matches(p, self.settings.namespace, type=type, queue=queue)]
        if ids:
            known = {p.id for p in pool}
            unknown = list(dict.fromkeys(i for i in ids if i not in known))
            if unknown:
                filters = " matching the filters" if type or queue else ""
                raise CommandFailed(f"nothing to {what}: no parked message{filters} has the id "
                                    f"{', '.join(unknown)} (`gongkai parking list` shows what is parked)")
            pool = [p for p in pool if p.id in set(ids)]
        elif not every:
            raise CommandFailed(f"name the messages to {what} (their ids, from `gongkai parking list`) or give --all")
        groups: dict[str, list[Parked]] = {}
        for parked in pool:
            groups.setdefault(parked.id, []).append(parked)
        return list(groups.values())


def matches(parked: Parked, namespace: str, *, type: str | None, queue: str | None) -> bool:
    if type and parked.type not in (type, f"gongkai.{type}"):
        return False
    return not queue or parked.latest.queue in (queue, f"{namespace}.{queue}")


# ---- replaying and dropping --------------------------------------------------------------------------------


class Refusal(CommandFailed):
    """This message cannot be replayed (or recorded), and why; nothing was changed for it."""


@dataclass
class Plan:
    """What replaying one message means: through whose outbox (a fact) or the intake exchange (a command)."""

    id: str
    copies: list[Parked]
    exchange: str  # logical: events, public, staff or intake
    routing_key: str
    owner: str | None  # the service that sent the fact; None for a command
    refusal: str | None = None

    @property
    def head(self) -> Parked:
        return self.copies[0]


def spec_of(type: str | None, exchange: str) -> MessageSpec | None:
    return next((m for m in MESSAGES if m.type == type and m.exchange == exchange), None)


def owner_of(parked: Parked, settings: Settings, exchange: str | None = None) -> str | None:
    """The service whose account sent this fact and that the registry names among its senders; else None."""
    spec = spec_of(parked.type, exchange or logical_exchange(parked.exchange, settings.namespace) or "")
    if spec is None or parked.user_id is None:
        return None
    return next((s for s in spec.senders if s in SERVICES and parked.user_id == settings.broker_account(s)), None)


def logical_exchange(name: str, namespace: str) -> str | None:
    logical = name.removeprefix(f"{namespace}.") if name.startswith(f"{namespace}.") else None
    return logical if logical in (*FACT_EXCHANGES, COMMANDS) else None


def plan_replay(copies: list[Parked], settings: Settings) -> Plan:
    head = copies[0]
    exchange = logical_exchange(head.exchange, settings.namespace)
    plan = Plan(head.id, copies, exchange or "", head.routing_key, None)
    if any(p.body != head.body or p.user_id != head.user_id for p in copies[1:]):
        plan.refusal = (f"its {len(copies)} parked copies differ (body or account): look at them with `gongkai "
                        "parking show`, and drop the wrong one with --queue")
    elif exchange is None:
        plan.refusal = (f"it was not published to an exchange of {settings.namespace} (but to {head.exchange!r}): "
                        "there is nowhere to send it back to")
    elif head.envelope is None:
        plan.refusal = "its body is not an envelope (`gongkai parking show` shows it): drop it"
    elif exchange == COMMANDS:
        pass
    elif spec_of(head.type, exchange) is None:
        plan.refusal = f"{head.type} is not a registered fact on the {exchange} exchange"
    elif head.envelope.id != head.id:
        plan.refusal = f"its message id is not its envelope's id ({head.envelope.id}): no outbox sent it"
    elif (owner := owner_of(head, settings, exchange)) is None:
        plan.refusal = (f"it came from {head.user_id or 'no account'}, which does not send {head.type}: the "
                        "consumers parked it as a forgery; it is never replayed (drop it)")
    else:
        plan.owner = owner
    return plan


def record_of(kind: str, data: c.ParkingAction, copies: Sequence[Parked], recorder: str) -> Envelope:
    """The fact that records a replay or a drop, with an id derived from what it is about: a retry records once."""
    head = copies[0]
    times = sorted((p.parked_in, p.latest.queue, p.latest.time.isoformat()) for p in copies if p.latest.time)
    seed = json.dumps([kind, head.id, times] if times else [kind, head.id, str(uuid.uuid4())], ensure_ascii=False)
    envelope = head.envelope
    return Envelope(id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"gongkai:parking:{seed}")), source=f"/gongkai/{recorder}",
                    type=kind, subject=envelope.subject if envelope else None,
                    correlationid=(envelope.correlationid if envelope else None) or head.id,
                    causationid=head.id, actor=data.operator, data=data.model_dump(mode="json"))


class Outboxes:
    """Each service's outbox, written as that service's runtime role (``database_url_for``: least privilege)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._engines: dict[str, AsyncEngine] = {}

    def engine(self, service: str) -> AsyncEngine:
        if service not in self._engines:
            self._engines[service] = create_async_engine(self.settings.database_url_for(service), pool_size=1,
                                                         max_overflow=0)
        return self._engines[service]

    @staticmethod
    def table(service: str) -> Table:
        return messaging_tables(MetaData(schema=service))[0]

    async def close(self) -> None:
        for engine in self._engines.values():
            await engine.dispose()

    @staticmethod
    def row(envelope: Envelope) -> dict[str, Any]:
        return {"event_id": envelope.id, "exchange": "events", "routing_key": envelope.routing_key,
                "body": envelope.to_bytes(), "correlation_id": envelope.correlationid}

    async def replay(self, plan: Plan, record: Envelope) -> str:
        """Queue the fact in its owner's outbox and its record beside it, in one transaction; how it went."""
        service, head = plan.owner, plan.head
        assert service is not None, "only a plan with an owner is replayed through an outbox"
        t = self.table(service)
        async with self.engine(service).begin() as connection:
            row = (await connection.execute(select(t.c.exchange, t.c.routing_key, t.c.body, t.c.sent_at)
                                            .where(t.c.event_id == plan.id).with_for_update())).first()
            if row is None:
                await connection.execute(insert(t).values(
                    event_id=plan.id, exchange=plan.exchange, routing_key=plan.routing_key, body=head.body,
                    correlation_id=head.delivery.correlation_id))
                how = f"added to {service}'s outbox"
            elif (row.exchange, row.routing_key, bytes(row.body)) != (plan.exchange, plan.routing_key, head.body):
                raise Refusal(f"{plan.id}: {service}'s outbox holds another message under this id "
                              f"({row.exchange} {row.routing_key}): not replayed")
            elif row.sent_at is None:
                how = f"already waiting in {service}'s outbox"
            else:
                await connection.execute(update(t).where(t.c.event_id == plan.id).values(
                    sent_at=None, next_attempt_at=func.now(), attempts=0, last_error=None, reply_to=None))
                how = f"queued again in {service}'s outbox"
            await connection.execute(pg_insert(t).values(self.row(record))
                                     .on_conflict_do_nothing(index_elements=["event_id"]))
        return how

    async def record(self, service: str, record: Envelope) -> None:
        t = self.table(service)
        async with self.engine(service).begin() as connection:
            await connection.execute(pg_insert(t).values(self.row(record))
                                     .on_conflict_do_nothing(index_elements=["event_id"]))

    async def unsent(self, sent: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
        """Of these event ids per service, those the relay has not sent yet."""
        out: dict[str, list[str]] = {}
        for service, ids in sent.items():
            t = self.table(service)
            async with self.engine(service).connect() as connection:
                rows = (await connection.execute(select(t.c.event_id).where(t.c.event_id.in_(list(ids)),
                                                                            t.c.sent_at.is_(None)))).all()
            if rows:
                out[service] = [r.event_id for r in rows]
        return out


def action_data(model: type[c.ParkingAction], copies: Sequence[Parked], operator: str, reason: str | None,
                **extra: Any) -> c.ParkingAction:
    head = copies[0]
    return model(message_id=head.id, message_type=head.type[:128] if head.type else None,
                 account=head.user_id[:128] if head.user_id else None, exchange=head.exchange or "-",
                 routing_key=head.routing_key or "-", copies=[p.copy() for p in copies], operator=operator,
                 reason=reason, **extra)


@dataclass
class Outcome:
    id: str
    type: str | None
    done: bool
    how: str
    service: str | None = None  # the outbox it was queued in (facts)


class Operator:
    """Replays and drops on one set of held parking queues, each recorded; ``operator`` is who runs it."""

    def __init__(self, queues: ParkingQueues, operator: str) -> None:
        self.queues = queues
        self.settings = queues.settings
        self.operator = operator
        self.outboxes = Outboxes(self.settings)
        self._publisher: aio_pika.abc.AbstractExchange | None = None

    async def close(self) -> None:
        await self.outboxes.close()

    async def _intake(self) -> aio_pika.abc.AbstractExchange:
        if self._publisher is None:
            channel = await self.queues.connection.channel(publisher_confirms=True, on_return_raises=True)
            self._publisher = await channel.get_exchange(self.queues.topology.exchange(COMMANDS), ensure=False)
        return self._publisher

    async def replay(self, plan: Plan, reason: str | None) -> Outcome:
        head = plan.head
        if plan.refusal:
            raise Refusal(f"{plan.id}: {plan.refusal}")
        if plan.owner is not None:
            data = action_data(c.ParkingReplayed, plan.copies, self.operator, reason, via="outbox",
                               sent_by=plan.owner)
            how = await self.outboxes.replay(plan, record_of(c.PARKING_REPLAYED, data, plan.copies, plan.owner))
            await self.queues.take(plan.copies)
            return Outcome(plan.id, head.type, True, how, plan.owner)
        await self._publish_command(head, plan.routing_key)
        account = user_of(self.settings.amqp_url) or "the operator"
        data = action_data(c.ParkingReplayed, plan.copies, self.operator, reason, via="intake", sent_by=account)
        await self.outboxes.record(RECORDER, record_of(c.PARKING_REPLAYED, data, plan.copies, RECORDER))
        await self.queues.take(plan.copies)
        return Outcome(plan.id, head.type, True, f"published again on {self.queues.topology.exchange(COMMANDS)} "
                                                 f"as {account}")

    async def _publish_command(self, head: Parked, routing_key: str) -> None:
        d = head.delivery
        headers = {k: v for k, v in head.headers.items() if not k.startswith(DEATH_HEADERS)}
        message = aio_pika.Message(head.body, headers=headers, content_type=d.content_type or CONTENT_TYPE,
                                   content_encoding=d.content_encoding, delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                                   priority=d.priority, correlation_id=d.correlation_id, reply_to=d.reply_to,
                                   message_id=d.message_id, timestamp=d.timestamp, type=d.type, app_id=d.app_id,
                                   user_id=user_of(self.settings.amqp_url))
        try:
            await (await self._intake()).publish(message, routing_key=routing_key, mandatory=True, timeout=10)
        except (aio_pika.exceptions.AMQPError, TimeoutError) as exc:
            raise Refusal(f"{head.id}: the broker did not take the command back ({type(exc).__name__}: {exc}); "
                          "it stays parked") from exc

    async def drop(self, copies: list[Parked], reason: str) -> Outcome:
        head = copies[0]
        owner = owner_of(head, self.settings) if all(p.body == head.body for p in copies) else None
        recorder = owner or RECORDER
        data = action_data(c.ParkingDropped, copies, self.operator, reason)
        await self.outboxes.record(recorder, record_of(c.PARKING_DROPPED, data, copies, recorder))
        await self.queues.take(copies)
        return Outcome(head.id, head.type, True, f"dropped ({len(copies)} parked "
                                                 f"cop{'y' if len(copies) == 1 else 'ies'}), recorded by {recorder}")

    async def wait_sent(self, outcomes: Sequence[Outcome], seconds: float) -> dict[str, list[str]]:
        """Wait until the owners' relays sent the replayed facts; what is still unsent after ``seconds``."""
        sent: dict[str, list[str]] = {}
        for outcome in outcomes:
            if outcome.done and outcome.service:
                sent.setdefault(outcome.service, []).append(outcome.id)
        unsent = await self.outboxes.unsent(sent)
        deadline = asyncio.get_running_loop().time() + seconds
        while unsent and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.2)
            unsent = await self.outboxes.unsent(unsent)
        return unsent


# ---- helpers -----------------------------------------------------------------------------------------------


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", errors="replace")
    return str(value)


def _moment(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    return None


def _host(url: str) -> str:
    return url.rpartition("@")[2].rstrip("/") or url


def jsonable(value: Any) -> Any:
    """AMQP field values as JSON: bytes as text (or base64), times as ISO 8601."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, bytes | bytearray):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            return "base64:" + base64.b64encode(bytes(value)).decode()
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value
