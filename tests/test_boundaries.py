"""The shape the design fixes: a service imports shared, never another service; shared imports no service."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("publishing", "review", "notification", "audit", "requests", "participation")


def imported_gongkai_packages(folder: Path) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else \
                [a.name for a in node.names] if isinstance(node, ast.Import) else []
            for name in names:
                parts = name.split(".")
                if parts[0] == "gongkai" and len(parts) > 1:
                    found.setdefault(parts[1], set()).add(str(path.relative_to(ROOT)))
    return found


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_imports_shared_and_never_another_service(service):
    imported = imported_gongkai_packages(ROOT / "services" / service)
    others = {name: files for name, files in imported.items() if name not in {"shared", service}}
    assert others == {}
    assert "shared" in imported


def test_shared_imports_no_service():
    imported = imported_gongkai_packages(ROOT / "shared")
    assert set(imported) <= {"shared"}


def test_the_portal_imports_only_shared_so_it_is_built_from_the_public_contract_alone():
    """The portal (sites/portal) may not use a service's code: only the contracts and plumbing in shared."""
    imported = imported_gongkai_packages(ROOT / "sites" / "portal" / "src")
    assert set(imported) <= {"shared", "portal"} and "shared" in imported
    for service in SERVICES:
        assert "portal" not in imported_gongkai_packages(ROOT / "services" / service / "src"), service
