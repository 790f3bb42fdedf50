"""The HTTP edge shared by every service: app factory, health, readiness, credentials, errors."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from .errors import Refused
from .identity import Principal, Role
from .outbox import outbox_health
from .service import Service

MAX_REQUEST_BYTES = 2_000_000


def http_app(service: Service, routers: list[APIRouter], *, title: str, description: str = "") -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await service.start()
        try:
            yield
        finally:
            await service.stop()

    app = FastAPI(title=title, description=description, version="1", lifespan=lifespan)
    app.state.service = service
    app.include_router(_operations)
    for router in routers:
        app.include_router(router)

    @app.exception_handler(Refused)
    async def refused(_: Request, exc: Refused) -> JSONResponse:
        return JSONResponse({"detail": exc.reason}, status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        summary = "; ".join(f"{_where(e['loc'])}: {e['msg']}" for e in exc.errors()[:3])
        return JSONResponse({"detail": summary or "invalid request"}, status_code=422)

    @app.middleware("http")
    async def limit_size(request: Request, call_next: Callable) -> JSONResponse:
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > MAX_REQUEST_BYTES:
            return JSONResponse({"detail": f"request body over {MAX_REQUEST_BYTES} bytes"}, status_code=413)
        return await call_next(request)

    return app


def _where(loc: tuple) -> str:
    """``("body", "title")`` reads ``title``; ``("query", "limit")`` reads ``query limit``."""
    if loc and loc[0] == "body" and len(loc) > 1:
        loc = loc[1:]
    return ".".join(str(part) for part in loc) or "request"


def service_of(request: Request) -> Service:
    return request.app.state.service


def current_principal(request: Request,
                      authorization: Annotated[str | None, Header()] = None) -> Principal:
    return service_of(request).directory.authenticate(authorization)


def requires(role: Role) -> Callable[..., Principal]:
    """A dependency: the authenticated principal, refused with 403 unless they hold ``role``."""

    def dependency(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        return principal.require(role)

    return dependency


_operations = APIRouter(tags=["operations"])


@_operations.get("/health", summary="Liveness, with the outbox backlog")
async def health(request: Request) -> dict[str, object]:
    service = service_of(request)
    return {"status": "ok", "service": service.name,
            "outbox": await outbox_health(service.sessions, service.outbox)}


@_operations.get("/ready", summary="Readiness: database and broker reachable, consumers running")
async def ready(request: Request) -> JSONResponse:
    problems = await service_of(request).ready()
    if problems:
        return JSONResponse({"status": "not ready", "problems": problems}, status_code=503)
    return JSONResponse({"status": "ready"})
