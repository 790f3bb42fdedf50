"""The public read side (no login): catalogue, item pages, search and feeds, cheap to poll.

Every answer carries an ``ETag`` and, where it has one, ``Last-Modified``; a request with a matching
``If-None-Match`` (or, without it, an ``If-Modified-Since`` not older than the content) gets 304.
Only public-audience items that have been published appear. A withdrawn item is taken down: it stays listed as
a tombstone (title, category, dates and the reason) without its body, summary or attachments, and search no
longer matches its text; a new approved version puts it back.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from gongkai.shared.contracts import Audience, Line
from gongkai.shared.errors import NotFound
from gongkai.shared.http import problems
from pydantic import BaseModel

from . import feeds, repository, views
from .catalogue import Category
from .reads import PublicReads

router = APIRouter(prefix="/public", tags=["public"])

FEED_SIZE = 50


def public_reads(request: Request) -> PublicReads:
    reads: PublicReads = request.app.state.public
    return reads


Reads = Annotated[PublicReads, Depends(public_reads)]
PageNo = Annotated[int, Query(ge=1, le=10_000)]
PerPage = Annotated[int, Query(ge=1, le=100)]
CategoryCode = Annotated[Line | None, Query(max_length=32, description="a public category's code, e.g. S05")]
NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "the client's copy (If-None-Match / If-Modified-Since) is current"}}


def answers(model: type[BaseModel], *statuses: int, json_route: bool = True) -> dict[int | str, Any]:
    """The documented answers of a public route: the page, 304, and the errors it can give."""
    return {200: {"model": model}, **NOT_MODIFIED, **problems(*statuses, json_route=json_route)}


class AtomResponse(Response):
    media_type = "application/atom+xml"


class FeedResponse(JSONResponse):
    media_type = "application/feed+json"


def conditional(request: Request, body: bytes, media_type: str, last_modified: datetime | None) -> Response:
    """The answer, or 304 when the client's copy is current."""
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": "public, no-cache"}
    if last_modified is not None:
        headers["Last-Modified"] = format_datetime(last_modified.astimezone(UTC), usegmt=True)
    if (match := request.headers.get("if-none-match")) is not None:
        tags = {tag.strip().removeprefix("W/") for tag in match.split(",")}
        if etag in tags or "*" in tags:
            return Response(status_code=304, headers=headers)
    elif (since := request.headers.get("if-modified-since")) and last_modified is not None:
        try:
            client = parsedate_to_datetime(since)
        except (TypeError, ValueError):
            client = None
        if client is not None and client.tzinfo is not None and last_modified.replace(microsecond=0) <= client:
            return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


def _json(request: Request, data: BaseModel, last_modified: datetime | None, media_type: str = "application/json"
          ) -> Response:
    shown = data.model_dump(mode="json", exclude_none=isinstance(data, views.JsonFeed))  # a feed omits what it lacks
    body = json.dumps(shown, ensure_ascii=False, separators=(",", ":")).encode()
    return conditional(request, body, media_type, last_modified)


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _public_category(reads: PublicReads, code: str) -> Category:
    category = reads.catalogue.get(code)
    if category is None or category.audience is not Audience.public:
        raise NotFound(f"no public category {code!r}")
    return category


def _describe(reads: PublicReads, category: Category, count: int) -> views.PublicCategory:
    return views.PublicCategory(code=category.code, name=category.name, content=category.content,
                                legal_basis=category.legal_basis, channels=list(category.channels),
                                deadline=_deadline(reads, category), proactive=category.proactive,
                                responsible=category.responsible, group=category.group,
                                subjects=category.subjects, levels=list(category.levels), items=count)


def _deadline(reads: PublicReads, category: Category) -> views.PublicDeadline | None:
    """The category's rule as the public reads it: within N working days, or by a date each year."""
    rule = reads.deadlines.rules.rules.get(category.deadline.rule or "")
    if rule is None:
        return None
    if rule.due is not None:
        return views.PublicDeadline(rule=rule.id, due=f"{rule.due[0]:02}-{rule.due[1]:02}")
    return views.PublicDeadline(rule=rule.id, working_days=category.deadline.working_days or rule.length)


@router.get("/catalogue", summary="The public categories of the catalogue, with how many items each holds",
            responses=answers(views.PublicCatalogue))
async def catalogue(request: Request, reads: Reads) -> Response:
    counts = await reads.category_counts()
    categories = [_describe(reads, c, counts.get(c.code, 0)) for c in reads.catalogue.categories()
                  if c.audience is Audience.public]
    return _json(request, views.PublicCatalogue(agency=reads.catalogue.agency, categories=categories), None)


