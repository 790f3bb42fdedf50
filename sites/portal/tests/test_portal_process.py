"""``gongkai run portal`` as an operator runs it: a process of its own, ready once it consumes its queue, and
stopped cleanly by SIGTERM; ``gongkai migrate`` makes its schema and roles with the services'."""

from __future__ import annotations

import asyncio
import os
import signal
import sys

import httpx
from gongkai.shared.testing import environment
from portal_helpers import eventually, free_port, publication, send


async def test_gongkai_run_portal_serves_the_pages_from_the_public_events_and_stops_on_sigterm(portal_settings):
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "gongkai.cli.main", "run", "portal", "--port", str(port),
        env={**os.environ, **environment(portal_settings)}, stderr=asyncio.subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"

    async def ready() -> bool:
        try:
            async with httpx.AsyncClient() as client:
                return (await client.get(f"{url}/ready")).status_code == 200
        except httpx.HTTPError:
            assert process.returncode is None, (await process.stderr.read()).decode()[-2000:]
            return False

    try:
        await eventually(ready, timeout=60)
        await send(portal_settings, publication("run-portal-1", title="进程中的门户"))

        async def shown() -> bool:
            async with httpx.AsyncClient() as client:
                return "进程中的门户" in (await client.get(f"{url}/")).text

        await eventually(shown)
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(process.communicate(), 40)
    # uvicorn shuts the app down, then re-raises the SIGTERM it caught: the shutdown is what the log shows.
    assert process.returncode in (0, -signal.SIGTERM), err.decode()[-2000:]
    assert '"message": "portal stopped"' in err.decode() and "Traceback" not in err.decode()


async def test_gongkai_migrate_makes_the_portals_schema_beside_the_services(settings):
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "gongkai.cli.main", "migrate", env={**os.environ, **environment(settings)},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()[-2000:]
    migrated = [line.split(":")[0] for line in out.decode().splitlines()]
    assert migrated == ["publishing", "review", "notification", "audit", "portal"]
    assert f"runtime role {settings.database_role('portal')}" in out.decode()
