"""The operator's broker commands: set it up (accounts, permissions, topology) or print its definitions."""

from __future__ import annotations

import asyncio
import json
import re
import sys
from pathlib import Path
from typing import Any

import aio_pika
from gongkai.shared import broker
from gongkai.shared.accounts import AccountsFileError
from gongkai.shared.errors import CommandFailed
from gongkai.shared.settings import Settings
from gongkai.shared.topology import Topology


def definitions(settings: Settings, accounts_file: Path | None = None) -> dict[str, Any]:
    """Everything ``broker setup`` imports for the configured namespace and account prefix."""
    if accounts_file is not None:
        settings = settings.model_copy(update={"broker_accounts_file": accounts_file})
    try:
        passwords = settings.broker_passwords()
        return broker.definitions(prefix=settings.broker_prefix, passwords=passwords,
                                  namespace_pattern=re.escape(settings.namespace),
                                  topic_namespaces=[settings.namespace], topology=Topology(settings.namespace))
    except (AccountsFileError, broker.BrokerSetupError) as exc:
        raise CommandFailed(str(exc)) from exc


def setup(accounts_file: Path | None) -> int:
    settings = Settings()
    defs = definitions(settings, accounts_file)
    try:
        how = broker.import_definitions(defs, amqp_url=settings.amqp_url,
                                        management_url=settings.broker_management_url)
    except broker.BrokerSetupError as exc:
        raise CommandFailed(str(exc)) from exc
    users = ", ".join(user["name"] for user in defs["users"])
    print(f"broker set up ({how}): the {settings.namespace} topology and the accounts {users}", file=sys.stderr)
    return 0


def export(accounts_file: Path | None) -> int:
    print(json.dumps(definitions(Settings(), accounts_file), indent=2))
    return 0


def declare() -> int:
    """Declare the topology with ``AMQP_URL`` as it is (an administrator): no accounts."""
    settings = Settings()

    async def run() -> None:
        connection = await aio_pika.connect(settings.amqp_url)
        async with connection:
            await Topology(settings.namespace).declare(await connection.channel())

    asyncio.run(run())
    print(f"declared the {settings.namespace} topology", file=sys.stderr)
    return 0
