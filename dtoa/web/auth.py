"""Signing in and out, idle expiry, CSRF tokens, and the role and scope checks every page uses.

The session is a signed cookie (Starlette's SessionMiddleware, itsdangerous) holding only the
user id, a CSRF token and when the user was last seen. The user is re-read on every request, so
switching an account off ends its sessions at once.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session

from dtoa.accounts import authenticate
from dtoa.log import get_logger
from dtoa.models import User
from dtoa.web.pages import render, runtime_of

log = get_logger("dtoa.web")
router = APIRouter()
HOME = {"custody": "/custody", "provider": "/provider", "inspector": "/inspector",
        "admin": "/admin/users"}


class SignInRequired(Exception):
    """No live session: the handler sends the browser to the sign-in page."""

    def __init__(self, next_path: str, expired: bool = False) -> None:
        self.next_path, self.expired = next_path, expired


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use (also before sign-in, for the sign-in form)."""
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


async def csrf_protect(request: Request) -> None:
    """Every POST carries the session's token in a hidden field: a form posted from another
    site cannot know it."""
    if request.method != "POST":
        return
    form = await request.form()
    sent, expected = str(form.get("csrf_token", "")), request.session.get("csrf", "")
    if not expected or not secrets.compare_digest(sent, expected):
        log.warning("web.csrf_refused", path=request.url.path)
        raise HTTPException(403, "This form has expired or did not come from this site. "
                                 "Open the page again and resubmit.")


def current_user(request: Request) -> User:
    """The signed-in, active user whose session has not sat idle too long."""
    runtime = runtime_of(request)
    now = runtime.clock.now().timestamp()
    user_id, seen = request.session.get("uid"), request.session.get("seen", 0)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if user_id is None:
        raise SignInRequired(target)
    if now - seen > runtime.settings.web.idle_minutes * 60:
        request.session.clear()
        log.info("web.session_expired", user_id=user_id)
        raise SignInRequired(target, expired=True)
    with Session(runtime.engine) as session:
        user = session.get(User, user_id)
    if user is None or not user.active:
        request.session.clear()
        raise SignInRequired(target)
    request.session["seen"] = now
    request.state.user = user
    return user


SignedIn = Annotated[User, Depends(current_user)]


def require(*roles: str) -> Callable[..., User]:
    """A dependency admitting only these roles; anyone else is refused (403) and logged."""

    def check(request: Request, user: SignedIn) -> User:
        if user.role not in roles:
            refuse(user, "page", status=403, path=request.url.path)
        return user

    return check


def refuse(user: User, what: str, *, status: int = 404, **context: str | int | None) -> None:
    """Refuse a request outside the user's role or scope and log who tried what (codes and ids
    only, never personal data). Records of another force or provider answer 404, so their
    existence is not revealed."""
    log.warning("web.access_refused", user=user.username, role=user.role, what=what,
                status=status, **context)
    raise HTTPException(status, "Not found." if status == 404 else "You do not have access to "
                                                                    "this page.")


@router.get("/")
def home(request: Request, user: SignedIn) -> RedirectResponse:
    return RedirectResponse(HOME[user.role], status_code=303)


@router.get("/login")
def login_form(request: Request, next: str = "/", expired: bool = False):  # noqa: A002
    return render(request, "login.html", next=_safe_next(next), expired=expired, error=None)


@router.post("/login")
def login(request: Request, username: str = Form(""), password: str = Form(""),
          next: str = Form("/")):  # noqa: A002
    runtime = runtime_of(request)
    with Session(runtime.engine) as session:
        user = authenticate(session, username, password)
    if user is None:
        log.warning("web.sign_in_failed", user=username[:64])
        return render(request, "login.html", status=401, next=_safe_next(next), expired=False,
                      error="User name or password not recognised.")
    request.session.clear()
    request.session.update(uid=user.id, seen=runtime.clock.now().timestamp(),
                           csrf=secrets.token_urlsafe(32))
    log.info("web.signed_in", user=user.username, role=user.role)
    return RedirectResponse(_safe_next(next) if next != "/" else HOME[user.role],
                            status_code=303)


@router.post("/logout")
def logout(request: Request) -> RedirectResponse:
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


def _safe_next(path: str) -> str:
    """Only a path on this site: never an open redirect to another host."""
    return path if path.startswith("/") and not path.startswith("//") else "/"


def login_redirect(exc: SignInRequired) -> RedirectResponse:
    query = f"?next={quote(exc.next_path)}" + ("&expired=1" if exc.expired else "")
    return RedirectResponse("/login" + query, status_code=303)
