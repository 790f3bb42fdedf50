"""The reconciliation checks, free of I/O: a snapshot of every service's rows in, counts and mismatches out.

Each check counts what it looked at as ``ok``, ``in progress`` (still legitimately on its way: younger than the
grace, waiting for a reviewer, scheduled for later) or a mismatch, named by its id with the reason. Four checks:

- ``versions``: every item version reached one terminal state (published as the item's public version,
  superseded, rejected, changes requested, blocked, withheld, withdrawn); a version awaiting review with no case,
  with a case already decided, or waiting longer than ``max_wait``, an approved version never published, a
  scheduled release overdue, is a mismatch. Drafts wait for their authors and are only counted.
- ``outbox``: every outbox row of every service is in the audit log (by event id), and none is still unsent
  after the grace.
- ``approvals``: every announcement of a version on the public or staff exchange (publishing's outbox, and
  audit's records of those exchanges) has review's signed approval of that item, version and content hash, whose
  signature verifies with publishing's review keys (``KeyRing.problem``) and that keeps publishing's own rules
  (``approval_problem``: different reviewers, never an author, enough approvals for the risk).
- ``deadlines``: no open deadline whose item, case or request no longer needs it, and no item, case or request
  without the deadline it should have.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from gongkai.publishing.domain import approval_problem
from gongkai.shared import contracts as c
from gongkai.shared.decisions import KeyRing

from .snapshot import ANNOUNCEMENTS, CaseRow, DeadlineRow, Snapshot, VersionRow

TERMINAL = frozenset({"published", "superseded", "rejected", "changes_requested", "blocked", "withheld",
                      "withdrawn"})
AWAITING_REVIEW = frozenset({"submitted", "in_review"})
CASE_DECIDED = frozenset({"approved", "rejected", "blocked", "redaction_requested", "withheld", "voided"})
LIVE = frozenset({"open", "paused"})
ITEM_RULES = frozenset({"proactive-publication", "change-publication"})
REQUEST_RULES = frozenset({"request-reply", "request-correction", "request-third-party"})
YEAR_RULES = {"annual-report": "S08", "annual-targets": "N01"}  # met by a publication in that category
NO_APPROVAL = "no approval"
REVIEW_CLOCK = "review-sla"
REQUEST_CLOCK = "request-reply"


@dataclass
class Check:
    name: str
    what: str
    checked: int = 0
    ok: int = 0
    in_progress: int = 0
    mismatches: list[tuple[str, str]] = field(default_factory=list)  # (id, why)
    notes: dict[str, int] = field(default_factory=dict)

    def good(self) -> None:
        self.checked += 1
        self.ok += 1

    def waiting(self) -> None:
        self.checked += 1
        self.in_progress += 1

    def bad(self, id: str, why: str) -> None:
        self.checked += 1
        self.mismatches.append((id, why))

    def summary(self, limit: int) -> dict[str, Any]:
        reasons: dict[str, int] = defaultdict(int)
        for _, why in self.mismatches:
            reasons[why.split(":", 1)[0]] += 1
        return {"check": self.name, "what": self.what, "checked": self.checked, "ok": self.ok,
                "in_progress": self.in_progress, "mismatches": len(self.mismatches), "reasons": dict(reasons),
                "ids": [{"id": id, "why": why} for id, why in self.mismatches[:limit]], **self.notes}


@dataclass(frozen=True)
class Limits:
    now: datetime
    grace: timedelta  # how long the system has to carry a step through before its absence is a mismatch
    max_wait: timedelta  # how long a version may wait for a reviewer

    def within_grace(self, moment: datetime | None) -> bool:
        return moment is not None and moment > self.now - self.grace


def reconcile(snapshot: Snapshot, limits: Limits, key_ring: KeyRing,
              item_rule: Callable[[str], str | None]) -> list[Check]:
    """Every check over ``snapshot``; ``item_rule(category)`` names the deadline an item's submission opens."""
    return [versions(snapshot, limits), outbox(snapshot, limits), approvals(snapshot, key_ring, limits),
            deadlines(snapshot, limits, item_rule)]


# ---- versions --------------------------------------------------------------------------------------------