@router.get("/items", summary="Published items by category, unit and year, newest change first",
            responses=answers(views.PublicPage, 404, 422))
async def items(request: Request, reads: Reads, category: CategoryCode = None,
                unit: Annotated[Line | None, Query(max_length=128)] = None,
                year: Annotated[int | None, Query(ge=1990, le=2200)] = None,
                page: PageNo = 1, per_page: PerPage = 20) -> Response:
    if category is not None:
        _public_category(reads, category)
    found = await reads.catalogue_page(category=category, unit=unit, year=year, limit=per_page,
                                       offset=(page - 1) * per_page)
    base = _base(request)
    return _json(request, views.PublicPage(total=found.total, page=page, per_page=per_page,
                                           items=[feeds.entry(e, base) for e in found.entries]), found.last_modified)


@router.get("/search", summary="Search titles and text (Chinese without word spaces, or Latin words); a "
                               "withdrawn item is found by its title only",
            responses=answers(views.SearchPage, 404, 422))
async def search(request: Request, reads: Reads, q: Annotated[Line, Query(min_length=1, max_length=100)],
                 category: CategoryCode = None, page: PageNo = 1, per_page: PerPage = 20) -> Response:
    if category is not None:
        _public_category(reads, category)
    found = await reads.search_page(q, category=category, limit=per_page, offset=(page - 1) * per_page)
    base = _base(request)
    return _json(request, views.SearchPage(q=q, total=found.total, page=page, per_page=per_page,
                                           items=[feeds.entry(e, base) for e in found.entries]), found.last_modified)


@router.get("/items/{item_id}", summary="One published item with its public version history; a withdrawn "
                                      "one as a tombstone", responses=answers(views.PublicItem, 404, 422))
async def item(request: Request, item_id: Annotated[Line, Path(min_length=1, max_length=64)],
               reads: Reads) -> Response:
    found = await reads.public_item(item_id)
    if found is None:
        raise NotFound(f"no public item {item_id}")
    it, versions = found
    current = next(v for v in versions if v.version == it.public_version)
    category = reads.catalogue.get(it.category)
    live = it.withdrawn_at is None  # a withdrawn item is a tombstone: title, category, dates and reason
    page = views.PublicItem(
        item_id=it.item_id, category=it.category, category_name=category.name if category else it.category,
        unit=it.unit, version=current.version, title=current.title, summary=current.summary if live else None,
        body=current.body if live else None, channels=list(current.channels),
        attachments=[views.AttachmentView.model_validate(a) for a in current.attachments] if live else [],
        content_hash=current.content_hash if live else None, first_published_at=it.first_published_at,
        published_at=current.published_at,
        withdrawn=None if live else views.Withdrawn(at=it.withdrawn_at, reason=it.withdrawal_reason),
        history=[views.PublicHistory(version=v.version, title=v.title, action=v.action,
                                     published_at=v.published_at, state=v.state) for v in versions])
    return _json(request, page, it.changed_at)


async def _feed_entries(reads: PublicReads, category: str) -> repository.Page:
    return await reads.catalogue_page(category=category, unit=None, year=None, limit=FEED_SIZE, offset=0)


FeedCategory = Annotated[Line, Path(min_length=1, max_length=32, description="a public category's code")]


@router.get("/feeds/{category}.atom", summary="Atom feed of one category", response_class=AtomResponse,
            responses={200: {"content": {"application/atom+xml": {"schema": {"type": "string"}}},
                             "description": "an Atom 1.0 feed"}, **NOT_MODIFIED,
                       **problems(404, 422, json_route=False)})
async def atom_feed(request: Request, category: FeedCategory, reads: Reads) -> Response:
    described = _public_category(reads, category)
    found = await _feed_entries(reads, category)
    base = _base(request)
    body = feeds.atom(found.entries, title=f"{described.code} {described.name}", feed_url=str(request.url),
                      base_url=base, updated=found.last_modified)
    return conditional(request, body, "application/atom+xml", found.last_modified)


@router.get("/feeds/{category}.json", summary="JSON Feed (version 1.1) of one category",
            response_class=FeedResponse, responses=answers(views.JsonFeed, 404, 422, json_route=False))
async def json_feed(request: Request, category: FeedCategory, reads: Reads) -> Response:
    described = _public_category(reads, category)
    found = await _feed_entries(reads, category)
    base = _base(request)
    data = feeds.json_feed(found.entries, title=f"{described.code} {described.name}", feed_url=str(request.url),
                           base_url=base)
    return _json(request, views.JsonFeed.model_validate(data), found.last_modified,
                 media_type="application/feed+json")
