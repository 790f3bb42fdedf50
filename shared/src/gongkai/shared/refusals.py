"""Every refused request on a staff route becomes an ``access.refused`` fact, as a refused message does.

The request's own transaction was rolled back, so the refusal is written in a unit of work of its own,
through the service's outbox, and reaches the audit log like any event. A flood of bad requests cannot
grow it by more than one small row each: no request body is kept, every text is cut to its contract's
length, and a request that matched no route (a scan for paths) is not recorded at all. A refusal that
cannot be recorded (the database is down) is logged; the answer the client gets stays the same.
"""

from __future__ import annotations

import logging

from fastapi import Request
from starlette.routing import Match

from .contracts import ACCESS_REFUSED, AccessRefused, printable

log = logging.getLogger("gongkai.refusals")

# Routes anyone may call, and the API's own description: their 4xx are nobody's refusal.
OPEN_PREFIXES = ("/public", "/health", "/ready", "/docs", "/redoc", "/openapi.json")
# Path parameters that name what a refused request was about, in the order they are looked for.
SUBJECTS = ("item_id", "case_id", "request_id", "message_id")


def is_staff_route(path: str) -> bool:
    return not any(path == prefix or path.startswith(prefix + "/") or path.startswith(prefix + ".")
                   for prefix in OPEN_PREFIXES)


def route_of(request: Request) -> tuple[str, dict[str, str]] | None:
    """The route template the request matched (``/items/{item_id}/withdraw``) and its path parameters.

    Before routing (a request refused for its size) the app's routes are matched here.
    """
    route = request.scope.get("route")
    if route is not None:
        return route.path, dict(request.path_params)
    for candidate in request.app.router.routes:
        match, child = candidate.matches(request.scope)
        if match is Match.FULL:
            return getattr(candidate, "path", request.url.path), dict(child.get("path_params", {}))
    return None


async def record(request: Request, status: int, reason: str, subject: str | None = None) -> None:
    """Emit ``access.refused`` for a refused request on a staff route; never raises.

    ``subject`` is the item the handler found the request to be about; else the path names it.
    """
    try:
        found = route_of(request)
        if found is None or not is_staff_route(found[0]):
            return
        template, params = found
        principal = getattr(request.state, "principal", None)
        subject = subject or next((str(params[name]) for name in SUBJECTS if params.get(name)), None)
        service = request.app.state.service
        data = AccessRefused(
            service=service.name, via="http", what=printable(f"{request.method} {template}", 300), status=status,
            reason=printable(reason, 2000), person=principal.id if principal else None,
            item_id=printable(subject, 256) if subject else None)
        async with service.uow() as uow:
            uow.emit(service.event(ACCESS_REFUSED, data, subject=data.item_id))
            await uow.commit()
    except Exception:
        log.exception("a refused request could not be recorded",
                      extra={"status": status, "path": printable(request.url.path, 300)})
