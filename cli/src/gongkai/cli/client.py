"""The CLI's clients: HTTP calls to the services, AMQP intake commands, the public feed."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import aio_pika
import httpx
from gongkai.shared.accounts import PUBLIC_SITE
from gongkai.shared.contracts import INTAKE_REJECTED, SUBMIT_DISCLOSURE
from gongkai.shared.envelope import new_event
from gongkai.shared.errors import CommandFailed
from gongkai.shared.identity import Role, hash_token, new_token
from gongkai.shared.settings import Settings
from gongkai.shared.staff_tool import send_command
from gongkai.shared.topology import Topology


def _show(value: object) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def _headers(token: str | None) -> dict[str, str]:
    if not token:
        raise CommandFailed("no token: pass --token or set GONGKAI_TOKEN")
    return {"Authorization": f"Bearer {token}"}


def _call(method: str, url: str, token: str | None, **kwargs: Any) -> int:  # kwargs: httpx.request's
    headers = _headers(token)
    try:
        response = httpx.request(method, url, headers=headers, timeout=30, **kwargs)
    except httpx.TransportError as exc:
        service = url.split("/")[2]
        raise CommandFailed(f"cannot reach {service} ({type(exc).__name__}): is the service running "
                            f"('make run' or 'gongkai run all'), and is --url right?") from exc
    return _answer(response)


def _answer(response: httpx.Response) -> int:
    try:
        body = response.json()
    except ValueError:
        body = response.text
    _show(body)
    if response.is_error:
        raise CommandFailed(f"HTTP {response.status_code}")
    return 0


def _read_item(file: str) -> dict[str, Any]:
    try:
        text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandFailed(f"cannot read {file}: {exc}") from exc
    try:
        item = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CommandFailed(f"{file} is not JSON: {exc}") from exc
    if not isinstance(item, dict):
        raise CommandFailed(f"{file} must hold a JSON object with title, body, category")
    return item


def submit(file: str, token: str | None, via: str, url: str) -> int:
    item = _read_item(file)
    if via == "http":
        return _call("POST", f"{url}/items", token, json=item)
    headers = _headers(token)
    command = new_event(SUBMIT_DISCLOSURE, item, source="/gongkai/cli", actor="cli")
    answer = asyncio.run(send_command(Settings(), command.routing_key, command.to_bytes(), command.id,
                                      headers["Authorization"]))
    if answer is None:
        _show({"command_id": command.id, "sent": True, "answer": "none yet (is publishing running?)"})
        return 1
    _show({"command_id": command.id, "type": answer.type, **answer.data})
    if answer.type == INTAKE_REJECTED:
        raise CommandFailed(f"refused ({answer.data.get('status')}): {answer.data.get('reason')}")
    return 0


def item(url: str, token: str | None, item_id: str) -> int:
    return _call("GET", f"{url}/items/{item_id}", token)


def cases(url: str, token: str | None, item: str | None, state: str) -> int:
    params = {"state": state} | ({"item_id": item} if item else {})
    return _call("GET", f"{url}/cases", token, params=params)


def decide(url: str, token: str | None, case_id: str, decision: str, content_hash: str, reason: str | None,
           spans: list[str] | None = None, legal_reason: str | None = None) -> int:
    body: dict[str, object] = {"decision": decision, "content_hash": content_hash, "reason": reason}
    if spans:
        body["spans"] = [_span(text) for text in spans]
    if legal_reason:
        body["legal_reason"] = legal_reason
    return _call("POST", f"{url}/cases/{case_id}/decision", token, json=body)


def _span(text: str) -> dict[str, object]:
    """``body:12-30`` → the characters 12..30 of the body."""
    try:
        field, _, bounds = text.rpartition(":")
        start, end = (int(n) for n in bounds.split("-"))
    except ValueError:
        raise CommandFailed(f"--span {text!r}: write FIELD:START-END, e.g. body:12-30") from None
    return {"field": field or "body", "start": start, "end": end}


def trail(url: str, token: str | None, item_id: str) -> int:
    return _call("GET", f"{url}/items/{item_id}/events", token)


async def watch_public(binding: str, count: int | None) -> int:
    """Print public events as the public-site account receives them."""
    settings = Settings()
    try:
        connection = await aio_pika.connect(settings.amqp_url_for(PUBLIC_SITE))
    except (OSError, aio_pika.exceptions.AMQPError) as exc:
        raise CommandFailed(f"cannot reach RabbitMQ as {settings.broker_account(PUBLIC_SITE)}: {exc}") from exc
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


def new_credential(person: str, name: str, unit: str, roles: list[str]) -> int:
    try:
        parsed = [Role(r.strip()).value for r in roles]
    except ValueError as exc:
        raise CommandFailed(f"{exc}; roles are {', '.join(r.value for r in Role)}") from exc
    token = new_token()
    print(f"token (give it to {person}; it is not stored anywhere): {token}", file=sys.stderr)
    _show({"id": person, "name": name, "unit": unit, "roles": parsed, "token_sha256": hash_token(token)})
    return 0
