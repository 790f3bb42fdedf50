"""Each party's reach on the real broker, as `gongkai broker setup` grants it: what each account can and cannot do."""

from __future__ import annotations

import json

import aio_pika
import aiormq
import pytest
from gongkai.shared import contracts as c
from gongkai.shared.envelope import CONTENT_TYPE, new_event
from gongkai.shared.settings import Settings
from gongkai.shared.testing import Tap, connect_as, get_eventually, publish
from gongkai.shared.topology import EXCHANGES, Topology

REFUSED = aiormq.exceptions.ChannelAccessRefused
APPROVAL = new_event(c.REVIEW_APPROVED, {"item_id": "item-1"}, source="/gongkai/review", actor="zhao.lei",
                     subject="item-1")
PUBLIC = new_event(c.PUBLIC_DISCLOSURE_PUBLISHED, {"item_id": "item-1"}, source="/gongkai/publishing",
                   actor="service:publishing", subject="item-1")
COMMAND = new_event(c.SUBMIT_DISCLOSURE, {"title": "t", "body": "b", "category": "S07"}, source="/staff-tool",
                    actor="staff-tool")


async def send(settings: Settings, party: str, exchange: str, routing_key: str, *, user_id: str | None = None,
               mandatory: bool = False) -> None:
    """One confirmed publish as ``party``'s account; ``exchange`` is logical, or "" for the default exchange."""
    connection = await connect_as(settings, party)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        target = (channel.default_exchange if exchange == "" else
                  await channel.get_exchange(Topology(settings.namespace).exchange(exchange), ensure=False))
        message = aio_pika.Message(APPROVAL.to_bytes(), message_id=APPROVAL.id, content_type=CONTENT_TYPE,
                                   user_id=user_id if user_id is not None else settings.broker_account(party))
        await target.publish(message, routing_key=routing_key, mandatory=mandatory, timeout=5)


async def bind(settings: Settings, party: str, exchange: str, routing_key: str = "#") -> None:
    connection = await connect_as(settings, party)
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(exclusive=True)
        await queue.bind(Topology(settings.namespace).exchange(exchange), routing_key=routing_key)


# ---- public-site ------------------------------------------------------------------------------


@pytest.mark.parametrize(("exchange", "key"), [("events", "review.approved.v1.disclosure"),
                                               ("public", "portal.S07.published"),
                                               ("staff", "intranet.I01.published"), ("intake", "disclosure.submit.v1"),
                                               ("dlx", "review.approved.v1.disclosure"), ("", "amq.gen-anything")])
async def test_the_public_site_cannot_publish_anywhere(settings, exchange, key):
    with pytest.raises(REFUSED, match="ACCESS_REFUSED"):
        await send(settings, "public-site", exchange, key)


async def test_the_public_site_reads_the_public_exchange_into_queues_of_its_own(settings):
    async with Tap(settings, "public", "portal.#") as site:
        await publish(settings, "public", PUBLIC, routing_key="portal.S07.published")
        await site.wait_for(PUBLIC.type)
    assert site.deliveries[0].user_id == settings.broker_account("publishing")
    connection = await connect_as(settings, "public-site")
    async with connection:
        durable = await (await connection.channel()).declare_queue(f"{settings.namespace}.public-site.portal",
                                                                   durable=True)
        await durable.bind(Topology(settings.namespace).exchange("public"), "portal.#")
        await durable.delete(if_unused=False, if_empty=False)


@pytest.mark.parametrize("exchange", ["events", "intake", "staff", "dlx"])
async def test_the_public_site_cannot_bind_to_anything_but_the_public_exchange(settings, exchange):
    with pytest.raises(REFUSED, match="ACCESS_REFUSED"):
        await bind(settings, "public-site", exchange)


async def test_the_public_site_cannot_read_or_declare_the_services_queues(settings):
    connection = await connect_as(settings, "public-site")
    async with connection:
        with pytest.raises(REFUSED, match="ACCESS_REFUSED"):
            queue = await (await connection.channel()).get_queue(f"{settings.namespace}.audit.record", ensure=False)
            await queue.get(fail=False)
        with pytest.raises(REFUSED, match="ACCESS_REFUSED"):
            await (await connection.channel()).declare_queue(f"{settings.namespace}.mine", durable=True)


# ---- staff-tool -------------------------------------------------------------------------------


async def test_the_staff_tool_sends_intake_commands(settings):
    connection = await connect_as(settings, None)
    async with connection:
        intake = await (await connection.channel()).get_queue(f"{settings.namespace}.publishing.intake")
        await publish(settings, "intake", COMMAND)  # as the staff tool, by default
        arrived = await get_eventually(intake)
    assert arrived.message_id == COMMAND.id and arrived.user_id == settings.broker_account("staff-tool")


@pytest.mark.parametrize(("exchange", "key"), [
    ("events", "disclosure.submitted.v1"), ("public", "portal.S07.published"), ("staff", "intranet.I01.published"),
    ("dlx", "disclosure.submit.v1"), ("", "amq.gen-anything"), ("intake", "disclosure.published.v1"),
    ("intake", "anything.else"),
])
async def test_the_staff_tool_cannot_publish_anything_but_commands_on_intake(settings, exchange, key):
    with pytest.raises(REFUSED, match="ACCESS_REFUSED"):
        await send(settings, "staff-tool", exchange, key)


