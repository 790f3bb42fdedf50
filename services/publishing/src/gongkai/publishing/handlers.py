"""What publishing does with each command and event. HTTP and AMQP intake reach the same methods."""

from __future__ import annotations

import logging
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from gongkai.shared import contracts as c
from gongkai.shared.calendar import local_date
from gongkai.shared.decisions import KeyRing
from gongkai.shared.envelope import Envelope
from gongkai.shared.errors import Conflict, NotFound, Refused
from gongkai.shared.identity import Principal, Role
from gongkai.shared.origin import Origin

from . import domain
from .catalogue import Catalogue
from .deadlines import Deadlines
from .domain import Item, State, Version
from .store import PublishingWork

log = logging.getLogger("gongkai.publishing")

PUBLIC_TYPES = {"published": c.PUBLIC_DISCLOSURE_PUBLISHED, "updated": c.PUBLIC_DISCLOSURE_UPDATED,
                "withdrawn": c.PUBLIC_DISCLOSURE_WITHDRAWN}
STAFF_TYPES = {"published": c.STAFF_DISCLOSURE_PUBLISHED, "updated": c.STAFF_DISCLOSURE_UPDATED,
               "withdrawn": c.STAFF_DISCLOSURE_WITHDRAWN}


def now() -> datetime:
    return datetime.now(UTC)


