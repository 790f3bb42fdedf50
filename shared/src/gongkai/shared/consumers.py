"""Typed consumers: each delivery is decoded and validated once, then handled in a batch.

Before a delivery reaches the database its envelope is parsed, its type looked up, its sender checked
against the message registry and its data validated into the type's payload model (``MODELS``). A message
that breaks its contract is parked on its first delivery, with the reason in the log; nothing is retried
that retrying cannot mend. What passes is handed to a ``Batcher``: many deliveries share one transaction; when
one of them is refused or fails, the batch is rolled back and each message runs alone, in a savepoint of its own,
so that the refused message rolls back alone and the others commit.

A handler receives ``(payload, envelope, uow)`` — a command handler ``(payload, envelope, principal, uow)``
— and does its work through the unit of work; it never sees the delivery.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeAlias, TypeVar

from faststream.exceptions import RejectMessage
from faststream.rabbit.annotations import RabbitMessage
from pydantic import BaseModel, ValidationError

from . import metrics
from .batching import Batcher
from .contracts import ACCESS_REFUSED, INTAKE_REJECTED, AccessRefused, IntakeRejected, printable
from .envelope import Envelope, MalformedEnvelope, describe_validation_error, message_key, parse
from .errors import Refused
from .identity import Principal
from .logs import log_context
from .messages import MESSAGES
from .transient import is_transient
from .unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from .service import Service

log = logging.getLogger("gongkai.service")

MODELS: dict[str, type[BaseModel]] = {spec.type: spec.payload for spec in MESSAGES}

# The payload is the registered model of the handler's type, and the unit of work is the service's own kind
# (``Service(unit_of_work=…)``, seen by a handler through a protocol of what it uses): both are Any here.
EventHandler: TypeAlias = Callable[[Any, Envelope, Any], Awaitable[None]]
CommandHandler: TypeAlias = Callable[[Any, Envelope, Principal, Any], Awaitable[dict[str, Any]]]


def decode(envelope: Envelope) -> BaseModel:
    """The message's data as its registered payload type; a message that breaks its contract is ``Refused``."""
    model = MODELS.get(envelope.type)
    if model is None:
        raise Refused(f"unknown message type {envelope.type!r}", status=400)
    try:
        return model.model_validate(envelope.data)
    except ValidationError as exc:
        raise Refused(describe_validation_error(exc), status=422) from exc


def part_of(uow: UnitOfWork, isolated: bool) -> AbstractAsyncContextManager[Any]:
    """A message's part of its batch's transaction.

    In a batch, even a batch of one, messages run straight in the transaction (no savepoint: two round trips
    fewer each); if any of them fails, the whole batch is rolled back and the batcher runs each message alone.
    Alone, the message runs in a savepoint, so a refused one is undone before its rejection (or parking) is
    recorded.
    """
    return uow.message() if isolated else nullcontext(uow)


class Consuming(Protocol):
    """What /ready and /metrics read of a consumer: its queue and its batcher (paused or not)."""

    queue: str
    batcher: Batcher[Any, Any]


class Outcome(Enum):
    done = "done"
    park = "park"


def settle(service: str, queue: str, outcome: Outcome | BaseException) -> None:
    """Turn a delivery's outcome into what FastStream does with it: ack (return), park, or requeue (raise)."""
    counted = "failed" if isinstance(outcome, BaseException) else "parked" if outcome is Outcome.park else "done"
    metrics.MESSAGES.labels(service, queue, counted).inc()
    if isinstance(outcome, BaseException):
        raise outcome
    if outcome is Outcome.park:
        raise RejectMessage()


async def timed(service: str, queue: str, size: int, run: Awaitable[list[Outcome | BaseException]]
                ) -> list[Outcome | BaseException]:
    started = time.perf_counter()
    outcomes = await run
    metrics.BATCH_SECONDS.labels(service, queue).observe(time.perf_counter() - started)
    metrics.BATCH_SIZE.labels(service, queue).observe(size)
    return outcomes


@dataclass(frozen=True)
class EventWork:
    envelope: Envelope
    payload: BaseModel | None  # None: a fact from the wrong account, to be refused and parked
    handler: EventHandler | None
    refusal: str | None = None
    sender: str | None = None


W = TypeVar("W")  # the work of one delivery: EventWork or CommandWork
H = TypeVar("H")  # its handlers: EventHandler or CommandHandler


