"""Every service's ``/docs`` renders its API from assets the service serves itself (no CDN), and ``/me`` and
``/people`` tell a staff tool who a token names and who the ids are."""

from __future__ import annotations

import asyncio
import importlib
import re
from urllib.parse import urlsplit

import httpx
import pytest
import uvicorn
from gongkai.shared.settings import Settings
from gongkai.shared.testing import bearer
from gongkai_system import SERVICES, free_port


def app_of(service: str):
    """The service's app as ``gongkai run`` builds it, not started: these routes need no database or broker."""
    return importlib.import_module(f"gongkai.{service}.app").create_app(Settings())


@pytest.mark.parametrize("service", SERVICES)
async def test_the_docs_page_loads_swagger_ui_from_the_service_itself(service):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app_of(service)), base_url="http://s") as http:
        page = await http.get("/docs")
        assert page.status_code == 200
        assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert assets and all(not urlsplit(a).netloc for a in assets), assets
        for asset in assets:
            assert (await http.get(asset)).status_code == 200, asset
        assert "cdn" not in page.text.lower()
        redoc = await http.get("/redoc")
        assert redoc.status_code == 200 and "fonts.googleapis" not in redoc.text


async def test_swagger_ui_renders_the_operations_in_a_browser_that_may_reach_nothing_but_the_service(page):
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app_of("review"), port=port, lifespan="off", log_level="warning"))
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            await asyncio.sleep(0.05)
        elsewhere: list[str] = []

        async def only_the_service(route):
            if urlsplit(route.request.url).netloc == f"127.0.0.1:{port}":
                await route.continue_()
            else:
                elsewhere.append(route.request.url)
                await route.abort()

        await page.route("**/*", only_the_service)
        await page.goto(f"http://127.0.0.1:{port}/docs")
        await page.locator(".opblock-summary-path", has_text="/cases/{case_id}/decision").first.wait_for()
        assert elsewhere == []
    finally:
        server.should_exit = True
        await task


@pytest.mark.parametrize("service", SERVICES)
async def test_me_names_the_person_of_the_token_and_people_every_staff_member_without_tokens(service):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app_of(service)), base_url="http://s") as http:
        me = await http.get("/me", headers=bearer("dev-reviewer-token"))
        assert me.json() == {"id": "zhao.lei", "name": "赵磊", "unit": "保密办", "roles": ["reviewer"]}
        both = await http.get("/me", headers=bearer("dev-clerk-reviewer-token"))
        assert both.json()["roles"] == ["submitter", "reviewer"]
        people = (await http.get("/people", headers=bearer("dev-submitter-token"))).json()["people"]
        assert {"id": "chen.jing", "name": "陈静", "unit": "保密办", "roles": ["reviewer"]} in people
        assert all(set(p) == {"id", "name", "unit", "roles"} for p in people)
        for path in ("/me", "/people"):
            refused = await http.get(path)
            assert refused.status_code == 401 and "credential" in refused.json()["detail"]
