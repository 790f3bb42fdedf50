"""The generated contract documents: AsyncAPI and OpenAPI of every service, kept in docs/."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

from gongkai.shared.asyncapi import document
from gongkai.shared.migrations import SERVICES
from gongkai.shared.settings import Settings


def generated() -> dict[str, dict[str, Any]]:
    """Relative path under docs/ → document."""
    out: dict[str, dict[str, Any]] = {}
    for service in SERVICES:
        out[f"asyncapi/{service}.json"] = document(service)
        app = importlib.import_module(f"gongkai.{service}.app").create_app(Settings())
        out[f"openapi/{service}.json"] = app.openapi()
    return out


def render(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def stale(docs_dir: Path) -> list[str]:
    """The documents under ``docs_dir`` that differ from what the code generates."""
    return [path for path, doc in generated().items()
            if not (docs_dir / path).exists() or (docs_dir / path).read_text(encoding="utf-8") != render(doc)]


def write(docs_dir: Path) -> list[str]:
    written = []
    for path, doc in generated().items():
        target = docs_dir / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(render(doc), encoding="utf-8")
        written.append(path)
    return written
