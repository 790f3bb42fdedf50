"""``gongkai run portal`` as an operator runs it: a process of its own, ready once it consumes its queue, and
stopped cleanly by SIGTERM; ``gongkai migrate`` makes its schema and roles with the services'."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys

import httpx
from gongkai.shared.accounts import DATABASE_PARTIES
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
    assert migrated == ["publishing", "review", "notification", "audit", "requests", "participation", "oversight",
                        "portal"]
    assert f"runtime role {settings.database_role('portal')}" in out.decode()


def test_gongkai_accounts_new_gives_the_portal_a_role_password_and_its_container_the_public_sites(tmp_path):
    from gongkai.cli.main import main

    assert main(["accounts", "new", str(tmp_path / "config")]) == 0
    broker = json.loads((tmp_path / "config" / "broker-accounts.json").read_text())["accounts"]
    database = json.loads((tmp_path / "config" / "database-accounts.json").read_text())["accounts"]
    env = dict(line.split("=", 1) for line in (tmp_path / "config" / "accounts.env").read_text().split())
    assert set(database) == set(DATABASE_PARTIES) and "portal" in database
    assert env["GONGKAI_DATABASE_PASSWORD_PORTAL"] == database["portal"]
    assert env["GONGKAI_BROKER_PASSWORD_PUBLIC_SITE"] == broker["public-site"]
