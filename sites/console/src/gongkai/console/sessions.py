"""Sessions, kept in the console's memory: the browser holds only a random id in an HttpOnly cookie.

The staff token a person signs in with stays here, never in a page or a cookie, so no script in a page can
read it. A session ends when it is unused for ``idle`` seconds, ``lifetime`` seconds after it began, at
sign-out, or when the console restarts (people sign in again; a form they were sending comes back filled in,
see ``Carried``). Signing in gives a new id and a new CSRF token (no session fixation). Every form carries
the session's CSRF token; a post without it is refused.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    unit: str
    roles: frozenset[str]

    def has(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))


@dataclass(frozen=True)
class Carried:
    """A form posted after its session ended: where it was, which form, and what was typed, to fill it in again
    after sign-in. Nothing in it is acted on."""

    back: str
    form: str
    fields: tuple[tuple[str, str], ...]


@dataclass
class Session:
    id: str
    csrf: str
    began: float
    seen: float
    person: Person | None = None
    token: str | None = field(default=None, repr=False)
    carried: Carried | None = None
    notices: list[str] = field(default_factory=list)

    def csrf_matches(self, given: Any) -> bool:
        return isinstance(given, str) and hmac.compare_digest(given.encode(), self.csrf.encode())

    def signed(self) -> SignedIn | None:
        """The session with its person and token, once someone has signed in to it (sign-in sets both)."""
        if self.person is None or self.token is None:
            return None
        return SignedIn(self, self.person, self.token)


@dataclass(frozen=True)
class SignedIn:
    """A session someone is signed in to: who, and the staff token the pages call the services with."""

    session: Session
    person: Person
    token: str = field(repr=False)

    @property
    def id(self) -> str:
        return self.session.id


class Sessions:
    def __init__(self, *, idle: float, lifetime: float, limit: int,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.idle, self.lifetime, self.limit, self.clock = idle, lifetime, limit, clock
        self._live: OrderedDict[str, Session] = OrderedDict()

    def __len__(self) -> int:
        return len(self._live)

    def new(self) -> Session:
        now = self.clock()
        session = Session(id=secrets.token_urlsafe(32), csrf=secrets.token_urlsafe(32), began=now, seen=now)
        self._live[session.id] = session
        while len(self._live) > self.limit:
            self._live.popitem(last=False)
        return session

    def get(self, session_id: str | None) -> Session | None:
        """The live session of this id, marked as used now; None for an unknown or ended one (which is dropped)."""
        session = self._live.get(session_id) if session_id else None
        if session is None:
            return None
        now = self.clock()
        if now - session.seen > self.idle or now - session.began > self.lifetime:
            del self._live[session.id]
            return None
        session.seen = now
        self._live.move_to_end(session.id)
        return session

    def sign_in(self, old: Session | None, person: Person, token: str) -> Session:
        """A new session (new id, new CSRF token) for ``person``; the old one ends, its carried form moves over."""
        carried = old.carried if old else None
        if old is not None:
            self.end(old.id)
        session = self.new()
        session.person, session.token, session.carried = person, token, carried
        return session

    def end(self, session_id: str) -> None:
        self._live.pop(session_id, None)
