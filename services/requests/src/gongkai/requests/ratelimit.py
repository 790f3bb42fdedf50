"""The public form's rate limits: so many requests per address and per contact in a window, then 429.

Counted in the process's memory (a sliding window per key, the oldest keys dropped past a bound): each replica
counts on its own, which bounds a flood without a shared store. The tracking numbers a refused form would have
had are never made: nothing is stored before the limits pass.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable


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
