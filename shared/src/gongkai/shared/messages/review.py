from __future__ import annotations

from .. import contracts as c
from .spec import MessageSpec

MESSAGES = (
    MessageSpec(c.DECIDE_REVIEW, c.DecideReview, "intake", ("staff-tools",),
                "Approve or reject a review case, bound to its content hash"),
    MessageSpec(c.REVIEW_CASE_OPENED, c.ReviewCaseOpened, "events", ("review",),
                "Screening passed; the case waits for a reviewer"),
    MessageSpec(c.REVIEW_BLOCKED, c.ReviewBlocked, "events", ("review",),
                "Screening found what must never be published"),
    MessageSpec(c.REVIEW_APPROVED, c.ReviewDecided, "events", ("review",),
                "A reviewer approved exactly the content with this hash"),
    MessageSpec(c.REVIEW_REJECTED, c.ReviewDecided, "events", ("review",), "A reviewer rejected the version"),
)
