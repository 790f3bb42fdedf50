"""What publishing does with each command and event. HTTP and AMQP intake reach the same methods."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from gongkai.shared.contracts import (
    DISCLOSURE_PUBLICATION_REFUSED,
    DISCLOSURE_PUBLISHED,
    DISCLOSURE_SUBMITTED,
    PUBLIC_DISCLOSURE_PUBLISHED,
    DisclosurePublished,
    DisclosureSubmitted,
    PublicationRefused,
    ReviewBlocked,
    ReviewDecided,
    SubmitDisclosure,
)
from gongkai.shared.envelope import Envelope
from gongkai.shared.identity import Principal, Role
from gongkai.shared.service import Service, payload
from gongkai.shared.unit_of_work import UnitOfWork

from . import domain, repository
from .catalogue import Catalogue


class Publishing:
    def __init__(self, service: Service, catalogue: Catalogue) -> None:
        self.service = service
        self.catalogue = catalogue

    async def submit(self, command: Envelope, principal: Principal, uow: UnitOfWork) -> dict[str, Any]:
        principal.require(Role.submitter)
        cmd = payload(SubmitDisclosure, command.data)
        version = domain.new_item(cmd, principal, self.catalogue, item_id=str(uuid.uuid4()),
                                  now=datetime.now(UTC))
        await repository.add(uow.session, version)
        submitted = DisclosureSubmitted(
            item_id=version.item_id, version=version.version, title=version.title, body=version.body,
            category=version.category, audience=version.audience, channels=list(version.channels),
            unit=version.unit, submitted_by=version.submitted_by, content_hash=version.content_hash)
        uow.emit(command.caused(DISCLOSURE_SUBMITTED, submitted, source=self.service.source, actor=principal.id,
                                actorunit=principal.unit, subject=version.item_id))
        return {"item_id": version.item_id, "version": version.version, "state": version.state.value,
                "content_hash": version.content_hash}

    async def on_approved(self, event: Envelope, uow: UnitOfWork) -> None:
        approval = ReviewDecided.model_validate(event.data)
        version = await repository.get(uow.session, approval.item_id, approval.version, for_update=True)
        if version is None:
            self._refuse(event, uow, approval.item_id, approval.version, "no such item version")
            return
        outcome = domain.on_approval(version, approval.content_hash, datetime.now(UTC))
        if isinstance(outcome, domain.RefusePublication):
            self._refuse(event, uow, version.item_id, version.version, outcome.reason)
        elif isinstance(outcome, domain.Publish):
            await self._publish(event, uow, outcome.version)

    async def on_stopped(self, event: Envelope, uow: UnitOfWork) -> None:
        """A rejection or a screening block: the version stays unpublished for good."""
        decision = ReviewBlocked.model_validate(event.data) if event.type.endswith("blocked.v1") \
            else ReviewDecided.model_validate(event.data)
        version = await repository.get(uow.session, decision.item_id, decision.version, for_update=True)
        if version is None or version.state is not domain.State.in_review:
            return
        state = domain.State.blocked if isinstance(decision, ReviewBlocked) else domain.State.rejected
        await repository.save_state(uow.session, replace(version, state=state))

    async def _publish(self, cause: Envelope, uow: UnitOfWork, version: domain.Version) -> None:
        await repository.save_state(uow.session, version)
        assert version.published_at is not None
        published = DisclosurePublished(
            item_id=version.item_id, version=version.version, content_hash=version.content_hash,
            audience=version.audience, channels=list(version.channels), category=version.category,
            published_at=version.published_at)
        uow.emit(self.service.event(DISCLOSURE_PUBLISHED, published, subject=version.item_id, cause=cause))
        category = self.catalogue.get(version.category)
        for routing_key, public in domain.public_announcements(version, category.name if category else ""):
            uow.emit(self.service.event(PUBLIC_DISCLOSURE_PUBLISHED, public, subject=version.item_id, cause=cause),
                     exchange="public", routing_key=routing_key)

    def _refuse(self, cause: Envelope, uow: UnitOfWork, item_id: str, version: int, reason: str) -> None:
        refused = PublicationRefused(item_id=item_id, version=version, reason=reason)
        uow.emit(self.service.event(DISCLOSURE_PUBLICATION_REFUSED, refused, subject=item_id, cause=cause))

    async def item(self, item_id: str) -> list[domain.Version]:
        async with self.service.sessions() as session:
            return await repository.history(session, item_id)
