"""The disclosure catalogue (公开目录): the plan's categories, their audience and default channels."""

from __future__ import annotations

import json
from pathlib import Path

from gongkai.shared.contracts import Audience, Channel
from pydantic import BaseModel, ConfigDict

DEFAULT_FILE = Path(__file__).with_name("catalogue.json")


class Category(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    name: str
    audience: Audience
    default_channels: tuple[Channel, ...]


class Catalogue:
    def __init__(self, categories: list[Category]) -> None:
        self._by_code = {c.code: c for c in categories}

    @classmethod
    def load(cls, path: Path = DEFAULT_FILE) -> Catalogue:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return cls([Category.model_validate(c) for c in raw["categories"]])

    def get(self, code: str) -> Category | None:
        return self._by_code.get(code)

    def codes(self) -> list[str]:
        return list(self._by_code)
