"""Offline verification of an export: recompute the tree from the raw entries and check every signed
checkpoint against it, saying exactly which entry or checkpoint is wrong. Needs only this file,
``merkle.py``, ``checkpoint.py`` and the log's public key: nothing the operator runs.

An export directory holds
- ``events.jsonl``: one entry a line, ``{"seq": n, "body": base64 of the raw body}``, in seq order;
- ``leaves.txt``: the leaf hashes the log recorded, base64, one a line in seq order (a hint that names
  the changed entry once it is proved genuine by reproducing the signed roots);
- ``checkpoints.jsonl``: ``{"size": n, "note": signed note}``, in size order;
- ``public-key.txt``: the verifier key the log published (``verify`` takes the key from the auditor).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .checkpoint import CheckpointError, KeyFormatError, Verifier, open_note
from .merkle import Frontier, leaf_hash

EVENTS, LEAVES, CHECKPOINTS, PUBLIC_KEY = "events.jsonl", "leaves.txt", "checkpoints.jsonl", "public-key.txt"
SHOWN = 20  # problems listed before "… and N more"


@dataclass
class Outcome:
    entries: int = 0
    checkpoints: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if self.ok and not self.checkpoints:
            return f"ok: {self.entries} entries, but no checkpoint: nothing in this export is signed yet"
        if self.ok:
            covered = self.checkpoints[-1] if self.checkpoints else 0
            sizes = ", ".join(map(str, self.checkpoints)) if len(self.checkpoints) <= 10 else \
                f"{self.checkpoints[0]} … {self.checkpoints[-1]}"
            return (f"ok: {self.entries} entries, {len(self.checkpoints)} checkpoints (sizes {sizes}); "
                    f"{self.entries - covered} entries after the last checkpoint are not yet signed")
        shown = self.problems[:SHOWN]
        more = len(self.problems) - len(shown)
        return "\n".join(["FAILED", *shown] + ([f"… and {more} more"] if more else []))


def _read_entries(path: Path, outcome: Outcome) -> dict[int, bytes]:
    """The bodies by seq. An entry out of order is named where it stands, once: the entries after it are not
    out of order because of it; a seq missing or given twice is named once too."""
    bodies: dict[int, bytes] = {}
    where: dict[int, int] = {}
    highest = 0
    with path.open(encoding="utf-8") as lines:
        for line_no, line in enumerate(lines, start=1):
            try:
                row = json.loads(line)
                seq, body = row["seq"], base64.b64decode(row["body"], validate=True)
                if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
                    raise TypeError("seq is not a positive number")
            except (ValueError, KeyError, TypeError, binascii.Error) as exc:
                outcome.problems.append(f"entry at line {line_no}: unreadable ({type(exc).__name__}: {exc})")
                continue
            if seq in bodies:
                outcome.problems.append(f"entry seq {seq} is given twice (lines {where[seq]} and {line_no})")
                continue
            if seq < highest:
                outcome.problems.append(f"entry seq {seq} at line {line_no} is out of order (after seq {highest})")
            bodies[seq], where[seq] = body, line_no
            highest = max(highest, seq)
    for first, last in _runs(sorted(set(range(1, highest + 1)) - set(bodies))):
        outcome.problems.append(f"entry {_seqs(first, last)} missing from the export")
    return bodies


def _runs(numbers: list[int]) -> list[tuple[int, int]]:
    """Consecutive runs: [3, 4, 5, 9] → [(3, 5), (9, 9)]."""
    runs: list[tuple[int, int]] = []
    for n in numbers:
        if runs and runs[-1][1] == n - 1:
            runs[-1] = (runs[-1][0], n)
        else:
            runs.append((n, n))
    return runs


def _seqs(first: int, last: int) -> str:
    return f"seq {first}" if first == last else f"seq {first}–{last}"


def _read_checkpoints(path: Path, verifier: Verifier, outcome: Outcome) -> list[tuple[int, bytes]]:
    found, origins = [], set()
    with path.open(encoding="utf-8") as lines:
        for line_no, line in enumerate(lines, start=1):
            row: Any = {}  # whatever JSON the line holds: checked below
            try:
                row = json.loads(line)
                checkpoint = open_note(row["note"], verifier)
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                size = row.get("size", "?") if isinstance(row, dict) else "?"
                outcome.problems.append(f"checkpoint size {size} (line {line_no}): {exc}")
                continue
            if row.get("size") != checkpoint.size:
                outcome.problems.append(f"checkpoint at line {line_no}: listed as size {row.get('size')} "
                                        f"but signed for size {checkpoint.size}")
            origins.add(checkpoint.origin)
            found.append((checkpoint.size, checkpoint.root))
    if len(origins) > 1:
        outcome.problems.append(f"checkpoints name several logs: {', '.join(sorted(origins))}")
    return sorted(found)


def _roots(leaves: list[bytes], sizes: list[int]) -> dict[int, bytes]:
    frontier, roots, wanted = Frontier(), {}, set(sizes)
    if 0 in wanted:
        roots[0] = frontier.root()
    for leaf in leaves:
        frontier.append(leaf)
        if frontier.size in wanted:
            roots[frontier.size] = frontier.root()
    return roots


def _read_recorded(path: Path) -> list[bytes]:
    if not path.is_file():
        return []
    try:
        return [base64.b64decode(line.strip(), validate=True) for line in path.read_text().splitlines()]
    except binascii.Error:
        return []


def verify_export(directory: Path, verifier: Verifier) -> Outcome:
    outcome = Outcome()
    for name in (EVENTS, CHECKPOINTS):
        if not (directory / name).is_file():
            outcome.problems.append(f"{directory / name} is missing")
    if outcome.problems:
        return outcome
    bodies = _read_entries(directory / EVENTS, outcome)
    outcome.entries = len(bodies)
    checkpoints = _read_checkpoints(directory / CHECKPOINTS, verifier, outcome)
    outcome.checkpoints = [size for size, _ in checkpoints]
    recorded = _read_recorded(directory / LEAVES)
    genuine = bool(recorded) and all(size <= len(recorded) and root == _roots(recorded, [size])[size]
                                     for size, root in checkpoints)
    # A missing entry's place in the tree is taken by its recorded leaf when the recorded leaves are genuine
    # (it is named missing already), so the entries after it can still be checked.
    leaves: list[bytes] = []
    for seq in range(1, max(bodies, default=0) + 1):
        if seq in bodies:
            leaves.append(leaf_hash(bodies[seq]))
        elif genuine and seq <= len(recorded):
            leaves.append(recorded[seq - 1])
        else:
            break
    roots = _roots(leaves, outcome.checkpoints)
    short = [size for size, _ in checkpoints if size > len(leaves)]
    wrong = [size for size, root in checkpoints if size <= len(leaves) and roots[size] != root]
    if wrong or short:
        _name_the_entries(bodies, recorded if genuine else [], checkpoints, min(wrong + short), outcome)
    outcome.problems += [f"checkpoint size {size}: its signed root does not match entries 1–{size}"
                         for size in wrong]
    outcome.problems += [f"checkpoint size {size}: the export has only {len(leaves)} entries" for size in short]
    return outcome


def _name_the_entries(bodies: dict[int, bytes], recorded: list[bytes], checkpoints: list[tuple[int, bytes]],
                      first_wrong: int, outcome: Outcome) -> None:
    """Which entries changed or moved: the recorded leaf hashes, once they reproduce every signed root, are
    genuine, so each entry whose body does not hash to its recorded leaf is named, and where its body was."""
    if not recorded:
        good = max((size for size, _ in checkpoints if size < first_wrong), default=0)
        outcome.problems.append(f"an entry between seq {good + 1} and seq {first_wrong} was changed, removed or "
                                f"moved (checkpoint size {good or 'none'} still matches)")
        return
    position = {leaf: seq for seq, leaf in enumerate(recorded, start=1)}
    changed: list[tuple[int, int | None]] = []  # (seq, the seq whose recorded leaf this body has, if any)
    for seq in sorted(bodies):
        leaf = leaf_hash(bodies[seq])
        if seq > len(recorded) or recorded[seq - 1] != leaf:
            changed.append((seq, position.get(leaf)))
    groups: list[list[tuple[int, int | None]]] = []
    for seq, found in changed:
        previous = groups[-1][-1] if groups else None
        if previous is not None and previous[0] == seq - 1 and (
                (found is None and previous[1] is None) or (found is not None and previous[1] == found - 1)):
            groups[-1].append((seq, found))
        else:
            groups.append([(seq, found)])
    for group in groups:
        (first, origin), (last, _) = group[0], group[-1]
        if origin is None:
            outcome.problems.append(f"entry {_seqs(first, last)}: not the body the log recorded and signed")
        else:
            outcome.problems.append(f"entry {_seqs(first, last)}: the body the log recorded as "
                                    f"{_seqs(origin, origin + last - first)} (moved)")
    # A place that holds another entry's body: is the body recorded there anywhere in the export?
    present = {leaf_hash(body) for body in bodies.values()}
    lost = [seq for seq, found in changed if found is not None and recorded[seq - 1] not in present]
    for first, last in _runs(lost):
        outcome.problems.append(f"the body the log recorded as {_seqs(first, last)} is not in the export (removed)")


def load_verifier(key: str) -> Verifier:
    """``key`` is a verifier key or a file holding one."""
    path = Path(key)
    try:
        text = path.read_text() if path.is_file() else key
    except OSError:
        text = key
    try:
        return Verifier.parse(text)
    except KeyFormatError as exc:
        raise CheckpointError(f"--public-key: {exc}") from exc
