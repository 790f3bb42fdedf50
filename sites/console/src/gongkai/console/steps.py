"""A workflow step posted from a console form: the form as the API's body, a refusal shown beside the form.

The requests and the participation pages both list each step a state allows as a form (``FORMS``: form id →
title, fields, what is said when it worked); the service decides whether the step is in order and who may take it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from . import problems
from .client import ApiError
from .web import console_of, notice, posted

# name, label, kind (text, date — today unless typed —, optional-date, number, select, textarea, lines)
Field = tuple[str, str, str, dict[str, str]]
Forms = dict[str, tuple[str, list[Field], str]]
Page = Callable[..., Awaitable[Response]]  # re-renders the page: (request, token, id, status=, form=, values=, …)


def body_of(fields: list[Field], form: Any) -> dict[str, Any]:
    """The typed form as the API's body: what was typed, as typed, so the API's rules decide (and say why)."""
    body: dict[str, Any] = {}
    for name, _, kind, _ in fields:
        value = str(form.get(name) or "").replace("\r\n", "\n")
        if kind == "lines":
            body[name] = [line.strip() for line in value.split("\n") if line.strip()]
        elif kind == "number":
            if value.strip():
                body[name] = int(value) if value.strip().lstrip("-").isdigit() else value
        elif kind == "checkbox":
            body[name] = value == "yes"
        elif value.strip():
            body[name] = value
    return body


async def post_step(request: Request, *, service: str, path: str, subject: str, form_id: str, forms: Forms,
                    page: Page, back: str, roles: tuple[str, ...], body: Callable[[Any], dict[str, Any]] | None = None
                    ) -> Response:
    """Post one step's form to ``service`` at ``path``; on a 403, 409 or 422 the page again with the reason (in
    Chinese, the service's words beside it)."""
    session, form = await posted(request, *roles)
    fields = forms[form_id][1]
    try:
        await console_of(request).api.post(service, path, session.token,
                                           body(form) if body else body_of(fields, form),
                                           idempotency_key=str(form.get("idempotency_key") or "") or None)
    except ApiError as exc:
        if exc.status not in (403, 409, 422):
            raise
        errors, general = problems.field_errors(exc.detail, [name for name, *_ in fields])
        alert = [problems.explained(reason) for reason in general]
        if not errors and not alert:
            alert = [problems.explained(exc.detail)]
        return await page(request, session.token, subject, status=exc.status, form=form_id, values=form,
                          errors=errors, alert=alert)
    notice(request, forms[form_id][2])
    return RedirectResponse(back, status_code=303)
