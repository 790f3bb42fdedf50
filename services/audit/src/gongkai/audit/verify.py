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


def _read_entries(path: Path, outcome: Outcome) -> list[bytes]:
    bodies, expected = [], 1
    with path.open(encoding="utf-8") as lines:
        for line_no, line in enumerate(lines, start=1):
            try:
                row = json.loads(line)
                seq, body = row["seq"], base64.b64decode(row["body"], validate=True)
                if not isinstance(seq, int):
                    raise TypeError("seq is not a number")
            except (ValueError, KeyError, TypeError, binascii.Error) as exc:
                outcome.problems.append(f"entry at line {line_no}: unreadable ({type(exc).__name__}: {exc})")
                bodies.append(b"")
                expected += 1
                continue
            if seq != expected:
                if seq > expected:
                    missing = f"seq {expected}" if seq == expected + 1 else f"seq {expected}–{seq - 1}"
                    outcome.problems.append(f"entry {missing} missing: line {line_no} has seq {seq}")
                else:
                    outcome.problems.append(f"entry seq {seq} at line {line_no} is out of order "
                                            f"(expected seq {expected})")
            bodies.append(body)
            expected = max(expected, seq) + 1 if seq >= expected else expected + 1
    return bodies


def _read_checkpoints(path: Path, verifier: Verifier, outcome: Outcome) -> list[tuple[int, bytes]]:
    found, origins = [], set()
    with path.open(encoding="utf-8") as lines:
        for line_no, line in enumerate(lines, start=1):
            row: dict = {}
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
    leaves = [leaf_hash(body) for body in bodies]
    roots = _roots(leaves, outcome.checkpoints)
    short = [size for size, _ in checkpoints if size > len(leaves)]
    wrong = [size for size, root in checkpoints if size <= len(leaves) and roots[size] != root]
    if wrong or short:
        _name_the_entry(directory / LEAVES, leaves, checkpoints, min(wrong + short), outcome)
    outcome.problems += [f"checkpoint size {size}: its signed root does not match entries 1–{size}"
                         for size in wrong]
    outcome.problems += [f"checkpoint size {size}: the export has only {len(leaves)} entries" for size in short]
    return outcome


def _name_the_entry(path: Path, leaves: list[bytes], checkpoints: list[tuple[int, bytes]], first_wrong: int,
                    outcome: Outcome) -> None:
    """Which entry changed: the recorded leaf hashes, once they reproduce every signed root, are genuine."""
    good = max((size for size, _ in checkpoints if size < first_wrong), default=0)
    recorded: list[bytes] = []
    if path.is_file():
        try:
            recorded = [base64.b64decode(line.strip(), validate=True) for line in path.read_text().splitlines()]
        except binascii.Error:
            recorded = []
    recorded_roots = _roots(recorded, [size for size, _ in checkpoints if size <= len(recorded)])
    genuine = recorded and all(size <= len(recorded) and recorded_roots[size] == root for size, root in checkpoints)
    if not genuine:
        outcome.problems.append(f"an entry between seq {good + 1} and seq {first_wrong} was changed, removed or "
                                f"moved (checkpoint size {good or 'none'} still matches)")
        return
    for index, (leaf, kept) in enumerate(zip(leaves, recorded, strict=False)):
        if leaf != kept:
            outcome.problems.append(f"entry seq {index + 1} (line {index + 1}): its body is not the one the log "
                                    "recorded and signed")
            break


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
