"""``gongkai audit …``: export the log, verify an export offline, print the annual report."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

AUDIT_OFFSET = 3  # audit's port is GONGKAI_PORT_BASE + 3 under `gongkai run all` (8001 + 3 = 8004)


def default_url() -> str:
    """``GONGKAI_AUDIT_URL``, or where ``gongkai run all`` serves audit (``GONGKAI_PORT_BASE`` + 3; 8004)."""
    base = os.environ.get("GONGKAI_PORT_BASE") or "8001"
    return os.environ.get("GONGKAI_AUDIT_URL") or f"http://127.0.0.1:{int(base) + AUDIT_OFFSET}"


def register(subparsers: Any) -> None:
    audit = subparsers.add_parser("audit", help="the audit log: export, verify offline, annual report")
    commands = audit.add_subparsers(title="audit commands")

    export = commands.add_parser("export", help="write the log's entries, leaf hashes, signed checkpoints "
                                                "and public key to DIR (auditor token)")
    export.add_argument("dir", type=Path, metavar="DIR")
    _remote(export)
    export.set_defaults(func=_export)

    verify = commands.add_parser("verify", help="recompute the tree of an export and check every signed "
                                                "checkpoint; exit 1 naming what is wrong")
    verify.add_argument("dir", type=Path, metavar="DIR")
    verify.add_argument("--public-key", required=True, metavar="KEY",
                        help="the log's verifier key (name+key id+base64), or a file holding it; "
                             "take it from where the operator published it, not from the export")
    verify.set_defaults(func=_verify)

    report = commands.add_parser("report", help="the annual report's tables 二 and 三 (国办公开办函〔2021〕30号)")
    report.add_argument("--year", type=int, required=True)
    _remote(report)
    report.set_defaults(func=_report)

    audit.set_defaults(func=lambda _: audit.print_help() or 2)


def _remote(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", default=default_url(), help="the audit service (default: %(default)s, from "
                                                          "$GONGKAI_AUDIT_URL, or port $GONGKAI_PORT_BASE + 3)")
    parser.add_argument("--token", default=os.environ.get("GONGKAI_TOKEN"), help="an auditor's token")


def _client(args: argparse.Namespace) -> Any:
    import httpx
    from gongkai.shared.errors import CommandFailed

    if not args.token:
        raise CommandFailed("no token: pass --token or set GONGKAI_TOKEN")
    return httpx.Client(base_url=args.url, headers={"Authorization": f"Bearer {args.token}"}, timeout=60)


def _get(client: Any, path: str, **params: Any) -> Any:
    import httpx
    from gongkai.shared.errors import CommandFailed

    try:
        response = client.get(path, params=params)
    except httpx.HTTPError as exc:
        raise CommandFailed(f"cannot reach the audit service at {client.base_url} ({type(exc).__name__})") from exc
    if response.status_code != 200:
        raise CommandFailed(f"{path}: {response.status_code} {response.text[:300]}")
    return response.json()


def export_log(client: Any, directory: Path) -> dict[str, int]:
    """Entries, leaf hashes, checkpoints and key, written as ``verify`` reads them."""
    from .verify import CHECKPOINTS, EVENTS, LEAVES, PUBLIC_KEY

    directory.mkdir(parents=True, exist_ok=True)
    key = _get(client, "/log/key")["key"]
    (directory / PUBLIC_KEY).write_text(key + "\n")
    checkpoints, after = [], 0
    while page := _get(client, "/log/checkpoints", after_size=after, limit=1000)["checkpoints"]:
        checkpoints += page
        after = page[-1]["size"]
    with (directory / CHECKPOINTS).open("w", encoding="utf-8") as out:
        for checkpoint in checkpoints:
            out.write(json.dumps({"size": checkpoint["size"], "note": checkpoint["note"]}, ensure_ascii=False) + "\n")
    count = 0
    after_seq: int | None = 0  # None once the last page is read
    with (directory / EVENTS).open("w", encoding="utf-8") as events, (directory / LEAVES).open("w") as leaves:
        while after_seq is not None:
            page = _get(client, "/log/entries", after_seq=after_seq, limit=5000)
            for entry in page["entries"]:
                events.write(json.dumps({"seq": entry["seq"], "body": entry["body"]}) + "\n")
                leaves.write(entry["leaf_hash"] + "\n")
                count += 1
            after_seq = page["next_after_seq"]
    return {"entries": count, "checkpoints": len(checkpoints)}


def _export(args: argparse.Namespace) -> int:
    with _client(args) as client:
        written = export_log(client, args.dir)
    print(f"wrote {written['entries']} entries and {written['checkpoints']} checkpoints to {args.dir}")
    return 0


def _verify(args: argparse.Namespace) -> int:
    from gongkai.shared.errors import CommandFailed

    from .checkpoint import CheckpointError
    from .verify import load_verifier, verify_export

    try:
        verifier = load_verifier(args.public_key)
    except CheckpointError as exc:
        raise CommandFailed(str(exc)) from exc
    outcome = verify_export(args.dir, verifier)
    print(outcome.summary(), file=sys.stdout if outcome.ok else sys.stderr)
    return 0 if outcome.ok else 1


def _report(args: argparse.Namespace) -> int:
    with _client(args) as client:
        report = _get(client, "/reports/annual", year=args.year)
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0
