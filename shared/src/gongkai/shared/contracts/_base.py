"""What every contract module shares: the payload base, the disclosure vocabulary and the content hash."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

CONTENT_HASH = re.compile(r"sha256:[0-9a-f]{64}")
SHA256_HEX = re.compile(r"[0-9a-f]{64}")
MAX_TITLE = 500
MAX_SUMMARY = 2_000
MAX_BODY = 1_000_000
MAX_ATTACHMENTS = 50


class Payload(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Audience(StrEnum):
    public = "public"
    internal = "internal"


class Channel(StrEnum):
    """The plan's forms of disclosure (四(一) 1–5)."""

    portal = "portal"                    # 门户网站
    bulletin = "bulletin"                # 公开栏、公告栏、电子屏幕
    media = "media"                      # 广播、电视、报刊
    press_conference = "press-conference"  # 新闻发布会、通气会
    other = "other"


def not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty or only whitespace")
    return value


def is_content_hash(value: str) -> str:
    if not CONTENT_HASH.fullmatch(value):
        raise ValueError("must be 'sha256:' followed by 64 lower-case hex digits, as the case shows it")
    return value


class Attachment(Payload):
    """A file that goes out with an item: its metadata and digest; its extracted text, when given, is screened."""

    name: str = Field(min_length=1, max_length=255, examples=["许可事项目录.pdf"])
    media_type: str = Field(min_length=3, max_length=127, examples=["application/pdf"])
    size: int = Field(ge=0, le=200 * 1024 * 1024, description="bytes")
    sha256: str = Field(description="hex SHA-256 of the file's bytes", examples=["0" * 64])
    text: str | None = Field(None, max_length=MAX_BODY, description="extracted text, screened with the body")

    _name_not_blank = field_validator("name")(not_blank)

    @field_validator("sha256")
    @classmethod
    def _is_sha256(cls, value: str) -> str:
        if not SHA256_HEX.fullmatch(value):
            raise ValueError("must be 64 lower-case hex digits")
        return value


def content_hash(title: str, body: str, category: str, audience: str, channels: Iterable[str],
                 summary: str | None = None, attachments: Iterable[Mapping[str, Any] | Attachment] = ()) -> str:
    """The hash a review decision is bound to: every field that is published or screened, canonically encoded.

    ``summary`` and ``attachments`` enter the encoding only when present, so a version without them
    hashes as it always did.
    """
    fields: dict[str, Any] = {"audience": str(audience), "body": body, "category": category,
                              "channels": sorted(str(ch) for ch in channels), "title": title}
    if summary:
        fields["summary"] = summary
    files = [a.model_dump() if isinstance(a, Attachment) else dict(a) for a in attachments]
    if files:
        fields["attachments"] = [{k: f.get(k) for k in ("name", "media_type", "size", "sha256", "text")}
                                 for f in files]
    canonical = json.dumps(fields, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    return "sha256:" + hashlib.sha256(canonical).hexdigest()
