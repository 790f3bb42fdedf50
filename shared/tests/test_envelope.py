"""The envelope: CloudEvents attribute names, causation, and refusal of what is not one."""

from __future__ import annotations

import json

import pytest
from gongkai.shared.contracts import content_hash
from gongkai.shared.envelope import MalformedEnvelope, new_event, parse


def test_an_event_serialises_with_cloudevents_attribute_names_and_parses_back():
    event = new_event("gongkai.disclosure.submitted.v1", {"item_id": "i-1"}, source="/gongkai/publishing",
                      actor="li.na", actorunit="办公室", subject="i-1")
    raw = json.loads(event.to_bytes())
    assert {"specversion", "id", "source", "type", "time", "subject", "datacontenttype", "correlationid",
            "actor", "actorunit", "data"} <= set(raw)
    assert raw["specversion"] == "1.0" and raw["correlationid"] == event.id
    assert parse(event.to_bytes()) == event
    assert event.routing_key == "disclosure.submitted.v1"


def test_a_caused_event_keeps_the_correlation_and_points_at_its_cause():
    command = new_event("gongkai.disclosure.submit.v1", {}, source="/tool", actor="li.na")
    event = command.caused("gongkai.disclosure.submitted.v1", {"x": 1}, source="/gongkai/publishing",
                           subject="i-9")
    assert event.correlationid == command.id and event.causationid == command.id
    assert event.actor == "li.na" and event.subject == "i-9" and event.id != command.id


def test_unknown_fields_are_ignored_so_producers_can_add_them():
    event = new_event("gongkai.x.v1", {}, source="/s", actor="a")
    raw = json.loads(event.to_bytes()) | {"futurefield": 1}
    assert parse(json.dumps(raw).encode()).id == event.id


@pytest.mark.parametrize(("body", "reason"), [
    (b"\xff\xfe", "not JSON"),
    (b"{broken", "not JSON"),
    (b"[1, 2]", "not a JSON object"),
    (b'{"type": "gongkai.x.v1"}', "source"),
    (b'{"specversion": "0.3", "source": "/s", "type": "t", "actor": "a"}', "specversion"),
])
def test_what_is_not_an_envelope_is_refused_with_a_reason(body, reason):
    with pytest.raises(MalformedEnvelope, match=reason):
        parse(body)


def test_the_content_hash_changes_with_any_published_field_and_not_with_channel_order():
    base = content_hash("标题", "正文", "S01", "public", ["portal", "bulletin"])
    assert base == content_hash("标题", "正文", "S01", "public", ["bulletin", "portal"])
    assert base != content_hash("标题", "正文 ", "S01", "public", ["portal", "bulletin"])
    assert base != content_hash("标题", "正文", "S02", "public", ["portal", "bulletin"])
    assert base != content_hash("标题", "正文", "S01", "internal", ["portal", "bulletin"])
    assert base.startswith("sha256:") and len(base) == 71
