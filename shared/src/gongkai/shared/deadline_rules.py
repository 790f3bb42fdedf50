"""The deadline rules as data: one policy file (TOML) that every service counts with, read and checked at start.

Notification enforces the rules (opens, reminds, escalates); publishing reads the same file, with the same
calendar, to tell staff the date notification will enforce, and its catalogue names each category's rule.
The file is ``GONGKAI_DEADLINE_RULES_FILE`` (``deadline_rules.toml`` beside this module by default).

A policy that names an unknown rule or event, gives a negative or absurd length, or sets a publication
or request time limit above its legal ceiling is refused with ``PolicyError``, and the service does not
start with it.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from . import contracts as c
from .calendar import WorkingCalendar

DEFAULT_POLICY = Path(__file__).with_name("deadline_rules.toml")

RULES = (c.RULE_PROACTIVE_PUBLICATION, c.RULE_CHANGE_PUBLICATION, c.RULE_REVIEW, c.RULE_ANNUAL_REPORT,
         c.RULE_ANNUAL_TARGETS, c.RULE_REQUEST_REPLY, c.RULE_REQUEST_CORRECTION, c.RULE_REQUEST_THIRD_PARTY,
         c.RULE_OPINION_REPLY)
# Rules a policy may leave out (a bureau without the oversight service): notification opens none of their clocks.
OPTIONAL_RULES = (c.RULE_RECTIFICATION, c.RULE_REPORT_ACKNOWLEDGEMENT)
YEAR_START = "year-start"  # opened by the monitor on the first check of each year

# The events (and request commands) whose facts notification knows how to read, by rule family.
ITEM_EVENTS = (c.DISCLOSURE_SUBMITTED, c.DISCLOSURE_INFORMATION_CHANGED, c.DISCLOSURE_PUBLISHED,
               c.DISCLOSURE_WITHHELD, c.DISCLOSURE_WITHDRAWN)
REVIEW_EVENTS = (c.REVIEW_CASE_OPENED, c.REVIEW_APPROVED, c.REVIEW_REJECTED, c.REVIEW_BLOCKED,
                 c.REVIEW_REDACTION_REQUESTED, c.REVIEW_WITHHELD, c.REVIEW_CASE_VOIDED)
REQUEST_STEPS = (c.REGISTER_REQUEST, c.ASK_REQUEST_CORRECTION, c.RECORD_REQUEST_CORRECTION, c.CONSULT_THIRD_PARTY,
                 c.RECORD_THIRD_PARTY_REPLY, c.EXTEND_REQUEST, c.ANSWER_REQUEST)
# The requests service's facts that move the same clocks as the staff's request commands.
REQUEST_FACTS = (c.REQUESTS_RECEIVED, c.REQUESTS_CORRECTION_ASKED, c.REQUESTS_CORRECTED,
                 c.REQUESTS_CONSULTATION_STARTED, c.REQUESTS_CONSULTATION_REPLIED, c.REQUESTS_EXTENDED,
                 c.REQUESTS_ANSWERED)
# The participation service's facts that open, meet and cancel an opinion's reply clock.
OPINION_FACTS = (c.OPINION_RECEIVED, c.OPINION_ANSWERED, c.OPINION_HIDDEN)
# The oversight service's facts: a rectification's clock, and a delivered report's acknowledgement clock.
OVERSIGHT_FACTS = (c.OVERSIGHT_RECTIFICATION_ORDERED, c.OVERSIGHT_RECTIFICATION_CLOSED, c.OVERSIGHT_REPORT_DELIVERED,
                   c.OVERSIGHT_REPORT_ACKNOWLEDGED)
KNOWN_TRIGGERS = frozenset((*ITEM_EVENTS, *REVIEW_EVENTS, *REQUEST_STEPS, *REQUEST_FACTS, *OPINION_FACTS,
                            *OVERSIGHT_FACTS,
                            YEAR_START))

# Legal ceilings (政府信息公开条例): a policy may be stricter, never looser.
CEILINGS = {
    c.RULE_PROACTIVE_PUBLICATION: 20,   # 第二十六条: 20 working days from being formed or changed
    c.RULE_CHANGE_PUBLICATION: 20,
    c.RULE_REQUEST_REPLY: 20,           # 第三十三条
    c.RULE_REQUEST_CORRECTION: 7,       # 第三十条
    c.RULE_REQUEST_THIRD_PARTY: 15,     # 第三十二条
}
MAX_LENGTH = 366
MAX_REMINDER = 60
RECIPIENT_ROLES = ("submitter", "reviewers", "unit", "office", "administrators", "request-handlers")


class PolicyError(ValueError):
    """The policy file is wrong; the message says where and why."""


class Unit(StrEnum):
    working_days = "working-days"
    calendar_days = "calendar-days"
    fixed_date = "fixed-date"


@dataclass(frozen=True)
class Rule:
    id: str
    opened_by: tuple[str, ...]
    met_by: tuple[str, ...]
    cancelled_by: tuple[str, ...]
    unit: Unit
    length: int = 0                       # working or calendar days
    due: tuple[int, int] | None = None    # (month, day) with fixed-date
    reminders: tuple[int, ...] = ()       # working days before the due date, largest first
    notify: tuple[str, ...] = ()
    escalate: tuple[str, ...] = ()
    met_by_category: str | None = None
    max_extension: int = 0


@dataclass(frozen=True)
class Policy:
    rules: dict[str, Rule]
    escalate_after: int = 1
    source: str = ""

    def rule(self, rule_id: str) -> Rule:
        return self.rules[rule_id]

    def opened_by(self, trigger: str) -> list[Rule]:
        return [r for r in self.rules.values() if trigger in r.opened_by]

    def met_by(self, trigger: str) -> list[Rule]:
        return [r for r in self.rules.values() if trigger in r.met_by]

    def cancelled_by(self, trigger: str) -> list[Rule]:
        return [r for r in self.rules.values() if trigger in r.cancelled_by]


def due_date(rule: Rule, start: date, cal: WorkingCalendar, extra: int = 0,
             length: int | None = None) -> tuple[date, bool]:
    """When a deadline of ``rule`` whose clock starts on ``start`` falls due, and whether that date is
    provisional (it reaches a year without holiday data, counted on weekends only). ``length`` is a
    category's own time limit (the catalogue's), in place of the rule's."""
    if rule.unit is Unit.fixed_date:
        assert rule.due is not None
        return date(start.year, *rule.due), False
    days = (length or rule.length) + extra
    if rule.unit is Unit.calendar_days:
        return start + timedelta(days=days), False
    due = cal.add_working_days(start, days)
    return due, bool(cal.missing_years(start, due))


