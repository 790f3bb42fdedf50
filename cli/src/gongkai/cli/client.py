"""The CLI's clients: HTTP calls to the services, AMQP intake commands, the public feed."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import aio_pika
import httpx
from gongkai.shared.contracts import SUBMIT_DISCLOSURE
from gongkai.shared.envelope import CONTENT_TYPE, new_event
from gongkai.shared.identity import Role, hash_token, new_token
from gongkai.shared.settings import Settings
from gongkai.shared.topology import Topology


class CommandFailed(Exception):
    pass


def _show(value: object) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def _headers(token: str | None) -> dict[str, str]:
    if not token:
        raise CommandFailed("no token: pass --token or set GONGKAI_TOKEN")
    return {"Authorization": f"Bearer {token}"}


def _answer(response: httpx.Response) -> int:
    try:
        body = response.json()
    except ValueError:
        body = response.text
    _show(body)
    if response.is_error:
        raise CommandFailed(f"HTTP {response.status_code}")
    return 0


def _read_item(file: str) -> dict:
    text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
    try:
        item = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CommandFailed(f"{file} is not JSON: {exc}") from exc
    if not isinstance(item, dict):
        raise CommandFailed(f"{file} must hold a JSON object with title, body, category")
    return item


def submit(file: str, token: str | None, via: str, url: str) -> int:
    item = _read_item(file)
    headers = _headers(token)
    if via == "http":
        return _answer(httpx.post(f"{url}/items", json=item, headers=headers, timeout=30))
    command = new_event(SUBMIT_DISCLOSURE, item, source="/gongkai/cli", actor="cli")
    asyncio.run(send_command(Settings(), command.routing_key, command.to_bytes(), command.id, headers))
    _show({"command_id": command.id, "sent": True,
           "note": "watch for gongkai.disclosure.submitted.v1 or gongkai.intake.rejected.v1 with this causation id"})
    return 0


async def send_command(settings: Settings, routing_key: str, body: bytes, message_id: str,
                       headers: dict[str, str]) -> None:
    """Publish one intake command, confirmed by the broker; refuse if no queue takes it."""
    connection = await aio_pika.connect(settings.amqp_url)
    try:
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        exchange = await channel.get_exchange(Topology(settings.namespace).exchange("intake"), ensure=False)
        message = aio_pika.Message(body, message_id=message_id, content_type=CONTENT_TYPE,
                                   delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                                   headers={"authorization": headers["Authorization"]})
        await exchange.publish(message, routing_key=routing_key, mandatory=True)
    finally:
        await connection.close()


def cases(url: str, token: str | None, item: str | None, state: str) -> int:
    params = {"state": state} | ({"item_id": item} if item else {})
    return _answer(httpx.get(f"{url}/cases", params=params, headers=_headers(token), timeout=30))


def decide(url: str, token: str | None, case_id: str, decision: str, content_hash: str, reason: str | None) -> int:
    body = {"decision": decision, "content_hash": content_hash, "reason": reason}
    return _answer(httpx.post(f"{url}/cases/{case_id}/decision", json=body, headers=_headers(token), timeout=30))


def trail(url: str, token: str | None, item_id: str) -> int:
    return _answer(httpx.get(f"{url}/items/{item_id}/events", headers=_headers(token), timeout=30))


async def watch_public(binding: str, count: int | None) -> int:
    settings = Settings()
    connection = await aio_pika.connect(settings.amqp_url)
    async with connection:
        channel = await connection.channel()
        exchange = await channel.get_exchange(Topology(settings.namespace).exchange("public"), ensure=False)
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        await queue.bind(exchange, routing_key=binding)
        print(f"watching {exchange.name} for {binding!r}", file=sys.stderr)
        seen = 0
        async with queue.iterator() as messages:
            async for message in messages:
                async with message.process():
                    print(json.dumps({"routing_key": message.routing_key, **json.loads(message.body)},
                                     ensure_ascii=False), flush=True)
                seen += 1
                if count and seen >= count:
                    break
    return 0


def topology(action: str, user: str | None, password: str | None) -> int:
    settings = Settings()
    if action == "export":
        print(json.dumps(Topology(settings.namespace).definitions(user=user, password=password), indent=2))
        return 0

    async def declare() -> None:
        connection = await aio_pika.connect(settings.amqp_url)
        async with connection:
            await Topology(settings.namespace).declare(await connection.channel())

    asyncio.run(declare())
    print(f"declared the {settings.namespace} topology", file=sys.stderr)
    return 0


def new_credential(person: str, name: str, unit: str, roles: list[str]) -> int:
    try:
        parsed = [Role(r.strip()).value for r in roles]
    except ValueError as exc:
        raise CommandFailed(str(exc)) from exc
    token = new_token()
    print(f"token (give it to {person}; it is not stored anywhere): {token}", file=sys.stderr)
    _show({"id": person, "name": name, "unit": unit, "roles": parsed, "token_sha256": hash_token(token)})
    return 0
