"""Broker accounts and database roles made for one test session (or one benchmark), removed after it.

The same code as ``gongkai broker setup`` and ``gongkai migrate`` makes them, with a random prefix and
random passwords in accounts files, so sessions running at the same time on one broker and one server
never meet.
"""

from __future__ import annotations

import json
import re
import secrets
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict

from . import broker as broker_setup
from .accounts import BROKER_PARTIES, DATABASE_PARTIES
from .roles import ServiceRoles, drop_roles, ensure_roles


class BrokerAccountSettings(TypedDict):
    """The ``Settings`` fields that make a process connect as the session's broker accounts."""

    broker_prefix: str
    broker_accounts_file: Path
    broker_management_url: str | None


class DatabaseRoleSettings(TypedDict):
    """The ``Settings`` fields that make a process log in as the session's database roles."""

    database_role_prefix: str
    database_accounts_file: Path

NAMESPACES_PER_IMPORT = 64  # topic permissions name exchanges exactly: namespaces are authorised in batches


@dataclass
class SessionAccounts:
    """Broker accounts for one session: ``<prefix><party>``, permitted on namespaces ``<ns prefix>[0-9a-f]{4}``.

    Vhost permissions take a namespace pattern, but topic permissions name each exchange: ``namespace()``
    hands out namespaces whose topic permissions were imported, a batch at a time.
    """

    amqp_url: str
    management_url: str | None
    file: Path
    prefix: str = field(default_factory=lambda: f"gkt{secrets.token_hex(4)}-")
    namespace_prefix: str = field(default_factory=lambda: f"t{secrets.token_hex(3)}")
    passwords: dict[str, str] = field(
        default_factory=lambda: {party: secrets.token_urlsafe(18) for party in BROKER_PARTIES})
    issued: int = 0
    authorised: int = 0

    def create(self) -> SessionAccounts:
        self.file.write_text(json.dumps({"accounts": self.passwords}), encoding="utf-8")
        self._authorise(NAMESPACES_PER_IMPORT)
        return self

    def namespace(self) -> str:
        if self.issued >= self.authorised:
            self._authorise(NAMESPACES_PER_IMPORT)
        self.issued += 1
        return f"{self.namespace_prefix}{self.issued - 1:04x}"

    def _authorise(self, count: int) -> None:
        namespaces = [f"{self.namespace_prefix}{n:04x}" for n in range(self.authorised, self.authorised + count)]
        defs = broker_setup.definitions(prefix=self.prefix, passwords=self.passwords,
                                        namespace_pattern=re.escape(self.namespace_prefix) + "[0-9a-f]{4}",
                                        topic_namespaces=namespaces)
        broker_setup.import_definitions(defs, amqp_url=self.amqp_url, management_url=self.management_url)
        self.authorised += count

    def delete(self) -> None:
        broker_setup.delete_users([self.prefix + party for party in BROKER_PARTIES],
                                  management_url=self.management_url)

    def settings(self) -> BrokerAccountSettings:
        return {"broker_prefix": self.prefix, "broker_accounts_file": self.file,
                "broker_management_url": self.management_url}


@dataclass
class SessionRoles:
    """Database roles for one session: ``<prefix><service>`` and ``<prefix><service>_owner``."""

    server_url: str
    file: Path
    prefix: str = field(default_factory=lambda: f"gkt{secrets.token_hex(4)}_")
    passwords: dict[str, str] = field(default_factory=lambda: {s: secrets.token_urlsafe(18) for s in DATABASE_PARTIES})

    async def create(self) -> SessionRoles:
        self.file.write_text(json.dumps({"accounts": self.passwords}), encoding="utf-8")
        for service in DATABASE_PARTIES:
            await ensure_roles(self.server_url, self.roles(service))
        return self

    def roles(self, service: str) -> ServiceRoles:
        return ServiceRoles(schema=service, owner=f"{self.prefix}{service}_owner", runtime=f"{self.prefix}{service}",
                            password=self.passwords[service])

    async def drop(self) -> None:
        names = [name for s in DATABASE_PARTIES for name in (self.roles(s).runtime, self.roles(s).owner)]
        if left := await drop_roles(self.server_url, names):
            warnings.warn(f"database roles still own something and were kept: {', '.join(left)}", stacklevel=1)

    def settings(self) -> DatabaseRoleSettings:
        return {"database_role_prefix": self.prefix, "database_accounts_file": self.file}
