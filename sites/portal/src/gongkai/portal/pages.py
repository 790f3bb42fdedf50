"""The portal's pages, rendered on the server (Jinja2); every asset is served from the package itself.

A withdrawn item is a tombstone everywhere: its title, category, dates and the reason, never its body (the
store does not even keep it). Errors are pages too, in Chinese, with the status they stand for.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from gongkai.shared.contracts import Line
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import feeds, repository
from .domain import LOCAL

router = APIRouter()

HOME_ITEMS = 10
PER_PAGE = 20
FEED_SIZE = 50
ACTIONS = {"published": "发布", "updated": "更新"}

templates = Environment(loader=PackageLoader("gongkai.portal", "templates"), autoescape=select_autoescape(),
                        trim_blocks=True, lstrip_blocks=True)


def _day(moment: datetime | None) -> str:
    if moment is None:
        return ""
    local = moment.astimezone(LOCAL)
    return f"{local.year}年{local.month}月{local.day}日"


def _iso(moment: datetime | None) -> str:
    return moment.astimezone(LOCAL).isoformat(timespec="seconds") if moment else ""


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    return f"{n / 1024:.1f} KB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.1f} MB"


templates.filters.update(day=_day, iso=_iso, size=_size, action=lambda a: ACTIONS.get(a, a))


def portal_of(request: Request) -> Any:
    return request.app.state.portal


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    portal = portal_of(request)
    body = templates.get_template(template).render(site_name=portal.own.site_name, request=request,
                                                   path=request.url.path, **context)
    return HTMLResponse(body, status_code=status, headers={"Cache-Control": "public, no-cache"})


LATE_ITEMS = 100  # the latest late publications listed
PageNo = Annotated[int, Query(ge=1, le=10_000)]
PerPage = Annotated[int, Query(ge=1, le=100)]
CategoryCode = Annotated[Line | None, Query(max_length=32)]
Year = Annotated[int | None, Query(ge=1990, le=2200)]


def _pages(total: int, page: int, per_page: int) -> dict[str, int]:
    return {"page": page, "per_page": per_page, "pages": max(1, -(-total // per_page)), "total": total}


@router.get("/", response_class=HTMLResponse, summary="The latest notices, the categories and the search box")
async def home(request: Request) -> HTMLResponse:
    async with portal_of(request).sessions() as session:
        latest = await repository.catalogue_page(session, live_only=True, limit=HOME_ITEMS)
        categories = await repository.categories(session)
    return render(request, "home.html", latest=latest.entries, categories=categories)


@router.get("/catalogue", response_class=HTMLResponse, summary="Every item by category and year, newest first")
async def catalogue(request: Request, category: CategoryCode = None, year: Year = None, page: PageNo = 1,
                    per_page: PerPage = PER_PAGE) -> HTMLResponse:
    async with portal_of(request).sessions() as session:
        found = await repository.catalogue_page(session, category=category, year=year, limit=per_page,
                                                offset=(page - 1) * per_page)
        categories = await repository.categories(session)
        years = await repository.years(session)
    names = {c.key: c.label for c in categories}
    if category is not None and category not in names:
        return render(request, "error.html", 404, title="没有这个类别", detail=f"目录中没有类别 {category}。")
    heading = "信息公开目录"
    if category or year:
        heading = "·".join(part for part in (f"{category} {names[category]}" if category else "",
                                             f"{year}年" if year else "") if part)
    return render(request, "catalogue.html", heading=heading, entries=found.entries, categories=categories,
                  years=years, category=category, year=year, **_pages(found.total, page, per_page))


@router.get("/timeliness", response_class=HTMLResponse,
            summary="What was published after its due date, per category (its time limit from the catalogue)")
async def timeliness(request: Request, category: CategoryCode = None) -> HTMLResponse:
    async with portal_of(request).sessions() as session:
        rows = await repository.timeliness(session)
        late = await repository.late_items(session, category, LATE_ITEMS)
    names = {r.category: r.category_name for r in rows}
    if category is not None and category not in names:
        return render(request, "error.html", 404, title="没有这个类别", detail=f"没有类别 {category} 的公开时效记录。")
    totals = (sum(r.with_due_date for r in rows), sum(r.late for r in rows))
    return render(request, "timeliness.html", rows=rows, late=late, category=category,
                  category_name=names.get(category or ""), totals=totals)


@router.get("/items/{item_id}", response_class=HTMLResponse, summary="One item and its version history, or its "
                                                                   "tombstone")
async def item(request: Request, item_id: Annotated[Line, Path(min_length=1, max_length=64)]) -> HTMLResponse:
    async with portal_of(request).sessions() as session:
        found = await repository.load(session, item_id)
    if found is None:
        return render(request, "error.html", 404, title="没有找到这条信息", detail="它可能尚未公开，或者地址有误。")
    return render(request, "item.html", item=found)


@router.get("/search", response_class=HTMLResponse, summary="Search titles and text (Chinese without word spaces; "
                                                           "traditional characters find simplified ones)")
async def search(request: Request, q: Annotated[Line, Query(max_length=100)] = "", page: PageNo = 1,
                 per_page: PerPage = PER_PAGE) -> HTMLResponse:
    query = q.strip()
    found = repository.Page(0, [])
    if query:
        async with portal_of(request).sessions() as session:
            found = await repository.search_page(session, query, limit=per_page, offset=(page - 1) * per_page)
    return render(request, "search.html", q=query, entries=found.entries, **_pages(found.total, page, per_page))


@router.get("/feed.atom", summary="Atom feed of the latest 50 changes, of one category or all")
async def atom(request: Request, category: CategoryCode = None) -> Response:
    async with portal_of(request).sessions() as session:
        found = await repository.catalogue_page(session, category=category, limit=FEED_SIZE, with_body=True)
        updated = await repository.last_change(session, category)
        name = await repository.category_name(session, category) if category else None
    site = portal_of(request).own.site_name
    title = f"{site}：{category} {name or ''}".strip() if category else f"{site}：最新公开"
    base = str(request.base_url).rstrip("/")
    body = feeds.atom(found.entries, title=title, feed_url=str(request.url), base_url=base, updated=updated)
    return Response(body, media_type="application/atom+xml", headers={"Cache-Control": "public, no-cache"})


@router.get("/screen", response_class=HTMLResponse, summary="E-screen for the service hall: the latest notices "
                                                           "in large type, rotating by themselves")
async def screen(request: Request, every: Annotated[int | None, Query(ge=2, le=300)] = None) -> HTMLResponse:
    own = portal_of(request).own
    async with portal_of(request).sessions() as session:
        latest = await repository.catalogue_page(session, live_only=True, limit=own.screen_items, with_body=True)
    return render(request, "screen.html", latest=latest.entries, every=every or own.screen_seconds,
                  refresh=own.screen_refresh_seconds)


@router.get("/health", summary="Liveness")
async def health() -> JSONResponse:
    return JSONResponse({"status": "ok", "service": "portal"})


@router.get("/ready", summary="Readiness: the store reachable, the queue consumed")
async def ready(request: Request) -> JSONResponse:
    problems = await portal_of(request).ready()
    if problems:
        return JSONResponse({"status": "not ready", "problems": problems}, status_code=503)
    return JSONResponse({"status": "ready"})


ERRORS = {404: ("页面不存在", "您访问的页面不存在。"), 405: ("不支持的请求", "此页面只能浏览。"),
          422: ("请求有误", "请检查输入的内容。")}


def install_error_pages(app: FastAPI) -> None:
    """Errors answer as pages in Chinese (404, 422 naming the field)."""

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> HTMLResponse:
        title, detail = ERRORS.get(exc.status_code, ("出错了", str(exc.detail)))
        return render(request, "error.html", exc.status_code, title=title, detail=detail)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> HTMLResponse:
        fields = "、".join(str(e["loc"][-1]) for e in exc.errors()[:3])
        return render(request, "error.html", 422, title=ERRORS[422][0], detail=f"请检查：{fields}。")
