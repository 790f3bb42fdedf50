"""One message type: its payload model, exchange, routing key and senders."""

from __future__ import annotations

import builtins
from dataclasses import dataclass

from pydantic import BaseModel

from ..topology import QUEUES


@dataclass(frozen=True)
class MessageSpec:
    type: str
    payload: builtins.type[BaseModel]  # builtins: the field ``type`` hides the builtin in the class body
    exchange: str
    senders: tuple[str, ...]
    summary: str
    routing_key: str = ""  # the type without "gongkai." unless given (public events: a pattern)

    @property
    def key(self) -> str:
        return self.routing_key or self.type.removeprefix("gongkai.")

    @property
    def name(self) -> str:
        # Staff events share the public events' key shape: their names say which exchange they are on.
        prefix = "Staff" if self.exchange == "staff" else ""
        words = self.key.replace("{", "").replace("}", "").replace("-", "_").replace(".", "_").split("_")
        return prefix + "".join(part.title() for part in words)

    def receivers(self) -> list[tuple[str, str]]:
        """(service, queue) pairs whose bindings take this message."""
        sample = self.key.replace("{channel}", "portal").replace("{category}", "S01")
        return sorted({(queue.name.split(".")[0], queue.name) for queue in QUEUES for exchange, pattern
                       in queue.bindings if exchange == self.exchange and topic_matches(pattern, sample)
                       and queue.name != "parking"})


def topic_matches(pattern: str, key: str) -> bool:
    """AMQP topic matching: ``*`` is one word, ``#`` is zero or more."""
    def match(p: list[str], k: list[str]) -> bool:
        if not p:
            return not k
        if p[0] == "#":
            return any(match(p[1:], k[i:]) for i in range(len(k) + 1))
        return bool(k) and p[0] in ("*", k[0]) and match(p[1:], k[1:])

    return match(pattern.split("."), key.split("."))


