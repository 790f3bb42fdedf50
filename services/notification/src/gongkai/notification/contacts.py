"""Who is told about a deadline: people with their unit, roles, e-mail and webhook, from a contacts file."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

DEFAULT_CONTACTS = Path(str(resources.files(__package__) / "defaults" / "contacts.toml"))
ROLES = ("submitter", "reviewer", "office", "administrator", "request-handler")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class ContactsError(ValueError):
    pass


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    unit: str
    roles: frozenset[str]
    email: str | None = None
    webhook: str | None = None
    webhook_secret: str | None = None

    def channels(self) -> list[tuple[str, str]]:
        """(channel, address): the in-app inbox always, then e-mail and webhook when given."""
        out = [("inbox", self.id)]
        if self.email:
            out.append(("email", self.email))
        if self.webhook:
            out.append(("webhook", self.webhook))
        return out


@dataclass(frozen=True)
class Contacts:
    people: tuple[Person, ...]

    def by_id(self, person_id: str | None) -> Person | None:
        return next((p for p in self.people if p.id == person_id), None)

    def with_role(self, role: str, unit: str | None = None) -> list[Person]:
        return [p for p in self.people if role in p.roles and (unit is None or p.unit == unit)]

    def recipients(self, selectors: tuple[str, ...], *, unit: str | None, person: str | None) -> list[Person]:
        """The people a rule's ``notify`` or ``escalate`` names, for a deadline of ``unit`` and ``person``.

        submitter: the person who caused the deadline (else the unit's submitters); unit: every person of
        the unit; reviewers, office, administrators, request-handlers: by role (request-handlers of the
        unit when there are any, else all of them).
        """
        chosen: dict[str, Person] = {}
        for selector in selectors:
            found: list[Person] = []
            if selector == "submitter":
                someone = self.by_id(person)
                found = [someone] if someone else self.with_role("submitter", unit)
            elif selector == "unit":
                found = [p for p in self.people if unit is not None and p.unit == unit]
            elif selector == "reviewers":
                found = self.with_role("reviewer")
            elif selector == "office":
                found = self.with_role("office")
            elif selector == "administrators":
                found = self.with_role("administrator")
            elif selector == "request-handlers":
                found = self.with_role("request-handler", unit) or self.with_role("request-handler")
            for p in found:
                chosen.setdefault(p.id, p)
        return list(chosen.values())


def load_contacts(path: str | Path | None = None) -> Contacts:
    path = Path(path) if path else DEFAULT_CONTACTS
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ContactsError(f"cannot read the contacts file {path}: {exc}") from exc
    return parse_contacts(data)


def parse_contacts(data: dict[str, Any]) -> Contacts:
    people = data.get("people")
    if not isinstance(people, list):
        raise ContactsError("the contacts file needs [[people]] entries")
    out: list[Person] = []
    for n, entry in enumerate(people, 1):
        if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) and entry[k].strip()
                                                  for k in ("id", "name", "unit")):
            raise ContactsError(f"person {n} needs id, name and unit")
        where = f"person {entry['id']}"
        roles = entry.get("roles", [])
        if not isinstance(roles, list) or any(r not in ROLES for r in roles):
            raise ContactsError(f"{where}: roles must be among {', '.join(ROLES)}")
        email, webhook = entry.get("email"), entry.get("webhook")
        if email is not None and not EMAIL.match(str(email)):
            raise ContactsError(f"{where}: {email!r} is not an e-mail address")
        if webhook is not None and not str(webhook).startswith(("http://", "https://")):
            raise ContactsError(f"{where}: webhook must be an http(s) URL")
        if any(p.id == entry["id"] for p in out):
            raise ContactsError(f"{where} is listed twice")
        out.append(Person(entry["id"], entry["name"], entry["unit"], frozenset(roles), email, webhook,
                          entry.get("webhook_secret")))
    return Contacts(tuple(out))
