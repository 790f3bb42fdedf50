"""The HTTP edge shared by every service: app factory, health, readiness, credentials, errors.

Every error body is a ``Problem`` (``{"detail": "…"}``), whether a handler refused, the request did not
validate or it was too large; each route documents the statuses it can give with ``problems(...)``.
Every refusal on a staff route is recorded (``refusals``). ``/docs`` (Swagger UI) and ``/redoc`` load their
scripts and styles from the service itself (``fastapi-offline`` ships them), never from a CDN: an agency's
isolated network can read its API documentation.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi_offline import FastAPIOffline
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import refusals
from .contracts import ACCESS_REFUSED, AccessRefused, Line, printable
from .envelope import new_event
from .errors import Forbidden, Hidden, Refused
from .identity import Principal, Role
from .metrics import exposition
from .outbox import outbox_health
from .ratelimit import FormLimits, RateLimited
from .service import Service

MAX_REQUEST_BYTES = 2_000_000


class Problem(BaseModel):
    """Every error answer: what was refused and why, in words the caller can act on."""

    detail: str = Field(examples=["no item 3f2c…"])


WHY = {
    400: "a body that cannot be read (not UTF-8, not JSON)",
    401: "no credential, or one that is malformed or unknown",
    403: "the credential lacks the role or duty this needs",
    404: "nothing there, or nothing this credential may see",
    409: "conflicts with the current state (named in detail)",
    413: f"request body over {MAX_REQUEST_BYTES} bytes",
    422: "invalid content: the field and the reason are in detail",
    429: "too many requests from one address or contact: Retry-After says when to try again",
}


def problems(*statuses: int, json_route: bool = True) -> dict[int | str, dict[str, Any]]:
    """The error statuses a route can give, each answered with a ``Problem`` (JSON even where the route's own
    answer is not: pass ``json_route=False`` there, e.g. for a feed)."""
    if json_route:
        return {status: {"model": Problem, "description": WHY[status]} for status in statuses}
    problem = {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    return {status: {"description": WHY[status], "content": problem} for status in statuses}


def http_app(service: Service, routers: list[APIRouter], *, title: str, description: str = "") -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await service.start()
        try:
            yield
        finally:
            await service.stop()

    app = FastAPIOffline(title=title, description=description, version="1", lifespan=lifespan,
                         static_url="/docs-assets")
    app.state.service = service
    app.include_router(_operations)
    app.include_router(_people)
    for router in routers:
        app.include_router(router)

    @app.exception_handler(Refused)
    async def refused(request: Request, exc: Refused) -> JSONResponse:
        await refusals.record(request, exc.status, exc.why if isinstance(exc, Hidden) else exc.reason, exc.subject)
        return JSONResponse({"detail": exc.reason}, status_code=exc.status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        summary = "; ".join(f"{_where(e['loc'])}: {e['msg']}" for e in exc.errors()[:3]) or "invalid request"
        summary = printable(summary, 2000)
        await refusals.record(request, 422, summary)
        return JSONResponse({"detail": summary}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def framework(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        """The framework's own refusals (a body that is not UTF-8 JSON: 400; no such route: 404) as Problems."""
        if 400 <= exc.status_code < 500:
            await refusals.record(request, exc.status_code, str(exc.detail))
        return JSONResponse({"detail": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers)

    @app.middleware("http")
    async def limit_size(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > MAX_REQUEST_BYTES:
            reason = f"request body over {MAX_REQUEST_BYTES} bytes"
            await refusals.record(request, 413, reason)
            return JSONResponse({"detail": reason}, status_code=413)
        return await call_next(request)

    return app


def _where(loc: tuple[int | str, ...]) -> str:
    """``("body", "title")`` reads ``title``; ``("query", "limit")`` reads ``query limit``."""
    if loc and loc[0] == "body" and len(loc) > 1:
        loc = loc[1:]
    return ".".join(str(part) for part in loc) or "request"


def service_of(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


async def run_command(request: Request, source: str, kind: str, data: dict[str, Any], principal: Principal,
                      handler: Callable[..., Awaitable[dict[str, Any]]], key: str | None,
                      subject: str | None = None) -> dict[str, Any]:
    """A route's body as the command an AMQP intake message carries, run by the same handler (``key``: the
    request's Idempotency-Key)."""
    command = new_event(kind, data, source=source, actor=principal.id, actorunit=principal.unit, subject=subject)
    return await service_of(request).execute(command, principal, handler, key)


async def record_public_refusal(request: Request, item: str, reason: str, status: int = 404) -> None:
    """A refused request to a public route (a status lookup with a wrong secret, a form past its rate limit) is an
    ``access.refused`` fact: the public routes have no person, so nothing else records them."""
    service = service_of(request)
    data = AccessRefused(service=service.name, via="http", what=f"{request.method} {request.url.path}",
                         status=status, reason=reason, person=None, item_id=printable(item, 256))
    async with service.uow() as uow:
        uow.emit(service.event(ACCESS_REFUSED, data, subject=data.item_id))
        await uow.commit()


async def within_form_limits(request: Request, contact: str | None, what: str) -> None:
    """A public form's rate limits (``app.state.form_limits``): past one, 429 with Retry-After, recorded;
    ``what`` names what was sent (requests, opinions …)."""
    limits: FormLimits = request.app.state.form_limits
    exceeded = await limits.exceeded(request, contact)
    if exceeded is not None:
        by, wait = exceeded
        await record_public_refusal(request, "-", f"too many {what} from one {by}", status=429)
        raise RateLimited(f"too many {what} from this {by}; try again in {wait} s", retry_after=wait)


# Documents the credential (``Authorization: Bearer <token>``) as the API's security scheme; the header itself
# is read as it came, so that a malformed one is refused by ``Directory.authenticate`` with its reason.
bearer_token = HTTPBearer(auto_error=False, description="a staff token: Authorization: Bearer <token>")


def current_principal(request: Request,
                      _: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_token)]) -> Principal:
    """The authenticated principal; kept on the request so that a refusal can say who was refused."""
    principal = service_of(request).directory.authenticate(request.headers.get("authorization"))
    request.state.principal = principal
    return principal


def requires(*roles: Role) -> Callable[..., Principal]:
    """A dependency: the authenticated principal, refused with 403 unless they hold one of ``roles``."""

    def dependency(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if not principal.roles & set(roles):
            raise Forbidden(f"{principal.id} lacks the role {' or '.join(role.value for role in roles)}")
        return principal

    return dependency


IdempotencyKey = Annotated[Line | None, Header(max_length=128, description="repeat it to retry safely")]


# ---- operations -----------------------------------------------------------------------------


class Outbox(BaseModel):
    pending: int = Field(description="events written but not yet confirmed by the broker")
    failing: int = Field(description="pending events that failed at least once (unroutable, broker down)")


class Health(BaseModel):
    status: Literal["ok"]
    service: str
    outbox: Outbox


class Readiness(BaseModel):
    status: Literal["ready", "not ready"]
    problems: dict[str, str] | None = Field(None, description="what is not ready, by component")


_operations = APIRouter(tags=["operations"])


@_operations.get("/health", summary="Liveness, with the outbox backlog")
async def health(request: Request) -> Health:
    service = service_of(request)
    return Health(status="ok", service=service.name,
                  outbox=Outbox(**await outbox_health(service.sessions, service.outbox)))


@_operations.get("/ready", summary="Readiness: database and broker reachable, consumers running",
                 response_model=Readiness, responses={503: {"model": Readiness, "description": "not ready"}})
async def ready(request: Request) -> JSONResponse:
    problems = await service_of(request).ready()
    if problems:
        return JSONResponse({"status": "not ready", "problems": problems}, status_code=503)
    return JSONResponse({"status": "ready"})


@_operations.get("/metrics", summary="Prometheus metrics: deliveries, batches, paused consumers, outbox, parked",
                 response_class=PlainTextResponse, responses={200: {"content": {"text/plain": {}}}})
async def prometheus_metrics(request: Request) -> PlainTextResponse:
    return PlainTextResponse(await exposition(service_of(request)),
                             media_type="text/plain; version=0.0.4; charset=utf-8")


# ---- people ---------------------------------------------------------------------------------
# A staff tool (the console) signs a person in with their token and must learn their name, unit and roles
# without reading the credentials file; it shows approvers and authors by name where answers carry ids.


class Person(BaseModel):
    id: str = Field(examples=["zhao.lei"])
    name: str = Field(examples=["赵磊"])
    unit: str = Field(examples=["保密办"])
    roles: list[Role]


class People(BaseModel):
    people: list[Person]


def _person(principal: Principal) -> Person:
    return Person(id=principal.id, name=principal.name, unit=principal.unit,
                  roles=sorted(principal.roles, key=list(Role).index))


_people = APIRouter(tags=["people"])
Signed = Annotated[Principal, Depends(current_principal)]


@_people.get("/me", summary="Who the bearer token names: id, name, unit and roles", responses=problems(401))
async def me(principal: Signed) -> Person:
    return _person(principal)


@_people.get("/people", summary="Every staff member's id, name, unit and roles (never a token or its hash)",
             responses=problems(401))
async def people(request: Request, _: Signed) -> People:
    return People(people=[_person(p) for p in service_of(request).directory.people()])
