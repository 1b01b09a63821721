"""Web accounts: creating them, checking passwords, switching them off and on, changing
passwords. Passwords are kept only as Argon2id hashes (argon2-cffi); every change to an account
is audited, never with the password or its hash. Switching an account off or resetting its
password ends its web sessions at once; the last active administrator cannot be switched off."""

from __future__ import annotations

import functools
import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, select

from dtoa.clock import Clock, as_utc
from dtoa.config import Settings
from dtoa.models import User
from dtoa.models.users import ROLES
from dtoa.rules.states import Role
from dtoa.store.audit import change, record_change
from dtoa.store.web_sessions import end_sessions

MIN_PASSWORD_LENGTH = 10
# Safe in a URL path, a log line and a shell: letters, digits and . _ @ -
USERNAME = re.compile(r"[A-Za-z0-9._@-]{1,64}")
_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified when the user name is unknown, so a wrong name costs as long as a wrong
    password. Made on first use, not at import: every CLI command imports this module."""
    return _hasher.hash("not a real password")


class AccountError(ValueError):
    """An account that cannot be created or changed as asked, in words an administrator can act
    on."""


class UnknownUser(AccountError):
    """No account has this user name."""


class WrongPassword(AccountError):
    """The current password given to change it is not the account's."""


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
    if not USERNAME.fullmatch(username):
        raise AccountError("a user name is 1 to 64 letters, digits or . _ @ -")
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
        _hasher.verify(user.password_hash if user else _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    return user


def list_users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(User.username)).all())


def set_active(session: Session, clock: Clock, *, username: str, active: bool,
               actor: str) -> User:
    """Switch an account on, or off: it can no longer sign in and its sessions end at once.
    The last active administrator cannot be switched off (nobody could manage accounts then)."""
    if not active:
        # Two administrators switching each other off at once: the second waits here
        # (PostgreSQL row locks; SQLite serialises the writes below) and then counts again.
        session.execute(select(User.id).where(User.role == Role.ADMIN).with_for_update()).all()
    user = _get(session, username)
    change(session, user, entity="web_user", action="updated", at=as_utc(clock.now()),
           actor=actor, active=active)
    if not active:
        session.flush()
        if user.role == Role.ADMIN and _active_admins(session) == 0:
            raise AccountError(f"{username} is the last active administrator: switch another "
                               "administrator on (or add one) first")
        end_sessions(session, user.id)
    return user


def set_password(session: Session, clock: Clock, *, username: str, password: str,
                 actor: str, keep_session: int | None = None) -> User:
    """Replace a password and end the account's sessions (but `keep_session`, the one changing
    its own password); the audit row says it changed, never what to."""
    _check_password(password)
    user = _get(session, username)
    now = as_utc(clock.now())
    user.password_hash, user.updated_at = _hasher.hash(password), now
    session.add(user)
    record_change(session, at=now, actor=actor, entity="web_user", entity_id=user.id,
                  action="password_changed", changes={"password": ["(old)", "(new)"]})
    end_sessions(session, user.id, keep=keep_session)
    return user


def change_own_password(session: Session, clock: Clock, *, username: str, current: str,
                        new: str, keep_session: int | None = None) -> User:
    """A user replaces their own password, proving they know the current one; their other
    sessions end."""
    user = _get(session, username)
    try:
        _hasher.verify(user.password_hash, current)
    except (VerificationError, InvalidHashError):
        raise WrongPassword("the current password is not right") from None
    if new == current:
        raise AccountError("the new password must differ from the current one")
    return set_password(session, clock, username=username, password=new, actor=username,
                        keep_session=keep_session)


def _active_admins(session: Session) -> int:
    return len(session.exec(select(User.id).where(User.role == Role.ADMIN,
                                                  User.active == True)).all())  # noqa: E712


def _get(session: Session, username: str) -> User:
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None:
        raise UnknownUser(f"no user {username!r}")
    return user
