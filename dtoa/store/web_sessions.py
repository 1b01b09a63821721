"""Signed-in web sessions, kept in the database so that every server process agrees: signing
out, switching an account off and resetting a password end them at once. A session ends after
`[web] idle_minutes` without a request and `[web] session_hours` after sign-in
(dtoa.rules.signin); ended sessions are deleted as they are found, and all expired ones at each
sign-in.

The browser holds a random token (256 bits); the table holds only its SHA-256, so neither a copy
of the database nor a log line can be replayed as a cookie.

The last-seen time is written at most once a minute (`TOUCH_EVERY`): a page view is a read, so
it does not queue behind a long ingest transaction on SQLite, and idle time counts to the
minute.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from dtoa.clock import Clock, as_utc
from dtoa.config import Web
from dtoa.models import User, WebSession
from dtoa.rules.signin import SessionEnd, session_end
from dtoa.store.db import session_scope

TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class Live:
    session: WebSession
    user: User


@dataclass(frozen=True)
class Ended:
    """No live session for the token: `reason` says when it timed out; None when it was never
    there, was signed out, or its account is switched off."""

    reason: SessionEnd | None = None
    user_id: int | None = None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def _limits(web: Web) -> tuple[timedelta, timedelta]:
    return timedelta(minutes=web.idle_minutes), timedelta(hours=web.session_hours)


def open_session(engine: Engine, web: Web, clock: Clock, user_id: int) -> tuple[str, WebSession]:
    """A new session for the user (and every expired one deleted); returns the browser's token,
    which is never stored."""
    token, now = secrets.token_urlsafe(32), as_utc(clock.now())
    with session_scope(engine) as session:
        purge_expired(session, web, now)
        row = WebSession(token_hash=token_hash(token), user_id=user_id,
                         csrf_token=secrets.token_urlsafe(32), created_at=now, last_seen_at=now)
        session.add(row)
        session.flush()
    return token, row


def find_session(engine: Engine, web: Web, clock: Clock, token: str) -> Live | Ended:
    """The live session the token opens, its last-seen time moved to now (if a minute or more
    has passed); an ended one is deleted."""
    now = as_utc(clock.now())
    idle, lifetime = _limits(web)
    with session_scope(engine) as session:
        found = session.execute(
            select(WebSession, User).join(User, User.id == WebSession.user_id)
            .where(WebSession.token_hash == token_hash(token))).first()
        if found is None:
            return Ended()
        row, user = found
        reason = session_end(row.created_at, row.last_seen_at, now, idle=idle,
                             lifetime=lifetime)
        if reason is not None or not user.active:
            session.execute(delete(WebSession).where(WebSession.id == row.id))
            return Ended(reason, user.id)
        if now - row.last_seen_at >= TOUCH_EVERY:
            session.execute(update(WebSession).where(WebSession.id == row.id)
                            .values(last_seen_at=now))
    return Live(row, user)


def end_session(engine: Engine, token: str) -> None:
    """Sign out: the token opens nothing any more."""
    with session_scope(engine) as session:
        session.execute(delete(WebSession).where(WebSession.token_hash == token_hash(token)))


def end_sessions(session: Session, user_id: int, *, keep: int | None = None) -> int:
    """End every session of a user (but `keep`), in the caller's transaction; how many ended."""
    statement = delete(WebSession).where(WebSession.user_id == user_id)
    if keep is not None:
        statement = statement.where(WebSession.id != keep)
    return session.execute(statement).rowcount


def purge_expired(session: Session, web: Web, now: datetime) -> int:
    idle, lifetime = _limits(web)
    return session.execute(delete(WebSession).where(or_(
        WebSession.last_seen_at < now - idle, WebSession.created_at < now - lifetime))).rowcount


def add_flash(engine: Engine, session_id: int, message: str) -> None:
    """A one-line confirmation for the session's next page."""
    with session_scope(engine) as session:
        row = session.get(WebSession, session_id)
        if row is not None:
            row.flash = json.dumps([*json.loads(row.flash or "[]"), message])
            session.add(row)


def take_flash(engine: Engine, session_id: int) -> list[str]:
    """The session's waiting confirmations, removed as they are shown."""
    with session_scope(engine) as session:
        row = session.get(WebSession, session_id)
        if row is None or not row.flash:
            return []
        messages, row.flash = json.loads(row.flash), None
        session.add(row)
    return messages
