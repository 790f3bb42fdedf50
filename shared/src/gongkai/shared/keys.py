"""Ed25519 keys in the text forms of Go's ``golang.org/x/mod/sumdb/note`` (C2SP signed notes).

The signer key is ``PRIVATE+KEY+<name>+<key id hex>+<base64(0x01 ‖ seed)>`` and the verifier key
``<name>+<key id hex>+<base64(0x01 ‖ public key)>``; the key id is the first four bytes of
``SHA-256(<name> ‖ "\\n" ‖ 0x01 ‖ public key)`` (0x01: the Ed25519 algorithm byte). Audit signs its
checkpoints with such a key and review its decisions, so standard tools read both.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from functools import cached_property

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


class KeyFormatError(ValueError):
    """A key that cannot be read; the message says why."""


ED25519 = b"\x01"


def key_id(name: str, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + ED25519 + public).digest()[:4]


def _check_name(name: str) -> str:
    if not name or any(ch.isspace() for ch in name) or "+" in name:
        raise KeyFormatError(f"a key name has no spaces and no '+': {name!r}")
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
            raise KeyFormatError("not a verifier key (<name>+<key id hex>+<base64 key>)") from exc
        if len(raw) != 33 or raw[:1] != ED25519:
            raise KeyFormatError("the verifier key is not an Ed25519 key")
        verifier = cls(_check_name(name), raw[1:])
        if verifier.id != hash_given:
            raise KeyFormatError("the verifier key's id does not match its name and key")
        return verifier

    @cached_property
    def _key(self) -> Ed25519PublicKey:
        return Ed25519PublicKey.from_public_bytes(self.public)

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            self._key.verify(signature, message)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True)
class Signer:
    name: str
    seed: bytes

    # Loading the key derives its public half (a scalar multiplication): once per signer, not once per signature.
    @cached_property
    def _key(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self.seed)

    @cached_property
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
            raise KeyFormatError("not a signer key (PRIVATE+KEY+<name>+<key id hex>+<base64 key>)")
        try:
            name, hex_id, encoded = text.removeprefix("PRIVATE+KEY+").split("+", 2)
            raw = base64.b64decode(encoded, validate=True)
            hash_given = bytes.fromhex(hex_id)
        except (ValueError, binascii.Error) as exc:
            raise KeyFormatError("not a signer key (PRIVATE+KEY+<name>+<key id hex>+<base64 key>)") from exc
        if len(raw) != 33 or raw[:1] != ED25519:
            raise KeyFormatError("the signer key is not an Ed25519 key")
        signer = cls(_check_name(name), raw[1:])
        if signer.verifier.id != hash_given:
            raise KeyFormatError("the signer key's id does not match its name and key")
        return signer