class BatchConsumer(Generic[W, H]):
    """One queue's deliveries, handled in batches: one transaction each, every message in it by ``_one``."""

    def __init__(self, service: Service, queue: str, handlers: dict[str, H]) -> None:
        self.service: Service = service
        self.queue: str = queue
        self.handlers: dict[str, H] = handlers
        self.batcher: Batcher[W, Outcome | BaseException] = Batcher(
            queue, self.run_batch, service.probe, max_batch=service.settings.batch, run_alone=self.run_alone)

    async def run_batch(self, works: list[W]) -> list[Outcome | BaseException]:
        """The batch in one transaction, no savepoints: any failure rolls it all back (then each runs alone)."""
        return await timed(self.service.name, self.queue, len(works), self._batch(works, isolated=False))

    async def run_alone(self, works: list[W]) -> list[Outcome | BaseException]:
        """One message of a failed batch, in a savepoint: a refusal is undone, then recorded or parked."""
        return await timed(self.service.name, self.queue, len(works), self._batch(works, isolated=True))

    async def _batch(self, works: list[W], *, isolated: bool) -> list[Outcome | BaseException]:
        outcomes: list[Outcome | BaseException] = []
        async with self.service.uow() as uow:
            if len(works) > 1:  # one statement claims the batch's inbox ids (alone, a message claims its own)
                await uow.claim_ahead([claim for work in works if (claim := self._claim(work)) is not None])
                await uow.prepare([message for work in works if (message := self._message(work)) is not None])
            for work in works:
                outcomes.append(await self._one(uow, work, isolated=isolated))
            await uow.commit()
        return outcomes

    async def _one(self, uow: UnitOfWork, work: W, *, isolated: bool) -> Outcome | BaseException:
        raise NotImplementedError

    def _claim(self, work: W) -> tuple[str, str] | None:
        """The inbox claim ``_one`` will make for ``work``, when it will make one (key, consumer)."""
        raise NotImplementedError

    def _message(self, work: W) -> tuple[Envelope, BaseModel] | None:
        """The message ``work`` will hand its handler, when it will run one (for ``UnitOfWork.prepare``)."""
        raise NotImplementedError


# Whether a handler has anything to do with a valid event (its envelope and payload): one it would only ignore is
# acked at once, with no transaction (``Service.on_events(…, only=…)``).
Relevant: TypeAlias = Callable[[Envelope, Any], bool]


class EventConsumer(BatchConsumer[EventWork, EventHandler]):
    """Consumes one queue of facts; each type goes to its handler, other types are acked and ignored, and so is an
    event ``only`` says its handler would ignore."""

    def __init__(self, service: Service, queue: str, handlers: dict[str, EventHandler],
                 only: Relevant | None = None) -> None:
        super().__init__(service, queue, handlers)
        self.only = only

    async def consume(self, message: RabbitMessage) -> None:
        try:
            envelope = parse(message.body)
        except MalformedEnvelope as exc:
            log.error("malformed event parked", extra={"queue": self.queue, "reason": str(exc),
                                                       "message_id": message.message_id})
            settle(self.service.name, self.queue, Outcome.park)
        handler = self.handlers.get(envelope.type)
        if handler is None:
            return
        with log_context(event_id=envelope.id, correlation_id=envelope.correlationid, type=envelope.type):
            sender = message.raw_message.user_id
            owners = self.service.owners.get(envelope.type, frozenset())
            if sender not in owners:
                named = ", ".join(sorted(owners)) or "no service (an unregistered type)"
                reason = (f"{envelope.type} is sent only by {named}; "
                          f"this one came from {sender or 'no account'} (user_id)")
                log.warning("fact from another account parked", extra={"account": sender, "reason": reason})
                work = EventWork(envelope, None, None, refusal=reason, sender=sender)
            else:
                try:
                    work = EventWork(envelope, decode(envelope), handler)
                except Refused as refused:
                    log.error("invalid event parked", extra={"queue": self.queue, "reason": refused.reason})
                    settle(self.service.name, self.queue, Outcome.park)
                if self.only is not None and not self.only(envelope, work.payload):
                    settle(self.service.name, self.queue, Outcome.done)
                    return
            settle(self.service.name, self.queue, await self.batcher.handle(work))

    async def _one(self, uow: UnitOfWork, work: EventWork, *, isolated: bool) -> Outcome | BaseException:
        envelope = work.envelope
        with log_context(event_id=envelope.id, correlation_id=envelope.correlationid, type=envelope.type):
            try:
                async with part_of(uow, isolated):
                    if work.refusal is not None:
                        await self._refuse(uow, work)
                        return Outcome.park
                    if not await uow.claim(envelope.id, self.queue):
                        log.info("duplicate event ignored")
                        return Outcome.done
                    assert work.handler is not None
                    await work.handler(work.payload, envelope, uow)
                    return Outcome.done
            except Refused as refused:
                if not isolated:
                    raise
                # The event is wrong for this service (its data or its state): retrying cannot help.
                log.error("invalid event parked", extra={"queue": self.queue, "reason": refused.reason})
                return Outcome.park
            except Exception as exc:
                if is_transient(exc) or not isolated:
                    raise
                return exc

    def _claim(self, work: EventWork) -> tuple[str, str] | None:
        return (work.envelope.id, self.queue) if work.refusal is None else None

    def _message(self, work: EventWork) -> tuple[Envelope, BaseModel] | None:
        return (work.envelope, work.payload) if work.refusal is None and work.payload is not None else None

    async def _refuse(self, uow: UnitOfWork, work: EventWork) -> None:
        """Record a fact that did not come from its owner's account as a security fact (it is then parked)."""
        envelope, sender = work.envelope, work.sender
        if not await uow.claim(envelope.id, f"{self.queue}.refused"):
            return
        data = AccessRefused(service=self.service.name, via="amqp", what=envelope.type[:300], status=403,
                             reason=work.refusal or "", account=sender[:128] if sender else None,
                             item_id=envelope.subject, security=True)
        uow.emit(self.service.event(ACCESS_REFUSED, data, subject=envelope.subject, cause=envelope))


