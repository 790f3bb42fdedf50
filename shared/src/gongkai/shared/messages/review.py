from __future__ import annotations

from .. import contracts as c
from .spec import MessageSpec

MESSAGES = (
    MessageSpec(c.DECIDE_REVIEW, c.DecideReview, "intake", ("staff-tools",),
                "Approve, reject, ask to redact or withhold (不予公开) a review case, bound to its content hash"),
    MessageSpec(c.REVIEW_CASE_OPENED, c.ReviewCaseOpened, "events", ("review",),
                "Screening passed; the case waits for a reviewer"),
    MessageSpec(c.REVIEW_BLOCKED, c.ReviewBlocked, "events", ("review",),
                "Screening found what must never be published"),
    MessageSpec(c.REVIEW_APPROVED, c.ReviewDecided, "events", ("review",),
                "A reviewer approved exactly the content with this hash"),
    MessageSpec(c.REVIEW_REJECTED, c.ReviewDecided, "events", ("review",), "A reviewer rejected the version"),
    MessageSpec(c.REVIEW_APPROVAL_RECORDED, c.ReviewDecided, "events", ("review",),
                "One approval of a high-risk case that needs another reviewer's; the case stays open"),
    MessageSpec(c.REVIEW_REDACTION_REQUESTED, c.RedactionRequested, "events", ("review",),
                "A reviewer asked for a version with these spans removed"),
    MessageSpec(c.REVIEW_WITHHELD, c.ReviewWithheld, "events", ("review",),
                "A reviewer decided the version is not disclosed (不予公开), on a legal ground"),
    MessageSpec(c.REVIEW_CASE_VOIDED, c.CaseVoided, "events", ("review",),
                "A newer version replaced an open case; its approvals are void"),
)
