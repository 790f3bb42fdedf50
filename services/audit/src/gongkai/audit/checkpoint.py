"""Signed checkpoints: C2SP signed notes (Ed25519) carrying a tlog checkpoint. Pure functions, no I/O.

A checkpoint body is ``<origin>\\n<size>\\n<base64 root>\\n``; the note is the body, a blank line and
one signature line ``— <key name> <base64(key id ‖ signature)>``. The key id is the first four bytes
of ``SHA-256(<key name> ‖ "\\n" ‖ 0x01 ‖ public key)`` (0x01: the Ed25519 algorithm byte).

Keys use the Go ``golang.org/x/mod/sumdb/note`` text forms, so the standard tools read them:
the signer key ``PRIVATE+KEY+<name>+<key id hex>+<base64(0x01 ‖ seed)>`` and the verifier key
``<name>+<key id hex>+<base64(0x01 ‖ public key)>``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ED25519 = b"\x01"
DASH = "\u2014"


class CheckpointError(ValueError):
    """A key, note or checkpoint that cannot be read or does not verify; the message says why."""


def key_id(name: str, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + ED25519 + public).digest()[:4]


def _check_name(name: str) -> str:
    if not name or any(ch.isspace() for ch in name) or "+" in name:
        raise CheckpointError(f"a key name has no spaces and no '+': {name!r}")
    return name


@dataclass(frozen=True)
class Verifier:
    name: str
    public: bytes

    @property
    def id(self) -> bytes:
        return key_id(self.name, self.public)

    def text(self) -> str:
        return f"{self.name}+{self.id.hex()}+{base64.b64encode(ED25519 + self.public).decode()}"

    @classmethod
    def parse(cls, text: str) -> Verifier:
        """A verifier key ``name+hash+base64``, or a PEM public key (named ``--key-name`` elsewhere)."""
        text = text.strip()
        try:
            name, hex_id, encoded = text.split("+", 2)
            raw = base64.b64decode(encoded, validate=True)
            hash_given = bytes.fromhex(hex_id)
        except (ValueError, binascii.Error) as exc:
            raise CheckpointError("not a verifier key (<name>+<key id hex>+<base64 key>)") from exc
        if len(raw) != 33 or raw[:1] != ED25519:
            raise CheckpointError("the verifier key is not an Ed25519 key")
        verifier = cls(_check_name(name), raw[1:])
        if verifier.id != hash_given:
            raise CheckpointError("the verifier key's id does not match its name and key")
        return verifier

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public).verify(signature, message)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True)
class Signer:
    name: str
    seed: bytes

    @property
    def _key(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self.seed)

    @property
    def verifier(self) -> Verifier:
        public = self._key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return Verifier(self.name, public)

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)

    def text(self) -> str:
        return (f"PRIVATE+KEY+{self.name}+{self.verifier.id.hex()}+"
                f"{base64.b64encode(ED25519 + self.seed).decode()}")

    @classmethod
    def generate(cls, name: str) -> Signer:
        key = Ed25519PrivateKey.generate()
        seed = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                 serialization.NoEncryption())
        return cls(_check_name(name), seed)

    @classmethod
    def parse(cls, text: str) -> Signer:
        text = text.strip()
        if not text.startswith("PRIVATE+KEY+"):
            raise CheckpointError("not a signer key (PRIVATE+KEY+<name>+<key id hex>+<base64 key>)")
        try:
            name, hex_id, encoded = text.removeprefix("PRIVATE+KEY+").split("+", 2)
            raw = base64.b64decode(encoded, validate=True)
            hash_given = bytes.fromhex(hex_id)
        except (ValueError, binascii.Error) as exc:
            raise CheckpointError("not a signer key (PRIVATE+KEY+<name>+<key id hex>+<base64 key>)") from exc
        if len(raw) != 33 or raw[:1] != ED25519:
            raise CheckpointError("the signer key is not an Ed25519 key")
        signer = cls(_check_name(name), raw[1:])
        if signer.verifier.id != hash_given:
            raise CheckpointError("the signer key's id does not match its name and key")
        return signer


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
