"""Helpers of the portal's tests: serve an app over real HTTP, wait for the consumer, and build the public
events publishing sends (sent as publishing's account, with ``<channel>.<category>.<action>`` keys)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

import uvicorn
from fastapi import FastAPI
from gongkai.shared import contracts as c
from gongkai.shared.envelope import Envelope, new_event
from gongkai.shared.settings import Settings
from gongkai.shared.testing import publish

T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@asynccontextmanager
async def serve(app: FastAPI) -> AsyncIterator[str]:
    """Run ``app`` (its lifespan too) on a real port of this machine, in this event loop; yields its URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("the portal stopped while starting")
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def eventually(probe: Callable[[], Awaitable[T]], timeout: float = 15.0, interval: float = 0.1) -> T:
    """``probe()``'s first truthy answer, asked again until ``timeout`` (a consumer works on its own time)."""
    async with asyncio.timeout(timeout):
        while True:
            if answer := await probe():
                return answer
            await asyncio.sleep(interval)


NOTICE = {"title": "关于调整城区公交线路的公告",
          "body": "自2026年12月1日起，3路公交车调整走向，途经人民路。\n请市民提前安排出行。",
          "summary": "3路公交车调整走向", "category": "S07", "category_name": "公共交通"}


def publication(item_id: str, version: int = 1, *, channel: str = "portal", at: datetime | None = None,
                **fields: Any) -> Envelope:
    action = "published" if version == 1 else "updated"
    data = c.PublicDisclosure.model_validate({
        **NOTICE, "item_id": item_id, "version": version, "channel": channel, "action": action,
        "published_at": at or datetime.now(UTC), "content_hash": "sha256:" + f"{version:064x}", **fields})
    type = c.PUBLIC_DISCLOSURE_PUBLISHED if version == 1 else c.PUBLIC_DISCLOSURE_UPDATED
    return new_event(type, data, source="/gongkai/publishing", actor="service:publishing", subject=item_id)


def withdrawal(item_id: str, version: int = 1, *, channel: str = "portal", reason: str = "内容有误，已撤回",
               at: datetime | None = None, title: str = NOTICE["title"]) -> Envelope:
    data = c.PublicWithdrawal(item_id=item_id, version=version, title=title, category=NOTICE["category"],
                              category_name=NOTICE["category_name"], channel=channel, reason=reason,
                              withdrawn_at=at or datetime.now(UTC))
    return new_event(c.PUBLIC_DISCLOSURE_WITHDRAWN, data, source="/gongkai/publishing", actor="service:publishing",
                     subject=item_id)


async def send(settings: Settings, *events: Envelope, **options: Any) -> None:
    """Publish each event on the public exchange with its routing key ``<channel>.<category>.<action>``."""
    for event in events:
        key = f"{event.data['channel']}.{event.data['category']}.{event.data['action']}"
        await publish(settings, "public", event, routing_key=key, **options)
