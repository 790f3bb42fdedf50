"""Signing in with the staff token, signing out, and the home page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from gongkai.shared.identity import hash_token

from .client import ApiError, Unreachable
from .sessions import Person
from .web import console_of, local, notice, posted, render, session_of, signed_in, start_session

router = APIRouter()


@router.get("/signin")
async def signin_page(request: Request, next: str = "/") -> Response:
    return render(request, "signin.html", next=local(next) or "/")


@router.post("/signin")
async def sign_in(request: Request) -> Response:
    form = await request.form()
    session = session_of(request)
    back = local(form.get("next")) or "/"
    if session is None or not session.csrf_matches(form.get("csrf")):
        return render(request, "signin.html", status=403, next=back,
                      error="登录表单已过期或来源不明（CSRF 校验未通过），请重新登录。")
    token = str(form.get("token") or "").strip()
    console = console_of(request)
    if not token:
        return render(request, "signin.html", status=422, next=back, error="请输入您的令牌。")
    if console.settings.production and hash_token(token) in console.development_tokens:
        return render(request, "signin.html", status=403, next=back,
                      error="生产环境不接受开发用令牌（dev-…-token），请使用发给您本人的令牌。")
    try:
        me = await console.api.get("publishing", "/me", token)
    except ApiError as exc:
        why = "令牌无效或已停用。" if exc.status == 401 else f"无法登录：{exc.detail}"
        return render(request, "signin.html", status=401 if exc.status == 401 else 502, next=back, error=why)
    except Unreachable:
        return render(request, "signin.html", status=502, next=back, error="发布服务暂时不可用，无法登录。")
    person = Person(id=me["id"], name=me["name"], unit=me["unit"], roles=frozenset(me["roles"]))
    signed = start_session(request, console.sessions.sign_in(session, person, token))
    if signed.carried is not None:
        back = signed.carried.back
        notice(request, "已重新登录。您之前填写的内容已恢复，请核对后再次提交。")
    return RedirectResponse(back if back != "/signin" else "/", status_code=303)


@router.post("/signout")
async def sign_out(request: Request) -> Response:
    session, _ = await posted(request)
    console_of(request).sessions.end(session.id)
    fresh = start_session(request, console_of(request).sessions.new())
    fresh.notices.append("您已退出登录。")
    return RedirectResponse("/signin", status_code=303)


@router.get("/")
async def home(request: Request) -> Response:
    session = signed_in(request)
    return render(request, "home.html", person=session.person)
