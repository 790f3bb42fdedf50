"""Wiring of the console: settings, sessions, the services' client, the pages, and the headers every answer gets."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import (
    annual_report_pages,
    auditor,
    clerk,
    consultation_pages,
    oversight_pages,
    participation_pages,
    problems,
    requests_pages,
    reviewer,
    signin,
)
from .client import Api, ApiError, Unreachable
from .labels import ROLES
from .sessions import Sessions
from .settings import ConsoleSettings, development_token_hashes
from .web import Console, CsrfRefused, NotAllowed, SignInNeeded, console_of, render, start_session

# Every script and style is the console's own (static/): nothing inline, nothing from elsewhere.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def create_app(settings: ConsoleSettings | None = None,
               transports: dict[str, httpx.AsyncBaseTransport] | None = None) -> FastAPI:
    settings = settings or ConsoleSettings()
    api = Api(settings, transports)
    state = Console(settings=settings, api=api, development_tokens=development_token_hashes(),
                    sessions=Sessions(idle=settings.session_idle_seconds, lifetime=settings.session_max_seconds,
                                      limit=settings.max_sessions))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await api.close()

    app = FastAPI(title="Gongkai console", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.state.console = state
    app.mount("/static", StaticFiles(directory=str(Path(__file__).with_name("static"))), name="static")
    for module in (signin, clerk, reviewer, auditor, requests_pages, participation_pages, consultation_pages,
                   oversight_pages, annual_report_pages):
        app.include_router(module.router)

    @app.get("/health", include_in_schema=False)
    async def health() -> dict[str, str]:
        return {"status": "ok", "service": "console"}

    @app.middleware("http")
    async def headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        console = console_of(request)
        if cookie := getattr(request.state, "new_cookie", None):
            response.set_cookie(console.cookie, cookie, httponly=True, samesite="lax", path="/",
                                secure=console.settings.production, max_age=settings.session_max_seconds)
        if getattr(request.state, "drop_cookie", False):
            response.delete_cookie(console.cookie, path="/", secure=console.settings.production, httponly=True,
                                   samesite="lax")
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Frame-Options"] = "DENY"
        if not request.url.path.startswith("/static/"):
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.exception_handler(SignInNeeded)
    async def sign_in_needed(request: Request, exc: SignInNeeded) -> Response:
        if exc.carried is None:
            return RedirectResponse(f"/signin?next={quote(exc.back, safe='')}", status_code=303)
        session = start_session(request, console_of(request).sessions.new())
        session.carried = exc.carried
        return render(request, "signin.html", status=401, next=exc.back, expired=True)

    @app.exception_handler(CsrfRefused)
    async def csrf_refused(request: Request, exc: CsrfRefused) -> Response:
        return render(request, "error.html", status=403, title="请求被拒绝",
                      message="表单的安全校验码（CSRF 令牌）不对或缺失，本次提交没有执行。请回到页面重新提交。")

    @app.exception_handler(NotAllowed)
    async def not_allowed(request: Request, exc: NotAllowed) -> Response:
        return render(request, "error.html", status=403, title="无权访问",
                      message=f"此页面需要以下角色之一：{'、'.join(ROLES.get(r, r) for r in exc.roles)}。")

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> Response:
        if exc.status == 401:
            request.state.drop_cookie = True
            return RedirectResponse("/signin", status_code=303)
        return render(request, "error.html", status=exc.status if exc.status in (403, 404, 409) else 502,
                      title={403: "无权操作", 404: "没有找到", 409: "状态冲突"}.get(exc.status, "服务答复了错误"),
                      message=_refusal(exc))

    @app.exception_handler(Unreachable)
    async def unreachable(request: Request, exc: Unreachable) -> Response:
        return render(request, "error.html", status=502, title="服务暂时不可用",
                      message=f"无法连接 {exc.service} 服务，请稍后再试。")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        titles = {404: "没有这个页面", 405: "不支持的请求方法"}
        return render(request, "error.html", status=exc.status_code, title=titles.get(exc.status_code, "请求有误"),
                      message=str(exc.detail))

    return app


def _refusal(exc: ApiError) -> str:
    """A service's refusal on an error page: in Chinese when the console knows the reason, the service's words kept."""
    words = problems.chinese(exc.detail)
    said = f"{exc.service} 答复（{exc.status}）：{exc.detail}"
    return f"{words}（{said}）" if words != exc.detail else said
