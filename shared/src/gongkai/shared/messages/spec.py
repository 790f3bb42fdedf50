"""One message type: its payload model, exchange, routing key and senders."""

from __future__ import annotations

import builtins
from dataclasses import dataclass

from pydantic import BaseModel

from ..routes import PLACEHOLDER_WORDS, key_template
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
    def own_key(self) -> str:
        """The key without a routing word: the type without "gongkai.", unless given."""
        return self.routing_key or self.type.removeprefix("gongkai.")

    @property
    def key(self) -> str:
        """The routing key as it travels, its words as placeholders: ``deadline.opened.v1.{rule}``."""
        return key_template(self.type, self.own_key)

    @property
    def name(self) -> str:
        # Staff events share the public events' key shape: their names say which exchange they are on.
        prefix = "Staff" if self.exchange == "staff" else ""
        words = self.own_key.replace("{", "").replace("}", "").replace("-", "_").replace(".", "_").split("_")
        return prefix + "".join(part.title() for part in words)

    def samples(self) -> list[str]:
        """The key with each word its placeholder takes (a public event's channel and category: one sample)."""
        keys = [self.key.replace("{channel}", "portal").replace("{category}", "S01")]
        for placeholder, words in PLACEHOLDER_WORDS.items():
            marker = f"{{{placeholder}}}"
            if marker in keys[0]:  # every key has the same placeholders
                keys = [key.replace(marker, word) for key in keys for word in words]
        return keys

    def words_to(self, queue: str) -> list[str] | None:
        """The routing words that take this message to ``queue``; None when every one does (or it has none)."""
        spec = next(q for q in QUEUES if q.name == queue)
        samples = self.samples()
        taken = [key for key in samples if any(exchange == self.exchange and topic_matches(pattern, key)
                                               for exchange, pattern in spec.bindings)]
        if len(samples) == 1 or len(taken) == len(samples):
            return None
        return [key.rsplit(".", 1)[1] for key in taken]

    def receivers(self) -> list[tuple[str, str]]:
        """(service, queue) pairs whose bindings take this message (with any of its routing words)."""
        return sorted({(queue.name.split(".")[0], queue.name) for queue in QUEUES for exchange, pattern
                       in queue.bindings if exchange == self.exchange and queue.name != "parking"
                       and any(topic_matches(pattern, sample) for sample in self.samples())})


def topic_matches(pattern: str, key: str) -> bool:
    """AMQP topic matching: ``*`` is one word, ``#`` is zero or more."""
    def match(p: list[str], k: list[str]) -> bool:
        if not p:
            return not k
        if p[0] == "#":
            return any(match(p[1:], k[i:]) for i in range(len(k) + 1))
        return bool(k) and p[0] in ("*", k[0]) and match(p[1:], k[1:])

    return match(pattern.split("."), key.split("."))


