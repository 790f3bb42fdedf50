from __future__ import annotations

from .. import contracts as c
from ..accounts import SERVICES
from .spec import MessageSpec

MESSAGES: tuple[MessageSpec, ...] = (
    MessageSpec(c.PARKING_REPLAYED, c.ParkingReplayed, "events", SERVICES,
                "An operator put a parked message back on its first exchange and routing key (gongkai parking "
                "replay)"),
    MessageSpec(c.PARKING_DROPPED, c.ParkingDropped, "events", SERVICES,
                "An operator removed a parked message, with a reason (gongkai parking drop)"),
    MessageSpec(c.PARKING_WAITING, c.ParkingWaiting, "events", ("notification",),
                "Messages wait in the parking queues; the administrators were told"),
)