@dataclass(frozen=True)
class CommandWork:
    command_id: str
    reply_to: str | None
    envelope: Envelope | None
    payload: BaseModel | None = None
    principal: Principal | None = None
    handler: CommandHandler | None = None
    refused: Refused | None = None  # refused before it ran: answered with intake.rejected


class CommandConsumer(BatchConsumer[CommandWork, CommandHandler]):
    """Consumes intake commands: authenticate, validate, run; a refusal is answered with ``intake.rejected``."""

    async def consume(self, message: RabbitMessage) -> None:
        command_id = message_key(message.message_id, message.body)
        reply_to = self.service.reply_queue(message.raw_message.reply_to)
        try:
            envelope = parse(message.body)
        except MalformedEnvelope as exc:
            refused = Refused(f"malformed command: {exc}", status=400)
            work = CommandWork(command_id, reply_to, None, refused=refused)
            settle(self.service.name, self.queue, await self.batcher.handle(work))
            return
        with log_context(event_id=envelope.id, correlation_id=envelope.correlationid, type=envelope.type):
            work = self._work(envelope, reply_to, message.headers.get("authorization"))
            settle(self.service.name, self.queue, await self.batcher.handle(work))

    def _work(self, envelope: Envelope, reply_to: str | None, authorization: object) -> CommandWork:
        principal: Principal | None = None
        try:
            handler = self.handlers.get(envelope.type)
            if handler is None:
                raise Refused(f"unknown command type {envelope.type!r}", status=400)
            principal = self.service.directory.authenticate(authorization)
            return CommandWork(envelope.id, reply_to, envelope, decode(envelope), principal, handler)
        except Refused as refused:
            return CommandWork(envelope.id, reply_to, envelope, principal=principal, refused=refused)

    async def _one(self, uow: UnitOfWork, work: CommandWork, *, isolated: bool) -> Outcome | BaseException:
        envelope = work.envelope
        with log_context(event_id=envelope.id if envelope else work.command_id,
                         correlation_id=envelope.correlationid if envelope else None,
                         type=envelope.type if envelope else None):
            refused = work.refused
            try:
                if refused is None:
                    try:
                        async with part_of(uow, isolated):
                            return await self._run(uow, work)
                    except Refused as late:
                        if not isolated:
                            raise
                        refused = late
                async with part_of(uow, isolated):
                    await self._reject(uow, work, refused)
                return Outcome.done
            except Exception as exc:
                if is_transient(exc) or not isolated:
                    raise
                return exc

    def _claim(self, work: CommandWork) -> tuple[str, str] | None:
        return (work.envelope.id, self.queue) if work.refused is None and work.envelope is not None else None

    def _message(self, work: CommandWork) -> tuple[Envelope, BaseModel] | None:
        if work.refused is None and work.envelope is not None and work.payload is not None:
            return work.envelope, work.payload
        return None

    async def _run(self, uow: UnitOfWork, work: CommandWork) -> Outcome:
        assert work.envelope is not None and work.handler is not None and work.principal is not None
        if not await uow.claim(work.envelope.id, self.queue):
            log.info("duplicate command ignored")
            return Outcome.done
        await work.handler(work.payload, work.envelope, work.principal, uow)
        if work.reply_to:
            uow.answer(work.envelope.id, work.reply_to)
        return Outcome.done

    async def _reject(self, uow: UnitOfWork, work: CommandWork, refused: Refused) -> None:
        command = work.envelope
        log.warning("command refused", extra={"command_id": work.command_id, "status": refused.status,
                                              "reason": refused.reason})
        if not await uow.claim(work.command_id, f"{self.service.name}.rejections"):
            return
        data = IntakeRejected(command_id=work.command_id, command_type=command.type if command else None,
                              status=refused.status, reason=printable(refused.reason, 2000),
                              person=work.principal.id if work.principal else None)
        subject = refused.subject or (command.subject if command else None)
        uow.emit(self.service.event(INTAKE_REJECTED, data, subject=subject, cause=command), reply_to=work.reply_to)


__all__ = ["MODELS", "CommandConsumer", "CommandHandler", "EventConsumer", "EventHandler", "Relevant", "decode"]
