"""One source of truth for time limits: the catalogue names each category's rule and length, notification
enforces exactly that, and the staff API tells staff the same date — with the real broker and database."""

from __future__ import annotations

import json

import pytest
from gongkai.notification.app import create_app as notification_app
from gongkai.notification.settings import NotificationSettings
from gongkai.publishing.app import PublishingSettings
from gongkai.publishing.app import create_app as publishing_app
from gongkai.shared import contracts as c
from gongkai.shared.testing import Tap, bearer, migrate, running

SUBMITTER = bearer("dev-submitter-token")
CATEGORIES = [
    {"code": "T01", "name": "交通运输行政许可", "audience": "public", "channels": ["portal"],
     "default_channels": ["portal"], "legal_basis": "《政府信息公开条例》第二十条",
     "deadline": {"rule": "proactive-publication", "working_days": 7}},
    {"code": "T02", "name": "交通工程建设", "audience": "public", "channels": ["portal"],
     "default_channels": ["portal"], "legal_basis": "《政府信息公开条例》第二十条",
     "deadline": {"rule": "proactive-publication"}},
]


@pytest.mark.parametrize(("category", "formed_on", "due_on"), [
    ("T01", "2026-09-28", "2026-10-13"),   # the category's own 7 working days, across National Day
    ("T02", "2026-09-28", "2026-10-23"),   # the rules file's 15
])
async def test_staff_see_the_date_notification_enforces_for_the_categorys_rule(settings, tmp_path, category,
                                                                              formed_on, due_on):
    catalogue = tmp_path / "catalogue.json"
    catalogue.write_text(json.dumps({"agency": "交通运输局", "categories": CATEGORIES}, ensure_ascii=False))
    await migrate(settings, ("publishing", "notification"))
    quiet = NotificationSettings(monitor_interval=0, sender_interval=0)
    async with running(publishing_app(settings, PublishingSettings(catalogue_file=catalogue))) as publishing, \
            running(notification_app(settings, quiet)), Tap(settings, "events", "deadline.#") as deadlines:
        item = {"title": "道路运输经营许可事项", "body": "许可事项如下。", "category": category, "formed_on": formed_on}
        item_id = (await publishing.post("/items", json=item, headers=SUBMITTER)).json()["item_id"]
        opened = await deadlines.wait_for(c.DEADLINE_OPENED, lambda e: e.subject == item_id)
        listed = (await publishing.get("/items", headers=SUBMITTER)).json()["items"]
    assert opened.data["due_on"] == due_on and opened.data["rule"] == "proactive-publication"
    assert [i["due_on"] for i in listed if i["item_id"] == item_id] == [due_on]
