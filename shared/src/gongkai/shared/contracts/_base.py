"""What every contract module shares: the payload base, the input types, the disclosure vocabulary and the
content hash.

The input types are the one place bad input is refused, so that every contract, HTTP body, path parameter
and query filter refuses it alike, with a 422 naming the field: text without control characters (``Line``
for one-line fields, ``Text`` for multi-line ones, which keep tab and line breaks), integers that fit the
int32 columns that hold them, and dates and times in a window a disclosure could be about.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

CONTENT_HASH = re.compile(r"sha256:[0-9a-f]{64}")
SHA256_HEX = re.compile(r"[0-9a-f]{64}")
MAX_TITLE = 500
MAX_SUMMARY = 2_000
MAX_BODY = 1_000_000
MAX_ATTACHMENTS = 50


# ---- input types ------------------------------------------------------------------------------

# C0 and C1 control characters (lone surrogates pydantic refuses itself). Text keeps \t, \n and \r.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
LINE_PATTERN = r"^[^\u0000-\u001f\u007f-\u009f]*$"
TEXT_PATTERN = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]*$"


def _refusing(control: re.Pattern[str], kind: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if found := control.search(value):
            raise PydanticCustomError(
                "control_character", "must not contain control characters{kind} (U+{code} at position {at})",
                {"kind": kind, "code": f"{ord(found.group()):04X}", "at": found.start()})
        return value

    return check


def _pattern(pattern: str) -> Callable[[dict[str, Any]], None]:
    def document(schema: dict[str, Any]) -> None:
        schema.setdefault("pattern", pattern)

    return document


Line = Annotated[str, AfterValidator(_refusing(_CONTROL, "")), Field(json_schema_extra=_pattern(LINE_PATTERN))]
"""One-line text (a title, a name, an id, a contact): no control character at all."""

Text = Annotated[str, AfterValidator(_refusing(_CONTROL_IN_TEXT, " other than tab and line breaks")),
                 Field(json_schema_extra=_pattern(TEXT_PATTERN))]
"""Multi-line text (a body, a summary, a reason, a note): tab, line feed and carriage return, no other control."""

INT32_MAX = 2**31 - 1
# An item's id (or a request's, which deadlines also name): the services' tables hold 64 characters.
ItemId = Annotated[Line, Field(min_length=1, max_length=64)]
Int32 = Annotated[int, Field(ge=-(2**31), le=INT32_MAX)]
Count = Annotated[int, Field(ge=0, le=INT32_MAX)]
VersionNo = Annotated[int, Field(ge=1, le=INT32_MAX, description="a version number (1, 2, …)")]

EARLIEST_DAY = date(1949, 10, 1)  # nothing this system discloses was formed before the People's Republic


def _days_within(years_ahead: int) -> Callable[[date], date]:
    def check(day: date) -> date:
        latest = datetime.now(UTC).date() + timedelta(days=366 * years_ahead)
        if day < EARLIEST_DAY:
            raise PydanticCustomError("date_too_early", "must not be before {earliest}",
                                      {"earliest": EARLIEST_DAY.isoformat()})
        if day > latest:
            raise PydanticCustomError("date_too_late", "must not be more than {ahead} ahead (after {latest})",
                                      {"ahead": "a year" if years_ahead == 1 else f"{years_ahead} years",
                                       "latest": latest.isoformat()})
        return day

    return check


def _moment(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise PydanticCustomError("timezone_missing", "needs a time zone (e.g. 2026-12-01T09:00:00+08:00)")
    earliest = datetime(EARLIEST_DAY.year, EARLIEST_DAY.month, EARLIEST_DAY.day, tzinfo=UTC)
    latest = datetime.now(UTC) + timedelta(days=366 * 5)
    if not earliest <= moment <= latest:
        raise PydanticCustomError("datetime_out_of_range", "must be between {earliest} and five years from now",
                                  {"earliest": EARLIEST_DAY.isoformat()})
    return moment


Day = Annotated[date, AfterValidator(_days_within(1)),
                Field(description="a day from 1949-10-01 to a year from today")]
"""A day something happened or was formed: not before 1949-10-01, at most a year ahead."""

LaterDay = Annotated[date, AfterValidator(_days_within(5)),
                     Field(description="a day from 1949-10-01 to five years from today")]
"""A day that may lie ahead (a due date, a holiday): not before 1949-10-01, at most five years ahead."""

Moment = Annotated[datetime, AfterValidator(_moment),
                   Field(description="a time with its offset, from 1949-10-01 to five years from now")]
"""A point in time with its offset: not before 1949-10-01, at most five years ahead."""


def printable(text: str, limit: int) -> str:
    """``text`` fit for a one-line record: control characters escaped, at most ``limit`` characters."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)[:limit]


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


ContentHash = Annotated[str, Field(pattern=f"^{CONTENT_HASH.pattern}$", examples=["sha256:" + "0" * 64])]
"""``sha256:`` and 64 lower-case hex digits: the hash a review decision is bound to."""


def is_content_hash(value: str) -> str:
    if not CONTENT_HASH.fullmatch(value):
        raise ValueError("must be 'sha256:' followed by 64 lower-case hex digits, as the case shows it")
    return value


class Attachment(Payload):
    """A file that goes out with an item: its metadata and digest; its extracted text, when given, is screened."""

    name: Line = Field(min_length=1, max_length=255, examples=["许可事项目录.pdf"])
    media_type: Line = Field(min_length=3, max_length=127, examples=["application/pdf"])
    size: int = Field(ge=0, le=200 * 1024 * 1024, description="bytes")
    sha256: str = Field(pattern=f"^{SHA256_HEX.pattern}$", description="hex SHA-256 of the file's bytes",
                        examples=["0" * 64])
    text: Text | None = Field(None, max_length=MAX_BODY, description="extracted text, screened with the body")

    _name_not_blank = field_validator("name")(not_blank)


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
