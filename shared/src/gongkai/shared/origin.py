"""Who emits an event: a service's source and actor, and the one way it builds its events.

Handlers take an ``Origin`` rather than the whole ``Service``: building an event is all they need of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from .envelope import Envelope, new_event


@dataclass(frozen=True)
class Origin:
    source: str  # /gongkai/<service>
    actor: str   # service:<service>

    @classmethod
    def of(cls, service: str) -> Origin:
        return cls(f"/gongkai/{service}", f"service:{service}")

    def event(self, type: str, data: BaseModel | dict[str, Any], *, subject: str | None,
              cause: Envelope | None = None) -> Envelope:
        """An event this service emits on its own account, caused by ``cause`` when there is one."""
        if cause is not None:
            return cause.caused(type, data, source=self.source, actor=self.actor, subject=subject)
        return new_event(type, data, source=self.source, actor=self.actor, subject=subject)
