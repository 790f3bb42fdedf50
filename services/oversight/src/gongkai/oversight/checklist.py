"""The inspection checklist as data: the plan's five points (实施方案七(三)), from ``checklist.toml`` or the
bureau's own file (``GONGKAI_OVERSIGHT_CHECKLIST_FILE``). A file without points, with a point twice or without its
id, name and text is refused with ``ChecklistError`` and the service does not start with it."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

DEFAULT_CHECKLIST = Path(__file__).with_name("checklist.toml")
POINT_ID = re.compile(r"^[a-z][a-z0-9-]{0,63}$")


class ChecklistError(ValueError):
    pass


@dataclass(frozen=True)
class Point:
    id: str
    name: str
    text: str


@dataclass(frozen=True)
class Checklist:
    source: str
    points: tuple[Point, ...]

    def ids(self) -> tuple[str, ...]:
        return tuple(p.id for p in self.points)

    def name_of(self, point_id: str) -> str | None:
        return next((p.name for p in self.points if p.id == point_id), None)


def load(path: str | Path | None = None) -> Checklist:
    path = Path(path) if path else DEFAULT_CHECKLIST
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ChecklistError(f"cannot read the checklist {path}: {exc}") from exc
    raw = data.get("points")
    if not isinstance(raw, list) or not raw:
        raise ChecklistError(f"{path.name}: the checklist needs [[points]]")
    points: list[Point] = []
    for n, entry in enumerate(raw, 1):
        if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) and entry[k].strip()
                                                  for k in ("id", "name", "text")):
            raise ChecklistError(f"{path.name}: point {n} needs id, name and text")
        if not POINT_ID.match(entry["id"]):
            raise ChecklistError(f"{path.name}: point id {entry['id']!r} must be lower-case words joined by -")
        if any(p.id == entry["id"] for p in points):
            raise ChecklistError(f"{path.name}: point {entry['id']!r} is listed twice")
        points.append(Point(entry["id"], entry["name"], entry["text"]))
    return Checklist(str(data.get("source", "")), tuple(points))
