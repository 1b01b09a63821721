"""Sessions live in the database: signing out, switching an account off and changing a password
end them at once in every server process; a copied cookie opens nothing afterwards; a session
ends after its idle time and after its absolute lifetime; the database holds only a hash of
the cookie. On SQLite and PostgreSQL, through the real application."""

from __future__ import annotations

import hashlib
import json

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from dtoa.accounts import add_user
from dtoa.models import AuditEvent, User, WebSession
from dtoa.store import session_scope
from dtoa.web import create_app
from dtoa.web.session import SESSION_COOKIE
from dtoa.web.testing import form_token, signed_in

PASSWORD = "correct horse battery"
NEW_PASSWORD = "staple battery horse"


@pytest.fixture
def app(runtime):
    return create_app(runtime)


@pytest.fixture
def accounts(runtime):
    with session_scope(runtime.engine) as session:
        for name, role in (("inspector", "inspector"), ("admin", "admin")):
            add_user(session, runtime.settings, runtime.clock, username=name,
                     password=PASSWORD, role=role, actor="test")


def sessions(runtime) -> list[WebSession]:
    with Session(runtime.engine) as session:
        return list(session.exec(select(WebSession)).all())


def sent_to_sign_in(client: TestClient, path: str = "/inspector/chase") -> bool:
    response = client.get(path)
    return response.status_code == 303 and response.headers["location"].startswith("/login")


def sign_out(client: TestClient) -> None:
    page = client.get("/inspector/chase")
    response = client.post("/logout", data={"csrf_token": form_token(page.text)})
    assert response.status_code == 303 and response.headers["location"] == "/login"


def test_a_saved_session_cookie_opens_nothing_after_signing_out(app, accounts, runtime):
    client = signed_in(app, "inspector", PASSWORD)
    saved = client.cookies[SESSION_COOKIE]
    sign_out(client)
    replay = TestClient(app, follow_redirects=False, cookies={SESSION_COOKIE: saved})
    assert sent_to_sign_in(replay)
    assert sent_to_sign_in(client)
    assert sessions(runtime) == []


def test_the_database_keeps_only_a_hash_of_the_cookie(app, accounts, runtime):
    cookie = signed_in(app, "inspector", PASSWORD).cookies[SESSION_COOKIE]
    [stored] = sessions(runtime)
    assert stored.token_hash == hashlib.sha256(cookie.encode()).hexdigest()
    assert cookie not in json.dumps(stored.model_dump(mode="json"))


def test_each_sign_in_makes_a_new_session_id(app, accounts, runtime):
    client = signed_in(app, "inspector", PASSWORD)
    before = client.cookies[SESSION_COOKIE]
    page = client.get("/login")
    assert client.post("/login", data={"username": "inspector", "password": PASSWORD,
                                       "csrf_token": form_token(page.text)}).status_code == 303
    assert client.cookies[SESSION_COOKIE] != before
    assert len(sessions(runtime)) == 1
    assert sent_to_sign_in(TestClient(app, follow_redirects=False,
                                      cookies={SESSION_COOKIE: before}))


def test_a_session_ends_at_its_absolute_lifetime_however_busy(app, accounts, runtime):
    client = signed_in(app, "inspector", PASSWORD)
    for _ in range(runtime.settings.web.session_hours * 3):
        runtime.clock.advance(minutes=20)
        assert client.get("/inspector/chase").status_code == 200
    runtime.clock.advance(minutes=1)
    ended = client.get("/inspector/chase")
    assert ended.headers["location"] == "/login?next=/inspector/chase&expired=1"
    assert sessions(runtime) == []


def test_an_idle_session_is_deleted_and_sign_in_clears_every_expired_one(app, accounts,
                                                                        runtime):
    idle = signed_in(app, "inspector", PASSWORD)
    signed_in(app, "admin", PASSWORD)
    runtime.clock.advance(minutes=runtime.settings.web.idle_minutes + 1)
    assert sent_to_sign_in(idle)
    assert [s.user_id for s in sessions(runtime)] == [_user_id(runtime, "admin")]
    signed_in(app, "inspector", PASSWORD)
    assert [s.user_id for s in sessions(runtime)] == [_user_id(runtime, "inspector")]


