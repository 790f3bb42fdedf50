"""The portal's calls to a service's public routes (requests, participation): the routes any outside client may
call, no token. The client's address goes along as ``X-Forwarded-For``, which the service counts only when its
operator said the portal is in front of it; a service that cannot be reached is a 503 the page explains."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import Request

UNREACHABLE = "服务暂时无法访问，请稍后再试。"


async def call(request: Request, base_url: str, method: str, path: str, body: dict[str, Any] | None = None,
               params: dict[str, Any] | None = None) -> httpx.Response:
    address = request.client.host if request.client else ""
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        try:
            return await client.request(method, path, json=body, params=params,
                                        headers={"X-Forwarded-For": address})
        except httpx.TransportError:
            return httpx.Response(503, json={"detail": UNREACHABLE})


def reason(answer: httpx.Response, refused: str) -> str:
    """A refusal as the person reads it: too often, a trap field filled, or the service's own reason."""
    try:
        detail = answer.json().get("detail")
    except ValueError:
        detail = None
    if answer.status_code == 429:
        return "提交过于频繁，请稍后再试。"
    if answer.status_code == 400:
        return f"{refused}。"
    if isinstance(detail, list):  # a 422 of the service: the fields it could not take
        fields = "、".join(str(d.get("loc", ["", "?"])[-1]) for d in detail if isinstance(d, dict))
        return f"{refused}：请检查 {fields}。"
    return str(detail or f"{refused}（{answer.status_code}）")
