"""Who connects as whom: one broker account per party, one database role per service.

Account names are ``<prefix><party>`` (``gongkai-publishing``, ``gongkai-staff-tool``; roles
``gongkai_publishing``). Their passwords live in an accounts file, JSON ``{"accounts": {party: password}}``;
a party without an entry connects with ``AMQP_URL`` / ``DATABASE_URL`` as given, so production can give
each container its own URL and no file at all.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit, urlunsplit

SERVICES = ("publishing", "review", "notification", "audit", "requests", "participation", "oversight")
STAFF_TOOL = "staff-tool"
PUBLIC_SITE = "public-site"
OPERATOR = "operator"  # the broker administrator (management UI, set-up); optional
BROKER_PARTIES = (*SERVICES, STAFF_TOOL, PUBLIC_SITE)
# Sites built only from the public exchange: each has a schema and database roles of its own, like a service,
# and reads the broker as the public site.
SITES = ("portal",)
DATABASE_PARTIES = (*SERVICES, *SITES)  # every process with a schema of its own and an owner and a runtime role
STAFF_SENDER = "staff-tools"  # how the message registry names the staff tools among a command's senders

HERE = Path(__file__).parent
DEV_BROKER_ACCOUNTS = HERE / "dev_broker_accounts.json"
DEV_DATABASE_ACCOUNTS = HERE / "dev_database_accounts.json"


class AccountsFileError(ValueError):
    """An accounts file that cannot be read or does not have the expected shape."""


@cache
def _load(path: Path, mtime_ns: int) -> dict[str, str]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise AccountsFileError(f"cannot read the accounts file {path}: {exc}") from exc
    accounts = raw.get("accounts") if isinstance(raw, dict) else None
    if not isinstance(accounts, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and v for k, v in accounts.items()):
        raise AccountsFileError(f'{path}: expected {{"accounts": {{"<party>": "<password>", ...}}}}')
    unfilled = sorted(party for party, password in accounts.items() if password.startswith("<"))
    if unfilled:
        raise AccountsFileError(f"{path}: no real password yet for {', '.join(unfilled)} (gongkai accounts new)")
    return dict(accounts)


def passwords(path: Path) -> dict[str, str]:
    """Party → password, read once per version of the file."""
    try:
        mtime = path.stat().st_mtime_ns
    except OSError as exc:
        raise AccountsFileError(f"cannot read the accounts file {path}: {exc}") from exc
    return _load(path.resolve(), mtime)


def broker_party(process: str) -> str:
    """The broker account a process connects as: a service its own, a site the public site's."""
    return PUBLIC_SITE if process in SITES else process


def party_of(sender: str) -> str:
    """The party whose account sends as ``sender`` (a name in the message registry's ``senders``)."""
    return STAFF_TOOL if sender == STAFF_SENDER else sender


def development_passwords() -> set[str]:
    """Every password shipped in the development files: production refuses them."""
    return {*passwords(DEV_BROKER_ACCOUNTS).values(), *passwords(DEV_DATABASE_ACCOUNTS).values()}


def with_credentials(url: str, user: str, password: str) -> str:
    """``url`` with its user and password replaced; host, port, path and query kept."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{quote(user, safe='')}:{quote(password, safe='')}@{host}"))


def user_of(url: str) -> str | None:
    user = urlsplit(url).username
    return unquote(user) if user is not None else None


def password_of(url: str) -> str | None:
    password = urlsplit(url).password
    return unquote(password) if password is not None else None
