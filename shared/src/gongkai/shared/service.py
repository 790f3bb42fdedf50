"""The runtime every service is built on: database, broker, outbox relay, consumers, HTTP edge.

A service module builds one ``Service``, registers its consumers (``on_events``, ``on_commands``)
and HTTP routers, and hands it to ``http_app``. Starting checks that the service connects as its own
broker account and that the operator's set-up (``gongkai broker setup``) declared its exchanges and
queues, then starts the relay and the subscribers; stopping (SIGTERM) lets in-flight messages finish
(or go back to the queue unacked), flushes the outbox and closes every connection.

A fact is trusted only from the account of a service that sends it (the message registry's
``senders``; RabbitMQ vouches for the ``user_id``): any other is parked and an ``access.refused``
recorded. Commands are accepted from any account the broker let write to the intake exchange; the
bearer token says who the person is.
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import json
import logging
import re
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from faststream import AckPolicy
from faststream.exceptions import RejectMessage
from faststream.rabbit import Channel, RabbitBroker
from faststream.rabbit.annotations import RabbitMessage
from pydantic import BaseModel, ValidationError
from sqlalchemy import MetaData, Table, text

from . import failover, preflight
from .accounts import party_of
from .acks import Acks
from .consumers import CommandConsumer, CommandHandler, Consuming, EventConsumer, EventHandler, Relevant, decode
from .db import create_engine, session_factory
from .direct import DirectConsumers, DirectHandler
from .envelope import Envelope, describe_validation_error
from .errors import Refused
from .identity import Directory, Principal
from .messages import MESSAGES
from .origin import Origin
from .outbox import OutboxRelay
from .settings import Settings
from .topology import Topology
from .unit_of_work import UnitOfWork

log = logging.getLogger("gongkai.service")

M = TypeVar("M", bound=BaseModel)

def request_fingerprint(command: Envelope) -> str:
    """What makes two requests the same request: the command's type, subject and data."""
    canonical = json.dumps([command.type, command.subject, command.data], ensure_ascii=False, sort_keys=True,
                           separators=(",", ":"), default=str)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


GRACEFUL_SECONDS = 20.0  # how long a stopping service lets the deliveries in hand finish

# Server-named reply queues only: a command must not make a service send its answer into another queue.
REPLY_QUEUE = re.compile(r"amq\.(gen-|rabbitmq\.reply-to\.)[A-Za-z0-9_.+/=-]{1,200}")


