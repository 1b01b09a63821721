"""The custody desk lists inspectors' authorities recorded with no inspector named, for its own
force only and naming no person, and completes one as an audited change (PACE 1984
s.63C(3)-(4)); and a desk correction back to an earlier value lands. Through the web
application, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from structlog.testing import capture_logs

from dtoa.accounts import add_user
from dtoa.ingest import ingest_file
from dtoa.models import AuditEvent, Detention, DrugTest
from dtoa.store import session_scope
from dtoa.testing import detention_row, write_csv
from dtoa.web import create_app
from dtoa.web.testing import form_token, signed_in

PASSWORD = "correct horse battery"
HAMPSHIRE = "Hampshire and Isle of Wight Constabulary"
THAMES_VALLEY = "Thames Valley Police"
UNNAMED = "BAS/22/0009&custody_ref=BAS/22/0001"  # a reference that would smuggle a parameter
AUTHORITIES = "/custody/authorities"


@pytest.fixture
def app(runtime):
    with session_scope(runtime.engine) as session:
        for name, force in (("hants", HAMPSHIRE), ("tvp", THAMES_VALLEY)):
            add_user(session, runtime.settings, runtime.clock, username=name,
                     password=PASSWORD, role="custody", actor="test", force=force)
    return create_app(runtime)


@pytest.fixture
def detentions(runtime, tmp_path):
    """At Basingstoke (Hampshire): an assault authorised by an inspector not yet named, and a
    theft (a trigger offence, no authority needed); at Milton Keynes (Thames Valley): another
    authority with no inspector named."""
    path = write_csv(tmp_path / "detentions.csv", [
        detention_row(custody_ref=UNNAMED, offence_codes="ASSAULT", inspector_authorised="true",
                      person_ref="P-SECRET", birth_date="1987-02-11"),
        detention_row(),
        detention_row(suite="MILTON_KEYNES", custody_ref="MK/22/0042", offence_codes="ASSAULT",
                      inspector_authorised="true", arrested_at="2022-10-03T10:00:00",
                      home_area="Olney")])
    summary = ingest_file(runtime.engine, runtime.settings, runtime.clock, "detentions", path)
    assert summary.rows_inserted == 3


def stored(runtime, suite: str, custody_ref: str) -> Detention:
    with session_scope(runtime.engine) as session:
        detention = session.execute(sa.select(Detention).where(
            Detention.suite == suite, Detention.custody_ref == custody_ref)).scalar_one()
        session.expunge(detention)
        return detention


def completions(runtime) -> list[AuditEvent]:
    with session_scope(runtime.engine) as session:
        events = session.execute(sa.select(AuditEvent).where(
            AuditEvent.action == "authority_completed")).scalars().all()
        session.expunge_all()
        return events


def complete(client, page: str, **values: str):  # noqa: ANN201
    return client.post("/custody/authorities/complete", data={
        "csrf_token": form_token(page), "suite": "BASINGSTOKE", "custody_ref": UNNAMED,
        "officer": "hants", **values})


def test_the_desk_links_to_the_authorities_to_complete_with_their_number(app, detentions):
    desk = signed_in(app, "hants", PASSWORD).get("/custody").text
    assert '<a href="/custody/authorities">' in desk
    assert "1 with no inspector named" in desk


def test_an_authority_with_no_inspector_named_is_listed_without_the_persons_details(
        app, detentions):
    page = signed_in(app, "hants", PASSWORD).get(AUTHORITIES)
    assert page.status_code == 200
    assert UNNAMED.replace("&", "&amp;") in page.text
    assert "Mon 3 Oct 2022 14:05" in page.text  # the arrest, local time as extracted
    assert "<td>ASSAULT</td>" in page.text  # not in the catalogue: its code, as recorded
    assert ">BAS/22/0001</a>" not in page.text  # the theft needs no authority
    for personal in ("P-SECRET", "1987", "11 Feb"):
        assert personal not in page.text
    assert 'name="officer" value="hants"' in page.text  # the signed-in user, unless changed


def test_completing_an_authority_names_the_inspector_is_audited_and_leaves_the_list(
        app, detentions, runtime):
    client = signed_in(app, "hants", PASSWORD)
    page = client.get(AUTHORITIES).text
    done = complete(client, page, inspector="Insp 4021 Hale", grounds="suspected cocaine use",
                    reason="told by phone at 16:00")
    assert done.status_code == 303 and done.headers["location"] == AUTHORITIES
    after = client.get(AUTHORITIES).text
    assert "Authority recorded for" in after and "The change is in the audit trail" in after
    assert f'value="{UNNAMED.replace("&", "&amp;")}"' not in after
    assert "None: every inspector" in after
    assert "none</span>" in client.get("/custody").text
    detention = stored(runtime, "BASINGSTOKE", UNNAMED)
    assert (detention.authorising_inspector, detention.authority_grounds,
            detention.authority_unrecorded) == ("Insp 4021 Hale", "suspected cocaine use", False)
    [event] = completions(runtime)
    assert (event.actor, event.entity, event.entity_id, event.reason) == (
        "hants", "detention", detention.id, "told by phone at 16:00")
    assert json.loads(event.changes) == {
        "authorising_inspector": [None, "Insp 4021 Hale"],
        "authority_grounds": [None, "suspected cocaine use"],
        "authority_unrecorded": [True, False]}
    shown = client.get("/custody/detention", params={"suite": "BASINGSTOKE",
                                                     "custody_ref": UNNAMED}).text
    assert "Insp 4021 Hale" in shown


def test_an_officer_other_than_the_signed_in_user_is_named_beside_them_in_the_audit(
        app, detentions, runtime):
    client = signed_in(app, "hants", PASSWORD)
    complete(client, client.get(AUTHORITIES).text, inspector="Insp 4021 Hale",
             officer="Sgt Lee")
    [event] = completions(runtime)
    assert event.actor == "hants for Sgt Lee"


def test_an_authority_with_no_inspector_given_is_refused_beside_its_row_and_stays_listed(
        app, detentions, runtime):
    client = signed_in(app, "hants", PASSWORD)
    refused = complete(client, client.get(AUTHORITIES).text, inspector="  ",
                       grounds="suspected cocaine use")
    assert refused.status_code == 422
    assert 'id="authority-error">Not recorded: name the inspector' in refused.text
    assert 'value="suspected cocaine use"' in refused.text  # what was typed is kept
    assert stored(runtime, "BASINGSTOKE", UNNAMED).authority_unrecorded is True
    assert completions(runtime) == []


def test_another_forces_authority_is_neither_listed_nor_completed(app, detentions, runtime):
    hants = signed_in(app, "hants", PASSWORD)
    page = hants.get(AUTHORITIES).text
    assert "MK/22/0042" not in page
    with capture_logs() as logs:
        refused = hants.post("/custody/authorities/complete", data={
            "csrf_token": form_token(page), "suite": "MILTON_KEYNES",
            "custody_ref": "MK/22/0042", "inspector": "Insp 1 Nobody", "officer": "hants"})
    assert refused.status_code == 404
    assert [e["what"] for e in logs if e["event"] == "web.access_refused"] == ["detention"]
    assert stored(runtime, "MILTON_KEYNES", "MK/22/0042").authority_unrecorded is True
    tvp = signed_in(app, "tvp", PASSWORD).get(AUTHORITIES).text
    assert "MK/22/0042" in tvp and "BAS/22/0009" not in tvp


def test_completing_an_authority_without_the_sessions_csrf_token_is_refused(
        app, detentions, runtime):
    client = signed_in(app, "hants", PASSWORD)
    client.get(AUTHORITIES)
    refused = client.post("/custody/authorities/complete", data={
        "csrf_token": "forged", "suite": "BASINGSTOKE", "custody_ref": UNNAMED,
        "inspector": "Insp 4021 Hale", "officer": "hants"})
    assert refused.status_code == 403
    assert completions(runtime) == []


def test_a_web_desk_correction_back_to_an_earlier_value_lands_and_is_audited(
        app, detentions, runtime):
    """Mirrors the CLI's `test_a_desk_correction_back_to_an_earlier_value_lands_and_is_audited`
    (tests/test_hostile_corrections.py): positive, negative, positive again."""
    client = signed_in(app, "hants", PASSWORD)
    where = {"suite": "BASINGSTOKE", "custody_ref": "BAS/22/0001"}
    said = []
    for cocaine in ("positive", "negative", "positive", "positive"):
        page = client.get("/custody/detention", params=where).text
        saved = client.post("/custody/detention/test", data={
            "csrf_token": form_token(page), **where, "outcome": "tested", "cocaine": cocaine,
            "opiates": "negative", "tested_at": "2022-10-03T15:05", "officer_ref": "PC 1234"})
        assert saved.status_code == 303, saved.text
        shown = client.get(saved.headers["location"]).text
        said.append(next(line for line in ("Test recorded: positive for cocaine.",
                                           "Test corrected.", "Already recorded")
                         if line in shown))
    assert said == ["Test recorded: positive for cocaine.", "Test corrected.",
                    "Test corrected.", "Already recorded"]
    with session_scope(runtime.engine) as session:
        assert session.execute(sa.select(DrugTest.result)).scalar_one() == "positive"
        events = session.execute(sa.select(AuditEvent).where(
            AuditEvent.entity == "drug_test").order_by(AuditEvent.id)).scalars().all()
        changes = [(e.action, e.actor, json.loads(e.changes)) for e in events]
    assert [(action, actor) for action, actor, _ in changes] == [
        ("created", "hants"), ("updated", "hants"), ("updated", "hants")]
    assert changes[1][2]["result"] == ["positive", "negative"]
    assert changes[2][2]["result"] == ["negative", "positive"]
