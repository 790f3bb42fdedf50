"""AsyncAPI 3.0 documents, one per service, generated from the message registry and the topology."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from .envelope import CONTENT_TYPE, Envelope
from .messages import MESSAGES, MessageSpec
from .routes import PLACEHOLDER_WORDS
from .topology import Topology

REF = "#/components/schemas/{model}"


def document(service: str, namespace: str = "gongkai") -> dict[str, Any]:
    topology = Topology(namespace)
    sent = [m for m in MESSAGES if service in m.senders]
    received = [(m, queue) for m in MESSAGES for svc, queue in m.receivers() if svc == service]
    used = list(dict.fromkeys([*sent, *(m for m, _ in received)]))
    models: list[type[BaseModel]] = list(dict.fromkeys([Envelope, *(m.payload for m in used)]))
    _, schemas = models_json_schema([(model, "validation") for model in models], ref_template=REF)
    channels = {_channel_id(m): _channel(m, topology) for m in used}
    operations: dict[str, Any] = {}
    for m in sent:
        operations[f"send{m.name}"] = {"action": "send", "summary": m.summary,
                                       "channel": {"$ref": f"#/channels/{_channel_id(m)}"}}
    for m, queue in received:
        operations[f"receive{m.name}From{_camel(queue)}"] = {
            "action": "receive", "summary": m.summary, "channel": {"$ref": f"#/channels/{_channel_id(m)}"},
            "bindings": {"amqp": {"bindingVersion": "0.3.0", "ack": True}},
            "description": f"Consumed from the quorum queue {topology.queue(queue)}",
        }
    return {
        "asyncapi": "3.0.0",
        "info": {"title": f"Gongkai {service}", "version": "1",
                 "description": f"Messages the {service} service sends and receives. Every message is a "
                                "CloudEvents 1.0 envelope in structured mode; the AMQP message_id is its id."},
        "defaultContentType": CONTENT_TYPE,
        "servers": {"rabbitmq": {"host": "rabbitmq:5672", "protocol": "amqp", "protocolVersion": "0.9.1"}},
        "channels": channels,
        "operations": operations,
        "components": {"messages": {m.name: _message(m) for m in used}, "schemas": schemas["$defs"]},
    }


def _channel_id(m: MessageSpec) -> str:
    return f"{m.exchange}_{m.name}"


ROUTING_WORDS = {"rule": "the deadline's rule (data.rule)",
                 "kind": "the kind of item decided, by data.item_id: disclosure, reply (to a request) or participation"}


def _channel(m: MessageSpec, topology: Topology) -> dict[str, Any]:
    channel: dict[str, Any] = {
        "address": m.key,
        "messages": {m.name: {"$ref": f"#/components/messages/{m.name}"}},
        "bindings": {"amqp": {"bindingVersion": "0.3.0", "is": "routingKey", "exchange": {
            "name": topology.exchange(m.exchange), "type": "topic", "durable": True, "autoDelete": False,
            "vhost": "/"}}},
    }
    words = {name: {"description": f"routing word: {about}", "enum": list(PLACEHOLDER_WORDS[name])}
             for name, about in ROUTING_WORDS.items() if f"{{{name}}}" in m.key}
    if words:
        channel["parameters"] = words
    return channel


def _message(m: MessageSpec) -> dict[str, Any]:
    return {
        "name": m.type, "title": m.summary, "contentType": CONTENT_TYPE,
        "payload": {"allOf": [
            {"$ref": REF.format(model="Envelope")},
            {"type": "object", "required": ["type", "data"],
             "properties": {"type": {"const": m.type}, "data": {"$ref": REF.format(model=m.payload.__name__)}}},
        ]},
    }


def _camel(name: str) -> str:
    return "".join(part.title() for part in name.replace("-", ".").split("."))
