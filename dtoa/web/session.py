"""The browser's side of a session: the cookie holding the session's random token
(dtoa.store.web_sessions keeps only its hash), the CSRF token every form carries, and the
one-line confirmations shown on the next page.

Before sign-in there is no session: the sign-in form's CSRF token is a random value in a
cookie of its own, which the posted form must repeat (a page on another site can read
neither)."""

from __future__ import annotations

import secrets

from fastapi import Request
from starlette.responses import Response

from dtoa.log import get_logger
from dtoa.models import User, WebSession
from dtoa.store.web_sessions import Ended, Live, add_flash, find_session, take_flash

log = get_logger("dtoa.web")
SESSION_COOKIE = "dtoa_session"
SIGNIN_COOKIE = "dtoa_signin"
_LOADED = "web_session_loaded"


def load_session(request: Request) -> None:
    """Find the request's live session once (a dependency of every route): sets
    `request.state.web_session` and `.user` (None without one) and `.session_ended`."""
    if getattr(request.state, _LOADED, False):
        return
    runtime = request.app.state.runtime
    token = request.cookies.get(SESSION_COOKIE)
    found = (find_session(runtime.engine, runtime.settings.web, runtime.clock, token)
             if token else Ended())
    live = isinstance(found, Live)
    request.state.web_session = found.session if live else None
    request.state.user = found.user if live else None
    request.state.session_ended = None if live else found
    if not live and found.reason is not None:
        log.info("web.session_expired", user_id=found.user_id, reason=found.reason)
    setattr(request.state, _LOADED, True)


def live_session(request: Request) -> tuple[WebSession, User] | None:
    load_session(request)
    session = request.state.web_session
    return (session, request.state.user) if session is not None else None


def csrf_token(request: Request) -> str:
    """The token this request's forms carry: the session's, else the sign-in cookie's (made
    now when the browser has none; `set_cookies` sends it)."""
    session = getattr(request.state, "web_session", None)
    if session is not None:
        return session.csrf_token
    token = request.cookies.get(SIGNIN_COOKIE) or getattr(request.state, "new_signin", None)
    if not token:
        token = request.state.new_signin = secrets.token_urlsafe(32)
    return token


def csrf_expected(request: Request) -> str:
    session = getattr(request.state, "web_session", None)
    return session.csrf_token if session is not None else request.cookies.get(SIGNIN_COOKIE, "")


def _cookie(response: Response, request: Request, name: str, value: str) -> None:
    response.set_cookie(name, value, httponly=True, samesite="strict", path="/",
                        secure=request.app.state.runtime.settings.web.secure_cookies)


def set_cookies(request: Request, response: Response) -> None:
    """Send the sign-in form's token if this response made one."""
    token = getattr(request.state, "new_signin", None)
    if token and not request.cookies.get(SIGNIN_COOKIE):
        _cookie(response, request, SIGNIN_COOKIE, token)


def start(request: Request, response: Response, token: str) -> None:
    """The browser keeps the new session's token until it closes or the session ends."""
    _cookie(response, request, SESSION_COOKIE, token)


def forget(request: Request, response: Response) -> None:
    """Drop an ended session's cookie (the session itself is gone from the database)."""
    if SESSION_COOKIE in request.cookies:
        response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict",
                               secure=request.app.state.runtime.settings.web.secure_cookies)


def flash(request: Request, message: str) -> None:
    """A one-line confirmation shown on the session's next page."""
    session = getattr(request.state, "web_session", None)
    if session is not None:
        add_flash(request.app.state.runtime.engine, session.id, message)
        request.state.flashed = True


def messages(request: Request) -> list[str]:
    session = getattr(request.state, "web_session", None)
    if session is None or not (session.flash or getattr(request.state, "flashed", False)):
        return []
    return take_flash(request.app.state.runtime.engine, session.id)
