"""Signing in and out, CSRF tokens, and the role and scope checks every page uses.

Sessions live in the database (dtoa.store.web_sessions): the cookie holds only a random token,
so signing out, switching an account off or resetting its password ends the session in every
server process at once, and a copied cookie opens nothing afterwards. Failed sign-ins are
counted per user name and per client address (dtoa.rules.signin): past a limit the name or
address is locked out for a while, whatever the password, and the answer never says whether
the user name exists.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session

from dtoa.accounts import authenticate
from dtoa.clock import as_utc
from dtoa.log import get_logger
from dtoa.models import User
from dtoa.store.throttle import Lock, forget_user_name, lock_on, record_failure
from dtoa.store.web_sessions import end_session, open_session
from dtoa.web import session as browser
from dtoa.web.pages import redirect, render, runtime_of

log = get_logger("dtoa.web")
router = APIRouter()
HOME = {"custody": "/custody", "provider": "/provider", "inspector": "/inspector",
        "admin": "/admin/users"}
NOT_RECOGNISED = "User name or password not recognised."


class SignInRequired(Exception):
    """No live session: the handler sends the browser to the sign-in page."""

    def __init__(self, next_path: str, expired: bool = False) -> None:
        self.next_path, self.expired = next_path, expired


async def csrf_protect(request: Request) -> None:
    """Every POST carries the session's token (before sign-in, the sign-in cookie's) in a hidden
    field: a form posted from another site cannot know it. Signing out with no live session
    left needs none: there is nothing to end; any other form posted after its session ended
    goes to the sign-in page, changing nothing."""
    if request.method != "POST":
        return
    form = await request.form()
    sent, expected = str(form.get("csrf_token", "")), browser.csrf_expected(request)
    if request.state.web_session is None and request.url.path == "/logout":
        return
    if (request.state.web_session is None and browser.SESSION_COOKIE in request.cookies
            and request.url.path != "/login"):  # posted after its session ended
        ended = request.state.session_ended
        raise SignInRequired("/", expired=ended is not None and ended.reason is not None)
    if not expected or not secrets.compare_digest(sent.encode(), expected.encode()):
        log.warning("web.csrf_refused", path=request.url.path)
        raise HTTPException(403, "This form has expired or did not come from this site. "
                                 "Open the page again and resubmit.")


def current_user(request: Request) -> User:
    """The signed-in, active user of a live session (dtoa.rules.signin: idle and absolute
    limits)."""
    live = browser.live_session(request)
    if live is None:
        ended = request.state.session_ended
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(target, expired=ended is not None and ended.reason is not None)
    return live[1]


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


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def locked_out(request: Request, lock: Lock, *, user: str, template: str,
               **context: object):  # noqa: ANN201
    """The answer while a name or address is locked: 429, the same for every user name."""
    runtime = runtime_of(request)
    log.warning("web.signin_throttled", user=user[:64], scope=lock.scope,
                failures=lock.failures, locked_until=lock.until.isoformat())
    until = lock.until.astimezone(runtime.settings.tz).strftime("%H:%M")
    response = render(request, template, status=429, **context,
                      error=f"Too many failed attempts: signing in is paused until {until}. "
                            "Try again then.")
    response.headers["Retry-After"] = str(max(1, int((lock.until - now_utc(request))
                                                     .total_seconds())))
    return response


def now_utc(request: Request) -> datetime:
    return as_utc(runtime_of(request).clock.now())


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
    now, address = now_utc(request), client_address(request)
    page = {"template": "login.html", "next": _safe_next(next), "expired": False}
    lock = lock_on(runtime.engine, now, username, address)
    if lock is not None:  # refused unseen: the password is not even checked
        return locked_out(request, lock, user=username, **page)
    with Session(runtime.engine) as session:
        user = authenticate(session, username, password)
    if user is None:
        lock = record_failure(runtime.engine, runtime.settings.web, now, username, address)
        if lock is not None:
            return locked_out(request, lock, user=username, **page)
        log.warning("web.sign_in_failed", user=username[:64])
        return render(request, "login.html", status=401, next=page["next"], expired=False,
                      error=NOT_RECOGNISED)
    forget_user_name(runtime.engine, username)
    if (old := request.cookies.get(browser.SESSION_COOKIE)) is not None:
        end_session(runtime.engine, old)  # a new session id at each sign-in, never a reused one
    token, _ = open_session(runtime.engine, runtime.settings.web, runtime.clock, user.id)
    log.info("web.signed_in", user=user.username, role=user.role)
    target = _safe_next(next)
    response = RedirectResponse(target if target != "/" else HOME[user.role], status_code=303)
    browser.start(request, response, token)
    return response


@router.post("/logout")
def logout(request: Request) -> RedirectResponse:
    runtime = runtime_of(request)
    live = browser.live_session(request)
    if (token := request.cookies.get(browser.SESSION_COOKIE)) is not None:
        end_session(runtime.engine, token)
    if live is not None:
        log.info("web.signed_out", user=live[1].username)
    response = RedirectResponse("/login", status_code=303)
    browser.forget(request, response)
    return response


def _safe_next(path: str) -> str:
    """Only a path on this site: never an open redirect to another host (`//host` and `/\\host`
    are read by browsers as another host)."""
    return path if path.startswith("/") and not path.startswith(("//", "/\\")) else "/"


def login_redirect(request: Request, exc: SignInRequired) -> RedirectResponse:
    query = {"next": exc.next_path, **({"expired": "1"} if exc.expired else {})}
    response = redirect("/login", **query)
    browser.forget(request, response)
    return response
