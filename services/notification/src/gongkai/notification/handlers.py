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
from gongkai.shared.service import Service
from gongkai.shared.unit_of_work import UnitOfWork

from . import domain, repository
from .contacts import Contacts
from .domain import Deadline, State
from .settings import NotificationSettings

CALENDAR_LOCK = "calendar"

# Every review outcome that closes a case's clock: each names the case.
CaseDecision = c.ReviewDecided | c.ReviewBlocked | c.ReviewWithheld | c.RedactionRequested | c.CaseVoided


class Notification:
    def __init__(self, service: Service, policy: Policy, contacts: Contacts, settings: NotificationSettings) -> None:
        self.service = service
        self.policy = policy
        self.contacts = contacts
        self.settings = settings
        self.base_years = dict(shipped_years())
        if settings.calendar_dir:
            for path in sorted(Path(settings.calendar_dir).glob("*.toml")):
                year = read_year_file(path)
                self.base_years[year.year] = year

    # ---- the calendar the service counts with --------------------------------------------------

    async def calendar(self, uow_or_session: Any) -> WorkingCalendar:
        """The shipped years, the configured year files, and the years loaded into the database."""
        session = getattr(uow_or_session, "session", uow_or_session)
        years = dict(self.base_years)
        for data in await repository.calendar_data(session):
            year = parse_year(data)
            years[year.year] = year
        return WorkingCalendar(years.values())

    # ---- building blocks -----------------------------------------------------------------------

    def recipients(self, rule: Rule, deadline: Deadline, *, escalate: bool = False) -> list[str]:
        selectors = rule.escalate if escalate else rule.notify
        return [p.id for p in self.contacts.recipients(selectors, unit=deadline.unit, person=deadline.person)]

    async def open(self, uow: UnitOfWork, cause: Envelope | None, rule: Rule, cal: WorkingCalendar, *,
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
        if not await repository.add(uow.session, deadline):
            return None
        opened = c.DeadlineOpened(deadline_id=deadline.deadline_id, item_id=deadline.item_id, rule=deadline.rule,
                                  opened_on=deadline.opened_on, due_on=deadline.due_on,
                                  provisional=deadline.provisional, unit=unit, category=category)
        uow.emit(self.service.event(c.DEADLINE_OPENED, opened, subject=deadline.item_id, cause=cause))
        await self.alert_missing_years(uow, cause, deadline, cal)
        return deadline

    async def alert_missing_years(self, uow: UnitOfWork, cause: Envelope | None, deadline: Deadline,
                                  cal: WorkingCalendar) -> None:
        """A provisional due date: tell the administrators, once per missing year."""
        if not deadline.provisional:
            return
        for year in cal.missing_years(deadline.opened_on, deadline.due_on):
            if await repository.claim_year_alert(uow.session, year):
                alert = c.CalendarYearMissing(year=year, deadline_id=deadline.deadline_id, item_id=deadline.item_id,
                                              rule=deadline.rule, due_on=deadline.due_on)
                uow.emit(self.service.event(c.CALENDAR_YEAR_MISSING, alert, subject=str(year), cause=cause))

    async def close(self, uow: UnitOfWork, cause: Envelope, deadline: Deadline, state: State,
                    on: date | None = None, at: datetime | None = None) -> Deadline:
        """Close at ``at`` (default: the cause's time); ``on`` is the day it counts as met (default: that
        moment's date in the agency's time zone)."""
        closed = domain.close(deadline, state, at or cause.time, on)
        await repository.save(uow.session, closed)
        assert closed.closed_at is not None and closed.late is not None
        data = c.DeadlineClosed(deadline_id=closed.deadline_id, item_id=closed.item_id, rule=closed.rule,
                                due_on=closed.due_on, closed_at=closed.closed_at, late=closed.late,
                                unit=closed.unit, category=closed.category)
        kind = c.DEADLINE_MET if state is State.met else c.DEADLINE_CANCELLED
        uow.emit(self.service.event(kind, data, subject=closed.item_id, cause=cause))
        return closed

    async def moved(self, uow: UnitOfWork, cause: Envelope | None, before: Deadline, after: Deadline,
                    reason: str, cal: WorkingCalendar) -> bool:
        """Save a recomputed deadline; announce it (and whom to tell) when its due date changed."""
        await repository.save(uow.session, after)
        if before.due_on == after.due_on and before.provisional == after.provisional:
            return False
        rule = self.policy.rule(after.rule)
        data = c.DeadlineRecomputed(deadline_id=after.deadline_id, item_id=after.item_id, rule=after.rule,
                                    previous_due_on=before.due_on, due_on=after.due_on,
                                    provisional=after.provisional, reason=reason, unit=after.unit,
                                    category=after.category, recipients=self.recipients(rule, after))
        uow.emit(self.service.event(c.DEADLINE_RECOMPUTED, data, subject=after.item_id, cause=cause))
        await self.alert_missing_years(uow, cause, after, cal)
        return True

    # ---- disclosure items ----------------------------------------------------------------------

    async def on_submitted(self, data: c.DisclosureSubmitted, event: Envelope, uow: UnitOfWork) -> None:
        """The first submission of an item opens its proactive-publication deadline, counted from the day
        the information was formed (or the submission's day in the agency's time zone)."""
        await repository.lock(uow.session, data.item_id)
        cal = await self.calendar(uow)
        for rule, length in self.item_clocks(data):
            if await repository.ever_opened(uow.session, data.item_id, rule.id) or \
                    await repository.version_known(uow.session, data.item_id, data.version, rule.id):
                continue
            await self.open(uow, event, rule, cal, subject=data.item_id, item_id=data.item_id, version=data.version,
                            start=data.formed_on or domain.local_date(event.time), unit=data.unit,
                            category=data.category, person=data.submitted_by, length=length)

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

    async def on_information_changed(self, data: c.InformationChanged, event: Envelope, uow: UnitOfWork) -> None:
        """A change of a published item's information opens change-publication, from the day it changed."""
        await repository.lock(uow.session, data.item_id)
        cal = await self.calendar(uow)
        for rule in self.policy.opened_by(event.type):
            if await repository.live_deadline(uow.session, data.item_id, rule.id) is None:
                await self.open(uow, event, rule, cal, subject=data.item_id, item_id=data.item_id, version=0,
                                start=data.changed_on, unit=data.unit, category=data.category, person=data.marked_by)

    async def on_published(self, data: c.DisclosurePublished, event: Envelope, uow: UnitOfWork) -> None:
        await repository.lock(uow.session, data.item_id)
        for rule in self.policy.met_by(event.type):
            if rule.met_by_category is not None:
                if rule.met_by_category == data.category:
                    for deadline in await repository.live_of_category(uow.session, rule.id, data.category):
                        await self.close(uow, event, deadline, State.met, at=data.published_at)
                continue
            current = await repository.live_deadline(uow.session, data.item_id, rule.id)
            if current is not None and (current.version > data.version
                                        or (current.version == 0 and current.opened_at > data.published_at)):
                continue  # an outcome of an older version, or a publication before the change was marked
            if current is None:
                # Events may arrive out of order: remember the outcome so a late submission opens nothing.
                await repository.remember_outcome(uow.session, data.item_id, data.version, "published", event.time)
                continue
            await self.close(uow, event, current, State.met, at=data.published_at)

    async def on_stopped(self, data: c.DisclosureWithheld | c.DisclosureWithdrawn, event: Envelope, uow: UnitOfWork
                         ) -> None:
        """Withheld (不予公开) or withdrawn: nothing is to be published, so nothing is due."""
        await repository.lock(uow.session, data.item_id)
        for rule in self.policy.cancelled_by(event.type):
            current = await repository.live_deadline(uow.session, data.item_id, rule.id)
            if current is None:
                await repository.remember_outcome(uow.session, data.item_id, data.version, "stopped", event.time)
            elif current.version <= data.version:
                await self.close(uow, event, current, State.cancelled)

    # ---- review cases --------------------------------------------------------------------------

    async def on_case_opened(self, data: c.ReviewCaseOpened, event: Envelope, uow: UnitOfWork) -> None:
        await repository.lock(uow.session, data.case_id)
        cal = await self.calendar(uow)
        for rule in self.policy.opened_by(event.type):
            if await repository.ever_opened(uow.session, data.case_id, rule.id) or \
                    await repository.version_known(uow.session, data.case_id, 0, rule.id):
                continue
            await self.open(uow, event, rule, cal, subject=data.case_id, item_id=data.item_id, version=data.version,
                            start=domain.local_date(event.time), unit=data.unit, category=data.category,
                            person=data.submitted_by)

    async def on_case_closed(self, data: CaseDecision, event: Envelope, uow: UnitOfWork) -> None:
        """A decision meets the case's review deadline; a voided case cancels it."""
        case_id = data.case_id
        await repository.lock(uow.session, case_id)
        for rules, state in ((self.policy.met_by(event.type), State.met),
                             (self.policy.cancelled_by(event.type), State.cancelled)):
            for rule in rules:
                current = await repository.live_deadline(uow.session, case_id, rule.id)
                if current is None:
                    await repository.remember_outcome(uow.session, case_id, 0, state.value, event.time)
                else:
                    await self.close(uow, event, current, state)

    # ---- the calendar --------------------------------------------------------------------------

    async def load_calendar_year(self, data: c.LoadCalendarYear, command: Envelope, principal: Principal,
                                 uow: UnitOfWork) -> dict[str, Any]:
        """Load or correct a year; every live deadline it touches is recomputed, and the change announced."""
        principal.require(Role.administrator)
        try:
            year = parse_year(data.model_dump(mode="json", by_alias=True))
        except CalendarError as exc:
            raise Refused(str(exc), status=422) from exc
        await repository.lock(uow.session, CALENDAR_LOCK)
        replaced = await repository.store_year(uow.session, year.year, year.to_dict(), year.reference, principal.id)
        cal = await self.calendar(uow)
        today = domain.local_date(command.time)
        what = "更正" if replaced else "载入"
        reason = f"{what}{year.year}年节假日安排（{year.reference}）"
        moves = [(deadline, domain.recompute(deadline, self.policy.rule(deadline.rule), cal,
                                             escalate_after=self.policy.escalate_after, today=today))
                 for deadline in await repository.live_touching(uow.session, year.year)]
        recomputed = sum((before.due_on, before.provisional) != (after.due_on, after.provisional)
                         for before, after in moves)
        loaded = c.CalendarYearLoaded(year=year.year, notice=year.notice, reference=year.reference, replaced=replaced,
                                      loaded_by=principal.id, holidays=sum(1 for d in year.off if d.weekday() < 5),
                                      make_up_working_days=len(year.working), recomputed=recomputed)
        # Emitted before the deadlines it moves: the staff tool is answered with the first event its command
        # caused, and that must be this one (with the count), not a deadline.recomputed.
        uow.emit(self.service.event(c.CALENDAR_YEAR_LOADED, loaded, subject=str(year.year), cause=command))
        for before, after in moves:
            await self.moved(uow, command, before, after, reason, cal)
        return loaded.model_dump(mode="json")

    # ---- reads ---------------------------------------------------------------------------------

    async def deadlines(self, *, item_id: str | None, state: State | None, rule: str | None = None,
                        limit: int = 100) -> list[Deadline]:
        async with self.service.sessions() as session:
            return await repository.find(session, item_id=item_id, state=state, rule=rule, limit=limit)