def versions(snapshot: Snapshot, limits: Limits) -> Check:
    check = Check("versions", "every item version reached one terminal state")
    cases = {(k.item_id, k.version): k for k in snapshot.cases}
    drafts = 0
    for version in snapshot.versions:
        if version.state == "draft":
            drafts += 1
            check.good()
        elif version.state == "published":
            item = snapshot.items.get(version.item_id)
            if item is None or item.public_version != version.version or item.withdrawn_at is not None:
                check.bad(version.key, "published, but not its item's public version")
            else:
                check.good()
        elif version.state in TERMINAL:
            check.good()
        elif version.state in AWAITING_REVIEW:
            _awaiting(check, version, cases.get((version.item_id, version.version)), limits)
        elif version.state == "scheduled":
            due = version.release_at
            if due is None or due + limits.grace < limits.now:
                check.bad(version.key, f"scheduled: its release at {_at(due)} was not made")
            else:
                check.waiting()
        elif version.state == "approved":
            if limits.within_grace(version.submitted_at):
                check.waiting()
            else:
                check.bad(version.key, "approved: never published nor scheduled")
        else:
            check.bad(version.key, f"unknown state: {version.state}")
    check.notes["drafts"] = drafts
    return check


def _awaiting(check: Check, version: VersionRow, case: CaseRow | None, limits: Limits) -> None:
    if case is None:
        if limits.within_grace(version.submitted_at):
            check.waiting()
        else:
            check.bad(version.key, f"{version.state} with no review case: review never took it")
    elif case.state in CASE_DECIDED:
        if limits.within_grace(case.decided_at):
            check.waiting()
        else:
            check.bad(version.key, f"review decided, not applied: case {case.case_id} is {case.state}, the version "
                                   f"is still {version.state}")
    elif version.submitted_at is not None and version.submitted_at + limits.max_wait < limits.now:
        check.bad(version.key, f"waiting for review too long: since {_at(version.submitted_at)}")
    else:
        check.waiting()


# ---- outbox and audit log --------------------------------------------------------------------------------


def outbox(snapshot: Snapshot, limits: Limits) -> Check:
    check = Check("outbox", "every outbox row sent and in the audit log")
    sent = 0
    for row in snapshot.outbox:
        name = f"{row.service}:{row.event_id}"
        if row.sent_at is None:
            if limits.within_grace(row.created_at):
                check.waiting()
            else:
                check.bad(name, f"unsent: since {_at(row.created_at)} ({row.exchange} {row.routing_key})")
            continue
        sent += 1
        if row.event_id in snapshot.audited:
            check.good()
        elif limits.within_grace(row.sent_at):
            check.waiting()
        else:
            check.bad(name, f"not in the audit log: sent {_at(row.sent_at)} ({row.exchange} {row.routing_key})")
    check.notes["sent"] = sent
    return check


# ---- approvals -------------------------------------------------------------------------------------------


def approvals(snapshot: Snapshot, key_ring: KeyRing, limits: Limits) -> Check:
    check = Check("approvals", "every public or staff announcement has review's signed approval of its content")
    authors: dict[str, set[str]] = defaultdict(set)
    for version in snapshot.versions:
        authors[version.item_id] |= {version.created_by, *([version.submitted_by] if version.submitted_by else [])}
    signed: dict[tuple[str, int, str], list[c.ReviewDecided]] = defaultdict(list)
    for envelope in snapshot.approvals:
        try:
            decision = c.ReviewDecided.model_validate(envelope.data)
        except ValueError:
            continue
        signed[decision.item_id, decision.version, decision.content_hash].append(decision)
    verdicts: dict[tuple[str, int, str], str | None] = {}
    for event_id, announcement in sorted(snapshot.announcements.items()):
        if announcement.type not in ANNOUNCEMENTS:
            continue  # a withdrawal: no content, no approval needed
        key = (announcement.item_id, announcement.version, announcement.content_hash)
        if key not in verdicts:
            verdicts[key] = _approval_problem(signed.get(key, []), key_ring, authors[announcement.item_id])
        problem = verdicts[key]
        if problem is None:
            check.good()
        elif problem.startswith(NO_APPROVAL) and limits.within_grace(announcement.at):
            check.waiting()  # review's rows were read before its approval committed: read again after the grace
        else:
            check.bad(f"{event_id} ({announcement.item_id}@{announcement.version}, {announcement.where})", problem)
    check.notes["withdrawals"] = snapshot.withdrawals
    return check


def _approval_problem(candidates: list[c.ReviewDecided], key_ring: KeyRing, item_authors: set[str]) -> str | None:
    """None when one of the approvals of exactly this content verifies and keeps publishing's rules."""
    if not candidates:
        return f"{NO_APPROVAL}: review approved no such item version and content hash"
    problems = []
    for decision in candidates:
        problem = key_ring.problem(c.REVIEW_APPROVED, decision) or approval_problem(decision, item_authors)
        if problem is None:
            return None
        problems.append(problem)
    return f"invalid approval: {problems[0]}"


