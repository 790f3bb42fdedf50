"""The reconciliation checks on snapshots made by hand (no database): what counts as in progress, what as a
mismatch, and that an approval is only as good as review's signature and publishing's rules say."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from gongkai.cli.reconcile import as_json, table
from gongkai.cli.reconcile.checks import Limits, approvals, deadlines, outbox, versions
from gongkai.cli.reconcile.snapshot import (
    Announcement,
    CaseRow,
    DeadlineRow,
    ItemRow,
    OutboxRow,
    RequestRow,
    Snapshot,
    VersionRow,
)
from gongkai.shared import contracts as c
from gongkai.shared.decisions import KeyRing, development_signer, sign
from gongkai.shared.envelope import new_event
from gongkai.shared.keys import Signer

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
LIMITS = Limits(NOW, grace=timedelta(minutes=5), max_wait=timedelta(days=30))
HASH = "sha256:" + "a" * 64
RING = KeyRing([development_signer().verifier])


def version(item: str = "i1", number: int = 1, state: str = "published", *, ago: timedelta = timedelta(hours=1),
            release_at: datetime | None = None) -> VersionRow:
    at = NOW - ago
    return VersionRow(item_id=item, version=number, state=state, content_hash=HASH, created_at=at, submitted_at=at,
                      release_at=release_at, published_at=at if state == "published" else None, created_by="li.na",
                      submitted_by="li.na", category="S07")


def item(item_id: str = "i1", public: int | None = 1) -> ItemRow:
    return ItemRow(item_id=item_id, category="S07", current_version=1, public_version=public, withdrawn_at=None)


def case(item_id: str = "i1", state: str = "open", *, ago: timedelta = timedelta(hours=1)) -> CaseRow:
    return CaseRow(case_id=f"case-{item_id}", item_id=item_id, version=1, state=state, opened_at=NOW - ago,
                   decided_at=None if state == "open" else NOW - ago)


def why(check) -> dict[str, str]:
    return dict(check.mismatches)


def test_waiting_versions_are_in_progress_until_the_grace_or_the_longest_wait_is_over():
    snapshot = Snapshot(
        items={"i1": item(), "i2": item("i2", None), "i3": item("i3", None), "i4": item("i4", None),
               "i5": item("i5", None), "i6": item("i6", None), "i7": item("i7", None), "i8": item("i8", None)},
        versions=[version(), version("i2", state="in_review"), version("i3", state="in_review", ago=timedelta(days=31)),
                  version("i4", state="submitted", ago=timedelta(minutes=1)),
                  version("i5", state="submitted", ago=timedelta(hours=1)),
                  version("i6", state="scheduled", release_at=NOW + timedelta(days=3)),
                  version("i7", state="scheduled", release_at=NOW - timedelta(hours=1)),
                  version("i8", state="draft")],
        cases=[case("i2"), case("i3", ago=timedelta(days=31))])
    check = versions(snapshot, LIMITS)
    assert (check.checked, check.ok, check.in_progress) == (8, 2, 3) and check.notes["drafts"] == 1
    assert why(check) == {
        "i3@1": "waiting for review too long: since 2026-11-01T09:00:00+00:00",
        "i5@1": "submitted with no review case: review never took it",
        "i7@1": "scheduled: its release at 2026-12-02T08:00:00+00:00 was not made"}


def test_a_decision_not_applied_and_a_published_version_that_is_not_public_are_mismatches():
    snapshot = Snapshot(items={"i1": item(public=None), "i2": item("i2", None)},
                        versions=[version(), version("i2", state="in_review")], cases=[case("i2", "approved")])
    assert why(versions(snapshot, LIMITS)) == {
        "i1@1": "published, but not its item's public version",
        "i2@1": "review decided, not applied: case case-i2 is approved, the version is still in_review"}


def test_an_outbox_row_unsent_or_unaudited_after_the_grace_is_a_mismatch():
    def row(event_id: str, created: timedelta, sent: timedelta | None) -> OutboxRow:
        return OutboxRow("review", event_id, "events", "review.case_opened.v1", NOW - created,
                         NOW - sent if sent is not None else None)

    snapshot = Snapshot(outbox=[row("a", timedelta(hours=1), timedelta(hours=1)), row("b", timedelta(seconds=5), None),
                                row("c", timedelta(hours=1), None), row("d", timedelta(hours=1), timedelta(hours=1)),
                                row("e", timedelta(seconds=9), timedelta(seconds=8))],
                        audited={"a"})
    check = outbox(snapshot, LIMITS)
    assert (check.ok, check.in_progress, check.notes["sent"]) == (1, 2, 3)
    assert [id for id, _ in check.mismatches] == ["review:c", "review:d"]
    assert why(check)["review:c"].startswith("unsent: since 2026-12-02T08:00:00")
    assert why(check)["review:d"].startswith("not in the audit log")


def approval(*, reviewers: tuple[str, ...] = ("zhao.lei",), content_hash: str = HASH, signer: Signer | None = None,
             tamper: bool = False):
    decision = c.ReviewDecided(case_id="case-i1", item_id="i1", version=1, content_hash=content_hash,
                               reviewer=reviewers[-1], reviewers=list(reviewers), risk="none", required_approvals=1,
                               decided_at=NOW)
    signed = sign(c.REVIEW_APPROVED, decision, signer or development_signer())
    if tamper:
        signed = signed.model_copy(update={"reviewers": ["chen.jing"], "reviewer": "chen.jing"})
    return new_event(c.REVIEW_APPROVED, signed, source="/gongkai/review", actor="zhao.lei", subject="i1")


def announced(event_id: str = "e1") -> dict[str, Announcement]:
    return {event_id: Announcement(event_id, c.PUBLIC_DISCLOSURE_PUBLISHED, "i1", 1, HASH, "outbox",
                                   NOW - timedelta(hours=1))}


def test_an_announcement_needs_a_signed_approval_of_exactly_its_content_that_keeps_publishings_rules():
    base = {"items": {"i1": item()}, "versions": [version()], "announcements": announced()}
    assert approvals(Snapshot(**base, approvals=[approval()]), RING, LIMITS).ok == 1

    cases = {
        "no approval": [],
        "another content": [approval(content_hash="sha256:" + "b" * 64)],
        "changed after signing": [approval(tamper=True)],
        "another key": [approval(signer=Signer.generate("someone-else"))],
        "by its author": [approval(reviewers=("li.na",))],
    }
    found = {name: why(approvals(Snapshot(**base, approvals=given), RING, LIMITS)).get("e1 (i1@1, outbox)")
             for name, given in cases.items()}
    assert found == {
        "no approval": "no approval: review approved no such item version and content hash",
        "another content": "no approval: review approved no such item version and content hash",
        "changed after signing": "invalid approval: review's signature does not match the decision (forged, or "
                                 "changed after signing)",
        "another key": found["another key"],
        "by its author": "invalid approval: li.na wrote or submitted this item and cannot approve it"}
    assert found["another key"].startswith("invalid approval: the decision is signed with 'someone-else+")
    # Just written, its approval may not have been read yet: in progress, but a forged one is a mismatch at once.
    fresh = {"e1": Announcement("e1", c.PUBLIC_DISCLOSURE_PUBLISHED, "i1", 1, HASH, "outbox", NOW)}
    assert approvals(Snapshot(**{**base, "announcements": fresh}), RING, LIMITS).in_progress == 1
    assert approvals(Snapshot(**{**base, "announcements": fresh}, approvals=[approval(tamper=True)]), RING,
                     LIMITS).mismatches
    # One good approval among bad ones is enough; a withdrawal needs none.
    mixed = Snapshot(**base, approvals=[approval(tamper=True), approval()])
    assert approvals(mixed, RING, LIMITS).mismatches == []
    withdrawal = {"w": Announcement("w", c.PUBLIC_DISCLOSURE_WITHDRAWN, "i1", -1, "", "audit")}
    assert approvals(Snapshot(announcements=withdrawal, withdrawals=1), RING, LIMITS).checked == 0


def deadline(subject: str, rule: str, state: str = "open", *, item_id: str = "i1", version: int = 1) -> DeadlineRow:
    return DeadlineRow(deadline_id=f"{rule}:{subject}", subject=subject, item_id=item_id, version=version, rule=rule,
                       state=state, opened_at=NOW - timedelta(days=1))


def test_deadlines_orphaned_by_what_happened_since_and_deadlines_never_opened():
    snapshot = Snapshot(
        items={"i1": item(), "i2": item("i2", None), "i3": item("i3", None)},
        versions=[version(), version("i2", state="blocked"), version("i3", state="withheld")],
        cases=[case("i1", "approved"), case("i2", "blocked"), case("i3", "withheld")],
        requests={"r1": RequestRow("r1", NOW.date()), "r2": RequestRow("r2", None)},
        deadlines=[deadline("i1", "proactive-publication"), deadline("case-i1", "review-sla", "met"),
                   deadline("i2", "proactive-publication"), deadline("i3", "proactive-publication"),
                   deadline("r1", "request-reply", item_id="r1"), deadline("gone", "proactive-publication")])
    check = deadlines(snapshot, LIMITS, lambda category: "proactive-publication")
    assert why(check) == {
        "proactive-publication:i1 (proactive-publication of i1)": "orphaned: version 1 was published",
        "proactive-publication:i3 (proactive-publication of i3)": "orphaned: version 1 was withheld",
        "request-reply:r1 (request-reply of r1)": "orphaned: the request was answered on 2026-12-02",
        "proactive-publication:gone (proactive-publication of gone)": "orphaned: no such item",
        "case-i3 (case of i3@1)": "missing deadline: no review-sla since the case opened 2026-12-02T08:00:00+00:00",
        "r2 (request)": "missing deadline: no request-reply"}
    # The blocked item's clock still runs (it must be fixed and published), its blocked case never had one.
    assert check.in_progress == 1 and check.ok == 1
    # A category whose submission opens no clock expects none.
    assert "i1 (item)" not in why(deadlines(Snapshot(items={"i1": item()}, versions=[version()]), LIMITS,
                                            lambda category: None))


def test_a_database_that_cannot_be_read_exits_2_with_the_reason():
    env = {**{k: v for k, v in os.environ.items() if k != "GONGKAI_DATABASE_ACCOUNTS_FILE"},
           "DATABASE_URL": "postgresql://postgres@127.0.0.1:9/nowhere"}  # nothing listens on port 9
    done = subprocess.run([sys.executable, "-m", "gongkai.cli.main", "reconcile"], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("gongkai reconcile: cannot read the databases:") and "Traceback" not in done.stderr


def test_the_table_and_the_json_cap_the_ids_and_count_the_rest():
    check = versions(Snapshot(items={}, versions=[version(f"i{n}", state="approved", ago=timedelta(days=1))
                                                  for n in range(5)]), LIMITS)
    text = table([check], limit=2)
    assert text.splitlines()[:2] == ["CHECK     CHECKED  OK  IN PROGRESS  MISMATCHES",
                                     "versions        5   0            0           5"]
    assert "  i0@1: approved: never published nor scheduled" in text and "i2@1" not in text
    assert text.endswith("… and 3 more (--limit, or --json)")
    report = as_json([check], timedelta(minutes=5), timedelta(days=30), limit=2)
    assert report["mismatches"] == 5 and report["grace_seconds"] == 300
    assert report["checks"][0]["reasons"] == {"approved": 5} and len(report["checks"][0]["ids"]) == 2
