"""The participation service's HTTP API: staff steps under /opinions, the public's forms and pages under /public.

Every route turns its body into the same command an AMQP intake message carries and runs the same handler.
The person's status answers only to the number with its secret; anything else is the same 404, recorded as
``access.refused``, as is every form refused for too many from one address or contact (429).
"""

# No ``from __future__ import annotations``: the step routes are made in a loop, with their body models as
# real annotations.

import hmac
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from gongkai.shared import contracts as c
from gongkai.shared.calendar import local_date
from gongkai.shared.errors import NotFound
from gongkai.shared.http import (
    IdempotencyKey,
    problems,
    record_public_refusal,
    requires,
    run_command,
    within_form_limits,
)
from gongkai.shared.identity import Principal, Role
from gongkai.shared.ratelimit import contact_key
from pydantic import BaseModel, Field

from . import views
from .domain import secret_hash
from .handlers import PUBLIC, Participation
from .reads import Reads

router = APIRouter(tags=["opinion box"])
public = APIRouter(tags=["public"])

Staff = Annotated[Principal, Depends(requires(Role.submitter, Role.publisher, Role.administrator))]
Readers = Annotated[Principal, Depends(requires(Role.submitter, Role.publisher, Role.administrator, Role.auditor))]
OpinionId = Annotated[c.Line, Path(min_length=1, max_length=64, description="the opinion's number")]
SOURCE = "/gongkai/participation/http"
NOT_FOUND = "no opinion with this number and secret"


def handlers_of(request: Request) -> Participation:
    handlers: Participation = request.app.state.participation
    return handlers


def reads_of(request: Request) -> Reads:
    reads: Reads = request.app.state.reads
    return reads


Handlers = Annotated[Participation, Depends(handlers_of)]
ReadsDep = Annotated[Reads, Depends(reads_of)]


async def _run(request: Request, kind: str, data: dict[str, Any], principal: Principal,
               handler: Callable[..., Awaitable[dict[str, Any]]], key: str | None, subject: str | None = None
               ) -> dict[str, Any]:
    return await run_command(request, SOURCE, kind, data, principal, handler, key, subject)


async def limited(request: Request, contact: c.Contact | None) -> None:
    """A public form's rate limits: 429 with Retry-After past them, recorded."""
    await within_form_limits(request, contact_key(contact.phone, contact.email) if contact else None, "forms")


# ---- the opinion box: staff ------------------------------------------------------------------------------


@router.post("/opinions", status_code=201, response_model=views.OpinionAcknowledgement,
             summary="Enter an opinion received by letter or at the service hall (staff), with the day received",
             responses=problems(400, 401, 403, 409, 413, 422))