def payload(model: type[M], data: dict[str, Any]) -> M:
    """Validate a message's data; a bad one is refused with the first errors as the reason."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise Refused(describe_validation_error(exc), status=422) from exc


class Service:
    def __init__(self, name: str, metadata: MetaData, settings: Settings,
                 unit_of_work: type[UnitOfWork] = UnitOfWork, *, plan_each: bool = False) -> None:
        self.name = name
        self.origin = Origin.of(name)
        self.source = self.origin.source
        self.actor = self.origin.actor
        self.unit_of_work = unit_of_work
        self.settings = settings
        self.metadata = metadata
        self.topology = Topology(settings.namespace)
        self.directory = Directory.load(settings.credentials_path)
        self.account = settings.broker_account(name)
        self.amqp_url = settings.amqp_url_for(name)
        self.amqp_urls = settings.amqp_urls_for(name)  # the cluster's nodes, this one first
        self.owners = {spec.type: frozenset(settings.broker_account(party_of(s)) for s in spec.senders)
                       for spec in MESSAGES}
        self.outbox: Table = metadata.tables[f"{name}.outbox"]
        self.inbox: Table = metadata.tables[f"{name}.inbox"]
        self.engine = create_engine(settings.database_url_for(name), plan_each=plan_each)  # see db.PLAN_EACH
        self.sessions = session_factory(self.engine)
        self.relay = OutboxRelay(self.sessions, self.outbox, self.topology, self.amqp_urls, user_id=self.account,
                                 batch=settings.relay_batch, idle_seconds=settings.relay_idle_seconds)
        # FastStream's per-message logging costs ~10% throughput; failures are logged by _settled below. Its
        # dependency injection (FastDepends) is off: resolving the one ``RabbitMessage`` argument ran a thread-pool
        # hop per delivery; the decoder hands the delivery itself to the consumer instead (``_the_delivery``).
        self.broker = RabbitBroker(self.amqp_url, graceful_timeout=GRACEFUL_SECONDS, logger=None, apply_types=False)
        self.acks = Acks()  # a batch's deliveries acked with one frame after its commit
        self.direct = DirectConsumers()  # queues consumed straight on aio-pika (``subscribe_direct``)
        self.queues: list[str] = []
        self.consumers: list[Consuming] = []
        self.gauges: dict[str, Callable[[], Awaitable[float]]] = {}  # figures of its own for /metrics
        self.started = False
        self._loops: list[tuple[str, Callable[[], Coroutine[Any, Any, None]]]] = []
        self._tasks: list[asyncio.Task[None]] = []

    # ---- units of work -------------------------------------------------------------------

    def uow(self) -> UnitOfWork:
        """A unit of work of the service's own kind (its repositories on it: ``unit_of_work``)."""
        return self.unit_of_work(self.sessions, self.outbox, self.inbox, on_commit=self.relay.committed)

    def event(self, type: str, data: BaseModel | dict[str, Any], *, subject: str | None,
              cause: Envelope | None = None) -> Envelope:
        """An event this service emits on its own account, caused by ``cause`` when there is one."""
        return self.origin.event(type, data, subject=subject, cause=cause)

    async def execute(self, command: Envelope, principal: Principal, handler: CommandHandler,
                      idempotency_key: str | None = None) -> dict[str, Any]:
        """Run a command from the HTTP edge: the same handler an intake command reaches.

        With an idempotency key, a retried request gets the first answer and changes nothing; the same key
        sent with another request is refused (422), as the IETF Idempotency-Key draft asks.
        """
        async with self.uow() as uow:
            key = f"{principal.id}:{idempotency_key}" if idempotency_key else None
            request = request_fingerprint(command)
            if key and not await uow.claim(key, "http"):
                first = await uow.result_of(key, "http") or {}
                if first.get("request", request) != request:
                    raise Refused(f"Idempotency-Key {idempotency_key!r} was used for another request; "
                                  "use a new key for a new request", status=422)
                answer: dict[str, Any] = first.get("answer", first)
                return answer
            result = await handler(decode(command), command, principal, uow)
            if key:
                await uow.save_result(key, "http", {"request": request, "answer": result})
            await uow.commit()
            return result

    # ---- consumers -----------------------------------------------------------------------

    def on_events(self, queue: str, handlers: dict[str, EventHandler], *, only: Relevant | None = None) -> None:
        """Consume ``queue``: each event type goes to its handler as its typed payload (see ``consumers``).

        ``only(envelope, payload)``, when given, says whether the handler has anything to do with a valid event of
        its sender; one it would ignore (another service's item, another rule's clock) is acked at once, without
        a transaction or an inbox record.
        """
        consumer = EventConsumer(self, queue, handlers, only)
        self.consumers.append(consumer)
        self.subscribe(queue, consumer.consume, description=", ".join(sorted(handlers)))

    def on_commands(self, queue: str, handlers: dict[str, CommandHandler]) -> None:
        """Consume intake commands: authenticate, validate, run; a refusal is answered with ``intake.rejected``."""
        consumer = CommandConsumer(self, queue, handlers)
        self.consumers.append(consumer)
        self.subscribe(queue, consumer.consume, description=", ".join(sorted(handlers)))

    def gauge(self, name: str, read: Callable[[], Awaitable[float]]) -> None:
        """Publish ``read()`` on /metrics as ``gongkai_value{service=…, name=…}``, read at each scrape."""
        self.gauges[name] = read

    def reply_queue(self, reply_to: str | None) -> str | None:
        """``reply_to`` when it is a server-named reply queue; a command must not aim answers elsewhere."""
        return _reply_queue(reply_to)

    async def probe(self) -> None:
        """Raises unless the database answers (a paused consumer resumes when it does)."""
        async with self.sessions() as session:
            await session.execute(text("select 1"))

    def subscribe(self, queue: str, consume: Callable[..., Awaitable[None]], description: str,
                  prefetch: int | None = None) -> None:
        """Consume ``queue`` with ``consume(message: RabbitMessage)``: bounded prefetch, ack after return,
        requeue on error (the queue's delivery limit then parks a message that keeps failing), reject (park)
        on ``RejectMessage``. The acks of deliveries that return in the same turn of the event loop go out as one
        frame (``acks``); a nack or reject is sent alone, at once."""
        self.queues.append(self.topology.queue(queue))
        self.broker.subscriber(
            self.topology.subscriber_queue(queue),
            channel=Channel(prefetch_count=prefetch or self.settings.prefetch),
            ack_policy=AckPolicy.MANUAL,  # settled by _settled below
            decoder=_the_delivery,
            no_reply=True,  # answers to reply_to go through the outbox, after commit (on_commands)
            title=f"{self.topology.queue(queue)}:consume",
            description=f"Handles {description}",
        )(_settled(queue, consume, self.acks, lambda message: message.raw_message))

    def subscribe_direct(self, queue: str, consume: DirectHandler, prefetch: int | None = None) -> None:
        """Consume ``queue`` with ``consume(delivery)`` straight on aio-pika (``shared/direct.py``), settled as
        ``subscribe`` settles: for a queue of many cheap deliveries, where FastStream's own cost per delivery
        would be a large part of the work."""
        self.queues.append(self.topology.queue(queue))
        self.direct.add(self.topology.queue(queue), _settled(queue, consume, self.acks, lambda message: message),
                        prefetch or self.settings.prefetch)

    def background(self, name: str, loop: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """Run ``loop()`` (a poller or a monitor that never returns) while the service runs.

        It starts after the consumers and is cancelled first on stop. Every replica runs it, so the
        loop must be safe to run several times at once (SKIP LOCKED, unique keys).
        """
        self._loops.append((name, loop))

    # ---- life cycle ----------------------------------------------------------------------

    async def start(self) -> None:
        await preflight.check_broker(self)
        await preflight.check_database(self)
        await self.relay.start()
        if len(self.amqp_urls) > 1:
            # A cluster: the consumers connect to the first node that is up, and move on when they lose it.
            ordered = failover.starting_at(self.amqp_urls, await failover.first_reachable(self.amqp_urls))
            self.broker._connection_kwargs.update(url=ordered[0], connection_class=failover.connection_class(ordered))
        await self.broker.start()
        await self.direct.start(self.amqp_urls)
        # What start-up made (modules, models, compiled statements) lives as long as the process: frozen, the
        # cyclic collector's full passes stop walking it. Measured in a 2,000-item burst, audit's full passes
        # took 8.5 s of CPU in all (26 passes, up to 0.7 s each) before and 0.8 s after.
        gc.collect()
        gc.freeze()
        self._tasks = [asyncio.create_task(loop(), name=name) for name, loop in self._loops]
        self.started = True
        log.info("service started", extra={"namespace": self.settings.namespace})

    async def stop(self) -> None:
        log.info("service stopping: finishing in-flight messages")
        self.started = False
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        await self.acks.drain()
        await asyncio.gather(self.broker.stop(), self.direct.stop(timeout=GRACEFUL_SECONDS))
        await self.acks.drain()
        await self.direct.close()
        for consumer in self.consumers:
            await consumer.batcher.close()
        await self.relay.stop()
        await self.engine.dispose()
        log.info("service stopped")

    async def ready(self) -> dict[str, str]:
        """What is not ready, by component; empty when everything is."""
        problems: dict[str, str] = {}
        if not self.started:
            problems["service"] = "starting or stopping"
        try:
            async with self.sessions() as session:
                await session.execute(text("select 1"))
        except Exception as exc:
            problems["database"] = f"{type(exc).__name__}: {exc}"[:300]
        try:
            if not await self.broker.ping(timeout=2):
                problems["broker"] = "no connection"
        except Exception as exc:
            problems["broker"] = f"{type(exc).__name__}: {exc}"[:300]
        if self.started and self.direct.subscriptions and not self.direct.connected:
            problems["broker"] = "no connection (direct consumers)"
        for consumer in self.consumers:
            if consumer.batcher.paused:
                problems[f"consumer {consumer.queue}"] = f"paused: {consumer.batcher.paused}"
        return problems


def _reply_queue(reply_to: str | None) -> str | None:
    if reply_to and not REPLY_QUEUE.fullmatch(reply_to):
        log.warning("reply_to ignored: not a server-named reply queue", extra={"reply_to": reply_to[:300]})
        return None
    return reply_to or None


async def _the_delivery(message: RabbitMessage) -> RabbitMessage:
    """The decoder: a consumer takes the delivery (body, properties, headers) and decodes the body itself."""
    return message


def _settled(queue: str, consume: Callable[[Any], Awaitable[None]], acks: Acks, delivery: Callable[[Any], Any]
             ) -> Callable[[Any], Awaitable[None]]:
    """Settle each delivery by its outcome: ack (with its batch) after ``consume`` returned, reject it (to the
    parking queue) on ``RejectMessage``, and log a failure before it goes back to the queue (nack, requeue).
    ``delivery(message)`` is the aio-pika delivery (a FastStream message's ``raw_message``, or the message)."""

    async def consume_settled(message: Any) -> None:
        raw = delivery(message)
        try:
            await consume(message)
        except RejectMessage:
            await _negative(raw, acks, requeue=None)
            return
        except asyncio.CancelledError:
            raise  # stopping: the delivery goes back to the queue when the channel closes
        except Exception:
            log.exception("message handling failed; it goes back to the queue",
                          extra={"queue": queue, "message_id": raw.message_id})
            await _negative(raw, acks, requeue=True)
            return
        if raw.delivery_tag is not None:
            acks.ack(raw.channel, raw.delivery_tag)

    return consume_settled


async def _negative(raw: Any, acks: Acks, *, requeue: bool | None) -> None:
    """Nack (``requeue``) or reject (``None``: dead-lettered to the parking queue) one delivery, then let later
    multiple acks pass over its tag."""
    try:
        if requeue is None:
            await raw.channel.basic_reject(raw.delivery_tag, requeue=False)
        else:
            await raw.channel.basic_nack(raw.delivery_tag, requeue=requeue)
    except Exception as exc:  # the channel is gone: the broker delivers the message again
        log.warning("nack not sent", extra={"reason": f"{type(exc).__name__}: {exc}"[:300]})
        return
    acks.settled(raw.channel, raw.delivery_tag)
