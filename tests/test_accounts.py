"""Web accounts: scopes by role, password rules, hashed storage, switching off."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, select

from dtoa.accounts import AccountError, add_user, authenticate, set_active, set_password
from dtoa.models import AuditEvent, User
from dtoa.store import session_scope

PASSWORD = "correct horse battery"
HAMPSHIRE = "Hampshire and Isle of Wight Constabulary"


@pytest.mark.parametrize("role, scope, message", [
    ("custody", {}, "a custody user needs a force"),
    ("custody", {"force": "Kent Police"},
     "unknown force 'Kent Police'; configured: Hampshire and Isle of Wight Constabulary; "
     "Thames Valley Police"),
    ("provider", {}, "a provider user needs a provider code"),
    ("provider", {"provider": "NOPE"}, "unknown provider 'NOPE'; configured: NHRS, TVRS, MKDAS"),
    ("inspector", {"force": HAMPSHIRE}, "only a custody user has a force"),
    ("custody", {"force": HAMPSHIRE, "provider": "NHRS"}, "only a provider user has a provider"),
    ("superuser", {}, "role must be one of"),
])
def test_each_role_has_exactly_its_own_scope(engine, settings, clock, role, scope, message):
    with pytest.raises(AccountError, match=message), session_scope(engine) as session:
        add_user(session, settings, clock, username="u", password=PASSWORD, role=role,
                 actor="test", **scope)


def test_a_short_password_is_refused(engine, settings, clock):
    with pytest.raises(AccountError, match="at least 10"), session_scope(engine) as session:
        add_user(session, settings, clock, username="u", password="short", role="admin",
                 actor="test")


def test_the_password_is_kept_only_as_an_argon2_hash(engine, settings, clock):
    with session_scope(engine) as session:
        add_user(session, settings, clock, username="insp", password=PASSWORD,
                 role="inspector", actor="admin")
    with Session(engine) as session:
        user = session.exec(select(User)).one()
        event = session.exec(select(AuditEvent)).one()
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash and PASSWORD not in event.changes
        assert authenticate(session, "insp", PASSWORD).username == "insp"
        assert authenticate(session, "insp", PASSWORD + "x") is None
        assert authenticate(session, "nobody", PASSWORD) is None


def test_a_user_name_is_taken_once(engine, settings, clock):
    with session_scope(engine) as session:
        add_user(session, settings, clock, username="a", password=PASSWORD, role="admin",
                 actor="t")
    with pytest.raises(AccountError, match="already exists"), session_scope(engine) as session:
        add_user(session, settings, clock, username="a", password=PASSWORD, role="admin",
                 actor="t")


def test_a_switched_off_user_cannot_sign_in_and_both_changes_are_audited(engine, settings,
                                                                         clock):
    with session_scope(engine) as session:
        add_user(session, settings, clock, username="desk", password=PASSWORD, role="custody",
                 force=HAMPSHIRE, actor="admin")
    with session_scope(engine) as session:
        set_active(session, clock, username="desk", active=False, actor="admin")
        set_password(session, clock, username="desk", password=PASSWORD + "!", actor="admin")
    with Session(engine) as session:
        assert authenticate(session, "desk", PASSWORD + "!") is None
        events = session.exec(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.actor, e.action) for e in events] == [
        ("admin", "created"), ("admin", "updated"), ("admin", "password_changed")]
    assert json.loads(events[1].changes) == {"active": [True, False]}
