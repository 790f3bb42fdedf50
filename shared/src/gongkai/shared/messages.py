"""Which message travels where: the registry behind the AsyncAPI documents.

Each message type names its payload model, its exchange and routing key, and the services that send
it. Who receives it follows from the queue bindings in ``topology.QUEUES``.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from . import contracts as c
from .topology import QUEUES


@dataclass(frozen=True)
class MessageSpec:
    type: str
    payload: type[BaseModel]
    exchange: str
    senders: tuple[str, ...]
    summary: str
    routing_key: str = ""  # the type without "gongkai." unless given (public events: a pattern)

    @property
    def key(self) -> str:
        return self.routing_key or self.type.removeprefix("gongkai.")

    @property
    def name(self) -> str:
        return "".join(part.title() for part in self.key.replace("{", "").replace("}", "").replace("-", "_")
                       .replace(".", "_").split("_"))

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


MESSAGES: tuple[MessageSpec, ...] = (
    MessageSpec(c.SUBMIT_DISCLOSURE, c.SubmitDisclosure, "intake", ("staff-tools",),
                "Submit a disclosure item (version 1) for review"),
    MessageSpec(c.DECIDE_REVIEW, c.DecideReview, "intake", ("staff-tools",),
                "Approve or reject a review case, bound to its content hash"),
    MessageSpec(c.INTAKE_REJECTED, c.IntakeRejected, "events", ("publishing", "review"),
                "A command changed nothing, and why"),
    MessageSpec(c.DISCLOSURE_SUBMITTED, c.DisclosureSubmitted, "events", ("publishing",),
                "A version was stored and awaits review"),
    MessageSpec(c.REVIEW_CASE_OPENED, c.ReviewCaseOpened, "events", ("review",),
                "Screening passed; the case waits for a reviewer"),
    MessageSpec(c.REVIEW_BLOCKED, c.ReviewBlocked, "events", ("review",),
                "Screening found what must never be published"),
    MessageSpec(c.REVIEW_APPROVED, c.ReviewDecided, "events", ("review",),
                "A reviewer approved exactly the content with this hash"),
    MessageSpec(c.REVIEW_REJECTED, c.ReviewDecided, "events", ("review",), "A reviewer rejected the version"),
    MessageSpec(c.DISCLOSURE_PUBLISHED, c.DisclosurePublished, "events", ("publishing",),
                "A version was published (internal record, public and internal items)"),
    MessageSpec(c.DISCLOSURE_PUBLICATION_REFUSED, c.PublicationRefused, "events", ("publishing",),
                "An approval did not match the version; nothing was published"),
    MessageSpec(c.DEADLINE_OPENED, c.DeadlineOpened, "events", ("notification",), "A deadline started"),
    MessageSpec(c.DEADLINE_MET, c.DeadlineClosed, "events", ("notification",), "A deadline was met"),
    MessageSpec(c.DEADLINE_CANCELLED, c.DeadlineClosed, "events", ("notification",),
                "A deadline no longer applies"),
    MessageSpec(c.PUBLIC_DISCLOSURE_PUBLISHED, c.PublicDisclosure, "public", ("publishing",),
                "An approved item, as the public sees it, on one channel",
                routing_key="{channel}.{category}.published"),
)