# ---- deadlines -------------------------------------------------------------------------------------------


def deadlines(snapshot: Snapshot, limits: Limits, item_rule: Callable[[str], str | None]) -> Check:
    check = Check("deadlines", "no open deadline orphaned, none missing")
    cases = {k.case_id: k for k in snapshot.cases}
    by_item: dict[str, list[VersionRow]] = defaultdict(list)
    for version in snapshot.versions:
        by_item[version.item_id].append(version)
    published_in: dict[str, list[datetime]] = defaultdict(list)
    for version in snapshot.versions:
        if version.published_at is not None:
            published_in[version.category].append(version.published_at)
    kept: set[tuple[str, str]] = set()
    for deadline in snapshot.deadlines:
        kept.add((deadline.subject, deadline.rule))
        if deadline.state not in LIVE:
            check.good()
            continue
        why, since = _orphaned(deadline, snapshot, cases, by_item, published_in)
        name = f"{deadline.deadline_id} ({deadline.rule} of {deadline.subject})"
        if why is None:
            check.waiting()
        elif limits.within_grace(since):
            check.waiting()
        else:
            check.bad(name, f"orphaned: {why}")
    _missing(check, snapshot, limits, item_rule, kept, by_item)
    return check


def _orphaned(deadline: DeadlineRow, snapshot: Snapshot, cases: dict[str, CaseRow],
              by_item: dict[str, list[VersionRow]], published_in: dict[str, list[datetime]]
              ) -> tuple[str | None, datetime | None]:
    """Why an open deadline is no longer needed (and since when), or (None, None) while it still is."""
    if deadline.rule in ITEM_RULES:
        item = snapshot.items.get(deadline.subject)
        if item is None:
            return "no such item", None
        if item.withdrawn_at is not None:
            return "the item was withdrawn", item.withdrawn_at
        later = [v for v in by_item[deadline.subject] if v.version >= deadline.version]
        if deadline.rule == "change-publication":
            later = by_item[deadline.subject]
        for version in later:
            if version.published_at is not None and (deadline.rule != "change-publication"
                                                     or version.published_at > deadline.opened_at):
                return f"version {version.version} was published", version.published_at
            if version.state == "withheld":
                return f"version {version.version} was withheld", None
        return None, None
    if deadline.rule == REVIEW_CLOCK:
        case = cases.get(deadline.subject)
        if case is None:
            return "no such review case", None
        if case.state != "open":
            return f"the case is {case.state}", case.decided_at
        return None, None
    if deadline.rule in REQUEST_RULES:
        request = snapshot.requests.get(deadline.subject)
        if request is None:
            return "no such request", None
        if request.answered_on is not None:
            return f"the request was answered on {request.answered_on}", None
        return None, None
    if deadline.rule in YEAR_RULES:
        met = [at for at in published_in[YEAR_RULES[deadline.rule]] if at > deadline.opened_at]
        if met:
            return f"a {YEAR_RULES[deadline.rule]} item was published", min(met)
    return None, None


def _missing(check: Check, snapshot: Snapshot, limits: Limits, item_rule: Callable[[str], str | None],
             kept: set[tuple[str, str]], by_item: dict[str, list[VersionRow]]) -> None:
    """Items whose submission opens a deadline, review cases that were opened and requests, each without it."""
    for item_id, item in snapshot.items.items():
        rule = item_rule(item.category)
        submitted = [v.submitted_at for v in by_item[item_id] if v.submitted_at is not None]
        if rule is None or not submitted:
            continue
        if (item_id, rule) in kept:
            continue  # counted with the deadlines
        if limits.within_grace(min(submitted)):
            check.waiting()
        else:
            check.bad(f"{item_id} (item)", f"missing deadline: no {rule} since its submission {_at(min(submitted))}")
    for case in snapshot.cases:
        if case.state in ("blocked", "voided") or (case.case_id, REVIEW_CLOCK) in kept:
            continue  # blocked or voided at once: never opened, so no review clock
        if limits.within_grace(case.opened_at):
            check.waiting()
        else:
            check.bad(f"{case.case_id} (case of {case.item_id}@{case.version})",
                      f"missing deadline: no {REVIEW_CLOCK} since the case opened {_at(case.opened_at)}")
    for request_id in snapshot.requests:
        if (request_id, REQUEST_CLOCK) not in kept:
            check.bad(f"{request_id} (request)", f"missing deadline: no {REQUEST_CLOCK}")


def _at(moment: datetime | None) -> str:
    return moment.isoformat(timespec="seconds") if moment else "-"
