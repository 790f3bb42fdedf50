from __future__ import annotations

from .. import contracts as c
from .spec import MessageSpec

MESSAGES: tuple[MessageSpec, ...] = (
    MessageSpec(c.ACCESS_REFUSED, c.AccessRefused, "events",
                ("publishing", "review", "notification", "audit", "requests", "participation", "oversight"),
                "A request or message was refused (who, what, why, which item); security marks a forgery"),
)
