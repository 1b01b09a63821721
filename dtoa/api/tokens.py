"""API tokens for partner systems, one per organisation's system: made, listed and revoked by
`dtoa tokens`. A token is shown once when made; the table keeps only its SHA-256 (256 random
bits cannot be guessed back from it), and every change is audited (entity `api_token`).

A custody system's token is scoped to a force (every suite of that force, in config.toml), a
provider system's to a provider code, and a reporting system's sees the funnel only."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from dtoa.clock import Clock, as_utc
from dtoa.config import Settings
from dtoa.models import ApiToken
from dtoa.rules.states import TokenKind
from dtoa.store import record_change, session_scope

PREFIX = "dtoa_"
TOUCH_EVERY = timedelta(minutes=1)


class TokenError(ValueError):
    """A token that cannot be made or revoked, with the reason in words."""


@dataclass(frozen=True)
class Caller:
    """The partner system behind a request: what its token allows."""

    token_id: int
    name: str
    kind: TokenKind
    force: str | None
    provider: str | None
    suites: frozenset[str]  # a custody token's force's suites

    @property
    def actor(self) -> str:
        return f"api:{self.name}"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add_token(session: Session, settings: Settings, clock: Clock, *, name: str, kind: str,
              force: str | None = None, provider: str | None = None, actor: str) -> str:
    """Make a token and return it (the only time it is seen). Custody tokens name a force of
    config.toml, provider tokens a provider code; reporting tokens neither."""
    name = name.strip()
    if not name or len(name) > 64 or not name.replace("-", "").replace("_", "").isalnum():
        raise TokenError("a token's name is 1 to 64 letters, digits, '-' or '_'")
    try:
        kind = TokenKind(kind)
    except ValueError:
        raise TokenError(f"unknown kind {kind!r}; one of "
                         + ", ".join(k.value for k in TokenKind)) from None
    force, provider = _scope(settings, kind, force, provider)
    if session.execute(select(ApiToken.id).where(ApiToken.name == name)).first():
        raise TokenError(f"a token named {name} already exists (revoked ones keep their name)")
    token = PREFIX + secrets.token_urlsafe(32)
    now = as_utc(clock.now())
    row = ApiToken(name=name, kind=kind, force=force, provider=provider,
                   token_hash=token_hash(token), created_at=now, created_by=actor)
    session.add(row)
    session.flush()
    record_change(session, at=now, actor=actor, entity="api_token", entity_id=row.id,
                  action="created", changes={"name": [None, name], "kind": [None, kind.value],
                                             "force": [None, force],
                                             "provider": [None, provider]})
    return token


def _scope(settings: Settings, kind: TokenKind, force: str | None, provider: str | None
           ) -> tuple[str | None, str | None]:
    if kind == TokenKind.CUSTODY:
        if provider or not force:
            raise TokenError("a custody token names a force (--force) and no provider")
        if force not in settings.forces:
            raise TokenError(f"unknown force {force!r}; configured: "
                             + ", ".join(settings.forces))
        return force, None
    if kind == TokenKind.PROVIDER:
        if force or not provider:
            raise TokenError("a provider token names a provider (--provider) and no force")
        if provider not in settings.providers_by_code:
            raise TokenError(f"unknown provider {provider!r}; configured: "
                             + ", ".join(settings.providers_by_code))
        return None, provider
    if force or provider:
        raise TokenError("a reporting token names neither a force nor a provider")
    return None, None


def list_tokens(session: Session) -> list[ApiToken]:
    return list(session.execute(select(ApiToken).order_by(ApiToken.name)).scalars())


def revoke_token(session: Session, clock: Clock, *, name: str, actor: str) -> ApiToken:
    """Revoke a token: refused from its next request on, in every server process."""
    row = session.execute(select(ApiToken).where(ApiToken.name == name)).scalar_one_or_none()
    if row is None:
        raise TokenError(f"no token named {name}")
    if row.revoked_at is not None:
        return row
    now = as_utc(clock.now())
    row.revoked_at, row.revoked_by = now, actor
    session.add(row)
    record_change(session, at=now, actor=actor, entity="api_token", entity_id=row.id,
                  action="revoked", changes={"revoked_at": [None, now]})
    return row


def caller_for(engine: Engine, settings: Settings, token: str, now: datetime) -> Caller | None:
    """The live token's caller, or None (unknown or revoked: both refused alike). Looked up
    on every request, so a revocation holds at once; the last-used time is written at most
    once a minute."""
    with Session(engine) as session:
        row = session.execute(select(ApiToken).where(
            ApiToken.token_hash == token_hash(token))).scalar_one_or_none()
    if row is None or row.revoked_at is not None:
        return None
    if row.last_used_at is None or as_utc(row.last_used_at) <= now - TOUCH_EVERY:
        with session_scope(engine) as session:
            session.execute(update(ApiToken).where(ApiToken.id == row.id)
                            .values(last_used_at=now))
    suites = frozenset(s.code for s in settings.suites if row.force and s.force == row.force)
    return Caller(row.id, row.name, TokenKind(row.kind), row.force, row.provider, suites)