class Publishing:
    """The service's handlers: an origin for their events, the catalogue, review's keys and the deadline rules."""

    def __init__(self, origin: Origin, catalogue: Catalogue, review_keys: KeyRing, deadlines: Deadlines) -> None:
        self.origin = origin
        self.catalogue = catalogue
        self.review_keys = review_keys
        self.deadlines = deadlines

    # ---- staff commands (AMQP intake and HTTP) ------------------------------------------------

    async def submit(self, cmd: c.SubmitDisclosure, command: Envelope, principal: Principal, uow: PublishingWork
                     ) -> dict[str, Any]:
        """Create an item and send version 1 to review at once (the one-shot command)."""
        principal.require(Role.submitter)
        return await self._create(command, principal, uow, cmd, submit=True)

    async def create(self, cmd: c.CreateDisclosure, command: Envelope, principal: Principal, uow: PublishingWork
                     ) -> dict[str, Any]:
        principal.require(Role.submitter)
        return await self._create(command, principal, uow, cmd, submit=False)

    async def _create(self, command: Envelope, principal: Principal, uow: PublishingWork, cmd: c.SubmitDisclosure,
                      *, submit: bool) -> dict[str, Any]:
        at = now()
        item, version = domain.new_item(cmd, principal, self.catalogue, item_id=str(uuid.uuid4()), now=at)
        if submit:
            version = domain.submit(version, principal.id, at)
        await uow.items.add_item(item)
        await uow.items.add_version(version)
        if submit:
            await self._emit_submitted(uow, command, version, actor=principal)
        return summary(version)

    async def edit(self, cmd: c.EditDisclosure, command: Envelope, principal: Principal, uow: PublishingWork
                   ) -> dict[str, Any]:
        """A new version (a draft, or submitted with ``submit``); versions still waiting are superseded."""
        item = await self._item(uow, cmd.item_id, principal)
        at = now()
        version = domain.next_version(item, cmd, principal, self.catalogue, at)
        for old in domain.supersede_pending(await uow.items.history(item.item_id, for_update=True)):
            await uow.items.save_version(old)
        if cmd.submit:
            version = domain.submit(version, principal.id, at)
        await uow.items.add_version(version)
        await uow.items.save_item(_at_version(item, version.version))
        if cmd.submit:
            await self._emit_submitted(uow, command, version, actor=principal)
        return summary(version)

    async def submit_version(self, cmd: c.SubmitVersion, command: Envelope, principal: Principal, uow: PublishingWork
                             ) -> dict[str, Any]:
        item = await self._item(uow, cmd.item_id, principal)
        domain.may_change(item, principal)
        version = await self._version(uow, item, cmd.version)
        if version.version != item.current_version:
            raise Conflict(f"version {version.version} is {version.state.value}; the current version is "
                           f"{item.current_version}")
        submitted = domain.submit(version, principal.id, now())
        await uow.items.save_version(submitted)
        await self._emit_submitted(uow, command, submitted, actor=principal)
        return summary(submitted)

    async def mark_changed(self, cmd: c.MarkInformationChanged, command: Envelope, principal: Principal,
                           uow: PublishingWork) -> dict[str, Any]:
        item = await self._item(uow, cmd.item_id, principal)
        domain.may_change(item, principal)
        if item.public_version is None or item.withdrawn_at is not None:
            raise Conflict(f"item {item.item_id} is not published; only published information can change")
        if cmd.changed_on > now().date():
            raise Refused(f"changed_on {cmd.changed_on} is in the future")
        changed = c.InformationChanged(item_id=item.item_id, unit=item.unit, category=item.category,
                                       changed_on=cmd.changed_on, marked_by=principal.id, note=cmd.note)
        uow.emit(command.caused(c.DISCLOSURE_INFORMATION_CHANGED, changed, source=self.origin.source,
                                actor=principal.id, actorunit=principal.unit, subject=item.item_id))
        due = self.deadlines.change(cmd.changed_on)
        return {"item_id": item.item_id, "changed_on": cmd.changed_on.isoformat(), "due_on": due.on.isoformat(),
                "due_provisional": due.provisional}

    async def schedule(self, cmd: c.ScheduleRelease, command: Envelope, principal: Principal, uow: PublishingWork
                       ) -> dict[str, Any]:
        """Set the release time of a version not yet published (the time is not part of the content)."""
        item = await self._item(uow, cmd.item_id, principal)
        domain.may_change(item, principal)
        version = await self._version(uow, item, cmd.version)
        domain.check_release(cmd.release_at, now())
        if version.state not in domain.PENDING or version.version != item.current_version:
            raise Conflict(f"version {version.version} of item {item.item_id} is {version.state.value}; "
                           "only the current version, before publication, can be scheduled")
        scheduled = replace(version, release_at=cmd.release_at)
        await uow.items.save_version(scheduled)
        if scheduled.state is State.scheduled:
            self._emit_scheduled(uow, command, scheduled)
        return summary(scheduled)

    async def withdraw(self, cmd: c.WithdrawDisclosure, command: Envelope, principal: Principal, uow: PublishingWork
                       ) -> dict[str, Any]:
        item = await self._item(uow, cmd.item_id, principal)
        public = await uow.items.get(item.item_id, item.public_version, for_update=True) \
            if item.public_version else None
        item, version = domain.withdraw(item, public, principal, cmd.reason, now())
        await uow.items.save_version(version)
        await uow.items.save_item(item, public=version)  # its text leaves the search index
        assert item.withdrawn_at is not None
        withdrawn = c.DisclosureWithdrawn(
            item_id=item.item_id, version=version.version, category=item.category, unit=item.unit,
            audience=item.audience, channels=list(version.channels), reason=cmd.reason, withdrawn_by=principal.id,
            withdrawn_at=item.withdrawn_at)
        uow.emit(command.caused(c.DISCLOSURE_WITHDRAWN, withdrawn, source=self.origin.source, actor=principal.id,
                                actorunit=principal.unit, subject=item.item_id))
        for key, notice in domain.withdrawal_notices(item, version, self._category_name(item.category)):
            self._emit_channel(uow, command, item.audience, "withdrawn", notice, key, item.item_id)
        return summary(version)

    # ---- review outcomes -----------------------------------------------------------------------

    async def on_case_opened(self, opened: c.ReviewCaseOpened, event: Envelope, uow: PublishingWork) -> None:
        found = await self._locked(uow, opened.item_id, opened.version)
        if found and found[1].state is State.submitted:
            await uow.items.save_version(found[1].to(State.in_review))

    def _forged(self, event: Envelope, uow: PublishingWork, decision: c.SignedDecision) -> bool:
        """True (and refused, as a security event) unless review's signature over the decision verifies."""
        problem = self.review_keys.problem(event.type, decision)
        if problem is not None:
            log.warning("review decision refused: signature", extra={"item_id": decision.item_id,
                                                                     "type": event.type, "reason": problem})
            self._refuse(event, uow, decision.item_id, decision.version, problem, security=True)
        return problem is not None

    async def on_approved(self, approval: c.ReviewDecided, event: Envelope, uow: PublishingWork) -> None:
        if self._forged(event, uow, approval):
            return
        found = await self._locked(uow, approval.item_id, approval.version)
        if found is None:
            self._refuse(event, uow, approval.item_id, approval.version, "no such item version")
            return
        item, version = found
        outcome = domain.on_approval(item, version, approval.content_hash, now())
        if not isinstance(outcome, domain.AlreadyDecided):
            problem = domain.approval_problem(approval, domain.authors(await uow.items.history(item.item_id)))
            if problem is not None:
                self._refuse(event, uow, version.item_id, version.version, problem, item, security=True)
                return
        if isinstance(outcome, domain.RefusePublication):
            self._refuse(event, uow, version.item_id, version.version, outcome.reason, item)
        elif isinstance(outcome, domain.Schedule):
            await uow.items.save_version(outcome.version)
            self._emit_scheduled(uow, event, outcome.version)
        elif isinstance(outcome, domain.Publish):
            await self._publish(uow, item, outcome.version, event)

    async def on_rejected(self, decision: c.ReviewDecided, event: Envelope, uow: PublishingWork) -> None:
        if not self._forged(event, uow, decision):
            await self._stop(uow, decision.item_id, decision.version, State.rejected, decision.reason)

    async def on_blocked(self, blocked: c.ReviewBlocked, event: Envelope, uow: PublishingWork) -> None:
        if not self._forged(event, uow, blocked):
            await self._stop(uow, blocked.item_id, blocked.version, State.blocked, blocked.reason)

    async def _stop(self, uow: PublishingWork, item_id: str, number: int, state: State, reason: str | None) -> None:
        """A rejection or a screening block: the version stays unpublished for good."""
        found = await self._locked(uow, item_id, number)
        if found and found[1].state in domain.AWAITING_REVIEW:
            await uow.items.save_version(found[1].to(state, decided_at=now(), reason=reason))

    async def on_redaction_requested(self, request: c.RedactionRequested, event: Envelope, uow: PublishingWork) -> None:
        """The next version, with the spans replaced by ×××, goes to review for the original submitter."""
        if self._forged(event, uow, request):
            return
        found = await self._locked(uow, request.item_id, request.version)
        if not found:
            return
        item, version = found
        if version.state not in domain.AWAITING_REVIEW or version.version != item.current_version:
            log.info("redaction request for a version no longer waiting ignored",
                     extra={"item_id": item.item_id, "version": version.version, "state": version.state.value})
            return
        if request.content_hash != version.content_hash:
            self._refuse(event, uow, item.item_id, version.version,
                         f"redaction was asked on {request.content_hash}, but version {version.version} "
                         f"has {version.content_hash}", item)
            return
        at = now()
        redacted = domain.redacted(version, request.spans, item.current_version + 1, at)
        await uow.items.save_version(version.to(State.changes_requested, decided_at=at,
                                                              reason=request.reason))
        await uow.items.add_version(redacted)
        await uow.items.save_item(_at_version(item, redacted.version))
        await self._emit_submitted(uow, event, redacted, actor=None, redaction_of_case=request.case_id)

    async def on_withheld(self, decision: c.ReviewWithheld, event: Envelope, uow: PublishingWork) -> None:
        """不予公开: recorded with its legal ground, counted, never published."""
        if self._forged(event, uow, decision):
            return
        found = await self._locked(uow, decision.item_id, decision.version)
        if not found or found[1].state not in domain.AWAITING_REVIEW:
            return
        item, version = found
        withheld = version.to(State.withheld, decided_at=now(), reason=decision.reason,
                              legal_reason=decision.legal_reason.value)
        await uow.items.save_version(withheld)
        data = c.DisclosureWithheld(item_id=item.item_id, version=version.version, category=item.category,
                                    unit=item.unit, legal_reason=decision.legal_reason, reason=decision.reason,
                                    decided_by=decision.reviewer)
        uow.emit(self.origin.event(c.DISCLOSURE_WITHHELD, data, subject=item.item_id, cause=event))

    # ---- scheduled releases -------------------------------------------------------------------

    async def release_due(self, uow: PublishingWork, batch: int = 50) -> int:
        """Publish scheduled versions whose time has come (how many were due); ``Releases`` polls it."""
        due = await uow.items.due_for_release(now(), batch)
        for version in due:
            item = await uow.items.item(version.item_id, for_update=True)
            assert item is not None
            if version.version != item.current_version:
                await uow.items.save_version(version.to(State.superseded))
                continue
            await self._publish(uow, item, version, None)
        return len(due)

    # ---- helpers -------------------------------------------------------------------------------

    async def _item(self, uow: PublishingWork, item_id: str, principal: Principal) -> Item:
        """The item, locked, if ``principal`` may see it: who may not see it is told there is none (404)."""
        item = await uow.items.item(item_id, for_update=True)
        if item is None:
            raise NotFound(f"no item {item_id}")
        awaiting = principal.unit != item.unit and await uow.items.awaiting_review(item_id)
        domain.may_read(item, principal, awaiting_review=awaiting)
        return item

    async def _version(self, uow: PublishingWork, item: Item, number: int | None) -> Version:
        version = await uow.items.get(item.item_id, number or item.current_version, for_update=True)
        if version is None:
            raise NotFound(f"item {item.item_id} has no version {number}")
        return version

    async def _locked(self, uow: PublishingWork, item_id: str, number: int) -> tuple[Item, Version] | None:
        """The item and one version, locked (always the item first, so handlers never deadlock)."""
        item = await uow.items.item(item_id, for_update=True)
        version = await uow.items.get(item_id, number, for_update=True) if item else None
        return (item, version) if item and version else None

    async def _publish(self, uow: PublishingWork, item: Item, version: Version, cause: Envelope | None) -> None:
        at = now()
        if item.public_version is not None and item.public_version != version.version:
            previous = await uow.items.get(item.item_id, item.public_version, for_update=True)
            if previous is not None and previous.state is State.published:
                await uow.items.save_version(previous.to(State.superseded))
        item, published = domain.publish(item, version, at)
        await uow.items.save_version(published)
        await uow.items.save_item(item, public=published)
        assert published.published_at is not None and published.action in ("published", "updated")
        record = c.DisclosurePublished(
            item_id=item.item_id, version=published.version, content_hash=published.content_hash,
            audience=published.audience, channels=list(published.channels), category=published.category,
            group=self._category_group(published.category), unit=item.unit, action=published.action,
            published_at=published.published_at)
        uow.emit(self.origin.event(c.DISCLOSURE_PUBLISHED, record, subject=item.item_id, cause=cause))
        due_on = self._due_on(published) if published.action == "published" else None
        for key, announcement in domain.announcements(published, self._category_name(published.category), due_on):
            self._emit_channel(uow, cause, item.audience, published.action, announcement, key, item.item_id)

    def _emit_channel(self, uow: PublishingWork, cause: Envelope | None, audience: c.Audience, action: str,
                      data: Any, routing_key: str, item_id: str) -> None:
        """Public items to the public exchange; internal-audience items only ever to the staff exchange."""
        public = audience is c.Audience.public
        kind = (PUBLIC_TYPES if public else STAFF_TYPES)[action]
        event = self.origin.event(kind, data, subject=item_id, cause=cause)
        uow.emit(event, exchange="public" if public else "staff", routing_key=routing_key)

    async def _emit_submitted(self, uow: PublishingWork, cause: Envelope, version: Version, *,
                              actor: Principal | None, redaction_of_case: str | None = None) -> None:
        """``disclosure.submitted`` with everyone who wrote the item so far (the version is stored already)."""
        assert version.submitted_by is not None
        authors = domain.authors(await uow.items.history(version.item_id)) | {version.created_by,
                                                                            version.submitted_by}
        data = c.DisclosureSubmitted(
            item_id=version.item_id, version=version.version, title=version.title, body=version.body,
            summary=version.summary, category=version.category, audience=version.audience,
            channels=list(version.channels), unit=version.unit, submitted_by=version.submitted_by,
            content_hash=version.content_hash, attachments=domain.attachment_models(version),
            formed_on=version.formed_on, release_at=version.release_at, authors=sorted(authors),
            redaction_of_case=redaction_of_case, **self._deadline_of(version.category))
        if actor is None:
            uow.emit(self.origin.event(c.DISCLOSURE_SUBMITTED, data, subject=version.item_id, cause=cause))
        else:
            uow.emit(cause.caused(c.DISCLOSURE_SUBMITTED, data, source=self.origin.source, actor=actor.id,
                                  actorunit=actor.unit, subject=version.item_id))

    def _emit_scheduled(self, uow: PublishingWork, cause: Envelope, version: Version) -> None:
        assert version.release_at is not None
        data = c.DisclosureScheduled(item_id=version.item_id, version=version.version, category=version.category,
                                     unit=version.unit, content_hash=version.content_hash,
                                     release_at=version.release_at)
        uow.emit(self.origin.event(c.DISCLOSURE_SCHEDULED, data, subject=version.item_id, cause=cause))

    def _refuse(self, cause: Envelope, uow: PublishingWork, item_id: str, version: int, reason: str,
                item: Item | None = None, *, security: bool = False) -> None:
        """``publication_refused`` on the item's trail; a forgery is also an ``access.refused`` security fact."""
        refused = c.PublicationRefused(item_id=item_id, version=version, reason=reason,
                                       unit=item.unit if item else None, category=item.category if item else None,
                                       decision=cause.type, security=security)
        uow.emit(self.origin.event(c.DISCLOSURE_PUBLICATION_REFUSED, refused, subject=item_id, cause=cause))
        if security:
            alert = c.AccessRefused(service=self.origin.actor.removeprefix("service:"), via="amqp", what=cause.type,
                                    status=403, reason=reason, item_id=item_id, security=True)
            uow.emit(self.origin.event(c.ACCESS_REFUSED, alert, subject=item_id, cause=cause))

    def _deadline_of(self, code: str) -> dict[str, Any]:
        """The rule and time limit the catalogue gives the category: notification counts exactly these."""
        category = self.catalogue.get(code)
        if category is None:
            return {"deadline_rule": None, "deadline_days": None}
        return {"deadline_rule": category.deadline.rule, "deadline_days": category.deadline.working_days}

    def _due_on(self, version: Version) -> date | None:
        """The day a first publication was due by: the category's time limit from the day the information was
        formed (or the version submitted), as notification counts it when the version is submitted."""
        category = self.catalogue.get(version.category)
        start = version.formed_on or (local_date(version.submitted_at) if version.submitted_at else None)
        due = self.deadlines.publication(category, start) if category and start else None
        return due.on if due else None

    def _category_name(self, code: str) -> str:
        category = self.catalogue.get(code)
        return category.name if category else code

    def _category_group(self, code: str) -> str | None:
        category = self.catalogue.get(code)
        return category.group if category else None



def _at_version(item: Item, number: int) -> Item:
    return replace(item, current_version=number)


def summary(version: Version) -> dict[str, Any]:
    """A version as the answer to a staff command (also replayed to a retried request)."""
    return {"item_id": version.item_id, "version": version.version, "state": version.state.value,
            "content_hash": version.content_hash,
            "release_at": version.release_at.isoformat() if version.release_at else None}
