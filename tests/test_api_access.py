"""Who may call the partner API and what is kept of each call, over HTTP on SQLite and
PostgreSQL: tokens made and revoked with `dtoa tokens`, refused at once when revoked, limited
per minute across server processes, every call audited with the token's name, request ids in
answers and logs, no personal data in the logs, and the OpenAPI document valid."""

from __future__ import annotations

import io
import json

import pytest
from openapi_spec_validator import validate
from sqlalchemy import select
from sqlmodel import Session

from dtoa import log
from dtoa.accounts import add_user
from dtoa.api.testing import HAMPSHIRE, client, token
from dtoa.models import ApiToken, AuditEvent
from dtoa.runtime import Runtime
from dtoa.store import session_scope
from dtoa.testing import detention_row
from dtoa.web.testing import signed_in


@pytest.fixture
def api(runtime):
    with client(runtime) as http:
        yield http


def _bearer(text: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {text}"}


def test_tokens_are_made_listed_and_revoked_on_the_command_line_and_stored_hashed(
        dtoa, api, engine):
    made = dtoa("tokens", "add", "hants-custody", "--kind", "custody", "--force", HAMPSHIRE)
    secret = made.stdout.strip()
    assert secret.startswith("dtoa_") and len(secret) > 40
    assert "not shown again" in made.stderr
    with Session(engine) as session:
        row = session.execute(select(ApiToken)).scalar_one()
        audit = session.execute(select(AuditEvent).where(
            AuditEvent.entity == "api_token")).scalar_one()
    assert secret not in (row.token_hash, audit.changes)
    assert api.get("/detentions/BASINGSTOKE/BAS/22/0001",
                   headers=_bearer(secret)).status_code == 404

    listed = dtoa("tokens", "list").stdout
    assert "hants-custody" in listed and HAMPSHIRE in listed and secret not in listed
    refused = dtoa("tokens", "add", "odd", "--kind", "custody", "--force", "Kent Police",
                   ok=False)
    assert refused.exit_code == 1 and "unknown force 'Kent Police'" in refused.output


def test_a_revoked_token_is_refused_at_once(dtoa, api, runtime):
    secret = dtoa("tokens", "add", "nhrs-system", "--kind", "provider",
                  "--provider", "NHRS").stdout.strip()
    assert api.get("/referrals", headers=_bearer(secret)).status_code == 200
    dtoa("tokens", "revoke", "nhrs-system")
    refused = api.get("/referrals", headers=_bearer(secret))
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"
    assert "revoked" in refused.json()["detail"]
    assert "revoked" in dtoa("tokens", "list").stdout


def test_no_token_a_bad_token_or_a_web_session_cookie_opens_nothing(api, runtime):
    with session_scope(runtime.engine) as session:
        add_user(session, runtime.settings, runtime.clock, username="desk1",
                 password="a long enough password", role="custody", force=HAMPSHIRE,
                 actor="test")
    assert api.get("/detentions/BASINGSTOKE/BAS/22/0001").status_code == 401
    assert api.get("/funnel?from=2022-10-01&to=2022-10-31",
                   headers=_bearer("dtoa_guessed")).status_code == 401
    from dtoa.web import create_app
    browser = signed_in(create_app(runtime), "desk1", "a long enough password")
    assert browser.get("/custody").status_code == 200
    assert browser.get("/api/v1/detentions/BASINGSTOKE/BAS/22/0001").status_code == 401
    posted = browser.post("/api/v1/detentions", json=detention_row())
    assert posted.status_code == 401


def test_a_token_of_one_kind_may_not_do_another_kinds_work(api, runtime):
    reporting = token(runtime, "inspectorate", "reporting")
    provider = token(runtime, "nhrs", "provider", provider="NHRS")
    assert api.post("/detentions", json=detention_row(), headers=reporting).status_code == 403
    assert api.get("/funnel?from=2022-10-01&to=2022-10-31", headers=provider).status_code == 403
    assert api.get("/referrals", headers=reporting).status_code == 403


def test_the_rate_limit_is_per_token_and_shared_by_every_server_process(runtime, engine):
    limited = Runtime(runtime.settings.model_copy(update={
        "api": runtime.settings.api.model_copy(update={"requests_per_minute": 3})}),
        runtime.clock)
    limited.__dict__["engine"] = engine
    first = token(limited, "busy", "reporting")
    other = token(limited, "quiet", "reporting")
    url = "/funnel?from=2022-10-01&to=2022-10-31"
    with client(limited) as one, client(limited) as two:  # two servers, one database
        assert [one.get(url, headers=first).status_code,
                two.get(url, headers=first).status_code,
                one.get(url, headers=first).status_code] == [200, 200, 200]
        refused = two.get(url, headers=first)
        assert refused.status_code == 429
        assert refused.headers["content-type"] == "application/problem+json"
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert one.get(url, headers=other).status_code == 200
        runtime.clock.advance(seconds=int(refused.headers["retry-after"]))
        assert one.get(url, headers=first).status_code == 200


def test_every_call_is_audited_with_the_tokens_name_and_request_id(api, runtime, engine):
    hants = token(runtime, "hants-custody", "custody", force=HAMPSHIRE)
    answer = api.get("/detentions/BASINGSTOKE/BAS/22/0009",
                     headers={**hants, "X-Request-ID": "custody-sys-42"})
    assert answer.status_code == 404
    assert answer.headers["x-request-id"] == "custody-sys-42"
    assert answer.json()["request_id"] == "custody-sys-42"
    with Session(engine) as session:
        call = session.execute(select(AuditEvent).where(
            AuditEvent.entity == "api_call")).scalar_one()
    changes = json.loads(call.changes)
    assert call.actor == "api:hants-custody"
    assert call.action == "GET /api/v1/detentions/{suite}/{custody_ref:path}"
    assert changes["status"] == [None, 404]
    assert changes["request_id"] == [None, "custody-sys-42"]
    assert json.loads(changes["parameters"][1]) == {"suite": "BASINGSTOKE",
                                                    "custody_ref": "BAS/22/0009"}


def test_log_lines_carry_the_request_id_and_never_personal_data(api, runtime):
    hants = token(runtime, "hants-custody", "custody", force=HAMPSHIRE)
    lines = io.StringIO()
    log.configure(stream=lines)
    try:
        row = detention_row(person_ref="PERSON-REF-7731", birth_date="1991-02-31",
                            person_name="Alice Example")
        answer = api.post("/detentions", json=row,
                          headers={**hants, "X-Request-ID": "req-7"})
        api.post("/detentions", json={**row, "birth_date": "1991-02-28"}, headers=hants)
    finally:
        log.configure(stream=log.NOWHERE)
    assert answer.status_code == 422
    text = lines.getvalue()
    events = [json.loads(line) for line in text.splitlines()]
    assert any(e["event"] == "api.request" and e["request_id"] == "req-7" for e in events)
    assert all("request_id" in e for e in events if e["event"].startswith("batch."))
    for personal in ("PERSON-REF-7731", "1991-02-31", "1991-02-28", "Alice", "dtoa_"):
        assert personal not in text


def test_the_served_openapi_document_validates_and_its_docs_need_no_internet(api):
    document = api.get("/openapi.json")
    assert document.status_code == 200
    spec = document.json()
    validate(spec)
    assert spec["servers"] == [{"url": "/api/v1"}]
    assert {"/detentions", "/detentions/batch", "/tests", "/tests/batch", "/referrals",
            "/appointments", "/attendance", "/attendance/batch", "/funnel"} <= set(spec["paths"])
    page = api.get("/docs")
    assert page.status_code == 200
    assert "http" not in page.text.replace('lang="en"', "")  # every asset from this server
    for asset in ("docs/swagger-ui-bundle.js", "docs/swagger-ui.css", "docs/start.js"):
        assert asset in page.text
        assert api.get("/" + asset).status_code == 200
