"""Web accounts: creating them, checking passwords, switching them off. Passwords are kept only
as Argon2id hashes (argon2-cffi); every change to an account is audited, never with the hash."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, select

from dtoa.clock import Clock, as_utc
from dtoa.config import Settings
from dtoa.models import User
from dtoa.models.users import ROLES
from dtoa.store.audit import change, record_change

MIN_PASSWORD_LENGTH = 10
_hasher = PasswordHasher()
# Verified when the user name is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a real password")


class AccountError(ValueError):
    """An account that cannot be created or changed as asked, in words an administrator can act
    on."""


def check_scope(settings: Settings, role: str, force: str | None, provider: str | None) -> None:
    """A custody user belongs to exactly one configured force, a provider user to exactly one
    configured provider; inspectors and admins have no scope."""
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if role == "custody":
        _one_of("force", force, settings.forces, "; ")
    if role == "provider":
        _one_of("provider", provider, tuple(settings.providers_by_code), ", ")
    if role != "custody" and force:
        raise AccountError("only a custody user has a force")
    if role != "provider" and provider:
        raise AccountError("only a provider user has a provider")


def _one_of(what: str, value: str | None, configured: tuple[str, ...], separator: str) -> None:
    """A missing scope and a wrong one are different mistakes; each message says which."""
    if not value:
        needs = "a custody user needs a force" if what == "force" else \
            "a provider user needs a provider code"
        raise AccountError(f"{needs} (--{what}), one of: {separator.join(configured)}")
    if value not in configured:
        raise AccountError(f"unknown {what} {value!r}; configured: {separator.join(configured)}")


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")


def add_user(session: Session, settings: Settings, clock: Clock, *, username: str,
             password: str, role: str, force: str | None = None, provider: str | None = None,
             actor: str) -> User:
    """Create an account (audited as `web_user` created by `actor`)."""
    username = username.strip()
    if not username or len(username) > 64 or any(c.isspace() for c in username):
        raise AccountError("a user name is 1 to 64 characters without spaces")
    check_scope(settings, role, force, provider)
    _check_password(password)
    if session.exec(select(User).where(User.username == username)).first() is not None:
        raise AccountError(f"user {username!r} already exists")
    now = as_utc(clock.now())
    user = User(username=username, password_hash=_hasher.hash(password), role=role,
                force=force, provider=provider, created_at=now, updated_at=now)
    session.add(user)
    session.flush()
    record_change(session, at=now, actor=actor, entity="web_user", entity_id=user.id,
                  action="created", changes={"username": [None, username], "role": [None, role],
                                             "force": [None, force],
                                             "provider": [None, provider]})
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this name and password, else None."""
    user = session.exec(select(User).where(User.username == username.strip())).first()
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    return user


def set_active(session: Session, clock: Clock, *, username: str, active: bool,
               actor: str) -> User:
    """Switch an account off (it can no longer sign in, and its open sessions end) or on."""
    user = _get(session, username)
    change(session, user, entity="web_user", action="updated", at=as_utc(clock.now()),
           actor=actor, active=active)
    return user


def set_password(session: Session, clock: Clock, *, username: str, password: str,
                 actor: str) -> User:
    """Replace a password; the audit row says it changed, never what to."""
    _check_password(password)
    user = _get(session, username)
    now = as_utc(clock.now())
    user.password_hash, user.updated_at = _hasher.hash(password), now
    session.add(user)
    record_change(session, at=now, actor=actor, entity="web_user", entity_id=user.id,
                  action="password_changed", changes={"password": ["(old)", "(new)"]})
    return user


def _get(session: Session, username: str) -> User:
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None:
        raise AccountError(f"no user {username!r}")
    return user