async def receive_opinion(body: c.ReceiveOpinion, principal: Staff, request: Request, handlers: Handlers,
                          idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
    return await _run(request, c.RECEIVE_OPINION, body.model_dump(mode="json"), principal, handlers.receive_opinion,
                      idempotency_key)


@router.get("/opinions", summary="The opinion queue, oldest first (staff and auditors); state=open: not answered "
                                 "and not hidden", responses=problems(401, 403, 422))
async def opinion_queue(principal: Readers, reads: ReadsDep,
                        state: Literal["received", "routed", "answered", "open"] | None = None,
                        unit: Annotated[c.Line | None, Query(max_length=128)] = None,
                        topic: Annotated[c.Line | None, Query(max_length=32)] = None,
                        hidden: bool | None = None,
                        limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[views.OpinionSummary]:
    found = await reads.opinion_queue(state=state, unit=unit, topic=topic, hidden=hidden, limit=limit)
    return [views.summary(o, reads.policy) for o in found]


@router.get("/opinions/{opinion_id}", summary="One opinion with the person's contact, its steps, reply and "
                                              "publication (staff and auditors)",
            responses=problems(401, 403, 404, 422))
async def opinion_detail(opinion_id: OpinionId, principal: Readers, reads: ReadsDep) -> views.OpinionDetail:
    found = await reads.opinion_detail(opinion_id)
    if found is None:
        raise NotFound(f"no opinion {opinion_id}")
    return found


@router.get("/statistics", summary="Statistics of the year per unit and per topic (staff and auditors)",
            responses=problems(401, 403, 422))
async def statistics(principal: Readers, reads: ReadsDep,
                     year: Annotated[int | None, Query(ge=2000, le=2100)] = None) -> views.Statistics:
    today = local_date(datetime.now(UTC))
    return await reads.statistics(year or today.year, today)


def _step(path: str, kind: str, body_model: type[BaseModel], name: str, summary: str) -> None:
    async def step(opinion_id: OpinionId, body: body_model, principal: Staff,  # type: ignore[valid-type]
                   request: Request, handlers: Handlers, idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
        data = {**BaseModel.model_dump(body, mode="json"), "opinion_id": opinion_id}
        return await _run(request, kind, data, principal, getattr(handlers, name), idempotency_key, opinion_id)

    step.__name__ = name
    router.post(f"/opinions/{{opinion_id}}/{path}", summary=summary, response_model=views.StepAnswer,
                responses=problems(400, 401, 403, 404, 409, 413, 422))(step)


for _path, _kind, _model, _name, _summary in (
    ("routing", c.ROUTE_OPINION, c.RouteOpinionBody, "route_opinion",
     "Route the opinion to the unit that answers it (the office); notification tells the unit of its clock"),
    ("reply", c.REPLY_OPINION, c.ReplyOpinionBody, "reply_opinion",
     "Send the reply to the person: refused without text; notification meets the reply clock"),
    ("publication", c.PUBLISH_OPINION, c.PublishOpinionBody, "publish_opinion",
     "Publish the answered opinion with its reply, anonymised (the office): it goes to the confidentiality review "
     "and is published when the exact text is approved"),
    ("hiding", c.HIDE_OPINION, c.HideBody, "hide_opinion",
     "Hide the opinion with the reason (moderation, the office): never deleted; a published one is taken down"),
):
    _step(_path, _kind, _model, _name, _summary)


# ---- the opinion box: the public --------------------------------------------------------------------------


@public.post("/public/opinions", status_code=201, response_model=views.OpinionAcknowledgement,
             summary="The portal's opinion box: received the day it is acknowledged, with a number and a secret to "
                     "see the reply; asking for a reply needs a contact; too many from one address or contact: 429",
             responses=problems(400, 409, 413, 422, 429))
async def submit_online_opinion(body: c.SubmitOnlineOpinion, request: Request, handlers: Handlers,
                                idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
    await limited(request, body.contact)
    return await _run(request, c.SUBMIT_ONLINE_OPINION, body.model_dump(mode="json"), PUBLIC,
                      handlers.submit_online_opinion, idempotency_key)


class StatusQuery(BaseModel):
    opinion_id: c.Line = Field(min_length=1, max_length=64)
    secret: c.Line = Field(min_length=1, max_length=128)


@public.post("/public/opinions/status", response_model=views.OpinionStatus,
             summary="Where the person's opinion stands and its reply, by its number and secret; anything else 404",
             responses=problems(400, 404, 413, 422))
async def opinion_status(body: StatusQuery, request: Request, reads: ReadsDep) -> views.OpinionStatus:
    stored = await reads.opinion_secret(body.opinion_id)
    if stored is None or not hmac.compare_digest(stored, secret_hash(body.secret)):
        await record_public_refusal(request, body.opinion_id, "status lookup refused: " +
                             ("unknown number" if stored is None else "wrong secret"))
        raise NotFound(NOT_FOUND)
    found = await reads.opinion(body.opinion_id)
    assert found is not None
    return views.status(found)


@public.get("/public/opinions", summary="The opinion box's published opinions with their replies, newest first",
            responses=problems(422))
async def published_opinions(reads: ReadsDep, topic: Annotated[c.Line | None, Query(max_length=32)] = None,
                             limit: Annotated[int, Query(ge=1, le=100)] = 20,
                             offset: Annotated[int, Query(ge=0, le=100_000)] = 0) -> list[views.PublishedOpinion]:
    return [views.published(o, reads.policy) for o in await reads.published_opinions(topic, limit, offset)]


@public.get("/public/opinions/{opinion_id}", summary="One published opinion with its reply (404 unless published)",
            responses=problems(404, 422))
async def published_opinion(opinion_id: OpinionId, reads: ReadsDep) -> views.PublishedOpinion:
    found = await reads.opinion(opinion_id)
    if found is None or not found.published:
        raise NotFound(f"no published opinion {opinion_id}")
    return views.published(found, reads.policy)


@public.get("/public/topics", summary="The opinion box's topics (key and name), for the form",
            responses=problems(422))
async def topics(reads: ReadsDep) -> dict[str, str]:
    return dict(reads.policy.topics)
