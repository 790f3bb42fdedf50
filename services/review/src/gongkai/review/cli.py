"""``gongkai review screen FILE...``: screen texts as review would, without the services running."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

MAX_CHARACTERS = 1_000_000  # per field, as publishing accepts (contracts.MAX_BODY)


class Unscreenable(Exception):
    pass


def register(subparsers: Any) -> None:
    review = subparsers.add_parser("review", help="confidentiality review (保密审查) tools")
    commands = review.add_subparsers(title="review commands")
    screen = commands.add_parser(
        "screen", help="screen UTF-8 text or JSON {title, body, summary?, attachments?} files; print findings as JSON",
        description="Prints one JSON object a line per file (file, risk, blocked, findings). Exit 0 when nothing "
                    "blocks, 1 when something does, 2 when a file cannot be screened (not UTF-8, empty, too large).")
    screen.add_argument("files", nargs="+", metavar="FILE", help="a file, or - for stdin")
    screen.add_argument("--policy", type=Path, help="policy file (default: $GONGKAI_REVIEW_POLICY or the shipped one)")
    screen.add_argument("--keywords", type=Path, help="keyword file (default: the policy's)")
    screen.set_defaults(func=_screen)
    review.set_defaults(func=lambda _: review.print_help() or 2)


def _screen(args: argparse.Namespace) -> int:
    from . import policy as policies
    from .screening import Screener
    from .screening.keywords import KeywordFile, KeywordFileError

    try:
        policy = policies.load(args.policy)
        screener = Screener(policy, KeywordFile(args.keywords or policies.keyword_path(policy)))
    except (policies.PolicyError, KeywordFileError) as exc:
        print(f"gongkai review screen: {exc}", file=sys.stderr)
        return 2
    status = 0
    for name in args.files:
        try:
            document = read_document(name)
        except Unscreenable as exc:
            print(f"gongkai review screen: {name}: {exc}", file=sys.stderr)
            status = 2
            continue
        findings = screener.screen(document["title"], document["body"], document.get("summary"),
                                   document.get("attachments") or [])
        risk = policies.risk_of(findings)
        blocked = policy.rejects(risk)
        print(json.dumps({"file": name, "risk": risk, "blocked": blocked,
                          "findings": [f.model_dump(mode="json") for f in findings]}, ensure_ascii=False))
        if blocked and status == 0:
            status = 1
    return status


def read_document(name: str) -> dict[str, Any]:
    """A file's text as title/body/summary/attachments; Unscreenable with the reason otherwise."""
    try:
        raw = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
    except OSError as exc:
        raise Unscreenable(exc.strerror or str(exc)) from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Unscreenable(f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})") from exc
    text = text.removeprefix("\ufeff")
    document: dict[str, Any] = {"title": "", "body": text}
    if text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            if name.endswith(".json"):
                raise Unscreenable(f"not valid JSON: {exc}") from exc
            data = None
        if isinstance(data, dict):
            document = _fields(data)
    fields = [document["title"], document["body"], document.get("summary") or "",
              *[a.get("text") or "" for a in document.get("attachments") or []]]
    if not any(field.strip() for field in fields) and not document.get("attachments"):
        raise Unscreenable("empty: there is no text to screen")
    if any(len(field) > MAX_CHARACTERS for field in fields):
        raise Unscreenable(f"too large: a field has more than {MAX_CHARACTERS} characters")
    return document


def _fields(data: dict[str, Any]) -> dict[str, Any]:
    def text(key: str) -> str:
        value = data.get(key) or ""
        if not isinstance(value, str):
            raise Unscreenable(f"{key} must be a string")
        return value

    attachments = data.get("attachments") or []
    if not isinstance(attachments, list) or not all(isinstance(a, dict) for a in attachments):
        raise Unscreenable("attachments must be a list of objects (name, media_type, text)")
    for i, attachment in enumerate(attachments):
        if not isinstance(attachment.get("text") or "", str):
            raise Unscreenable(f"attachments[{i}].text must be a string")
    return {"title": text("title"), "body": text("body"), "summary": text("summary") or None,
            "attachments": attachments}
