"""What a staff tool does over AMQP: send one intake command as ``staff-tool`` and wait for its answer.

The command carries ``reply_to``: an exclusive, server-named queue (``amq.gen-…``) the tool declares for
itself. The service that handles the command sends its answer there after its transaction commits —
the event the command caused, or ``gongkai.intake.rejected.v1`` with the reason it changed nothing —
so the tool needs no binding to the events exchange (its account has none).
"""

from __future__ import annotations

import asyncio

import aio_pika

from .accounts import STAFF_TOOL
from .envelope import CONTENT_TYPE, Envelope, MalformedEnvelope, parse
from .errors import CommandFailed
from .settings import Settings
from .topology import Topology


async def send_command(settings: Settings, routing_key: str, body: bytes, message_id: str, authorization: str,
                       wait_seconds: float = 15.0) -> Envelope | None:
    """Publish one intake command (confirmed, mandatory) and return its answer, or None after ``wait_seconds``."""
    try:
        connection = await aio_pika.connect(settings.amqp_url_for(STAFF_TOOL))
    except (OSError, aio_pika.exceptions.AMQPError) as exc:
        raise CommandFailed(f"cannot reach RabbitMQ as {settings.broker_account(STAFF_TOOL)} (AMQP_URL, "
                            f"GONGKAI_BROKER_ACCOUNTS_FILE; has `gongkai broker setup` run?): {exc}") from exc
    async with connection:
        try:
            channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
            answers = await channel.declare_queue(exclusive=True)
            intake = await channel.get_exchange(Topology(settings.namespace).exchange("intake"), ensure=False)
            message = aio_pika.Message(body, message_id=message_id, content_type=CONTENT_TYPE,
                                       delivery_mode=aio_pika.DeliveryMode.PERSISTENT, reply_to=answers.name,
                                       headers={"authorization": authorization})
            await intake.publish(message, routing_key=routing_key, mandatory=True)
        except aio_pika.exceptions.AMQPError as exc:
            raise CommandFailed(f"RabbitMQ refused the command: {exc}") from exc
        try:
            # Acked one by one, not no_ack: what is still buffered when the answer is found (a second copy, the
            # relay sending at least once) is handed back to the queue, which goes with the connection, instead
            # of being dropped with aio-pika's "message lost" warning.
            async with asyncio.timeout(wait_seconds), answers.iterator() as incoming:
                async for delivery in incoming:
                    await delivery.ack()
                    try:
                        event = parse(delivery.body)
                    except MalformedEnvelope:
                        continue
                    if event.causationid == message_id or event.data.get("command_id") == message_id:
                        return event
        except TimeoutError:
            return None
    return None
