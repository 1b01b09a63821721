"""Custody systems through the partner API, over HTTP, on SQLite and PostgreSQL: records go in
through exactly the ingest checks, a force's token reaches its own suites only, a batch keeps
its good records and lists its bad ones, and a replayed Idempotency-Key changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from dtoa.api.testing import HAMPSHIRE, THAMES_VALLEY, client, token
from dtoa.models import AuditEvent, Detention, DrugTest, IngestBatch, RejectedRow
from dtoa.testing import detention_row, sample_row


@pytest.fixture
def api(runtime):
    with client(runtime) as http:
        yield http


@pytest.fixture
def hampshire(runtime):
    return token(runtime, "hampshire-custody", "custody", force=HAMPSHIRE)


@pytest.fixture
def thames_valley(runtime):
    return token(runtime, "tvp-custody", "custody", force=THAMES_VALLEY)


def _count(engine, model) -> int:  # noqa: ANN001
    with Session(engine) as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def test_a_custody_system_posts_a_detention_and_a_test_and_reads_the_eligibility(api, hampshire):
    made = api.post("/detentions", json=detention_row(), headers=hampshire)
    assert made.status_code == 201, made.text
    assert made.json()["status"] == "inserted"
    tested = api.post("/tests", json=sample_row(), headers=hampshire)
    assert tested.status_code == 201, tested.text
    again = api.post("/detentions", json=detention_row(), headers=hampshire)
    assert (again.status_code, again.json()["status"]) == (200, "unchanged")

    read = api.get("/detentions/BASINGSTOKE/BAS/22/0001", headers=hampshire)
    assert read.status_code == 200, read.text
    body = read.json()
    assert (body["eligible"], body["route"], body["trigger_offence"]) == (True, "trigger",
                                                                         "theft")
    assert body["test"]["result"] == "positive"
    assert body["test"]["positive_for"] == ["cocaine"]
    assert body["requirement"] is None
    assert "person_ref" not in body and "birth_date" not in body


def test_a_refused_record_answers_422_problem_json_with_the_ingest_reason(api, hampshire,
                                                                          engine):
    refused = api.post("/detentions", json=detention_row(birth_date="17/05/1990"),
                       headers=hampshire)
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert problem["errors"] == [{"index": 0, "field": "birth_date", "value": "17/05/1990",
                                  "reason": "expected a date as YYYY-MM-DD"}]
    assert problem["request_id"] == refused.headers["x-request-id"]
    with Session(engine) as session:
        kept = session.execute(select(RejectedRow)).scalar_one()
    assert (kept.column, kept.reason) == ("birth_date", "expected a date as YYYY-MM-DD")


def test_an_unlawful_test_is_refused_as_the_tests_extract_refuses_it(api, hampshire):
    api.post("/detentions", json=detention_row(offence_codes="criminal_damage"),
             headers=hampshire)
    refused = api.post("/tests", json=sample_row(), headers=hampshire)
    assert refused.status_code == 422
    [error] = refused.json()["errors"]
    assert error["field"] == "outcome"
    assert "not_trigger_no_authority" in error["reason"] or "trigger" in error["reason"]


def test_a_force_a_token_can_neither_read_nor_write_force_b_records(api, hampshire,
                                                                    thames_valley, engine):
    assert api.post("/detentions", json=detention_row(), headers=hampshire).status_code == 201
    milton_keynes = detention_row(suite="MILTON_KEYNES", custody_ref="MK/23/0001",
                                  arrested_at="2022-12-03T14:05:00")
    assert api.post("/detentions", json=milton_keynes,
                    headers=thames_valley).status_code == 201

    read = api.get("/detentions/MILTON_KEYNES/MK/23/0001", headers=hampshire)
    assert read.status_code == 404
    assert read.json()["detail"] == read.json()["detail"].replace("Thames", "")
    assert api.get("/detentions/BASINGSTOKE/BAS/22/0001",
                   headers=thames_valley).status_code == 404

    overwrite = api.post("/detentions", json={**milton_keynes, "offence_codes": "begging"},
                         headers=hampshire)
    assert overwrite.status_code == 422
    assert overwrite.json()["errors"][0]["field"] == "suite"
    test = api.post("/tests", json=sample_row(suite="MILTON_KEYNES", custody_ref="MK/23/0001",
                                              tested_at="2022-12-03T15:05:00"),
                    headers=hampshire)
    assert test.status_code == 422
    with Session(engine) as session:
        stored = session.execute(select(Detention).where(
            Detention.suite == "MILTON_KEYNES")).scalar_one()
        assert stored.offence_codes == "theft"
        assert session.execute(select(func.count()).select_from(DrugTest)).scalar_one() == 0


def test_a_batch_with_bad_rows_returns_per_row_errors_and_stores_the_good_rows(api, hampshire,
                                                                               engine):
    records = [detention_row(custody_ref="BAS/22/0001"),
               detention_row(custody_ref="BAS/22/0002", arrested_at="next tuesday"),
               detention_row(custody_ref="BAS/22/0003"),
               detention_row(custody_ref="MK/23/0009", suite="MILTON_KEYNES"),
               {**detention_row(custody_ref="BAS/22/0004"), "person_ref": None}]
    answer = api.post("/detentions/batch", json={"records": records}, headers=hampshire)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["received"], body["inserted"], body["rejected"]) == (5, 2, 3)
    assert [(e["index"], e["field"]) for e in body["errors"]] == [
        (1, "arrested_at"), (3, "suite"), (4, "person_ref")]
    assert body["errors"][2]["reason"] == "required"
    with Session(engine) as session:
        refs = session.execute(select(Detention.custody_ref).order_by(
            Detention.custody_ref)).scalars().all()
        batch = session.get(IngestBatch, body["batch_id"])
        kept = session.execute(select(func.count()).select_from(RejectedRow).where(
            RejectedRow.batch_id == batch.id)).scalar_one()
    assert refs == ["BAS/22/0001", "BAS/22/0003"]
    assert (batch.actor, batch.rows_rejected, kept) == ("api:hampshire-custody", 3, 3)


def test_a_record_of_the_wrong_shape_is_refused_field_by_field(api, hampshire):
    answer = api.post("/detentions/batch", headers=hampshire, json={"records": [
        detention_row(), {**detention_row(), "suite": {"code": "BASINGSTOKE"}},
        {**detention_row(), "favourite_colour": "blue"}]})
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert [(e["index"], e["field"]) for e in answer.json()["errors"]] == [
        (1, "suite"), (2, "favourite_colour")]


def test_replaying_a_request_with_the_same_idempotency_key_changes_nothing(api, hampshire,
                                                                         engine):
    key = {"Idempotency-Key": "extract-2022-10-03-a", **hampshire}
    records = {"records": [detention_row(), detention_row(custody_ref="BAS/22/0002",
                                                          birth_date="bad")]}
    first = api.post("/detentions/batch", json=records, headers=key)
    assert first.status_code == 200
    counts = {m.__name__: _count(engine, m) for m in (Detention, IngestBatch, RejectedRow)}
    audits = _count(engine, AuditEvent)

    replay = api.post("/detentions/batch", json=records, headers=key)
    assert replay.status_code == 200
    assert replay.json() == first.json()
    assert replay.headers["idempotent-replayed"] == "true"
    assert {m.__name__: _count(engine, m) for m in (Detention, IngestBatch, RejectedRow)} \
        == counts
    assert _count(engine, AuditEvent) == audits + 1  # the replayed call itself, nothing else

    other = api.post("/detentions/batch", headers=key,
                     json={"records": [detention_row(custody_ref="BAS/22/0003")]})
    assert other.status_code == 422
    assert "different request" in other.json()["detail"]
    assert _count(engine, Detention) == counts["Detention"]


def test_a_single_refused_record_replays_its_refusal_without_a_second_reject(api, hampshire,
                                                                           engine):
    key = {"Idempotency-Key": "one-bad-row", **hampshire}
    first = api.post("/detentions", json=detention_row(birth_date="x"), headers=key)
    second = api.post("/detentions", json=detention_row(birth_date="x"), headers=key)
    assert (first.status_code, second.status_code) == (422, 422)
    assert second.json()["errors"] == first.json()["errors"]
    assert _count(engine, RejectedRow) == 1


def test_a_record_sent_while_a_file_import_holds_the_tests_answers_503_and_stores_nothing(
        runtime, engine):
    from dtoa.store.locks import exclusive

    settings = runtime.settings
    runtime.settings = settings.model_copy(update={
        "ingest": settings.ingest.model_copy(update={"lock_wait_seconds": 0})})
    headers = token(runtime, "hampshire-custody", "custody", force=HAMPSHIRE)
    with client(runtime) as api:
        assert api.post("/detentions", json=detention_row(), headers=headers).status_code == 201
        with exclusive(engine, "ingest-tests", timeout_s=0):
            busy = api.post("/tests", json=sample_row(), headers=headers)
        assert busy.status_code == 503
        assert busy.headers["retry-after"] == "60"
        assert busy.headers["content-type"] == "application/problem+json"
        assert "try again" in busy.json()["detail"]
        assert _count(engine, DrugTest) == 0
        assert api.post("/tests", json=sample_row(), headers=headers).status_code == 201
