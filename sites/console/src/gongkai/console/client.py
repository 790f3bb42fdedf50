"""The services' HTTP APIs, called with the signed-in person's bearer token: the console's only source.

Every answer is JSON; every refusal is a ``Problem`` (``{"detail": "…"}``), raised here as ``ApiError`` with
its status, so a page can show the reason next to the field (422), or above the form (403, 409).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from .settings import SERVICES, ConsoleSettings


class ApiError(Exception):
    def __init__(self, service: str, status: int, detail: str) -> None:
        super().__init__(f"{service} answered {status}: {detail}")
        self.service, self.status, self.detail = service, status, detail


class Unreachable(Exception):
    def __init__(self, service: str, reason: str) -> None:
        super().__init__(f"{service} cannot be reached: {reason}")
        self.service = service


class Api:
    """One connection pool per service, shared by every request of the console."""

    def __init__(self, settings: ConsoleSettings, transports: dict[str, httpx.AsyncBaseTransport] | None = None
                 ) -> None:
        transports = transports or {}
        self._clients = {
            name: httpx.AsyncClient(base_url=settings.url(name), timeout=settings.timeout_seconds,
                                    transport=transports.get(name), follow_redirects=False)
            for name in SERVICES}

    async def close(self) -> None:
        for client in self._clients.values():
            await client.aclose()

    async def call(self, service: str, method: str, path: str, token: str, *, params: dict[str, Any] | None = None,
                   json: Any = None, idempotency_key: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {token}"}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        clean = {k: v for k, v in (params or {}).items() if v not in (None, "")}
        try:
            response = await self._clients[service].request(method, path, params=clean, json=json, headers=headers)
        except httpx.TransportError as exc:
            raise Unreachable(service, type(exc).__name__) from exc
        if response.is_error:
            raise ApiError(service, response.status_code, _detail(response))
        return response.json()

    async def get(self, service: str, path: str, token: str, **params: Any) -> Any:
        return await self.call(service, "GET", path, token, params=params)

    async def post(self, service: str, path: str, token: str, body: Any = None,
                   idempotency_key: str | None = None) -> Any:
        return await self.call(service, "POST", path, token, json=body if body is not None else {},
                               idempotency_key=idempotency_key)

    @asynccontextmanager
    async def stream(self, service: str, path: str, token: str, params: dict[str, Any]
                     ) -> AsyncIterator[httpx.Response]:
        """A streamed GET (an export): the response, opened; raises ``ApiError`` on a refusal."""
        clean = {k: v for k, v in params.items() if v not in (None, "")}
        request = self._clients[service].build_request("GET", path, params=clean,
                                                       headers={"Authorization": f"Bearer {token}"})
        try:
            response = await self._clients[service].send(request, stream=True)
        except httpx.TransportError as exc:
            raise Unreachable(service, type(exc).__name__) from exc
        try:
            if response.is_error:
                await response.aread()
                raise ApiError(service, response.status_code, _detail(response))
            yield response
        finally:
            await response.aclose()


def _detail(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        detail = None
    return str(detail) if detail else f"HTTP {response.status_code}"
