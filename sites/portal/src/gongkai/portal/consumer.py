"""The portal's own queue on the public exchange, read as the public site's broker account.

The public site may declare queues named ``<namespace>.public-site.…`` and bind them to the public exchange,
and may write nothing else (``gongkai.shared.broker``). So the portal declares, as that account:

- ``<ns>.public-site.<queue>``: a durable quorum queue bound to every key of the public exchange (each item
  arrives once per channel; the merge takes them all as one), so that nothing is lost while the portal is
  down or restarting;
- ``<ns>.public-site.<queue>.dlx`` and ``.parking``: its own dead-letter exchange and parking queue, since it
  may not write the operator's ``<ns>.dlx``. An event whose data breaks the contract, that does not come from
  publishing's account, or that fails five times is parked there for an operator.

A message is acked only after the merge committed; a failure puts it back (at most five deliveries).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import aio_pika
from gongkai.shared import failover
from gongkai.shared.accounts import PUBLIC_SITE, party_of, user_of
from gongkai.shared.envelope import MalformedEnvelope, parse
from gongkai.shared.errors import Refused
from gongkai.shared.logs import log_context
from gongkai.shared.messages import MESSAGES
from gongkai.shared.preflight import StartRefused
from gongkai.shared.settings import Settings
from gongkai.shared.topology import DELIVERY_LIMIT, Topology

from . import facts
from .domain import Fact

log = logging.getLogger("gongkai.portal")


def queue_names(namespace: str, queue: str) -> tuple[str, str, str]:
    """(queue, its dead-letter exchange, its parking queue) of the portal's ``queue``."""
    name = f"{namespace}.public-site.{queue}"
    return name, f"{name}.dlx", f"{name}.parking"


class PublicQueue:
    def __init__(self, settings: Settings, queue: str, on_fact: Callable[[Fact], Awaitable[object]],
                 prefetch: int | None = None) -> None:
        self.settings = settings
        self.account = settings.broker_account(PUBLIC_SITE)
        self.amqp_url = settings.amqp_url_for(PUBLIC_SITE)
        self.amqp_urls = settings.amqp_urls_for(PUBLIC_SITE)
        self.name, self.dlx, self.parking = queue_names(settings.namespace, queue)
        self.exchange = Topology(settings.namespace).exchange("public")
        self.prefetch = prefetch or settings.prefetch
        # A public fact is trusted only from the account of the service that sends it (publishing).
        self.owners = frozenset(settings.broker_account(party_of(sender)) for spec in MESSAGES
                                if spec.type in facts.TYPES for sender in spec.senders)
        self.on_fact = on_fact
        self.connection: aio_pika.abc.AbstractRobustConnection | None = None
        self._consumer: tuple[aio_pika.abc.AbstractQueue, str] | None = None
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def start(self) -> None:
        connecting_as = user_of(self.amqp_url) or "guest"
        if connecting_as != self.account:
            raise StartRefused(f"the portal would connect to RabbitMQ as {connecting_as!r}; it reads the public "
                               f"exchange as the public site, {self.account!r}: give it that account's password in "
                               "GONGKAI_BROKER_ACCOUNTS_FILE, or an AMQP_URL of its own (docs/operations.md)")
        try:
            self.connection = await failover.connect_robust(self.amqp_urls)
        except aio_pika.exceptions.ProbableAuthenticationError as exc:
            raise StartRefused(f"RabbitMQ refused the account {self.account!r}: run `gongkai broker setup` "
                               f"({exc})") from exc
        channel = await self.connection.channel()
        await channel.set_qos(prefetch_count=self.prefetch)
        queue = await declare(channel, self.settings.namespace, self.name)
        tag = await queue.consume(self._on_message)
        self._consumer = (queue, tag)
        log.info("portal consuming", extra={"queue": self.name, "account": self.account})

    async def stop(self, timeout: float = 20.0) -> None:
        """Stop taking messages, let those in hand finish (or go back unacked after ``timeout``), close."""
        if self._consumer is not None:
            queue, tag = self._consumer
            self._consumer = None
            try:
                await queue.cancel(tag)
            except aio_pika.exceptions.AMQPError:
                pass
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            log.warning("messages still in hand at stop go back to the queue", extra={"in_flight": self._in_flight})
        if self.connection is not None:
            await self.connection.close()
            self.connection = None

    @property
    def running(self) -> bool:
        return self._consumer is not None and self.connection is not None and not self.connection.is_closed

    async def _on_message(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        self._in_flight += 1
        self._idle.clear()
        try:
            await self._handle(message)
        finally:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._idle.set()

    async def _handle(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        try:
            envelope = parse(message.body)
        except MalformedEnvelope as exc:
            log.error("malformed public event parked", extra={"reason": str(exc), "message_id": message.message_id})
            await message.reject(requeue=False)
            return
        if envelope.type not in facts.TYPES:
            await message.ack()  # a new kind of public event: nothing the portal shows yet
            return
        with log_context(event_id=envelope.id, correlation_id=envelope.correlationid, type=envelope.type):
            if message.user_id not in self.owners:
                log.warning("public event from another account parked",
                            extra={"account": message.user_id, "routing_key": message.routing_key})
                await message.reject(requeue=False)
                return
            try:
                fact = facts.from_event(envelope.type, envelope.data)
            except Refused as refused:
                log.error("invalid public event parked", extra={"reason": refused.reason})
                await message.reject(requeue=False)
                return
            try:
                await self.on_fact(fact)
            except Exception:
                log.exception("public event failed; it goes back to the queue", extra={"item_id": fact.item_id})
                await message.nack(requeue=True)
                return
            await message.ack()
            log.debug("public event merged", extra={"item_id": fact.item_id, "version": fact.version})


async def declare(channel: aio_pika.abc.AbstractChannel, namespace: str, name: str) -> aio_pika.abc.AbstractQueue:
    """Declare the portal's queue ``name``, its dead-letter exchange and parking queue, and bind it; idempotent."""
    dlx, parking = f"{name}.dlx", f"{name}.parking"
    dead = await channel.declare_exchange(dlx, aio_pika.ExchangeType.FANOUT, durable=True)
    kept = await channel.declare_queue(parking, durable=True, arguments={"x-queue-type": "quorum"})
    await kept.bind(dead)
    queue = await channel.declare_queue(name, durable=True, arguments={
        "x-queue-type": "quorum", "x-delivery-limit": DELIVERY_LIMIT, "x-dead-letter-exchange": dlx,
        "x-dead-letter-strategy": "at-least-once", "x-overflow": "reject-publish"})
    public = await channel.get_exchange(Topology(namespace).exchange("public"), ensure=False)
    await queue.bind(public, routing_key="#")
    return queue


async def ensure_queue(settings: Settings, queue: str) -> str:
    """Declare the portal's queue as the public site (before a rebuild, so that nothing published while it
    runs is missed); returns its name."""
    name = queue_names(settings.namespace, queue)[0]
    connection = await aio_pika.connect(settings.amqp_url_for(PUBLIC_SITE))
    async with connection:
        await declare(await connection.channel(), settings.namespace, name)
    return name


async def remove_queue(amqp_url: str, namespace: str, queue: str) -> None:
    """Delete the portal's queues and dead-letter exchange (as an administrator: tests and teardown)."""
    name, dlx, parking = queue_names(namespace, queue)
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        for q in (name, parking):
            await channel.queue_delete(q, if_unused=False, if_empty=False)
        await channel.exchange_delete(dlx)
