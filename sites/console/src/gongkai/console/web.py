"""What every page shares: the session of a request, sign-in and role checks, posted forms with their CSRF
token, rendering, and the console's state (settings, sessions, the services' client)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from starlette.datastructures import FormData, MultiDict

from . import labels
from .client import Api
from .sessions import Carried, Session, Sessions, SignedIn
from .settings import ConsoleSettings

CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")
TEMPLATES = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))


@dataclass
class Console:
    settings: ConsoleSettings
    sessions: Sessions
    api: Api
    development_tokens: frozenset[str]

    @property
    def cookie(self) -> str:
        """``__Host-`` in production: the browser then insists on Secure, path / and no Domain."""
        return "__Host-gongkai-console" if self.settings.production else "gongkai-console"


class SignInNeeded(Exception):
    """No live session: a page sends the browser to sign in; a posted form is carried over, not acted on."""

    def __init__(self, back: str, carried: Carried | None = None) -> None:
        super().__init__(back)
        self.back, self.carried = back, carried


class CsrfRefused(Exception):
    pass


class NotAllowed(Exception):
    def __init__(self, roles: tuple[str, ...]) -> None:
        super().__init__(roles)
        self.roles = roles


def console_of(request: Request) -> Console:
    console: Console = request.app.state.console
    return console


def session_of(request: Request) -> Session | None:
    if not hasattr(request.state, "session"):
        console = console_of(request)
        request.state.session = console.sessions.get(request.cookies.get(console.cookie))
    session: Session | None = request.state.session
    return session


def start_session(request: Request, session: Session) -> Session:
    """Make ``session`` the request's; the response sets its cookie."""
    request.state.session = session
    request.state.new_cookie = session.id
    return session


def anonymous(request: Request) -> Session:
    """The request's session, or a new one without a person (a sign-in form needs its CSRF token)."""
    return session_of(request) or start_session(request, console_of(request).sessions.new())


def here(request: Request) -> str:
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def local(path: object) -> str | None:
    """``path`` if it is a path on this site (no scheme, no host, no ``//``): where sign-in may send back to."""
    if not isinstance(path, str) or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return None
    parts = urlsplit(path)
    return path if not parts.scheme and not parts.netloc else None


def signed_in(request: Request, *roles: str) -> SignedIn:
    session = session_of(request)
    signed = session.signed() if session is not None else None
    if signed is None:
        raise SignInNeeded(here(request))
    if roles and not signed.person.has(*roles):
        raise NotAllowed(roles)
    return signed


async def posted(request: Request, *roles: str) -> tuple[SignedIn, FormData]:
    """The signed-in session and its form, once the form's CSRF token is the session's."""
    form = await request.form()
    session = session_of(request)
    signed = session.signed() if session is not None else None
    if session is None or signed is None:
        back = local(form.get("_back")) or "/"
        fields = tuple((k, v) for k, v in form.multi_items() if k != "csrf" and isinstance(v, str))
        raise SignInNeeded(back, Carried(back=back, form=str(form.get("_form", "")), fields=fields))
    if not session.csrf_matches(form.get("csrf")):
        raise CsrfRefused()
    if roles and not signed.person.has(*roles):
        raise NotAllowed(roles)
    return signed, form


def restored(request: Request, signed: SignedIn) -> tuple[str, MultiDict]:
    """The form carried over sign-in for this page, once: (form id, its fields); ("", empty) if none."""
    session = signed.session
    carried = session.carried
    if carried is None or carried.back != here(request):
        return "", MultiDict()
    session.carried = None
    return carried.form, MultiDict(list(carried.fields))


def today() -> date:
    return datetime.now(CHINA).date()


def china_time(value: Any) -> str:
    """An ISO 8601 time from a service, as a clerk reads it: Beijing time, to the minute."""
    if not value:
        return ""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    session = anonymous(request)
    notices, session.notices = session.notices, []
    return TEMPLATES.TemplateResponse(request, template, {
        "me": session.person, "csrf": session.csrf, "back": here(request), "labels": labels,
        "notices": notices, "new_key": lambda: str(uuid.uuid4()), "today": today(),
        "idle_minutes": max(1, console_of(request).settings.session_idle_seconds // 60), **context,
    }, status_code=status)


def notice(request: Request, text: str) -> None:
    """A line shown once on the next page (after a redirect)."""
    anonymous(request).notices.append(text)


TEMPLATES.env.filters["china_time"] = china_time
TEMPLATES.env.globals["label"] = labels.label
