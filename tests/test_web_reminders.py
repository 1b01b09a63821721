"""The custody desk's web form records the person's agreement to reminders with the
requirement, refuses details given without it, and shows the details to nobody after."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlmodel import Session

from dtoa.accounts import add_user
from dtoa.ingest import ingest_file
from dtoa.models import PersonContact, Referral
from dtoa.store import session_scope
from dtoa.testing import detention_row, write_csv
from dtoa.web import create_app
from dtoa.web.testing import form_token, signed_in

PASSWORD = "correct horse battery"


@pytest.fixture
def desk(runtime, tmp_path):
    runtime.clock.set(datetime(2022, 10, 3, 14, 20, tzinfo=UTC))  # 15:20 local
    with session_scope(runtime.engine) as session:
        for name, role, scope in (("hants", "custody",
                                   {"force": "Hampshire and Isle of Wight Constabulary"}),
                                  ("nhrs", "provider", {"provider": "NHRS"})):
            add_user(session, runtime.settings, runtime.clock, username=name,
                     password=PASSWORD, role=role, actor="test", **scope)
    ingest_file(runtime.engine, runtime.settings, runtime.clock, "detentions",
                write_csv(tmp_path / "d.csv", [detention_row()]))
    app = create_app(runtime)
    client = signed_in(app, "hants", PASSWORD)
    page = client.get("/custody/detention", params={"suite": "BASINGSTOKE",
                                                    "custody_ref": "BAS/22/0001"})
    client.post("/custody/detention/test", data={
        "csrf_token": form_token(page.text), "suite": "BASINGSTOKE",
        "custody_ref": "BAS/22/0001", "outcome": "tested", "cocaine": "positive",
        "opiates": "negative", "tested_at": "2022-10-03T15:05", "officer_ref": "hants"})
    return app, client, form_token(page.text)


def _serve(client, token: str, **fields: str):  # noqa: ANN001, ANN202
    return client.post("/custody/detention/require", data={
        "csrf_token": token, "suite": "BASINGSTOKE", "custody_ref": "BAS/22/0001",
        "officer": "hants", "slot": "", **fields})


def test_details_without_agreement_are_refused_and_nothing_is_served(desk, runtime):
    _, client, token = desk
    refused = _serve(client, token, mobile="07700900123")
    assert refused.status_code == 422
    assert "did not agree to reminders" in refused.text
    with Session(runtime.engine) as session:
        assert session.execute(select(Referral)).first() is None


def test_the_desk_records_the_agreement_and_no_page_shows_the_number(desk, runtime):
    app, client, token = desk
    assert 'name="reminders"' in client.get(
        "/custody/detention", params={"suite": "BASINGSTOKE", "custody_ref": "BAS/22/0001"}
    ).text
    served = _serve(client, token, reminders="true", mobile="07700 900123")
    assert served.status_code == 303
    with Session(runtime.engine) as session:
        contact = session.execute(select(PersonContact)).scalar_one()
    assert (contact.mobile, contact.reminders_agreed, contact.recorded_by) == (
        "07700900123", True, "hants")
    page = client.get("/custody/detention", params={"suite": "BASINGSTOKE",
                                                    "custody_ref": "BAS/22/0001"}).text
    provider = signed_in(app, "nhrs", PASSWORD, address="provider")
    seen = page + provider.get("/provider").text + provider.get(
        "/provider/referral/BAS-2022-000001").text
    assert "900123" not in seen
