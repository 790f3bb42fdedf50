"""Errors a handler raises to refuse a command: they become an HTTP 4xx or a rejection event."""

from __future__ import annotations


class Refused(Exception):
    """A command refused for a reason the sender can act on; nothing was changed.

    ``status`` follows HTTP: 400 malformed, 401 no or bad credential, 403 wrong role or duty,
    404 unknown target, 409 conflict with the current state, 413 too large, 422 invalid content.
    """

    status = 422
    subject: str | None = None  # the item a handler found the command to be about, for the refusal's record
    headers: dict[str, str] | None = None  # HTTP headers the refusal answers with (Retry-After of a 429)

    def __init__(self, reason: str, *, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        if status is not None:
            self.status = status


class Unauthenticated(Refused):
    status = 401


class Forbidden(Refused):
    status = 403


class NotFound(Refused):
    status = 404


class Hidden(NotFound):
    """What the caller may not see answers as if it did not exist (so ids do not leak); the audit log gets ``why``."""

    def __init__(self, reason: str, *, why: str) -> None:
        super().__init__(reason)
        self.why = why


class Conflict(Refused):
    status = 409


class CommandFailed(Exception):
    """A ``gongkai`` command could not do what was asked; the message is printed, the exit code is 1."""