def test_every_server_process_sees_a_sign_out_and_a_switch_off_at_once(app, accounts, runtime):
    other_process = create_app(runtime)  # a second server on the same database
    client = signed_in(app, "inspector", PASSWORD)
    cookie = client.cookies[SESSION_COOKIE]
    elsewhere = TestClient(other_process, follow_redirects=False,
                           cookies={SESSION_COOKIE: cookie})
    assert elsewhere.get("/inspector/chase").status_code == 200
    admin = signed_in(other_process, "admin", PASSWORD)
    users_page = admin.get("/admin/users")
    assert admin.post("/admin/users/inspector/active", data={
        "csrf_token": form_token(users_page.text), "active": "false"}).status_code == 303
    assert sent_to_sign_in(client) and sent_to_sign_in(elsewhere)
    assert [s.user_id for s in sessions(runtime)] == [_user_id(runtime, "admin")]


def _user_id(runtime, name: str) -> int:
    with Session(runtime.engine) as session:
        return session.exec(select(User.id).where(User.username == name)).one()


def change_password(client: TestClient, **fields: str):
    page = client.get("/account/password")
    assert page.status_code == 200
    return client.post("/account/password", data={"csrf_token": form_token(page.text),
                                                   **fields})


def test_changing_ones_password_needs_the_current_one_and_ends_the_other_sessions(
        app, accounts, runtime):
    desk = signed_in(app, "inspector", PASSWORD)
    laptop = signed_in(app, "inspector", PASSWORD)
    wrong = change_password(desk, current_password="not it at all", new_password=NEW_PASSWORD,
                            confirm_password=NEW_PASSWORD)
    assert wrong.status_code == 422
    assert 'id="current_password-error">the current password is not right<' in wrong.text
    short = change_password(desk, current_password=PASSWORD, new_password="short",
                            confirm_password="short")
    assert short.status_code == 422 and "at least 10 characters" in short.text
    differ = change_password(desk, current_password=PASSWORD, new_password=NEW_PASSWORD,
                             confirm_password=NEW_PASSWORD + "x")
    assert differ.status_code == 422 and "the two new passwords differ" in differ.text

    changed = change_password(desk, current_password=PASSWORD, new_password=NEW_PASSWORD,
                              confirm_password=NEW_PASSWORD)
    assert changed.status_code == 303 and changed.headers["location"] == "/inspector"
    assert "Password changed" in desk.get("/inspector/chase").text
    assert sent_to_sign_in(laptop)
    assert len(sessions(runtime)) == 1
    with Session(runtime.engine) as session:
        user = session.exec(select(User).where(User.username == "inspector")).one()
        event = session.exec(select(AuditEvent).where(
            AuditEvent.action == "password_changed")).one()
    assert (event.actor, event.entity_id) == ("inspector", user.id)
    assert NEW_PASSWORD not in event.changes and user.password_hash not in event.changes
    signed_in(app, "inspector", NEW_PASSWORD)
    with pytest.raises(AssertionError, match="could not sign in"):
        signed_in(app, "inspector", PASSWORD)


def test_every_role_has_the_password_page_in_its_header(app, accounts):
    page = signed_in(app, "admin", PASSWORD).get("/admin/users")
    assert '<a href="/account/password">Change password</a>' in page.text
    assert sent_to_sign_in(TestClient(app, follow_redirects=False), "/account/password")


def test_a_form_posted_after_its_session_ended_goes_to_sign_in_and_changes_nothing(
        app, accounts, runtime):
    admin = signed_in(app, "admin", PASSWORD)
    page = admin.get("/admin/users")
    runtime.clock.advance(minutes=runtime.settings.web.idle_minutes + 1)
    response = admin.post("/admin/users/inspector/active", data={
        "csrf_token": form_token(page.text), "active": "false"})
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/&expired=1"
    with Session(runtime.engine) as session:
        assert session.exec(select(User.active).where(User.username == "inspector")).one()
