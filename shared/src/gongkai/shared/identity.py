"""Who is asking: bearer tokens mapped to a person, their unit and roles.

The credentials file holds only SHA-256 hashes of tokens (tokens are long random strings, so a
plain hash is enough). Every HTTP write and every intake command goes through ``Directory.authenticate``
and ``Principal.require``; the principal's id and unit go on every event they cause.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import Forbidden, Unauthenticated

MAX_CREDENTIAL = 1024
_TOKEN = re.compile(r"[\x21-\x7e]+")  # printable ASCII: what ``new_token`` makes, and what a header can carry


class Role(StrEnum):
    submitter = "submitter"
    reviewer = "reviewer"
    publisher = "publisher"
    auditor = "auditor"
    administrator = "administrator"


class Principal(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.@:-]+$")
    name: str = Field(min_length=1, max_length=128)
    unit: str = Field(min_length=1, max_length=128)
    roles: frozenset[Role]

    def require(self, role: Role) -> Principal:
        if role not in self.roles:
            raise Forbidden(f"{self.id} lacks the role {role.value}")
        return self


class _Entry(Principal):
    token_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class _File(BaseModel):
    principals: list[_Entry]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


class Directory:
    def __init__(self, entries: list[_Entry]) -> None:
        ids = [e.id for e in entries]
        if len(set(ids)) != len(ids):
            raise ValueError("credentials file lists a principal twice")
        self._by_hash = {e.token_sha256: Principal(**e.model_dump(exclude={"token_sha256"})) for e in entries}

    @classmethod
    def load(cls, path: Path) -> Directory:
        try:
            parsed = _File.model_validate(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, ValidationError) as exc:
            raise ValueError(f"cannot read credentials file {path}: {exc}") from exc
        return cls(parsed.principals)

    def people(self) -> list[Principal]:
        """Everyone the file names, in its order (what ``GET /people`` shows staff: who an id is)."""
        return list(self._by_hash.values())

    def authenticate(self, authorization: object) -> Principal:
        """``authorization`` is the header value, ``Bearer <token>``.

        Anything else is a 401, whatever its type: over AMQP a header can be a number, bytes or a list.
        """
        if authorization is None or authorization == "":
            raise Unauthenticated("missing credential: send 'Authorization: Bearer <token>'")
        if not isinstance(authorization, str) or len(authorization) > MAX_CREDENTIAL:
            raise Unauthenticated("malformed credential: expected the text 'Bearer <token>'")
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token or not _TOKEN.fullmatch(token):
            raise Unauthenticated("malformed credential: expected 'Bearer <token>'")
        digest = hash_token(token)
        for known, principal in self._by_hash.items():
            if hmac.compare_digest(known, digest):
                return principal
        raise Unauthenticated("unknown credential")
