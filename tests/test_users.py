"""Managing web accounts from the command line (`dtoa users list|disable|enable|reset-password`)
and the web: passwords never as arguments and never in the audit trail, sessions ended when an
account is switched off or its password reset, and never a moment with no active admin."""

from __future__ import annotations

import json
import threading

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from dtoa.accounts import AccountError, add_user, set_active
from dtoa.cli import cli
from dtoa.models import AuditEvent, User, WebSession
from dtoa.store import session_scope
from dtoa.web import create_app
from dtoa.web.testing import form_token, signed_in

PASSWORD = "correct horse battery"
NEW_PASSWORD = "a brand new passphrase"
HAMPSHIRE = "Hampshire and Isle of Wight Constabulary"


@pytest.fixture
def accounts(runtime):
    with session_scope(runtime.engine) as session:
        for name, role, scope in (("desk", "custody", {"force": HAMPSHIRE}),
                                  ("nhrs", "provider", {"provider": "NHRS"}),
                                  ("admin", "admin", {})):
            add_user(session, runtime.settings, runtime.clock, username=name,
                     password=PASSWORD, role=role, actor="test", **scope)


@pytest.fixture
def app(runtime, accounts):
    return create_app(runtime)


def audit(runtime, action: str) -> list[AuditEvent]:
    with Session(runtime.engine) as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.entity == "web_user",
                                                          AuditEvent.action == action)
                                 .order_by(AuditEvent.id)).all())


def is_signed_out(client: TestClient) -> bool:
    return client.get("/").headers["location"].startswith("/login")


def test_users_list_shows_each_account_and_no_password_hash(dtoa, app):
    listing = dtoa("users", "list").output
    assert listing.splitlines() == [
        "user   role      scope                                     status",
        "admin  admin     all                                       active",
        f"desk   custody   {HAMPSHIRE}  active",
        "nhrs   provider  NHRS                                      active",
    ]
    assert "$argon2" not in listing


def test_users_disable_ends_the_sessions_at_once_and_enable_lets_them_back(dtoa, app,
                                                                          runtime):
    desk = signed_in(app, "desk", PASSWORD)
    assert "user desk switched off" in dtoa("users", "disable", "desk").output
    assert is_signed_out(desk)
    with pytest.raises(AssertionError, match="could not sign in"):
        signed_in(app, "desk", PASSWORD)
    assert "desk" in dtoa("users", "list").output.splitlines()[2]
    assert dtoa("users", "list").output.splitlines()[2].endswith("off")
    dtoa("users", "enable", "desk")
    signed_in(app, "desk", PASSWORD)
    assert [(e.actor, json.loads(e.changes)) for e in audit(runtime, "updated")] == [
        ("cli:users-disable", {"active": [True, False]}),
        ("cli:users-enable", {"active": [False, True]})]


def typed(config_file, *args: str, input: str):  # noqa: A002, ANN001, ANN201
    """`dtoa --config ... args` with `input` typed at its prompt or sent to its stdin."""
    return CliRunner().invoke(cli, ["--config", str(config_file), *args], input=input)


def test_users_reset_password_reads_stdin_ends_sessions_and_audits_no_secret(
        dtoa, config_file, app, runtime):
    desk = signed_in(app, "desk", PASSWORD)
    result = typed(config_file, "users", "reset-password", "desk", "--password-stdin",
                   input=NEW_PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "password of desk replaced" in result.output and NEW_PASSWORD not in result.output
    assert is_signed_out(desk)
    signed_in(app, "desk", NEW_PASSWORD)
    [event] = audit(runtime, "password_changed")
    with Session(runtime.engine) as session:
        stored = session.exec(select(User.password_hash).where(User.username == "desk")).one()
    assert event.actor == "cli:users-reset-password"
    assert NEW_PASSWORD not in event.changes and stored not in event.changes


def test_users_reset_password_prompts_twice_without_echo(dtoa, config_file, app):
    mismatch = typed(config_file, "users", "reset-password", "nhrs",
                     input=f"{NEW_PASSWORD}\nsomething else\n")
    assert mismatch.exit_code != 0
    assert "do not match" in mismatch.output and "something else" not in mismatch.output
    done = typed(config_file, "users", "reset-password", "nhrs",
                 input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    assert done.exit_code == 0 and NEW_PASSWORD not in done.output
    signed_in(app, "nhrs", NEW_PASSWORD)


def test_a_password_is_never_a_command_line_argument(dtoa, app):
    refused = dtoa("users", "reset-password", "desk", "--password", NEW_PASSWORD, ok=False)
    assert refused.exit_code == 2 and "No such option" in refused.output


def test_users_commands_name_an_unknown_user_and_a_short_password(dtoa, config_file, app):
    unknown = dtoa("users", "disable", "nobody", ok=False)
    assert unknown.exit_code == 1 and "no user 'nobody'" in unknown.output
    short = typed(config_file, "users", "reset-password", "desk", "--password-stdin",
                  input="short\n")
    assert short.exit_code == 1 and "at least 10 characters" in short.output


def test_the_last_active_admin_cannot_be_switched_off_on_the_command_line(dtoa, app, runtime):
    refused = dtoa("users", "disable", "admin", ok=False)
    assert refused.exit_code == 1
    assert "admin is the last active administrator" in refused.output
    with session_scope(runtime.engine) as session:
        add_user(session, runtime.settings, runtime.clock, username="admin2",
                 password=PASSWORD, role="admin", actor="test")
    dtoa("users", "disable", "admin")
    assert dtoa("users", "disable", "admin2", ok=False).exit_code == 1
    with Session(runtime.engine) as session:
        admins = session.exec(select(User.username).where(User.role == "admin",
                                                          User.active == True)).all()  # noqa: E712
    assert admins == ["admin2"]


def test_the_last_active_admin_cannot_be_switched_off_on_the_web(app, runtime):
    admin = signed_in(app, "admin", PASSWORD)
    page = admin.get("/admin/users")
    response = admin.post("/admin/users/admin/active", data={
        "csrf_token": form_token(page.text), "active": "false"})
    assert response.status_code == 409
    assert "admin is the last active administrator" in response.text
    assert admin.get("/admin/users").status_code == 200
    assert audit(runtime, "updated") == []


def test_two_admins_switching_each_other_off_at_once_leave_one_active(runtime, accounts):
    with session_scope(runtime.engine) as session:
        add_user(session, runtime.settings, runtime.clock, username="admin2",
                 password=PASSWORD, role="admin", actor="test")
    start, outcomes = threading.Barrier(2), []

    def switch_off(target: str, actor: str) -> None:
        start.wait()
        try:
            with session_scope(runtime.engine) as session:
                set_active(session, runtime.clock, username=target, active=False, actor=actor)
            outcomes.append("switched off")
        except AccountError:
            outcomes.append("refused")

    threads = [threading.Thread(target=switch_off, args=pair)
               for pair in (("admin", "admin2"), ("admin2", "admin"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", "switched off"]
    with Session(runtime.engine) as session:
        active = session.exec(select(User).where(User.role == "admin",
                                                 User.active == True)).all()  # noqa: E712
        assert len(active) == 1
        assert session.exec(select(WebSession)).all() == []
