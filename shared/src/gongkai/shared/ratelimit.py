"""The public forms' rate limits (the request form, the opinion box, comments, hearing registrations): so many
per client address and per contact in a window, then 429.

Counted in the process's memory (a sliding window per key, the oldest keys dropped past a bound): each replica
counts on its own, which bounds a flood without a shared store. Nothing is stored before the limits pass, so a
refused form leaves no trace but its ``access.refused`` record.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable

from fastapi import Request

from .errors import Refused


class SlidingWindow:
    def __init__(self, limit: int, seconds: float, *, max_keys: int = 100_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.seconds = seconds
        self.max_keys = max_keys
        self.clock = clock
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()

    def retry_after(self, key: str) -> int | None:
        """None when ``key`` may go on (and the hit is counted); else the seconds until it may."""
        now = self.clock()
        hits = self._hits.pop(key, None) or deque()
        while hits and hits[0] <= now - self.seconds:
            hits.popleft()
        if len(hits) >= self.limit:
            self._hits[key] = hits
            return max(1, int(hits[0] + self.seconds - now) + 1)
        hits.append(now)
        self._hits[key] = hits
        while len(self._hits) > self.max_keys:
            self._hits.popitem(last=False)
        return None


def contact_key(phone: str | None, email: str | None) -> str | None:
    """The applicant's contact as one key: digits of the phone, the e-mail in lower case."""
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    mail = (email or "").strip().lower()
    return f"{digits}|{mail}" if digits or mail else None


class RateLimited(Refused):
    """429 with ``Retry-After``."""

    status = 429

    def __init__(self, reason: str, *, retry_after: int) -> None:
        super().__init__(reason)
        self.headers = {"Retry-After": str(retry_after)}


class FormLimits:
    """A public form's windows, built once per app from the settings: per client address an hour, per contact a
    day."""

    def __init__(self, per_address: int, per_contact: int, behind_proxy: bool) -> None:
        self.per_address = SlidingWindow(per_address, 3600)
        self.per_contact = SlidingWindow(per_contact, 86_400)
        self.behind_proxy = behind_proxy

    def address_of(self, request: Request) -> str:
        """The client's address: the first X-Forwarded-For hop behind the operator's proxy, else the peer's."""
        address = request.headers.get("x-forwarded-for", "").split(",")[0].strip() if self.behind_proxy else ""
        return address or (request.client.host if request.client else "unknown")

    def exceeded(self, request: Request, contact: str | None) -> tuple[str, int] | None:
        """("address" or "contact", seconds to wait) when one of the windows is full; each passing hit is counted."""
        for what, window, key in (("address", self.per_address, self.address_of(request)),
                                  ("contact", self.per_contact, contact)):
            wait = window.retry_after(key) if key else None
            if wait is not None:
                return what, wait
        return None
