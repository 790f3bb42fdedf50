"""Fixtures of the portal's tests; the helpers live in ``portal_helpers`` beside this file."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from gongkai.portal.app import PortalSettings, create_app
from gongkai.portal.consumer import remove_queue
from gongkai.shared.settings import Settings
from gongkai.shared.testing import migrate
from portal_helpers import serve


@pytest.fixture
async def portal_settings(settings: Settings) -> AsyncIterator[Settings]:
    """A test's settings with the portal's schema migrated; the portal's own queues are removed after."""
    await migrate(settings, ("portal",))
    yield settings
    await remove_queue(settings.amqp_url, settings.namespace, PortalSettings().queue)


@pytest.fixture
async def portal(portal_settings: Settings) -> AsyncIterator[str]:
    """The running portal's base URL (a short e-screen interval, so a test sees it rotate)."""
    async with serve(create_app(portal_settings, PortalSettings(screen_seconds=2))) as url:
        yield url
