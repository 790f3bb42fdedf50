"""Fixtures of notification's tests; the helpers live in ``notification_helpers`` beside this file."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from gongkai.notification.app import create_app
from gongkai.shared.settings import Settings
from gongkai.shared.testing import migrate, running
from notification_helpers import quiet


@pytest.fixture
async def notification(settings: Settings):
    """The service running with its consumers; no background monitor or sender (tests drive them)."""
    await migrate(settings, ("notification",))
    app = create_app(settings, quiet())
    async with running(app) as client:
        client.app = app
        yield client
