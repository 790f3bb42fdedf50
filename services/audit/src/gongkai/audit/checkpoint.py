"""Signed checkpoints: C2SP signed notes (Ed25519) carrying a tlog checkpoint. Pure functions, no I/O.

A checkpoint body is ``<origin>\\n<size>\\n<base64 root>\\n``; the note is the body, a blank line and
one signature line ``— <key name> <base64(key id ‖ signature)>``. The keys are those of
``gongkai.shared.keys`` (the Go note text forms, so the standard tools read them).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from gongkai.shared.keys import ED25519, KeyFormatError, Signer, Verifier, key_id

__all__ = ["DASH", "ED25519", "Checkpoint", "CheckpointError", "KeyFormatError", "Signer", "Verifier",
           "key_id", "open_note", "parse_body"]

DASH = "\u2014"


class CheckpointError(KeyFormatError):
    """A key, note or checkpoint that cannot be read or does not verify; the message says why."""


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes

    def body(self) -> bytes:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n".encode()

    def sign(self, signer: Signer) -> str:
        """The signed note, as text."""
        signature = base64.b64encode(signer.verifier.id + signer.sign(self.body())).decode()
        return f"{self.body().decode()}\n{DASH} {signer.name} {signature}\n"


def open_note(note: str, verifier: Verifier) -> Checkpoint:
    """The checkpoint in ``note`` once its signature by ``verifier`` checks; CheckpointError otherwise."""
    head, sep, signatures = note.rpartition("\n\n")
    if not sep:
        raise CheckpointError("not a signed note: no blank line before the signatures")
    body = (head + "\n").encode()
    signed = False
    for line in signatures.splitlines():
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != DASH:
            raise CheckpointError(f"malformed signature line {line!r}")
        if parts[1] != verifier.name:
            continue
        try:
            raw = base64.b64decode(parts[2], validate=True)
        except binascii.Error as exc:
            raise CheckpointError("a signature is not base64") from exc
        if raw[:4] == verifier.id and verifier.verify(body, raw[4:]):
            signed = True
    if not signed:
        raise CheckpointError(f"no valid signature by {verifier.name}")
    return parse_body(body.decode())


def parse_body(body: str) -> Checkpoint:
    lines = body.split("\n")
    if len(lines) < 4 or lines[-1] != "" or not lines[0]:
        raise CheckpointError("a checkpoint body is origin, size and root hash, one a line")
    origin, size, root = lines[0], lines[1], lines[2]
    if not size.isdigit() or (size != "0" and size.startswith("0")):
        raise CheckpointError(f"the checkpoint size {size!r} is not a decimal number")
    try:
        digest = base64.b64decode(root, validate=True)
    except binascii.Error as exc:
        raise CheckpointError("the checkpoint root is not base64") from exc
    if len(digest) != 32:
        raise CheckpointError("the checkpoint root is not a SHA-256 hash")
    return Checkpoint(origin, int(size), digest)
