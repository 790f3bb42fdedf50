"""The system as processes, the portal and the console, for the tests that use them as people do.

A test module that needs the services configured another way overrides ``system_env`` (the environment every
service starts with); one that needs them started another way defines its own ``system`` fixture; ``portal`` and
``console`` then run beside that one.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest
from gongkai.portal.consumer import remove_queue
from gongkai_system import Console, Portal, System


@pytest.fixture
def system_env() -> dict[str, str]:
    """What the services' environment has beyond the test settings (none)."""
    return {}


@pytest.fixture
def system(settings, tmp_path, system_env) -> Iterator[System]:
    """Every service migrated and started as a process of its own; every one that started is stopped after."""
    system = System(settings, tmp_path)
    system.env.update(system_env)
    system.migrate()
    try:
        system.start()
        yield system
    finally:
        system.stop()


@pytest.fixture
async def portal(system, settings, tmp_path) -> AsyncIterator[Portal]:
    """``gongkai run portal`` as the public site, calling the services' public routes for its forms; its e-screen
    turns every two seconds. Its queue (not part of the namespace's topology) is removed after."""
    running = await asyncio.to_thread(Portal, system, tmp_path, GONGKAI_PORTAL_SCREEN_SECONDS="2")
    try:
        yield running
    finally:
        await asyncio.to_thread(running.stop)
        await remove_queue(settings.amqp_url, settings.namespace, "portal")


@pytest.fixture
async def console(system, tmp_path) -> AsyncIterator[Console]:
    running = await asyncio.to_thread(Console, system, tmp_path)
    yield running
    await asyncio.to_thread(running.stop)
