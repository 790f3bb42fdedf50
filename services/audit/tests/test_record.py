"""Record extraction, a pure function of a delivery: what is kept, under which key."""

from __future__ import annotations

import hashlib
import json

from gongkai.audit.record import Record, entry, from_message
from gongkai.shared import contracts as c
from gongkai.shared.envelope import new_event

EVENT = new_event(c.DISCLOSURE_SUBMITTED, {"item_id": "item-1"}, source="/gongkai/publishing", actor="li.na",
                  actorunit="办公室", subject="item-1", causationid="command-1")
DEATH = [{"queue": "ns.review.intake", "reason": "rejected", "count": 1, "exchange": "ns.intake",
          "routing-keys": ["review.decide.v1"]}]


def record_of(body: bytes, **overrides) -> Record:
    delivery = {"exchange": "ns.events", "routing_key": "disclosure.submitted.v1", "message_id": EVENT.id,
                "headers": {}, "dead_lettered": False, **overrides}
    return from_message(body, **delivery)


def test_an_envelope_is_recorded_with_its_attributes_under_exchange_and_message_id():
    record = record_of(EVENT.to_bytes())
    assert record.valid and not record.dead_lettered and record.dead_letter_reason is None
    assert record.record_key == f"ns.events:{EVENT.id}"
    assert (record.event_id, record.type, record.source, record.subject) == (
        EVENT.id, c.DISCLOSURE_SUBMITTED, "/gongkai/publishing", "item-1")
    assert (record.actor, record.actorunit, record.correlation_id, record.causation_id) == (
        "li.na", "办公室", EVENT.id, "command-1")
    assert record.event_time == EVENT.time and record.event_time.tzinfo is not None
    assert (record.exchange, record.routing_key) == ("ns.events", "disclosure.submitted.v1")


def test_the_body_is_kept_byte_for_byte():
    body = b'{"specversion":"1.0","id":"e-1","source":"/x","type":"t","actor":"a","extra":"\xe5\x85\xac"}  '
    record = record_of(body, message_id="e-1")
    assert record.valid and record.body == body


def test_a_malformed_body_is_recorded_as_invalid_with_no_attributes():
    record = record_of(b"\xff not json")
    assert not record.valid and record.body == b"\xff not json"
    assert record.type is None and record.event_id is None and record.subject is None
    assert record.record_key == f"ns.events:{EVENT.id}"


def test_json_that_is_not_an_envelope_is_invalid():
    assert not record_of(b'{"type": "gongkai.x.v1"}').valid
    assert not record_of(b"[1, 2]").valid


def test_a_message_without_id_is_keyed_by_the_hash_of_its_body():
    record = record_of(b"hello", message_id=None)
    assert record.record_key == "ns.events:sha256:" + hashlib.sha256(b"hello").hexdigest()
    assert record_of(b"hello", message_id="").record_key == record.record_key


def test_a_dead_letter_is_keyed_by_the_queue_it_died_in_and_keeps_the_reason():
    record = record_of(EVENT.to_bytes(), exchange="ns.dlx", routing_key="review.decide.v1",
                       headers={"x-death": DEATH}, dead_lettered=True)
    assert record.dead_lettered and record.dead_letter_reason == "rejected"
    assert record.record_key == f"dlx:ns.review.intake:{EVENT.id}"
    assert record.exchange == "ns.dlx" and record.valid


def test_the_latest_death_comes_first_and_bytes_values_are_read_as_text():
    deaths = [{"queue": b"ns.audit.record", "reason": b"delivery_limit"}, *DEATH]
    record = record_of(b"x", headers={"x-death": deaths}, dead_lettered=True)
    assert record.record_key == f"dlx:ns.audit.record:{EVENT.id}"
    assert record.dead_letter_reason == "delivery_limit"


def test_a_dead_letter_without_x_death_is_still_recorded():
    record = record_of(b"x", headers=None, dead_lettered=True, message_id=None)
    assert record.record_key == "dlx:-:sha256:" + hashlib.sha256(b"x").hexdigest()
    assert record.dead_letter_reason is None


def test_headers_are_never_part_of_a_record():
    record = record_of(EVENT.to_bytes(), headers={"authorization": "Bearer dev-submitter-token"})
    assert "dev-submitter-token" not in repr(record.row())


def test_a_distinct_key_names_the_body_hash():
    record = record_of(b"other body")
    assert record.with_distinct_key().record_key == (
        f"ns.events:{EVENT.id}:sha256:" + hashlib.sha256(b"other body").hexdigest())
    assert record.with_distinct_key().body == record.body


def test_an_auditor_sees_the_envelope_as_sent_or_the_raw_text():
    stored = {"seq": 7, "exchange": "ns.events", "routing_key": "k", "received_at": None, "dead_lettered": False,
              "dead_letter_reason": None}
    valid = entry({**stored, "valid": True, "body": EVENT.to_bytes()})
    assert valid["envelope"] == json.loads(EVENT.to_bytes()) and valid["raw"] is None and valid["seq"] == 7
    invalid = entry({**stored, "valid": False, "body": memoryview(b"not \xff json")})
    assert invalid["envelope"] is None and invalid["raw"] == "not \ufffd json"


def test_text_postgres_cannot_hold_is_replaced_in_the_columns_but_kept_in_the_body():
    body = b'{"id":"e-1","source":"/x","type":"t","actor":"a","data":{"unit":"u\\u0000","s":"\\ud800"}}'
    record = record_of(body, routing_key="k\x00")
    assert record.valid and record.body == body
    assert record.unit == "u\ufffd" and record.routing_key == "k\ufffd"


