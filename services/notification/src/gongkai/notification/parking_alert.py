"""The administrators are told when anything waits in a parking queue.

Every ``parking_check_interval`` seconds notification counts the messages in ``<ns>.parking`` and
``<ns>.audit.parking`` (a passive declare, which needs no permission on the queue). When any wait, it emits
``parking.waiting`` (the counts) and queues a notice to every administrator on each of their channels, at most once
per ``parking_alert_interval`` (an hour by default) for as long as the queues are not empty. The notice's id is
derived from the namespace and the hour, and claimed in the inbox, so replicas and restarts send it once.

It counts instead of consuming the dead-letter exchange: a burst (a database outage that parks a thousand messages)
makes one notice, not a thousand, and counting needs neither the database nor the broker to be well when the
messages park; a check that fails is tried again at the next interval.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import UTC, datetime

import aio_pika
from gongkai.shared import contracts as c
from gongkai.shared import failover
from gongkai.shared.envelope import Envelope
from gongkai.shared.parking import PARKING_QUEUES, message_count
from gongkai.shared.service import Service

from .delivery import Deliveries

log = logging.getLogger("gongkai.notification.parking")

CONSUMER = "notification.parking-alert"


class ParkingAlert:
    def __init__(self, service: Service, deliveries: Deliveries) -> None:
        self.deliveries = deliveries
        self.service = service
        self.settings = deliveries.settings
        self._connection: aio_pika.abc.AbstractRobustConnection | None = None

    async def counts(self) -> dict[str, int]:
        """Messages waiting in each parking queue (those an operator's command holds right now are not counted)."""
        if self._connection is None or self._connection.is_closed:
            self._connection = await failover.connect_robust(self.service.amqp_urls)
        channel = await self._connection.channel()
        try:
            counts: dict[str, int] = {}
            for logical in PARKING_QUEUES:
                name = self.service.topology.queue(logical)
                counts[name] = message_count(await channel.declare_queue(name, passive=True))
            return counts
        finally:
            await channel.close()

    async def check(self, now: datetime | None = None) -> Envelope | None:
        """Tell the administrators if anything is parked and they were not told this hour; the notice, if sent."""
        counts = await self.counts()
        total = sum(counts.values())
        if total == 0:
            return None
        moment = now or datetime.now(UTC)
        window = int(moment.timestamp() // self.settings.parking_alert_interval)
        key = f"{self.service.settings.namespace}:{window}"
        event = Envelope(id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"gongkai:parking-waiting:{key}")),
                         source=self.service.source, type=c.PARKING_WAITING, actor=self.service.actor,
                         data=c.ParkingWaiting(queues=counts, total=total).model_dump(mode="json"))
        async with self.deliveries.uow() as uow:
            if not await uow.claim(key, CONSUMER):
                return None
            uow.emit(event)
            await self.deliveries.queue(uow, event, self.deliveries.contacts.with_role("administrator"))
            await uow.commit()
        log.warning("messages are parked; administrators told", extra={"total": total, "queues": counts})
        return event

    async def run(self) -> None:
        """The loop the service runs in the background (every replica may); the first count after one interval."""
        try:
            while True:
                await asyncio.sleep(self.settings.parking_check_interval)
                try:
                    await self.check()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("counting the parked messages failed; trying again")
        finally:
            if self._connection is not None:
                await self._connection.close()
