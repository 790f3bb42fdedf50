"""The disclosure catalogue (公开目录): categories, their audience, channels, legal basis and deadline rule.

The catalogue is data: ``catalogue.json`` beside this module holds the transport bureau's plan (ten public
categories S01–S10 and three internal-affairs categories N01–N03); ``GONGKAI_CATALOGUE_FILE`` names another
agency's file. A file is validated strictly: unknown fields, duplicate codes, default channels outside the
allowed ones, or an internal category on a public channel stop the service with the reason.

A category is a 事项 at two levels: its ``group`` (一级事项) and itself (二级事项), with content, legal basis,
time limit (its deadline rule, which notification enforces), responsible body, channels, audience (公开对象),
proactive or on request, and the administrative levels that publish it (公开层级). A file may ``include`` other
catalogue files beside it: ``catalogue-transport.json`` is the plan's categories plus the transport sector's
standard catalogue (交通运输领域基层政务公开标准目录).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from gongkai.shared.contracts import Audience, Channel
from gongkai.shared.deadline_rules import Policy, PolicyError, check_length
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

DEFAULT_FILE = Path(__file__).with_name("catalogue.json")

# Channels an internal-audience item may use: the staff notice board (内部公开栏) and other staff means
# (内网、会议). The portal, the media and press conferences reach the public.
INTERNAL_CHANNELS = frozenset({Channel.bulletin, Channel.other})


class CatalogueError(ValueError):
    """The catalogue file cannot be used, and why."""


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Deadline(_Strict):
    """The deadline rule a category's items are counted by — a rule of the shared deadline rules file, which
    notification enforces — and the category's own time limit where it sets one.

    ``proactive-publication``: within N working days of the information being formed (the rules file's
    length, or ``working_days`` here; never over the legal 20). ``annual-report`` / ``annual-targets``: by
    the rules file's date each year. ``null``: published when ready, no clock.
    """

    rule: Literal["proactive-publication", "annual-report", "annual-targets"] | None
    working_days: int | None = Field(None, ge=1, le=20, description="the category's own time limit")

    @model_validator(mode="after")
    def _length_only_for_working_days(self) -> Deadline:
        if self.working_days is not None and self.rule != "proactive-publication":
            raise ValueError("working_days is a time limit of proactive-publication only")
        return self


LEVELS = ("省级", "市级", "县级", "乡级")  # 公开层级


class Category(_Strict):
    code: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
    name: str = Field(min_length=1, max_length=200)
    audience: Audience
    channels: tuple[Channel, ...] = Field(min_length=1, description="the channels this category may use")
    default_channels: tuple[Channel, ...] = Field(min_length=1)
    legal_basis: str = Field(min_length=1, max_length=500)
    deadline: Deadline
    proactive: bool = True
    content: str | None = Field(None, max_length=2000, description="what the category holds")
    responsible: str | None = Field(None, max_length=200, description="the responsible body")
    group: str | None = Field(None, min_length=1, max_length=100, description="一级事项: the first level it sits in")
    subjects: Literal["全社会", "特定群体"] = Field("全社会", description="公开对象: everyone, or a group concerned")
    levels: tuple[str, ...] = Field((), max_length=5, description="公开层级: 省级, 市级, 县级, 乡级")

    @model_validator(mode="after")
    def _consistent(self) -> Category:
        if len(set(self.channels)) != len(self.channels):
            raise ValueError("channels lists a channel twice")
        if stray := [c.value for c in self.default_channels if c not in self.channels]:
            raise ValueError(f"default_channels {stray} are not among the allowed channels")
        if stray_levels := [x for x in self.levels if x not in LEVELS]:
            raise ValueError(f"levels {stray_levels} are not among {', '.join(LEVELS)}")
        if self.audience is Audience.internal and (public := [c.value for c in self.channels
                                                               if c not in INTERNAL_CHANNELS]):
            raise ValueError(f"an internal category cannot use the public channels {public}")
        return self


class _File(_Strict):
    agency: str | None = Field(None, max_length=200)
    include: tuple[str, ...] = Field((), max_length=10, description="catalogue files beside this one, read first")
    categories: list[Category] = Field(min_length=1, max_length=500)

    @model_validator(mode="after")
    def _unique(self) -> _File:
        codes = [c.code for c in self.categories]
        if dupes := sorted({c for c in codes if codes.count(c) > 1}):
            raise ValueError(f"category codes listed twice: {', '.join(dupes)}")
        return self


class Catalogue:
    def __init__(self, categories: list[Category], agency: str | None = None) -> None:
        self.agency = agency
        self._by_code = {c.code: c for c in categories}

    @classmethod
    def load(cls, path: Path | None = None) -> Catalogue:
        agency, categories = _read(path or DEFAULT_FILE, ())
        return cls._checked(categories, agency, str(path or DEFAULT_FILE))

    @classmethod
    def parse(cls, raw: object, where: str = "catalogue") -> Catalogue:
        parsed = _parsed(raw, where)
        if parsed.include:
            raise CatalogueError(f"invalid catalogue {where}: include is read from a file (Catalogue.load)")
        return cls._checked(parsed.categories, parsed.agency, where)

    @classmethod
    def _checked(cls, categories: list[Category], agency: str | None, where: str) -> Catalogue:
        codes = [c.code for c in categories]
        if dupes := sorted({c for c in codes if codes.count(c) > 1}):
            raise CatalogueError(f"invalid catalogue {where}: category codes listed twice: {', '.join(dupes)}")
        return cls(categories, agency)

    def get(self, code: str) -> Category | None:
        return self._by_code.get(code)

    def codes(self) -> list[str]:
        return list(self._by_code)

    def categories(self) -> list[Category]:
        return list(self._by_code.values())

    def check(self, rules: Policy) -> None:
        """The catalogue against the deadline rules notification enforces: a category's own length within
        its rule's legal ceiling, and a year's report or targets named by the category that meets them."""
        for category in self.categories():
            rule = rules.rules.get(category.deadline.rule or "")
            if rule is None:
                continue
            try:
                if category.deadline.working_days is not None:
                    check_length(rule, category.deadline.working_days)
            except PolicyError as exc:
                raise CatalogueError(f"category {category.code}: {exc}") from None
            if rule.met_by_category is not None and rule.met_by_category != category.code:
                raise CatalogueError(f"category {category.code} names {rule.id}, which the deadline rules "
                                     f"meet by publishing {rule.met_by_category}")


def _parsed(raw: object, where: str) -> _File:
    try:
        return _File.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{_where(raw, e['loc'])}: {e['msg']}" for e in exc.errors()[:5])
        raise CatalogueError(f"invalid catalogue {where}: {problems}") from exc


def _read(path: Path, reading: tuple[Path, ...]) -> tuple[str | None, list[Category]]:
    """A file's agency and categories, those of the files it includes first (each beside it, never in a loop)."""
    if path.resolve() in reading:
        raise CatalogueError(f"catalogue file {path} includes itself")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CatalogueError(f"cannot read catalogue file {path}: {exc}") from exc
    parsed = _parsed(raw, str(path))
    categories: list[Category] = []
    for name in parsed.include:
        if Path(name).name != name:
            raise CatalogueError(f"catalogue file {path}: include names a file beside it, not {name!r}")
        _, included = _read(path.with_name(name), (*reading, path.resolve()))
        categories += included
    return parsed.agency, categories + parsed.categories


def _where(raw: object, loc: tuple[int | str, ...]) -> str:
    """``categories.3.channels`` reads ``categories[3] (S04).channels``: the code helps find the entry."""
    parts: list[str] = []
    for i, part in enumerate(loc):
        if isinstance(part, int) and i > 0 and loc[i - 1] == "categories":
            code = ""
            if isinstance(raw, dict) and isinstance(raw.get("categories"), list) and part < len(raw["categories"]):
                entry = raw["categories"][part]
                code = f" ({entry.get('code')})" if isinstance(entry, dict) and entry.get("code") else ""
            parts[-1] += f"[{part}]{code}"
        else:
            parts.append(str(part))
    return ".".join(parts) or "file"