def test_an_envelope_whose_attributes_hold_control_characters_is_kept_as_an_invalid_record():
    body = b'{"id":"e\\u0000-1","source":"/x","type":"t","actor":"a"}'
    record = record_of(body)
    assert not record.valid and record.body == body and record.event_id is None


def test_an_auditor_can_be_shown_any_valid_envelope_as_json():
    body = b'{"id":"e-1","source":"/x","type":"t","actor":"a","data":{"n":NaN,"s":"\\ud800"}}'
    shown = entry({"seq": 1, "exchange": "x", "routing_key": "k", "received_at": None, "dead_lettered": False,
                   "dead_letter_reason": None, "valid": True, "body": body})
    assert shown["envelope"]["data"] == {"n": "NaN", "s": "?"}
    json.dumps(shown, ensure_ascii=False, allow_nan=False).encode()


def test_json_nested_beyond_the_parsers_depth_is_recorded_as_invalid():
    body = b"[" * 200_000 + b"]" * 200_000
    record = record_of(body)
    assert not record.valid and record.body == body


def test_an_event_from_an_unknown_source_is_flagged_but_a_staff_tools_command_is_not():
    stranger = new_event(c.DISCLOSURE_SUBMITTED, {"unit": "办公室"}, source="/elsewhere", actor="x")
    assert record_of(stranger.to_bytes(), message_id=stranger.id).flag == "unknown-source"
    assert record_of(stranger.to_bytes(), exchange="ns.public").flag == "unknown-source"
    command = new_event(c.SUBMIT_DISCLOSURE, {}, source="/staff-tool", actor="staff-tool")
    assert record_of(command.to_bytes(), exchange="ns.intake").flag is None
    assert record_of(EVENT.to_bytes()).flag is None


OWNERS = {c.DISCLOSURE_SUBMITTED: frozenset({"gongkai-publishing"}), c.REVIEW_APPROVED: frozenset({"gongkai-review"})}


def test_the_sender_account_is_kept_and_a_fact_not_from_its_owners_account_is_flagged():
    own = record_of(EVENT.to_bytes(), user_id="gongkai-publishing", owners=OWNERS)
    assert (own.user_id, own.flag) == ("gongkai-publishing", None)
    for account in ("gongkai-review", None):
        assert record_of(EVENT.to_bytes(), user_id=account, owners=OWNERS).flag == "wrong-account"
    straight_in = record_of(EVENT.to_bytes(), exchange="", user_id="gongkai-notification", owners=OWNERS)
    assert straight_in.flag == "wrong-account", "published through the default exchange, into audit's queue"
    unknown = new_event("gongkai.unheard.v1", {}, source="/gongkai/publishing", actor="a")
    assert record_of(unknown.to_bytes(), user_id="gongkai-publishing", owners=OWNERS).flag == "wrong-account"
    forged_source = new_event(c.REVIEW_APPROVED, {}, source="/elsewhere", actor="x")
    assert record_of(forged_source.to_bytes(), user_id="gongkai-publishing", owners=OWNERS).flag == "wrong-account"
    assert record_of(forged_source.to_bytes(), user_id="gongkai-review", owners=OWNERS).flag == "unknown-source"


def test_a_command_or_a_dead_letter_is_not_flagged_for_its_account():
    command = new_event(c.SUBMIT_DISCLOSURE, {}, source="/staff-tool", actor="staff-tool")
    assert record_of(command.to_bytes(), exchange="ns.intake", user_id="gongkai-staff-tool", owners=OWNERS).flag is None
    dead = record_of(EVENT.to_bytes(), dead_lettered=True, headers={"x-death": DEATH}, user_id=None, owners=OWNERS)
    assert dead.flag is None and dead.dead_lettered


def test_an_entry_shows_the_sender_account():
    assert entry({**record_of(EVENT.to_bytes(), user_id="gongkai-publishing").row(), "seq": 1,
                  "received_at": None})["user_id"] == "gongkai-publishing"


def test_the_unit_is_the_items_unit_else_the_actors():
    assert record_of(new_event(c.REVIEW_APPROVED, {"unit": "运输管理科"}, source="/gongkai/review", actor="zhao.lei",
                               actorunit="保密办").to_bytes()).unit == "运输管理科"
    assert record_of(EVENT.to_bytes()).unit == "办公室"


def test_only_valid_unflagged_live_events_of_counted_types_become_facts():
    from gongkai.audit.facts import fact_of

    counted = new_event(c.DISCLOSURE_WITHHELD, {"item_id": "i", "version": 2, "unit": "办公室", "category": "S05",
                                                "legal_reason": "state-secret"}, source="/gongkai/publishing",
                        actor="a")
    fact = fact_of(record_of(counted.to_bytes()), 9)
    assert fact is not None and (fact["seq"], fact["subject_id"], fact["version"], fact["legal_reason"]) == (
        9, "i", 2, "state-secret")
    assert fact_of(record_of(counted.to_bytes(), dead_lettered=True), 9) is None
    assert fact_of(record_of(counted.to_bytes(), exchange="ns.public"), 9) is None
    assert fact_of(record_of(b"not json"), 9) is None
    foreign = counted.model_copy(update={"source": "/elsewhere"})
    assert fact_of(record_of(foreign.to_bytes()), 9) is None
    uncounted = new_event(c.DEADLINE_OPENED, {"unit": "办公室"}, source="/gongkai/notification", actor="a")
    assert fact_of(record_of(uncounted.to_bytes()), 9) is None
