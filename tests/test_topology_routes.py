"""Every message type a consumer handles is routed to its queue, and every binding of a service's queue brings
it a type that one of its consumers handles: queues that bind a few types of a busy domain stay complete."""

from __future__ import annotations

import pytest
from gongkai.notification.app import build as notification
from gongkai.participation.app import build as participation
from gongkai.publishing.app import build as publishing
from gongkai.requests.app import build as requests
from gongkai.review.app import build as review
from gongkai.shared.messages import MESSAGES
from gongkai.shared.settings import Settings
from gongkai.shared.topology import QUEUES

EXCHANGE_OF = {spec.type: spec.exchange for spec in MESSAGES}
SPECS = {spec.type: spec for spec in MESSAGES}
BINDINGS = {queue.name: queue.bindings for queue in QUEUES}
BUILDS = {"publishing": publishing, "review": review, "notification": notification, "requests": requests,
          "participation": participation}


def topic_matches(binding: str, routing_key: str) -> bool:
    """RabbitMQ's topic match: ``*`` is one word, ``#`` zero or more."""

    def match(words: list[str], keys: list[str]) -> bool:
        if not words:
            return not keys
        if words[0] == "#":
            return any(match(words[1:], keys[n:]) for n in range(len(keys) + 1))
        return bool(keys) and words[0] in ("*", keys[0]) and match(words[1:], keys[1:])

    return match(binding.split("."), routing_key.split("."))


def keys(message_type: str) -> list[str]:
    """The routing keys a type travels with: one, or one for each of its routing words (``routes``)."""
    return SPECS[message_type].samples()


def routed(queue: str, message_type: str) -> bool:
    return any(exchange == EXCHANGE_OF[message_type] and any(topic_matches(binding, key) for key in keys(message_type))
               for exchange, binding in BINDINGS[queue])


def test_the_topic_match_follows_rabbitmq():
    assert topic_matches("deadline.opened.#", "deadline.opened.v1")
    assert topic_matches("deadline.#", "deadline.opened.v1")
    assert topic_matches("#", "deadline.opened.v1")
    assert topic_matches("requests.reply_submitted.*", "requests.reply_submitted.v1")
    assert not topic_matches("deadline.opened.#", "deadline.met.v1")
    assert not topic_matches("requests.reply_submitted.*", "requests.reply_submitted")
    assert not topic_matches("review.#", "reviews.approved.v1")


@pytest.mark.parametrize("service", sorted(BUILDS))
def test_every_handled_type_reaches_its_queue_and_every_binding_brings_a_handled_type(service):
    built = BUILDS[service](Settings())[0]
    assert built.consumers
    for consumer in built.consumers:
        handled = set(consumer.handlers)  # type: ignore[attr-defined]
        missing = sorted(kind for kind in handled if not routed(consumer.queue, kind))
        assert not missing, f"{consumer.queue} handles {missing} but no binding routes them to it"
        for exchange, binding in BINDINGS[consumer.queue]:
            brings = [kind for kind in handled if EXCHANGE_OF[kind] == exchange
                      and any(topic_matches(binding, key) for key in keys(kind))]
            assert brings, f"{consumer.queue}'s binding {exchange} {binding} brings no type it handles"
