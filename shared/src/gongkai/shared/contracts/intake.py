"""What every intake consumer answers when a command changes nothing."""

from __future__ import annotations

from ._base import Payload

INTAKE_REJECTED = "gongkai.intake.rejected.v1"


class IntakeRejected(Payload):
    """A command from a staff tool that changed nothing, and why."""

    command_id: str
    command_type: str | None = None
    status: int
    reason: str
