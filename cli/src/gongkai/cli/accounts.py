"""``gongkai accounts new DIR``: fresh passwords for every broker account and database role of a deployment."""

from __future__ import annotations

import json
import os
import secrets
import sys
from pathlib import Path

from gongkai.shared.accounts import BROKER_PARTIES, DATABASE_PARTIES, OPERATOR, PUBLIC_SITE, SERVICES
from gongkai.shared.errors import CommandFailed

FILES = ("broker-accounts.json", "database-accounts.json", "accounts.env")


def new(directory: Path) -> int:
    """Write the two accounts files and ``accounts.env`` (the same passwords for compose), readable by the owner."""
    existing = [name for name in FILES if (directory / name).exists()]
    if existing:
        raise CommandFailed(f"{', '.join(existing)} already in {directory}: a new password must replace the old one "
                            "on the broker and the database at the same time (docs/operations.md, rotating)")
    broker = {party: secrets.token_urlsafe(24) for party in (*BROKER_PARTIES, OPERATOR)}
    database = {service: secrets.token_urlsafe(24) for service in DATABASE_PARTIES}
    env = [*(f"GONGKAI_BROKER_PASSWORD_{s.upper()}={broker[s]}" for s in SERVICES),
           f"GONGKAI_BROKER_PASSWORD_PUBLIC_SITE={broker[PUBLIC_SITE]}",  # the portal's container
           *(f"GONGKAI_DATABASE_PASSWORD_{s.upper()}={database[s]}" for s in DATABASE_PARTIES),
           f"POSTGRES_PASSWORD={secrets.token_urlsafe(24)}"]
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in ((FILES[0], json.dumps({"accounts": broker}, indent=2)),
                       (FILES[1], json.dumps({"accounts": database}, indent=2)),
                       (FILES[2], "\n".join(env))):
        path = directory / name
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(text + "\n")
        print(f"wrote {path}", file=sys.stderr)
    return 0
