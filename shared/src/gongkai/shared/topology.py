"""RabbitMQ topology: one description, declared by code and exported as broker definitions.

Every name is prefixed with a namespace (``gongkai`` by default) so that several systems, or
several test runs, share one broker without touching each other.

- ``<ns>.events``  topic: internal facts
- ``<ns>.public``  topic: public facts only (approved, public-audience content)
- ``<ns>.staff``   topic: internal-audience publications, for staff channels only
- ``<ns>.intake``  topic: commands from staff tools
- ``<ns>.dlx``     topic: dead letters; ``<ns>.parking`` keeps them for an operator

Queues are durable quorum queues, one per (service, purpose), with a delivery limit: a message
that keeps failing is dead-lettered (at-least-once) to the parking queue instead of looping.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import aio_pika
from faststream.rabbit import RabbitQueue

if TYPE_CHECKING:
    from pamqp.common import FieldTable  # aio-pika's type of queue arguments

DELIVERY_LIMIT = 5

EXCHANGES = ("events", "public", "staff", "intake", "dlx")


@dataclass(frozen=True)
class QueueSpec:
    name: str
    bindings: tuple[tuple[str, str], ...]
    purpose: str
    dead_letter_to_own_parking: bool = False


QUEUES: tuple[QueueSpec, ...] = (
    # A queue binds its domain's routing keys broadly where its service handles most of what the domain sends
    # (a consumer acks and ignores the other types, so a new event of the domain needs no topology change). A
    # queue that wants a few types of a busy domain binds those types alone: every delivery costs its consumer a
    # frame to read, a dispatch and an ack, and a copy it would only ignore is a third of an item's messages.
    # Deadline events and review decisions end in a routing word (their rule, the kind of item decided: see
    # ``routes``), so a queue binds the rules and kinds it handles alone.
    # ``tests/test_topology_routes.py`` checks that every type a consumer handles is routed to its queue.
    QueueSpec("publishing.intake", (("intake", "disclosure.#"),),
              "staff commands that create or change disclosure items"),
    QueueSpec("publishing.reviews", (("events", "review.#"),),
              "review decisions that publish, hold or stop a version"),
    QueueSpec("review.intake", (("intake", "review.#"),), "reviewers' decisions sent as commands"),
    QueueSpec("review.submissions", (("events", "disclosure.submitted.#"), ("events", "requests.reply_submitted.*"),
                                     ("events", "participation.publication_submitted.*")),
              "versions, request replies and participation's public texts to screen and review"),
    QueueSpec("notification.deadlines", (("events", "disclosure.#"), ("events", "review.#"),
                                         ("events", "requests.#"), ("events", "calendar.#"),
                                         ("events", "participation.opinion_received.*"),
                                         ("events", "participation.opinion_routed.*"),
                                         ("events", "participation.opinion_answered.*"),
                                         ("events", "participation.opinion_hidden.*"),
                                         ("events", "oversight.rectification_ordered.*"),
                                         ("events", "oversight.rectification_closed.*"),
                                         ("events", "oversight.report_delivered.*"),
                                         ("events", "oversight.report_acknowledged.*")),
              "facts that open, meet, pause or cancel deadlines"),
    QueueSpec("notification.intake", (("intake", "request.#"), ("intake", "calendar.#")),
              "staff commands that record request steps and calendar years"),
    QueueSpec("notification.deliveries", (("events", "deadline.due_soon.#"), ("events", "deadline.overdue.#"),
                                          ("events", "deadline.recomputed.#"), ("events", "notification.#")),
              "reminders and escalations to deliver by e-mail, webhook and inbox"),
    QueueSpec("requests.intake", (("intake", "requests.#"),),
              "staff commands that receive requests for disclosure and take each step to the reply"),
    QueueSpec("requests.reviews", (("events", "review.approved.*.reply"), ("events", "review.rejected.*.reply"),
                                   ("events", "review.blocked.*.reply"),
                                   ("events", "review.redaction_requested.*.reply"),
                                   ("events", "review.withheld.*.reply")),
              "review decisions on request replies"),
    QueueSpec("requests.clocks", (("events", "deadline.opened.*.request-reply"),
                                  ("events", "deadline.recomputed.*.request-reply")),
              "the reply clock's due date as notification keeps it, for the applicant's status page"),
    QueueSpec("participation.intake", (("intake", "participation.#"),),
              "staff commands of the opinion box and of consultations"),
    QueueSpec("participation.reviews", (("events", "review.approved.*.participation"),
                                        ("events", "review.rejected.*.participation"),
                                        ("events", "review.blocked.*.participation"),
                                        ("events", "review.redaction_requested.*.participation"),
                                        ("events", "review.withheld.*.participation")),
              "review decisions on what participation would show the public"),
    QueueSpec("participation.clocks", (("events", "deadline.opened.*.opinion-reply"),
                                       ("events", "deadline.recomputed.*.opinion-reply")),
              "an opinion's reply clock as notification keeps it, for the statistics and the queue"),
    QueueSpec("oversight.intake", (("intake", "oversight.#"),),
              "staff commands that record inspections, findings and rectifications, and compile reports"),
    QueueSpec("oversight.facts", (("events", "deadline.met.*.proactive-publication"),
                                  ("events", "deadline.met.*.change-publication"), ("events", "disclosure.withdrawn.*"),
                                  ("events", "request.answered.*"), ("events", "requests.assigned.*")),
              "the facts a unit's scorecard and the district reports count: publications met on time or late, "
              "withdrawals, requests assigned and answered"),
    QueueSpec("audit.record", (("events", "#"), ("public", "#"), ("staff", "#"), ("intake", "#")),
              "every event and command, for the append-only log", dead_letter_to_own_parking=True),
    QueueSpec("audit.dead-letters", (("dlx", "#"),),
              "every dead-lettered message, for the append-only log", dead_letter_to_own_parking=True),
    QueueSpec("parking", (("dlx", "#"),), "dead letters kept for an operator to inspect or replay"),
)

_BY_NAME = {q.name: q for q in QUEUES}


@dataclass(frozen=True)
class Topology:
    namespace: str = "gongkai"
    queues: tuple[QueueSpec, ...] = field(default=QUEUES)

    def exchange(self, logical: str) -> str:
        if logical not in EXCHANGES:
            raise KeyError(f"unknown exchange {logical!r}")
        return f"{self.namespace}.{logical}"

    def queue(self, logical: str) -> str:
        if logical not in _BY_NAME and logical != "audit.parking":
            raise KeyError(f"unknown queue {logical!r}")
        return f"{self.namespace}.{logical}"

    def queue_arguments(self, spec: QueueSpec) -> FieldTable:
        args: FieldTable = {"x-queue-type": "quorum"}
        if spec.name == "parking":
            return args
        args.update({"x-delivery-limit": DELIVERY_LIMIT, "x-dead-letter-strategy": "at-least-once",
                     "x-overflow": "reject-publish"})
        if spec.dead_letter_to_own_parking:
            # The audit queues read the DLX themselves: their own dead letters go straight to
            # a parking queue of their own, or a failing audit would feed itself forever.
            args.update({"x-dead-letter-exchange": "", "x-dead-letter-routing-key": self.queue("audit.parking")})
        else:
            args["x-dead-letter-exchange"] = self.exchange("dlx")
        return args

    def all_queues(self) -> list[tuple[str, FieldTable, tuple[tuple[str, str], ...]]]:
        rows = [(self.queue(q.name), self.queue_arguments(q), q.bindings) for q in self.queues]
        rows.append((self.queue("audit.parking"), {"x-queue-type": "quorum"}, ()))
        return rows

    def subscriber_queue(self, logical: str) -> RabbitQueue:
        """The queue for a FastStream subscriber: declared here, not by FastStream."""
        return RabbitQueue(self.queue(logical), declare=False)

    async def declare(self, channel: aio_pika.abc.AbstractChannel) -> None:
        exchanges = {}
        for logical in EXCHANGES:
            exchanges[logical] = await channel.declare_exchange(
                self.exchange(logical), aio_pika.ExchangeType.TOPIC, durable=True)
        for name, arguments, bindings in self.all_queues():
            queue = await channel.declare_queue(name, durable=True, arguments=arguments)
            for exchange, key in bindings:
                await queue.bind(exchanges[exchange], routing_key=key)

    async def missing(self, connection: aio_pika.abc.AbstractConnection, *, exchanges: list[str],
                      queues: list[str]) -> list[str]:
        """Which of these exchanges and queues do not exist (a passive declare needs no permission)."""
        absent: list[str] = []
        channel = await connection.channel()
        for name, declare in [*((x, "declare_exchange") for x in exchanges), *((q, "declare_queue") for q in queues)]:
            try:
                await getattr(channel, declare)(name, passive=True)
            except aio_pika.exceptions.ChannelNotFoundEntity:
                absent.append(name)
                channel = await connection.channel()  # the broker closed the one that asked
        await channel.close()
        return absent

    async def delete(self, channel: aio_pika.abc.AbstractChannel) -> None:
        """Remove every queue and exchange of this namespace (tests and teardown only)."""
        for name, _, _ in self.all_queues():
            await channel.queue_delete(name, if_unused=False, if_empty=False)
        for logical in EXCHANGES:
            await channel.exchange_delete(self.exchange(logical))

    def definitions(self) -> dict[str, object]:
        """RabbitMQ definitions (``load_definitions``) of the same topology; ``gongkai.shared.broker`` adds
        the accounts."""
        vhost = "/"
        return {
            "vhosts": [{"name": vhost}],
            "exchanges": [
                {"name": self.exchange(x), "vhost": vhost, "type": "topic", "durable": True,
                 "auto_delete": False, "internal": False, "arguments": {}} for x in EXCHANGES
            ],
            "queues": [
                {"name": name, "vhost": vhost, "durable": True, "auto_delete": False, "arguments": args}
                for name, args, _ in self.all_queues()
            ],
            "bindings": [
                {"source": self.exchange(exchange), "vhost": vhost, "destination": name,
                 "destination_type": "queue", "routing_key": key, "arguments": {}}
                for name, _, bindings in self.all_queues() for exchange, key in bindings
            ],
        }


def rabbit_password_hash(password: str, salt: bytes) -> str:
    """RabbitMQ's salted SHA-256 password hash, as ``definitions.json`` stores it."""
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode()).digest()).decode()
