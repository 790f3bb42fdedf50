from __future__ import annotations

from .spec import MessageSpec

MESSAGES: tuple[MessageSpec, ...] = ()
