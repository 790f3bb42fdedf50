"""The fault suite's system: started once for the suite, found whole by each test (see ``faults_helpers``)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest
from faults.faults_helpers import REPORTED, FaultSystem, summary_lines
from gongkai.shared.session_accounts import SessionAccounts, SessionRoles
from gongkai.shared.settings import Settings
from gongkai.shared.testing import create_database, declare_topology, delete_topology, drop_database


@pytest.fixture(scope="session")
async def fault_settings(amqp_url: str, database_server_url: str, broker_accounts: SessionAccounts,
                         database_roles: SessionRoles) -> AsyncIterator[Settings]:
    """Like ``settings``, but for the whole suite: a namespace and a database of its own, removed at the end."""
    namespace = await asyncio.to_thread(broker_accounts.namespace)
    database_url, _ = await asyncio.gather(create_database(database_server_url), declare_topology(amqp_url, namespace))
    yield Settings(amqp_url=amqp_url, database_url=database_url, namespace=namespace, relay_idle_seconds=0.1,
                   **broker_accounts.settings(), **database_roles.settings())
    await asyncio.gather(delete_topology(amqp_url, namespace), drop_database(database_server_url, database_url))


@pytest.fixture(scope="session")
def fault_system(fault_settings: Settings, tmp_path_factory) -> Iterator[FaultSystem]:
    with FaultSystem(fault_settings, tmp_path_factory.mktemp("fault-system")) as faults:
        yield faults


@pytest.fixture
async def faults(fault_system: FaultSystem) -> FaultSystem:
    """The system with every service running and ready and the broker reachable, whatever the last test did."""
    await fault_system.ensure()
    return fault_system


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if REPORTED:
        terminalreporter.section("fault suite figures")
        for line in summary_lines(REPORTED):
            terminalreporter.write_line(line)
