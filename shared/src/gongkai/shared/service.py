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
import hashlib
import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from faststream import AckPolicy
from faststream.exceptions import RejectMessage
from faststream.rabbit import Channel, RabbitBroker
from faststream.rabbit.annotations import RabbitMessage
from pydantic import BaseModel, ValidationError
from sqlalchemy import MetaData, Table, text

from . import preflight
from .accounts import party_of
from .contracts import ACCESS_REFUSED, INTAKE_REJECTED, AccessRefused, IntakeRejected, printable
from .db import create_engine, session_factory
from .envelope import Envelope, MalformedEnvelope, describe_validation_error, message_key, new_event, parse
from .errors import Refused
from .identity import Directory, Principal
from .logs import log_context
from .messages import MESSAGES
from .outbox import OutboxRelay
from .settings import Settings
from .topology import Topology
from .unit_of_work import UnitOfWork

log = logging.getLogger("gongkai.service")

M = TypeVar("M", bound=BaseModel)

EventHandler = Callable[[Envelope, UnitOfWork], Awaitable[None]]
CommandHandler = Callable[[Envelope, Principal, UnitOfWork], Awaitable[dict[str, Any]]]

def request_fingerprint(command: Envelope) -> str:
    """What makes two requests the same request: the command's type, subject and data."""
    canonical = json.dumps([command.type, command.subject, command.data], ensure_ascii=False, sort_keys=True,
                           separators=(",", ":"), default=str)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


# Server-named reply queues only: a command must not make a service send its answer into another queue.
REPLY_QUEUE = re.compile(r"amq\.(gen-|rabbitmq\.reply-to\.)[A-Za-z0-9_.+/=-]{1,200}")