@pytest.mark.parametrize("exchange", ["events", "public", "intake", "staff"])
async def test_the_staff_tool_cannot_bind_to_any_exchange(settings, exchange):
    with pytest.raises(REFUSED, match="ACCESS_REFUSED"):
        await bind(settings, "staff-tool", exchange)


# ---- services ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("party", "exchange", "key"), [
    ("publishing", "events", "review.approved.v1.disclosure"),
    ("notification", "events", "review.approved.v1.disclosure"),
    ("audit", "events", "disclosure.published.v1"),
    ("review", "events", "deadline.met.v1.proactive-publication"),
    ("review", "public", "portal.S07.published"),
    ("notification", "staff", "intranet.I01.published"),
    ("publishing", "intake", "review.decide.v1"),
])
async def test_a_service_cannot_publish_another_services_facts(settings, party, exchange, key):
    with pytest.raises(REFUSED, match="ACCESS_REFUSED"):
        await send(settings, party, exchange, key)


async def test_a_service_cannot_send_as_another_account(settings):
    with pytest.raises(aio_pika.exceptions.ChannelPreconditionFailed, match="user_id property set to"):
        await send(settings, "publishing", "events", "disclosure.published.v1",
                   user_id=settings.broker_account("review"))


async def test_a_service_sends_its_own_facts(settings):
    await send(settings, "review", "events", "review.approved.v1.disclosure", mandatory=True)
    await send(settings, "publishing", "public", "portal.S07.published", mandatory=True)


async def test_a_service_cannot_read_another_services_queue_nor_declare_or_delete_anything(settings):
    connection = await connect_as(settings, "publishing")
    async with connection:
        with pytest.raises(REFUSED, match="ACCESS_REFUSED"):
            queue = await (await connection.channel()).get_queue(f"{settings.namespace}.review.submissions",
                                                                 ensure=False)
            await queue.get(fail=False)
        with pytest.raises(REFUSED, match="ACCESS_REFUSED"):
            await (await connection.channel()).declare_queue(exclusive=True)
        with pytest.raises(REFUSED, match="ACCESS_REFUSED"):
            await (await connection.channel()).queue_delete(f"{settings.namespace}.publishing.reviews")
        for logical in EXCHANGES:
            with pytest.raises(REFUSED, match="ACCESS_REFUSED"):
                await (await connection.channel()).declare_exchange(Topology(settings.namespace).exchange(logical),
                                                                    aio_pika.ExchangeType.TOPIC, durable=True)


# ---- a service's start, and the answers it sends ------------------------------------------------


async def test_a_service_that_would_connect_as_another_account_refuses_to_start(settings, tmp_path):
    from gongkai.publishing.app import create_app
    from gongkai.shared.preflight import StartRefused
    from gongkai.shared.testing import migrate, running

    await migrate(settings, ("publishing",))
    others = tmp_path / "accounts.json"
    others.write_text(json.dumps({"accounts": {"review": "x"}}))
    with pytest.raises(StartRefused, match="would connect to RabbitMQ as 'guest', but its facts must carry"):
        async with running(create_app(settings.model_copy(update={"broker_accounts_file": others}))):
            pass


async def test_a_service_refuses_to_start_on_a_broker_without_its_topology(settings):
    from gongkai.publishing.app import create_app
    from gongkai.shared.preflight import StartRefused
    from gongkai.shared.testing import delete_topology, migrate, running

    await migrate(settings, ("publishing",))
    await delete_topology(settings.amqp_url, settings.namespace)
    with pytest.raises(StartRefused, match=r"the broker has no .*\.events.*: run `gongkai broker setup`"):
        async with running(create_app(settings)):
            pass


async def test_a_command_is_answered_on_its_reply_queue_and_only_on_a_server_named_one(settings):
    from gongkai.publishing.app import create_app
    from gongkai.shared.staff_tool import send_command
    from gongkai.shared.testing import migrate, running

    await migrate(settings, ("publishing",))
    async with running(create_app(settings)):
        answer = await send_command(settings, COMMAND.routing_key, COMMAND.to_bytes(), COMMAND.id,
                                    "Bearer dev-submitter-token")
        assert answer is not None and answer.type == c.DISCLOSURE_SUBMITTED and answer.causationid == COMMAND.id
        misdirected = new_event(c.SUBMIT_DISCLOSURE, COMMAND.data, source="/staff-tool", actor="staff-tool")
        admin = await connect_as(settings, None)
        async with admin, Tap(settings, "events", "disclosure.submitted.v1") as events:
            parking = await (await admin.channel()).get_queue(f"{settings.namespace}.parking")
            staff_tool = await connect_as(settings, "staff-tool")
            async with staff_tool:
                channel = await staff_tool.channel(publisher_confirms=True)
                intake = await channel.get_exchange(Topology(settings.namespace).exchange("intake"), ensure=False)
                await intake.publish(aio_pika.Message(misdirected.to_bytes(), message_id=misdirected.id,
                                                      reply_to=parking.name,
                                                      headers={"authorization": "Bearer dev-submitter-token"}),
                                     routing_key=misdirected.routing_key)
            await events.wait_for(c.DISCLOSURE_SUBMITTED, lambda e: e.causationid == misdirected.id)
            assert await parking.get(fail=False) is None, "a reply_to naming a service's queue is ignored"
