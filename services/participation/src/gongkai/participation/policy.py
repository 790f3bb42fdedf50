"""The participation policy as data (``policy.toml``): the opinion box's topics and duplicate window, and each
consultation kind's period, read and checked at start. A wrong file is refused with ``PolicyError`` and the
service does not start with it."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_POLICY = Path(__file__).with_name("policy.toml")


class PolicyError(ValueError):
    """The policy file is wrong; the message says where and why."""


@dataclass(frozen=True)
class ConsultationKind:
    kind: str
    name: str
    days: int            # calendar days the draft is open for comments, by default
    min_days: int        # and at the least


@dataclass(frozen=True)
class Policy:
    topics: dict[str, str]
    duplicate_days: int = 30
    kinds: dict[str, ConsultationKind] = field(default_factory=dict)
    hearing_notice_days: int = 10
    source: str = ""

    def topic_name(self, topic: str) -> str:
        return self.topics.get(topic, topic)


def load(path: str | Path | None = None) -> Policy:
    path = Path(path) if path else DEFAULT_POLICY
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"cannot read the participation policy {path}: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"the participation policy {path} is not valid TOML: {exc}") from exc
    try:
        return parse(data, source=str(path))
    except PolicyError as exc:
        raise PolicyError(f"{path.name}: {exc}") from None


def parse(data: dict[str, Any], source: str = "") -> Policy:
    opinions = _table(data, "opinions")
    topics = _table(opinions, "topics", "opinions.")
    if not topics:
        raise PolicyError("opinions.topics names no topic")
    for key, name in topics.items():
        if not isinstance(name, str) or not name.strip() or len(key) > 32:
            raise PolicyError(f"opinions.topics.{key}: a topic is a key of at most 32 characters and its name")
    duplicate_days = _whole(opinions.get("duplicate_days", 30), "opinions.duplicate_days", 0, 366)
    consultations = data.get("consultations", {})
    if not isinstance(consultations, dict):
        raise PolicyError("[consultations] must be a table")
    kinds = {}
    for kind, value in _table(consultations, "kinds", "consultations.").items():
        where = f"consultations.kinds.{kind}"
        if not isinstance(value, dict) or not isinstance(value.get("name"), str):
            raise PolicyError(f"{where}: a kind has a name and its days")
        days = _whole(value.get("days"), f"{where}.days", 1, 366)
        least = _whole(value.get("min_days", days), f"{where}.min_days", 1, days)
        kinds[kind] = ConsultationKind(kind, value["name"], days, least)
    notice = _whole(consultations.get("hearing_notice_days", 10), "consultations.hearing_notice_days", 1, 366)
    return Policy({str(k): str(v) for k, v in topics.items()}, duplicate_days, kinds, notice, source)


def _table(data: dict[str, Any], name: str, where: str = "") -> dict[str, Any]:
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise PolicyError(f"[{where}{name}] must be a table")
    return value


def _whole(value: Any, where: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise PolicyError(f"{where} must be a whole number, not {value!r}")
    if not low <= value <= high:
        raise PolicyError(f"{where} is {value}: it must be from {low} to {high}")
    return value
