"""What every intake consumer answers when a command changes nothing."""

from __future__ import annotations

from pydantic import Field

from ._base import Count, Line, Payload, Text

INTAKE_REJECTED = "gongkai.intake.rejected.v1"


class IntakeRejected(Payload):
    """A command from a staff tool that changed nothing, and why."""

    command_id: Line
    command_type: Line | None = None
    status: Count
    reason: Text
    person: Line | None = Field(None, max_length=128, description="the authenticated sender, when known")
