"""The release poller: scheduled versions are published when their time comes, by whichever replica is first.

The poll loop lives here, apart from the handlers: each round is one unit of work in which
``Publishing.release_due`` publishes what is due (``SKIP LOCKED``: another replica takes other versions).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from .handlers import Publishing
from .store import PublishingUnitOfWork

log = logging.getLogger("gongkai.publishing")


class Releases:
    def __init__(self, units: Callable[[], PublishingUnitOfWork], publishing: Publishing, *, batch: int = 50
                 ) -> None:
        self._units = units
        self._publishing = publishing
        self._batch = batch

    async def release_due(self) -> int:
        """One round: publish the versions due now, in one transaction; how many were due."""
        async with self._units() as uow:
            due = await self._publishing.release_due(uow, self._batch)
            await uow.commit()
        return due

    async def run(self, every: float) -> None:
        """Runs until cancelled; a failing round is logged and tried again."""
        while True:
            try:
                while await self.release_due() > 0:
                    pass
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("release round failed; trying again")
            await asyncio.sleep(every)
