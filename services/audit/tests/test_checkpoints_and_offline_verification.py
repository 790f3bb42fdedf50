"""Signed notes in the C2SP format, the signing key's configuration, and `verify` on a doctored export."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
from gongkai.audit.checkpoint import DASH, Checkpoint, CheckpointError, Signer, Verifier, open_note
from gongkai.audit.config import DEV_SIGNING_KEY, AuditConfig
from gongkai.audit.merkle import Frontier, leaf_hash
from gongkai.audit.verify import CHECKPOINTS, EVENTS, LEAVES, verify_export
from pydantic import ValidationError

SIGNER = Signer.generate("test-log-key")


def test_a_checkpoint_is_a_signed_note_in_the_c2sp_format():
    root = hashlib.sha256(b"root").digest()
    note = Checkpoint("example.org/log", 42, root).sign(SIGNER)
    body, signature_line = note.split("\n\n")
    assert body + "\n" == f"example.org/log\n42\n{base64.b64encode(root).decode()}\n"
    dash, name, signature = signature_line.rstrip("\n").split(" ")
    assert (dash, name) == (DASH, "test-log-key")
    raw = base64.b64decode(signature)
    public = SIGNER.verifier.public
    assert raw[:4] == hashlib.sha256(b"test-log-key\n\x01" + public).digest()[:4]
    assert len(raw) == 4 + 64
    assert open_note(note, SIGNER.verifier) == Checkpoint("example.org/log", 42, root)


def test_keys_round_trip_through_their_text_forms():
    assert Signer.parse(SIGNER.text()) == SIGNER
    assert Verifier.parse(SIGNER.verifier.text()) == SIGNER.verifier
    assert SIGNER.verifier.text().startswith("test-log-key+" + SIGNER.verifier.id.hex() + "+")


@pytest.mark.parametrize("doctor", [
    lambda note: note.replace("\n42\n", "\n43\n"),
    lambda note: note.replace("example.org/log", "example.org/other"),
    lambda note: note.replace("test-log-key ", "other-key "),
    lambda note: note.replace("\n\n", "\n"),
    lambda note: note[:-10] + "AAAAAAAAA\n",
])
def test_a_doctored_note_does_not_open(doctor):
    note = Checkpoint("example.org/log", 42, hashlib.sha256(b"root").digest()).sign(SIGNER)
    with pytest.raises(CheckpointError):
        open_note(doctor(note), SIGNER.verifier)


def test_a_note_signed_by_another_key_does_not_open():
    note = Checkpoint("example.org/log", 1, hashlib.sha256(b"r").digest()).sign(Signer.generate("test-log-key"))
    with pytest.raises(CheckpointError, match="no valid signature"):
        open_note(note, SIGNER.verifier)


def test_production_refuses_the_development_signing_key_and_requires_one(monkeypatch):
    monkeypatch.delenv("GONGKAI_AUDIT_SIGNING_KEY", raising=False)
    monkeypatch.delenv("GONGKAI_AUDIT_SIGNING_KEY_FILE", raising=False)
    with pytest.raises(ValidationError, match="required"):
        AuditConfig(env="production")
    with pytest.raises(ValidationError, match="development signing key"):
        AuditConfig(env="production", signing_key_file=DEV_SIGNING_KEY)
    with pytest.raises(ValidationError, match="development signing key"):
        AuditConfig(env="production", signing_key=DEV_SIGNING_KEY.read_text())
    assert AuditConfig(env="production", signing_key=SIGNER.text()).signer() == SIGNER
    assert AuditConfig().signer().name == "gongkai-dev-audit"


# ---- verify on an export --------------------------------------------------------------------

BODIES = [json.dumps({"id": f"e-{i}", "n": i}).encode() for i in range(1, 13)]


def write_export(directory: Path, bodies: list[bytes] = BODIES, sizes: tuple[int, ...] = (3, 8, 12)) -> Path:
    frontier, notes = Frontier(), []
    for body in bodies:
        frontier.append(leaf_hash(body))
        if frontier.size in sizes:
            notes.append({"size": frontier.size,
                          "note": Checkpoint("example.org/log", frontier.size, frontier.root()).sign(SIGNER)})
    (directory / EVENTS).write_text("".join(json.dumps({"seq": i, "body": base64.b64encode(b).decode()}) + "\n"
                                            for i, b in enumerate(bodies, start=1)))
    (directory / LEAVES).write_text("".join(base64.b64encode(leaf_hash(b)).decode() + "\n" for b in bodies))
    (directory / CHECKPOINTS).write_text("".join(json.dumps(n) + "\n" for n in notes))
    return directory


def lines(directory: Path) -> list[str]:
    return (directory / EVENTS).read_text().splitlines(keepends=True)


def test_an_untouched_export_verifies_with_its_sizes(tmp_path):
    outcome = verify_export(write_export(tmp_path), SIGNER.verifier)
    assert outcome.ok, outcome.problems
    assert outcome.summary().startswith("ok: 12 entries, 3 checkpoints (sizes 3, 8, 12)")


def write_rows(directory: Path, rows: list[tuple[int, bytes]]) -> None:
    (directory / EVENTS).write_text("".join(json.dumps({"seq": seq, "body": base64.b64encode(body).decode()}) + "\n"
                                            for seq, body in rows))


def entry_problems(outcome) -> list[str]:
    return [p for p in outcome.problems if not p.startswith("checkpoint")]


def test_a_changed_entry_is_named_and_only_it(tmp_path):
    write_export(tmp_path)
    rows = list(enumerate(BODIES, start=1))
    rows[4] = (5, b'{"id": "e-5", "n": 500}')
    write_rows(tmp_path, rows)
    outcome = verify_export(tmp_path, SIGNER.verifier)
    assert entry_problems(outcome) == ["entry seq 5: not the body the log recorded and signed"]
    assert "checkpoint size 8: its signed root does not match entries 1–8" in outcome.problems
    assert not any("size 3:" in p for p in outcome.problems)


def test_two_changed_entries_are_both_named(tmp_path):
    write_export(tmp_path)
    rows = list(enumerate(BODIES, start=1))
    rows[1], rows[9] = (2, b"{}"), (10, b"[]")
    write_rows(tmp_path, rows)
    assert entry_problems(verify_export(tmp_path, SIGNER.verifier)) == [
        "entry seq 2: not the body the log recorded and signed",
        "entry seq 10: not the body the log recorded and signed"]


def test_a_removed_entry_is_named_and_the_rest_still_verify(tmp_path):
    write_export(tmp_path)
    rows = lines(tmp_path)
    del rows[6]
    (tmp_path / EVENTS).write_text("".join(rows))
    outcome = verify_export(tmp_path, SIGNER.verifier)
    assert outcome.problems == ["entry seq 7 missing from the export"]


def test_a_removed_entry_renumbered_to_hide_the_gap_is_named_once(tmp_path):
    write_export(tmp_path)
    write_rows(tmp_path, list(enumerate(BODIES[:6] + BODIES[7:], start=1)))
    assert entry_problems(verify_export(tmp_path, SIGNER.verifier)) == [
        "entry seq 7–11: the body the log recorded as seq 8–12 (moved)",
        "the body the log recorded as seq 7 is not in the export (removed)"]


def test_two_lines_swapped_in_the_file_are_named_once_and_nothing_after_them(tmp_path):
    write_export(tmp_path)
    rows = lines(tmp_path)
    rows[2], rows[3] = rows[3], rows[2]
    (tmp_path / EVENTS).write_text("".join(rows))
    outcome = verify_export(tmp_path, SIGNER.verifier)
    assert outcome.problems == ["entry seq 3 at line 4 is out of order (after seq 4)"]


def test_two_bodies_swapped_between_their_seqs_are_both_named_as_moved(tmp_path):
    write_export(tmp_path)
    rows = list(enumerate(BODIES, start=1))
    rows[2], rows[3] = (3, BODIES[3]), (4, BODIES[2])
    write_rows(tmp_path, rows)
    assert entry_problems(verify_export(tmp_path, SIGNER.verifier)) == [
        "entry seq 3: the body the log recorded as seq 4 (moved)",
        "entry seq 4: the body the log recorded as seq 3 (moved)"]


def test_an_entry_given_twice_is_named(tmp_path):
    write_export(tmp_path)
    rows = list(enumerate(BODIES, start=1))
    write_rows(tmp_path, [*rows[:5], (5, BODIES[4]), *rows[5:]])
    assert verify_export(tmp_path, SIGNER.verifier).problems == ["entry seq 5 is given twice (lines 5 and 6)"]


def test_without_genuine_recorded_leaves_the_changed_range_is_named(tmp_path):
    write_export(tmp_path)
    (tmp_path / LEAVES).unlink()
    rows = list(enumerate(BODIES, start=1))
    rows[4] = (5, b"{}")
    write_rows(tmp_path, rows)
    assert entry_problems(verify_export(tmp_path, SIGNER.verifier)) == [
        "an entry between seq 4 and seq 8 was changed, removed or moved (checkpoint size 3 still matches)"]


def test_a_doctored_checkpoint_is_named(tmp_path):
    write_export(tmp_path)
    notes = (tmp_path / CHECKPOINTS).read_text().splitlines()
    forged = json.loads(notes[1])
    forged["note"] = forged["note"].replace("\n8\n", "\n7\n")
    notes[1] = json.dumps(forged)
    (tmp_path / CHECKPOINTS).write_text("\n".join(notes) + "\n")
    outcome = verify_export(tmp_path, SIGNER.verifier)
    assert outcome.problems == ["checkpoint size 8 (line 2): no valid signature by test-log-key"]


def test_an_export_checked_with_another_key_fails_on_every_checkpoint(tmp_path):
    outcome = verify_export(write_export(tmp_path), Signer.generate("test-log-key").verifier)
    assert len(outcome.problems) == 3 and all("no valid signature" in p for p in outcome.problems)
