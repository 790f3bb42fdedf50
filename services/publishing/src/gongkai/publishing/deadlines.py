"""The publication dates staff are told: those notification will enforce, from the same rules and calendar.

The catalogue names each category's rule (and its own length, if it sets one); the rules file and the
working-day calendar are the same files notification reads (``GONGKAI_DEADLINE_RULES_FILE``,
``GONGKAI_CALENDAR_DIR`` beside the shipped years). A year loaded into notification later by
``gongkai calendar load`` is not seen here: a date in such a year is marked provisional, as notification
marks it until the year is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from gongkai.shared.calendar import WorkingCalendar, years_with
from gongkai.shared.contracts import RULE_CHANGE_PUBLICATION
from gongkai.shared.deadline_rules import Policy, Unit, due_date, load_policy

from .catalogue import Catalogue, Category


@dataclass(frozen=True)
class Due:
    rule: str
    on: date
    provisional: bool


class Deadlines:
    def __init__(self, rules: Policy, calendar: WorkingCalendar) -> None:
        self.rules = rules
        self.calendar = calendar

    @classmethod
    def load(cls, rules_file: Path | None = None, calendar_dir: Path | None = None) -> Deadlines:
        return cls(load_policy(rules_file), WorkingCalendar(years_with(calendar_dir).values()))

    def publication(self, category: Category, formed_on: date) -> Due | None:
        """When an item of ``category`` formed on ``formed_on`` must be public; None: no deadline."""
        rule = self.rules.rules.get(category.deadline.rule or "")
        if rule is None:
            return None
        if rule.unit is Unit.fixed_date:
            assert rule.due is not None
            year = formed_on.year if date(formed_on.year, *rule.due) >= formed_on else formed_on.year + 1
            return Due(rule.id, date(year, *rule.due), False)
        on, provisional = due_date(rule, formed_on, self.calendar, length=category.deadline.working_days)
        return Due(rule.id, on, provisional)

    def change(self, changed_on: date) -> Due:
        """When the update of a published item whose information changed on ``changed_on`` is due."""
        rule = self.rules.rule(RULE_CHANGE_PUBLICATION)
        on, provisional = due_date(rule, changed_on, self.calendar)
        return Due(rule.id, on, provisional)

    def check(self, catalogue: Catalogue) -> None:
        catalogue.check(self.rules)
