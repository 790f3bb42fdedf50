"""One source of truth for time limits: the catalogue names each category's rule and length, notification
enforces exactly that, and the staff API tells staff the same date — with the real broker and database."""

from __future__ import annotations

from pathlib import Path

import pytest
from gongkai.notification.app import create_app as notification_app
from gongkai.notification.settings import NotificationSettings
from gongkai.publishing import catalogue as catalogue_module
from gongkai.publishing.app import PublishingSettings
from gongkai.publishing.app import create_app as publishing_app
from gongkai.shared import contracts as c
from gongkai.shared.testing import Tap, bearer, migrate, running

SUBMITTER = bearer("dev-submitter-token")
# The shipped transport-sector standard catalogue (the plan's categories and the sector's two-level 事项).
STANDARD = Path(catalogue_module.__file__).with_name("catalogue-transport.json")


@pytest.mark.parametrize(("category", "formed_on", "due_on"), [
    ("JT-XK-01", "2026-09-28", "2026-10-13"),  # 行政许可: the standard's own 7 working days, across National Day
    ("JT-YJ-01", "2026-09-30", "2026-10-08"),  # 应急管理: 1 working day, the first after the holiday
    ("JT-JS-01", "2026-09-28", "2026-10-23"),  # no time limit of its own: the rules file's 15
])
async def test_staff_see_the_date_notification_enforces_for_the_categorys_rule(settings, category, formed_on,
                                                                              due_on):
    await migrate(settings, ("publishing", "notification"))
    quiet = NotificationSettings(monitor_interval=0, sender_interval=0)
    async with running(publishing_app(settings, PublishingSettings(catalogue_file=STANDARD))) as publishing, \
            running(notification_app(settings, quiet)), Tap(settings, "events", "deadline.#") as deadlines:
        item = {"title": "道路运输经营许可事项", "body": "许可事项如下。", "category": category, "formed_on": formed_on}
        item_id = (await publishing.post("/items", json=item, headers=SUBMITTER)).json()["item_id"]
        opened = await deadlines.wait_for(c.DEADLINE_OPENED, lambda e: e.subject == item_id)
        listed = (await publishing.get("/items", headers=SUBMITTER)).json()["items"]
    assert opened.data["due_on"] == due_on and opened.data["rule"] == "proactive-publication"
    assert [i["due_on"] for i in listed if i["item_id"] == item_id] == [due_on]