def payload(model: type[M], data: dict[str, Any]) -> M:
    """Validate a message's data; a bad one is refused with the first errors as the reason."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise Refused(describe_validation_error(exc), status=422) from exc


class Service:
    def __init__(self, name: str, metadata: MetaData, settings: Settings) -> None:
        self.name = name
        self.source = f"/gongkai/{name}"
        self.actor = f"service:{name}"
        self.settings = settings
        self.metadata = metadata
        self.topology = Topology(settings.namespace)
        self.directory = Directory.load(settings.credentials_path)
        self.account = settings.broker_account(name)
        self.amqp_url = settings.amqp_url_for(name)
        self.owners = {spec.type: frozenset(settings.broker_account(party_of(s)) for s in spec.senders)
                       for spec in MESSAGES}
        self.outbox: Table = metadata.tables[f"{name}.outbox"]
        self.inbox: Table = metadata.tables[f"{name}.inbox"]
        self.engine = create_engine(settings.database_url_for(name))
        self.sessions = session_factory(self.engine)
        self.relay = OutboxRelay(self.sessions, self.outbox, self.topology, self.amqp_url, user_id=self.account,
                                 batch=settings.relay_batch, idle_seconds=settings.relay_idle_seconds)
        # FastStream's per-message logging costs ~10% throughput; failures are logged by _logged below.
        self.broker = RabbitBroker(self.amqp_url, graceful_timeout=20.0, logger=None)
        self.queues: list[str] = []
        self.started = False
        self._loops: list[tuple[str, Callable[[], Awaitable[None]]]] = []
        self._tasks: list[asyncio.Task[None]] = []

    # ---- units of work -------------------------------------------------------------------

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.sessions, self.outbox, self.inbox, on_commit=self.relay.wake)

    def event(self, type: str, data: BaseModel | dict[str, Any], *, subject: str | None,
              cause: Envelope | None = None) -> Envelope:
        """An event this service emits on its own account, caused by ``cause`` when there is one."""
        if cause is not None:
            return cause.caused(type, data, source=self.source, actor=self.actor, subject=subject)
        return new_event(type, data, source=self.source, actor=self.actor, subject=subject)

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
                return first.get("answer", first)
            result = await handler(command, principal, uow)
            if key:
                await uow.save_result(key, "http", {"request": request, "answer": result})
            await uow.commit()
            return result

    # ---- consumers -----------------------------------------------------------------------

    def on_events(self, queue: str, handlers: dict[str, EventHandler]) -> None:
        """Consume ``queue``; each event type goes to its handler, other types are acked and ignored."""
        consumer = queue

        async def consume(message: RabbitMessage) -> None:
            try:
                envelope = parse(message.body)
            except MalformedEnvelope as exc:
                log.error("malformed event parked", extra={"queue": queue, "reason": str(exc),
                                                           "message_id": message.message_id})
                raise RejectMessage() from exc
            handler = handlers.get(envelope.type)
            if handler is None:
                return
            with log_context(event_id=envelope.id, correlation_id=envelope.correlationid, type=envelope.type):
                sender = message.raw_message.user_id
                if sender not in self.owners.get(envelope.type, ()):
                    await self._refuse_fact(envelope, sender, consumer)
                    raise RejectMessage()
                try:
                    async with self.uow() as uow:
                        if not await uow.claim(envelope.id, consumer):
                            log.info("duplicate event ignored")
                            return
                        await handler(envelope, uow)
                        await uow.commit()
                except Refused as refused:
                    # The event itself is wrong (its data breaks the contract): retrying cannot help.
                    log.error("invalid event parked", extra={"queue": queue, "reason": refused.reason})
                    raise RejectMessage() from refused
                log.debug("event handled")

        self.subscribe(queue, consume, description=", ".join(sorted(handlers)))

    async def _refuse_fact(self, envelope: Envelope, sender: str | None, consumer: str) -> None:
        """Park a fact that did not come from its owner's account, and record the attempt as a security fact."""
        owners = ", ".join(sorted(self.owners.get(envelope.type, ()))) or "no service (an unregistered type)"
        reason = f"{envelope.type} is sent only by {owners}; this one came from {sender or 'no account'} (user_id)"
        log.warning("fact from another account parked", extra={"account": sender, "reason": reason})
        data = AccessRefused(service=self.name, via="amqp", what=envelope.type[:300], status=403, reason=reason,
                             account=sender[:128] if sender else None, item_id=envelope.subject, security=True)
        async with self.uow() as uow:
            if await uow.claim(envelope.id, f"{consumer}.refused"):
                uow.emit(self.event(ACCESS_REFUSED, data, subject=envelope.subject, cause=envelope))
                await uow.commit()

    def on_commands(self, queue: str, handlers: dict[str, CommandHandler]) -> None:
        """Consume intake commands: authenticate, run, and answer a refusal with ``intake.rejected``."""
        consumer = queue

        async def consume(message: RabbitMessage) -> None:
            command_id = message_key(message.message_id, message.body)
            reply_to = _reply_queue(message.raw_message.reply_to)
            principal: Principal | None = None
            try:
                envelope = parse(message.body)
            except MalformedEnvelope as exc:
                await self._reject(None, command_id, Refused(f"malformed command: {exc}", status=400), reply_to)
                return
            with log_context(event_id=envelope.id, correlation_id=envelope.correlationid, type=envelope.type):
                try:
                    handler = handlers.get(envelope.type)
                    if handler is None:
                        raise Refused(f"unknown command type {envelope.type!r}", status=400)
                    principal = self.directory.authenticate(message.headers.get("authorization"))
                    async with self.uow() as uow:
                        if not await uow.claim(envelope.id, consumer):
                            log.info("duplicate command ignored")
                            return
                        await handler(envelope, principal, uow)
                        if reply_to:
                            uow.answer(envelope.id, reply_to)
                        await uow.commit()
                except Refused as refused:
                    await self._reject(envelope, envelope.id, refused, reply_to, principal)

        self.subscribe(queue, consume, description=", ".join(sorted(handlers)))

    async def _reject(self, command: Envelope | None, command_id: str, refused: Refused,
                      reply_to: str | None = None, principal: Principal | None = None) -> None:
        log.warning("command refused", extra={"command_id": command_id, "status": refused.status,
                                              "reason": refused.reason})
        data = IntakeRejected(command_id=command_id, command_type=command.type if command else None,
                              status=refused.status, reason=printable(refused.reason, 2000),
                              person=principal.id if principal else None)
        async with self.uow() as uow:
            if not await uow.claim(command_id, f"{self.name}.rejections"):
                return
            subject = refused.subject or (command.subject if command else None)
            uow.emit(self.event(INTAKE_REJECTED, data, subject=subject, cause=command), reply_to=reply_to)
            await uow.commit()

    def subscribe(self, queue: str, consume: Callable[..., Awaitable[None]], description: str,
                  prefetch: int | None = None) -> None:
        """Consume ``queue`` with ``consume(message: RabbitMessage)``: bounded prefetch, ack after return,
        requeue on error (the queue's delivery limit then parks a message that keeps failing)."""
        self.queues.append(self.topology.queue(queue))
        self.broker.subscriber(
            self.topology.subscriber_queue(queue),
            channel=Channel(prefetch_count=prefetch or self.settings.prefetch),
            ack_policy=AckPolicy.NACK_ON_ERROR,
            no_reply=True,  # answers to reply_to go through the outbox, after commit (on_commands)
            title=f"{self.topology.queue(queue)}:consume",
            description=f"Handles {description}",
        )(_logged(queue, consume))

    def background(self, name: str, loop: Callable[[], Awaitable[None]]) -> None:
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
        await self.broker.start()
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
        await self.broker.stop()
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
        return problems


def _reply_queue(reply_to: str | None) -> str | None:
    if reply_to and not REPLY_QUEUE.fullmatch(reply_to):
        log.warning("reply_to ignored: not a server-named reply queue", extra={"reply_to": reply_to[:300]})
        return None
    return reply_to or None


def _logged(queue: str, consume: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
    """Log a failing delivery before FastStream requeues it (its own logger is off)."""

    async def consume_logged(message: RabbitMessage) -> None:
        try:
            await consume(message)
        except RejectMessage:
            raise
        except Exception:
            log.exception("message handling failed; it goes back to the queue",
                          extra={"queue": queue, "message_id": message.message_id})
            raise

    return consume_logged
