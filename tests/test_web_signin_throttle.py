"""Failed sign-ins are counted per user name and per client address: past the limit the name or
address is locked out for `[web] signin_lockout_minutes`, the right password too, and the
answers never say whether a user name exists. On SQLite and PostgreSQL, time driven by the
application's clock."""

from __future__ import annotations

import json

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from structlog.testing import capture_logs

from dtoa.accounts import add_user
from dtoa.store import session_scope
from dtoa.web import create_app
from dtoa.web.testing import form_token, signed_in

PASSWORD = "correct horse battery"


@pytest.fixture
def app(runtime):
    with session_scope(runtime.engine) as session:
        add_user(session, runtime.settings, runtime.clock, username="inspector",
                 password=PASSWORD, role="inspector", actor="test")
    return create_app(runtime)


def browser(app, address: str = "192.0.2.10") -> TestClient:
    return TestClient(app, follow_redirects=False, client=(address, 50000))


def attempt(client: TestClient, username: str, password: str):
    page = client.get("/login")
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": form_token(page.text)})


def test_sixty_wrong_passwords_in_ten_seconds_lock_the_name_until_the_lockout_ends(app,
                                                                                  runtime):
    web, client = runtime.settings.web, browser(app)
    with capture_logs() as logs:
        answers = []
        for number in range(60):
            answers.append(attempt(client, "inspector", f"guess number {number}").status_code)
            runtime.clock.advance(seconds=10 / 60)
    limit = web.signin_failures_per_user
    assert answers == [401] * (limit - 1) + [429] * (60 - limit + 1)
    locked = attempt(client, "inspector", PASSWORD)
    assert locked.status_code == 429 and "signing in is paused" in locked.text
    assert int(locked.headers["retry-after"]) > 0
    runtime.clock.advance(minutes=web.signin_lockout_minutes - 1)
    assert attempt(client, "inspector", PASSWORD).status_code == 429
    runtime.clock.advance(minutes=1)
    assert attempt(client, "inspector", PASSWORD).status_code == 303

    throttled = [e for e in logs if e["event"] == "web.signin_throttled"]
    assert len(throttled) == 60 - limit + 1
    assert throttled[0] == {"event": "web.signin_throttled", "log_level": "warning",
                            "user": "inspector", "scope": "user_name", "failures": limit,
                            "locked_until": throttled[0]["locked_until"]}
    assert "guess number" not in json.dumps(logs) and "192.0.2.10" not in json.dumps(logs)


def test_a_user_name_that_does_not_exist_is_answered_and_locked_alike(app, runtime):
    limit = runtime.settings.web.signin_failures_per_user
    real = [attempt(browser(app, "192.0.2.1"), "inspector", "wrong password")
            for _ in range(limit + 1)]
    made_up = [attempt(browser(app, "192.0.2.2"), "nobody", "wrong password")
               for _ in range(limit + 1)]
    assert [r.status_code for r in real] == [r.status_code for r in made_up]
    assert [_alert(r.text) for r in real] == [_alert(r.text) for r in made_up]


def _alert(html: str) -> str:
    return html.split('role="alert">')[1].split("<")[0]


def test_the_password_hash_is_checked_for_unknown_names_too(app, monkeypatch):
    checked = []
    real_verify = PasswordHasher.verify
    monkeypatch.setattr(PasswordHasher, "verify", lambda hasher, stored, given: (
        checked.append(given) or real_verify(hasher, stored, given)))
    attempt(browser(app), "nobody", "some password")
    attempt(browser(app), "inspector", "some password")
    assert checked == ["some password", "some password"]


def test_one_address_trying_many_names_is_locked_out_and_other_addresses_are_not(app,
                                                                                runtime):
    per_address = runtime.settings.web.signin_failures_per_address
    guesser = browser(app, "198.51.100.7")
    answers = [attempt(guesser, f"name{n}", "wrong password").status_code
               for n in range(per_address)]
    assert answers == [401] * (per_address - 1) + [429]
    assert attempt(guesser, "inspector", PASSWORD).status_code == 429
    assert attempt(browser(app, "198.51.100.8"), "inspector", PASSWORD).status_code == 303


def test_a_successful_sign_in_starts_the_names_count_again(app, runtime):
    limit = runtime.settings.web.signin_failures_per_user
    client = browser(app)
    for _ in range(limit - 1):
        assert attempt(client, "inspector", "wrong password").status_code == 401
    assert attempt(client, "inspector", PASSWORD).status_code == 303
    for _ in range(limit - 1):
        assert attempt(client, "inspector", "wrong password").status_code == 401


def test_failures_older_than_the_window_are_forgotten(app, runtime):
    web, client = runtime.settings.web, browser(app)
    for _ in range(web.signin_failures_per_user - 1):
        assert attempt(client, "inspector", "wrong password").status_code == 401
    runtime.clock.advance(minutes=web.signin_window_minutes)
    assert attempt(client, "inspector", "wrong password").status_code == 401
    assert attempt(client, "inspector", PASSWORD).status_code == 303


def test_wrong_current_passwords_on_the_password_page_count_towards_the_lockout(app, runtime):
    client = signed_in(app, "inspector", PASSWORD)
    answers = []
    for _ in range(runtime.settings.web.signin_failures_per_user):
        page = client.get("/account/password")
        answers.append(client.post("/account/password", data={
            "csrf_token": form_token(page.text), "current_password": "a wrong guess",
            "new_password": "a new long password", "confirm_password": "a new long password",
        }).status_code)
    assert answers[-1] == 429 and set(answers[:-1]) == {422}
    assert attempt(browser(app, "192.0.2.99"), "inspector", PASSWORD).status_code == 429
