from __future__ import annotations

from .. import contracts as c
from .spec import MessageSpec

MESSAGES = (
    MessageSpec(c.INTAKE_REJECTED, c.IntakeRejected, "events",
                ("publishing", "review", "notification", "requests", "participation", "oversight"),
                "A command changed nothing, and why"),
)
