"""What notification does with each event: open, meet, cancel or recompute deadlines by the policy's rules.

Each handler runs in one unit of work: the deadline rows, the events they cause (outbox) and the
inbox record commit together. Events of one item (or case, or request) are serialised by an advisory
lock, so replicas and concurrent deliveries cannot interleave them.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from pathlib import Path
from typing import Any

from gongkai.shared import contracts as c
from gongkai.shared.calendar import CalendarError, WorkingCalendar, parse_year, read_year_file, shipped_years
from gongkai.shared.deadline_rules import Policy, PolicyError, Rule, check_length
from gongkai.shared.envelope import Envelope
from gongkai.shared.errors import Refused
from gongkai.shared.identity import Principal, Role
from gongkai.shared.origin import Origin

from . import domain
from .contacts import Contacts
from .domain import Deadline, State
from .store import DeadlineStore, NotificationWork

CALENDAR_LOCK = "calendar"

# Every review outcome that closes a case's clock: each names the case.
CaseDecision = c.ReviewDecided | c.ReviewBlocked | c.ReviewWithheld | c.RedactionRequested | c.CaseVoided


class Calendars:
    """The calendar the service counts with: the shipped years, the configured year files, and the years loaded
    into the database (read through the unit of work's deadline store)."""

    def __init__(self, calendar_dir: Path | None = None) -> None:
        self.base_years = dict(shipped_years())
        if calendar_dir:
            for path in sorted(Path(calendar_dir).glob("*.toml")):
                year = read_year_file(path)
                self.base_years[year.year] = year
        self._last: tuple[list[dict[str, Any]], WorkingCalendar] | None = None

    async def calendar(self, deadlines: DeadlineStore) -> WorkingCalendar:
        loaded = await deadlines.calendar_data()
        if self._last is not None and self._last[0] == loaded:  # parsed once while the loaded years stay the same
            return self._last[1]
        years = dict(self.base_years)
        for data in loaded:
            year = parse_year(data)
            years[year.year] = year
        calendar = WorkingCalendar(years.values())
        self._last = (loaded, calendar)
        return calendar


class Clocks:
    """Opening, closing and moving deadlines, and whom a deadline concerns: what the event handlers, the request
    clocks and the monitor share. It needs the origin of its events, the policy, the contacts and the calendar."""

    def __init__(self, origin: Origin, policy: Policy, contacts: Contacts, calendars: Calendars) -> None:
        self.origin = origin
        self.policy = policy
        self.contacts = contacts
        self.calendars = calendars

    async def calendar(self, uow: NotificationWork) -> WorkingCalendar:
        return await self.calendars.calendar(uow.deadlines)

    # ---- building blocks -----------------------------------------------------------------------

    def recipients(self, rule: Rule, deadline: Deadline, *, escalate: bool = False) -> list[str]:
        selectors = rule.escalate if escalate else rule.notify
        return [p.id for p in self.contacts.recipients(selectors, unit=deadline.unit, person=deadline.person)]

    async def open(self, uow: NotificationWork, cause: Envelope | None, rule: Rule, cal: WorkingCalendar, *,
                   subject: str, item_id: str, version: int, start: date, unit: str | None = None,
                   category: str | None = None, person: str | None = None, deadline_id: str | None = None,
                   at: datetime | None = None, length: int | None = None) -> Deadline | None:
        """Open a deadline of ``rule`` (unless the same id exists, or a live one of the subject and rule)."""
        moment = cause.time if cause is not None else at
        assert moment is not None
        deadline = domain.open_deadline(
            rule, cal, deadline_id=deadline_id or str(uuid.uuid4()), subject=subject, item_id=item_id,
            version=version, at=moment, start=start, unit=unit, category=category, person=person,
            escalate_after=self.policy.escalate_after, length=length)
        if not await uow.deadlines.add(deadline):
            return None
        opened = c.DeadlineOpened(deadline_id=deadline.deadline_id, item_id=deadline.item_id, rule=deadline.rule,
                                  opened_on=deadline.opened_on, due_on=deadline.due_on,
                                  provisional=deadline.provisional, unit=unit, category=category)
        uow.emit(self.origin.event(c.DEADLINE_OPENED, opened, subject=deadline.item_id, cause=cause))
        await self.alert_missing_years(uow, cause, deadline, cal)
        return deadline

    async def alert_missing_years(self, uow: NotificationWork, cause: Envelope | None, deadline: Deadline,
                                  cal: WorkingCalendar) -> None:
        """A provisional due date: tell the administrators, once per missing year."""
        if not deadline.provisional:
            return
        for year in cal.missing_years(deadline.opened_on, deadline.due_on):
            if await uow.deadlines.claim_year_alert(year):
                alert = c.CalendarYearMissing(year=year, deadline_id=deadline.deadline_id, item_id=deadline.item_id,
                                              rule=deadline.rule, due_on=deadline.due_on)
                uow.emit(self.origin.event(c.CALENDAR_YEAR_MISSING, alert, subject=str(year), cause=cause))

    async def close(self, uow: NotificationWork, cause: Envelope, deadline: Deadline, state: State,
                    on: date | None = None, at: datetime | None = None) -> Deadline:
        """Close at ``at`` (default: the cause's time); ``on`` is the day it counts as met (default: that
        moment's date in the agency's time zone)."""
        closed = domain.close(deadline, state, at or cause.time, on)
        await uow.deadlines.save(closed)
        assert closed.closed_at is not None and closed.late is not None
        data = c.DeadlineClosed(deadline_id=closed.deadline_id, item_id=closed.item_id, rule=closed.rule,
                                due_on=closed.due_on, closed_at=closed.closed_at, late=closed.late,
                                unit=closed.unit, category=closed.category)
        kind = c.DEADLINE_MET if state is State.met else c.DEADLINE_CANCELLED
        uow.emit(self.origin.event(kind, data, subject=closed.item_id, cause=cause))
        return closed

    async def moved(self, uow: NotificationWork, cause: Envelope | None, before: Deadline, after: Deadline,
                    reason: str, cal: WorkingCalendar) -> bool:
        """Save a recomputed deadline; announce it (and whom to tell) when its due date changed."""
        await uow.deadlines.save(after)
        if before.due_on == after.due_on and before.provisional == after.provisional:
            return False
        rule = self.policy.rule(after.rule)
        data = c.DeadlineRecomputed(deadline_id=after.deadline_id, item_id=after.item_id, rule=after.rule,
                                    previous_due_on=before.due_on, due_on=after.due_on,
                                    provisional=after.provisional, reason=reason, unit=after.unit,
                                    category=after.category, recipients=self.recipients(rule, after))
        uow.emit(self.origin.event(c.DEADLINE_RECOMPUTED, data, subject=after.item_id, cause=cause))
        await self.alert_missing_years(uow, cause, after, cal)
        return True


class Notification:
    """The deadline handlers (disclosure items, review cases, the calendar): they need the origin of their
    events, the policy, the contacts and the calendar source, through ``Clocks``."""

    def __init__(self, origin: Origin, policy: Policy, contacts: Contacts, calendars: Calendars) -> None:
        self.origin = origin
        self.policy = policy
        self.clocks = Clocks(origin, policy, contacts, calendars)

    # ---- disclosure items ----------------------------------------------------------------------

    async def on_submitted(self, data: c.DisclosureSubmitted, event: Envelope, uow: NotificationWork) -> None:
        """The first submission of an item opens its proactive-publication deadline, counted from the day
        the information was formed (or the submission's day in the agency's time zone)."""
        await uow.deadlines.lock(data.item_id)
        cal = await self.clocks.calendar(uow)
        for rule, length in self.item_clocks(data):
            if await uow.deadlines.ever_opened(data.item_id, rule.id):
                continue
            opened = await self.clocks.open(uow, event, rule, cal, subject=data.item_id, item_id=data.item_id,
                                            version=data.version, start=data.formed_on or domain.local_date(event.time),
                                            unit=data.unit, category=data.category, person=data.submitted_by,
                                            length=length)
            await self.close_if_decided(uow, event, opened, data.item_id, data.version)

    async def close_if_decided(self, uow: NotificationWork, cause: Envelope, opened: Deadline | None, subject: str,
                               version: int) -> None:
        """Events may arrive out of order: an outcome that came first closes the clock it just opened, as it
        would have had it come second (met at the publication's or the decision's time, or cancelled)."""
        early = await uow.deadlines.early_outcome(subject, version)
        if opened is None or early is None:
            return
        outcome, at = early
        state = State.met if outcome in ("published", State.met.value) else State.cancelled
        await self.clocks.close(uow, cause, opened, state, at=at)

    def item_clocks(self, data: c.DisclosureSubmitted) -> list[tuple[Rule, int | None]]:
        """The clock the item's category names, with the category's own length: the catalogue is the one
        source of an item's time limit. A category whose rule is opened at the year's start (年度报告) or
        that has none opens no clock per item."""
        rule = self.policy.rules.get(data.deadline_rule or "")
        if rule is None or c.DISCLOSURE_SUBMITTED not in rule.opened_by:
            return []
        length = data.deadline_days
        if length is not None:
            try:
                check_length(rule, length)
            except PolicyError:
                length = None  # the catalogue refuses such a length at load; the rule's own stands
        return [(rule, length)]

    async def on_information_changed(self, data: c.InformationChanged, event: Envelope, uow: NotificationWork) -> None:
        """A change of a published item's information opens change-publication, from the day it changed."""
        await uow.deadlines.lock(data.item_id)
        cal = await self.clocks.calendar(uow)
        for rule in self.policy.opened_by(event.type):
            if await uow.deadlines.live_deadline(data.item_id, rule.id) is None:
                await self.clocks.open(uow, event, rule, cal, subject=data.item_id, item_id=data.item_id, version=0,
                                start=data.changed_on, unit=data.unit, category=data.category, person=data.marked_by)

    async def on_published(self, data: c.DisclosurePublished, event: Envelope, uow: NotificationWork) -> None:
        await uow.deadlines.lock(data.item_id)
        for rule in self.policy.met_by(event.type):
            if rule.met_by_category is not None:
                if rule.met_by_category == data.category:
                    for deadline in await uow.deadlines.live_of_category(rule.id, data.category):
                        await self.clocks.close(uow, event, deadline, State.met, at=data.published_at)
                continue
            current = await uow.deadlines.live_deadline(data.item_id, rule.id)
            if current is not None and (current.version > data.version
                                        or (current.version == 0 and current.opened_at > data.published_at)):
                continue  # an outcome of an older version, or a publication before the change was marked
            if current is None:
                # Events may arrive out of order: remember the outcome so a late submission opens nothing.
                await uow.deadlines.remember_outcome(data.item_id, data.version, "published", data.published_at)
                continue
            await self.clocks.close(uow, event, current, State.met, at=data.published_at)

    async def on_stopped(self, data: c.DisclosureWithheld | c.DisclosureWithdrawn, event: Envelope,
                         uow: NotificationWork) -> None:
        """Withheld (不予公开) or withdrawn: nothing is to be published, so nothing is due."""
        await uow.deadlines.lock(data.item_id)
        for rule in self.policy.cancelled_by(event.type):
            current = await uow.deadlines.live_deadline(data.item_id, rule.id)
            if current is None:
                await uow.deadlines.remember_outcome(data.item_id, data.version, "stopped", event.time)
            elif current.version <= data.version:
                await self.clocks.close(uow, event, current, State.cancelled)

    # ---- review cases --------------------------------------------------------------------------

    async def on_case_opened(self, data: c.ReviewCaseOpened, event: Envelope, uow: NotificationWork) -> None:
        await uow.deadlines.lock(data.case_id)
        cal = await self.clocks.calendar(uow)
        for rule in self.policy.opened_by(event.type):
            if await uow.deadlines.ever_opened(data.case_id, rule.id):
                continue
            opened = await self.clocks.open(uow, event, rule, cal, subject=data.case_id, item_id=data.item_id,
                                            version=data.version, start=domain.local_date(event.time),
                                            unit=data.unit, category=data.category, person=data.submitted_by)
            await self.close_if_decided(uow, event, opened, data.case_id, 0)

    async def on_case_closed(self, data: CaseDecision, event: Envelope, uow: NotificationWork) -> None:
        """A decision meets the case's review deadline; a voided case cancels it."""
        case_id = data.case_id
        await uow.deadlines.lock(case_id)
        for rules, state in ((self.policy.met_by(event.type), State.met),
                             (self.policy.cancelled_by(event.type), State.cancelled)):
            for rule in rules:
                current = await uow.deadlines.live_deadline(case_id, rule.id)
                if current is None:
                    await uow.deadlines.remember_outcome(case_id, 0, state.value, event.time)
                else:
                    await self.clocks.close(uow, event, current, state)

    # ---- the calendar --------------------------------------------------------------------------

    async def load_calendar_year(self, data: c.LoadCalendarYear, command: Envelope, principal: Principal,
                                 uow: NotificationWork) -> dict[str, Any]:
        """Load or correct a year; every live deadline it touches is recomputed, and the change announced."""
        principal.require(Role.administrator)
        try:
            year = parse_year(data.model_dump(mode="json", by_alias=True))
        except CalendarError as exc:
            raise Refused(str(exc), status=422) from exc
        await uow.deadlines.lock(CALENDAR_LOCK)
        replaced = await uow.deadlines.store_year(year.year, year.to_dict(), year.reference, principal.id)
        cal = await self.clocks.calendar(uow)
        today = domain.local_date(command.time)
        what = "更正" if replaced else "载入"
        reason = f"{what}{year.year}年节假日安排（{year.reference}）"
        moves = [(deadline, domain.recompute(deadline, self.policy.rule(deadline.rule), cal,
                                             escalate_after=self.policy.escalate_after, today=today))
                 for deadline in await uow.deadlines.live_touching(year.year)]
        recomputed = sum((before.due_on, before.provisional) != (after.due_on, after.provisional)
                         for before, after in moves)
        loaded = c.CalendarYearLoaded(year=year.year, notice=year.notice, reference=year.reference, replaced=replaced,
                                      loaded_by=principal.id, holidays=sum(1 for d in year.off if d.weekday() < 5),
                                      make_up_working_days=len(year.working), recomputed=recomputed)
        # Emitted before the deadlines it moves: the staff tool is answered with the first event its command
        # caused, and that must be this one (with the count), not a deadline.recomputed.
        uow.emit(self.origin.event(c.CALENDAR_YEAR_LOADED, loaded, subject=str(year.year), cause=command))
        for before, after in moves:
            await self.clocks.moved(uow, command, before, after, reason, cal)
        return loaded.model_dump(mode="json")
