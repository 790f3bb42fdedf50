"""Delivery against real receivers: an SMTP server (aiosmtpd) and a webhook server that checks signatures;
retries with backoff when they fail, parking when they keep failing, and no duplicate after a restart."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from gongkai.notification.app import create_app
from gongkai.notification.delivery import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from gongkai.shared import contracts as c
from gongkai.shared.envelope import new_event
from gongkai.shared.testing import Tap, bearer, migrate, publish, running
from notification_helpers import ADMIN, Mailbox, WebhookReceiver, contacts_file, handled, quiet, sql

SECRET = "test-webhook-secret"


def reminder(recipients=("li.na",)) -> object:
    data = c.DeadlineReminder(deadline_id="d-1", item_id="item-1", rule=c.RULE_PROACTIVE_PUBLICATION,
                              due_on=date(2026, 10, 23), working_days_left=1, unit="办公室",
                              recipients=list(recipients))
    return new_event(c.DEADLINE_DUE_SOON, data, source="/gongkai/notification", actor="service:notification",
                     subject="item-1")


async def service_with(settings, tmp_path, **options):
    await migrate(settings, ("notification",))
    return create_app(settings, quiet(webhook_secret=SECRET, **options))


async def deliveries(settings) -> dict[str, dict]:
    rows = await sql(settings, "select * from notification.deliveries")
    return {r["channel"]: dict(r) for r in rows}


async def test_a_reminder_reaches_the_inbox_an_email_and_a_signed_webhook(settings, tmp_path):
    with Mailbox() as mailbox:
        async with WebhookReceiver() as hook:
            app = await service_with(settings, tmp_path, smtp_port=mailbox.port,
                                     contacts_file=contacts_file(tmp_path, webhook=hook.url))
            async with running(app) as client:
                event = reminder()
                await publish(settings, "events", event)
                await handled(settings, event, queue="notification.deliveries")
                assert await app.state.deliveries.send_due() == 2
                assert await app.state.deliveries.send_due() == 0
                inbox = (await client.get("/inbox", headers=bearer("dev-submitter-token"))).json()["messages"]
    [mail] = mailbox.messages
    assert mail["To"] == "li.na@example.gov.cn" and "期限提醒" in mail["Subject"] and "还剩1个工作日" in mail["Subject"]
    assert "事项 item-1（办公室）的主动公开期限为2026-10-23" in mail.get_content()
    [(headers, body)] = hook.requests
    assert verify(SECRET, headers[TIMESTAMP_HEADER.lower()], body, headers[SIGNATURE_HEADER.lower()])
    assert not verify("another-secret", headers[TIMESTAMP_HEADER.lower()], body, headers[SIGNATURE_HEADER.lower()])
    assert json.loads(body)["event_id"] == event.id and "期限提醒" in json.loads(body)["title"]
    assert [m["title"] for m in inbox] == [mail["Subject"]]
    assert {ch: row["state"] for ch, row in (await deliveries(settings)).items()} == \
        {"inbox": "sent", "email": "sent", "webhook": "sent"}


async def test_a_redelivered_event_and_a_restarted_service_send_nothing_twice(settings, tmp_path):
    with Mailbox() as mailbox:
        app = await service_with(settings, tmp_path, smtp_port=mailbox.port, contacts_file=contacts_file(tmp_path))
        event = reminder()
        async with running(app):
            await publish(settings, "events", event)
            await handled(settings, event, queue="notification.deliveries")
            await app.state.deliveries.send_due()
        again = await service_with(settings, tmp_path, smtp_port=mailbox.port, contacts_file=contacts_file(tmp_path))
        async with running(again):
            await publish(settings, "events", event)   # the same event id, as a broker redelivery would
            sentinel = reminder()
            await publish(settings, "events", sentinel)
            await handled(settings, sentinel, queue="notification.deliveries")
            assert await again.state.deliveries.send_due() == 1  # only the sentinel's e-mail
    assert len(mailbox.messages) == 2


async def test_an_smtp_server_that_is_down_is_retried_with_backoff_and_the_mail_arrives_later(settings, tmp_path):
    with Mailbox() as mailbox:
        port = mailbox.port
    app = await service_with(settings, tmp_path, smtp_port=port, contacts_file=contacts_file(tmp_path),
                             backoff_seconds=60, max_attempts=5)
    async with running(app), Tap(settings, "events", "notification.#") as events:
        event = reminder()
        await publish(settings, "events", event)
        await handled(settings, event, queue="notification.deliveries")
        now = datetime.now(UTC)
        assert await app.state.deliveries.send_due(now) == 1
        failed = await events.wait_for(c.NOTIFICATION_FAILED)
        email = (await deliveries(settings))["email"]
        assert (email["state"], email["attempts"]) == ("pending", 1) and "ConnectionRefusedError" in email["last_error"]
        assert email["next_attempt_at"] >= now + timedelta(seconds=59)
        assert await app.state.deliveries.send_due(now + timedelta(seconds=30)) == 0   # not before the backoff
        with Mailbox() as mailbox:
            app.state.deliveries.settings.smtp_port = mailbox.port
            assert await app.state.deliveries.send_due(now + timedelta(seconds=61)) == 1
    assert failed.data["channel"] == "email" and failed.data["attempts"] == 1
    assert len(mailbox.messages) == 1 and (await deliveries(settings))["email"]["state"] == "sent"


@pytest.mark.parametrize("receiver", [WebhookReceiver(status=500), WebhookReceiver(hang=True)],
                         ids=["answers-500", "never-answers"])
async def test_a_failing_webhook_is_retried_then_parked_and_reported_never_dropped(settings, tmp_path, receiver):
    async with receiver as hook:
        app = await service_with(settings, tmp_path, contacts_file=contacts_file(tmp_path, email=False,
                                                                                 webhook=hook.url),
                                 backoff_seconds=1, max_attempts=3, webhook_timeout=0.5)
        async with running(app) as client, Tap(settings, "events", "notification.#") as events:
            event = reminder()
            await publish(settings, "events", event)
            await handled(settings, event, queue="notification.deliveries")
            now = datetime.now(UTC)
            for minutes in (0, 1, 2):
                assert await app.state.deliveries.send_due(now + timedelta(minutes=minutes)) == 1
            assert await app.state.deliveries.send_due(now + timedelta(minutes=10)) == 0
            parked = await events.wait_for(c.NOTIFICATION_PARKED)
            await handled(settings, parked, queue="notification.deliveries")
            listed = (await client.get("/deliveries", params={"state": "parked"}, headers=ADMIN)).json()
            admin_inbox = (await client.get("/inbox", headers=ADMIN)).json()["messages"]
            forbidden = await client.get("/deliveries", headers=bearer("dev-submitter-token"))
    assert len(hook.requests) == 3 and len(events.of_type(c.NOTIFICATION_FAILED)) == 2
    assert parked.data["attempts"] == 3 and parked.data["channel"] == "webhook"
    [row] = listed["deliveries"]
    assert row["state"] == "parked" and row["attempts"] == 3 and row["last_error"]
    assert [m["event_type"] for m in admin_inbox] == [c.NOTIFICATION_PARKED] and "投递失败" in admin_inbox[0]["title"]
    assert forbidden.status_code == 403


async def test_each_person_sees_and_marks_only_their_own_inbox(settings, tmp_path):
    app = await service_with(settings, tmp_path, contacts_file=contacts_file(tmp_path, email=False))
    async with running(app) as client:
        event = reminder(("li.na", "sun.qiang"))
        await publish(settings, "events", event)
        await handled(settings, event, queue="notification.deliveries")
        mine = (await client.get("/inbox", headers=bearer("dev-submitter-token"))).json()["messages"]
        theirs = (await client.get("/inbox", headers=bearer("dev-publisher-token"))).json()["messages"]
        reviewer = (await client.get("/inbox", headers=bearer("dev-reviewer-token"))).json()["messages"]
        stolen = await client.post(f"/inbox/{theirs[0]['message_id']}/read", headers=bearer("dev-submitter-token"))
        read = await client.post(f"/inbox/{mine[0]['message_id']}/read", headers=bearer("dev-submitter-token"))
        unread = (await client.get("/inbox", params={"unread": True}, headers=bearer("dev-submitter-token"))).json()
        anonymous = await client.get("/inbox")
    assert len(mine) == 1 and len(theirs) == 1 and reviewer == [] and mine[0]["message_id"] != theirs[0]["message_id"]
    assert stolen.status_code == 404 and read.status_code == 200 and unread["messages"] == []
    assert anonymous.status_code == 401