def check_length(rule: Rule, length: int) -> None:
    """A category's own time limit for ``rule``: working days, within the legal ceiling."""
    if rule.unit is not Unit.working_days:
        raise PolicyError(f"rule {rule.id} is not counted in working days; a category cannot set its length")
    ceiling = CEILINGS.get(rule.id, MAX_LENGTH)
    if not 1 <= length <= ceiling:
        raise PolicyError(f"{length} working days for {rule.id}: it must be from 1 to {ceiling}")


def load_policy(path: str | Path | None = None) -> Policy:
    path = Path(path) if path else DEFAULT_POLICY
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"cannot read the policy file {path}: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"the policy file {path} is not valid TOML: {exc}") from exc
    try:
        return parse_policy(data, source=str(path))
    except PolicyError as exc:
        raise PolicyError(f"{path.name}: {exc}") from None


def parse_policy(data: dict[str, Any], source: str = "") -> Policy:
    rules_data = data.get("rules")
    if not isinstance(rules_data, dict):
        raise PolicyError("no [rules.<id>] tables")
    unknown = sorted(set(rules_data) - set(RULES) - set(OPTIONAL_RULES))
    if unknown:
        raise PolicyError(f"unknown rule {unknown[0]!r}; the rules are {', '.join((*RULES, *OPTIONAL_RULES))}")
    missing = [r for r in RULES if r not in rules_data]
    if missing:
        raise PolicyError(f"rule {missing[0]!r} is missing")
    escalate_after = _whole(data.get("escalate_after", 1), "escalate_after", 0, MAX_REMINDER)
    present = (*RULES, *(r for r in OPTIONAL_RULES if r in rules_data))
    return Policy({rule_id: _rule(rule_id, rules_data[rule_id]) for rule_id in present}, escalate_after, source)


def _whole(value: Any, where: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise PolicyError(f"{where} must be a whole number, not {value!r}")
    if value < low:
        raise PolicyError(f"{where} is {value}: it must not be below {low}")
    if value > high:
        raise PolicyError(f"{where} is {value}: more than {high} is not a time limit")
    return value


def _names(value: Any, where: str, allowed: frozenset[str] | tuple[str, ...]) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PolicyError(f"{where} must be a list of names")
    for name in value:
        if name not in allowed:
            raise PolicyError(f"{where}: unknown {name!r}")
    return tuple(value)


def _rule(rule_id: str, data: Any) -> Rule:
    where = f"rule {rule_id}"
    if not isinstance(data, dict):
        raise PolicyError(f"{where} must be a table")
    try:
        unit = Unit(data.get("unit", ""))
    except ValueError:
        raise PolicyError(f"{where}: unit must be one of {', '.join(u.value for u in Unit)}") from None
    length, due = 0, None
    if unit is Unit.fixed_date:
        raw = data.get("due")
        try:
            month, day = (int(part) for part in str(raw).split("-"))
            date(2024, month, day)  # a leap year: 02-29 is allowed
        except (ValueError, TypeError):
            raise PolicyError(f"{where}: due must be a day of the year as MM-DD, not {raw!r}") from None
        due = (month, day)
    else:
        length = _whole(data.get("length"), f"{where}: length", 1, MAX_LENGTH)
        ceiling = CEILINGS.get(rule_id)
        if ceiling is not None and unit is not Unit.working_days:
            raise PolicyError(f"{where}: the legal time limit is in working days; unit must be working-days")
        if ceiling is not None and length > ceiling:
            raise PolicyError(f"{where}: length {length} is above the legal ceiling of {ceiling} working days")
    reminders = tuple(sorted({_whole(r, f"{where}: reminder", 0, MAX_REMINDER)
                              for r in data.get("reminders", [])}, reverse=True))
    max_extension = _whole(data.get("max_extension", 0), f"{where}: max_extension", 0, 20)
    category = data.get("met_by_category")
    if category is not None and not isinstance(category, str):
        raise PolicyError(f"{where}: met_by_category must be a category code such as S08")
    return Rule(
        id=rule_id,
        opened_by=_names(data.get("opened_by", []), f"{where}: opened_by", KNOWN_TRIGGERS),
        met_by=_names(data.get("met_by", []), f"{where}: met_by", KNOWN_TRIGGERS),
        cancelled_by=_names(data.get("cancelled_by", []), f"{where}: cancelled_by", KNOWN_TRIGGERS),
        unit=unit, length=length, due=due, reminders=reminders,
        notify=_names(data.get("notify", []), f"{where}: notify", RECIPIENT_ROLES),
        escalate=_names(data.get("escalate", []), f"{where}: escalate", RECIPIENT_ROLES),
        met_by_category=category, max_extension=max_extension,
    )
