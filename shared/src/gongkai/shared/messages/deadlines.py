from __future__ import annotations

from .. import contracts as c
from .spec import MessageSpec

MESSAGES = (
    MessageSpec(c.DEADLINE_OPENED, c.DeadlineOpened, "events", ("notification",), "A deadline started"),
    MessageSpec(c.DEADLINE_MET, c.DeadlineClosed, "events", ("notification",), "A deadline was met"),
    MessageSpec(c.DEADLINE_CANCELLED, c.DeadlineClosed, "events", ("notification",),
                "A deadline no longer applies"),
)
