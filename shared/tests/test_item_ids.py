"""An item id longer than the services' tables hold (64) is refused by the contract, not by the database."""

from __future__ import annotations

import pytest
from gongkai.shared.consumers import decode
from gongkai.shared.contracts import DISCLOSURE_SUBMITTED
from gongkai.shared.envelope import new_event
from gongkai.shared.errors import Refused
from gongkai.shared.messages import MESSAGES


def item_id_limit(schema: dict) -> int | None:
    field = schema.get("properties", {}).get("item_id")
    if field is None:
        return None
    options = field.get("anyOf", [field])
    return max(option.get("maxLength", 10**9) for option in options if option.get("type") != "null")


@pytest.mark.parametrize("spec", [s for s in MESSAGES if "item_id" in s.payload.model_fields],
                         ids=lambda s: s.type)
def test_every_item_id_in_a_message_is_at_most_64_characters(spec):
    assert item_id_limit(spec.payload.model_json_schema()) <= 256
    if spec.payload.__name__ != "AccessRefused":  # a refusal names what it refused, up to 256
        assert item_id_limit(spec.payload.model_json_schema()) == 64


def test_a_submitted_event_with_a_65_character_item_id_is_refused_at_decoding():
    data = {"item_id": "x" * 65, "version": 1, "title": "t", "body": "b", "category": "S03", "audience": "public",
            "channels": ["portal"], "submitted_by": "p", "content_hash": "sha256:" + "0" * 64, "authors": ["p"]}
    with pytest.raises(Refused) as refused:
        decode(new_event(DISCLOSURE_SUBMITTED, data, source="/test", actor="test"))
    assert refused.value.status == 422 and "item_id" in refused.value.reason
