"""Custody systems: detentions and tests in (one record or a batch, through the ingest checks),
and a detention's eligibility and result out. A custody token reaches its own force's suites
only: another force's records are refused as rows, and read as 404."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlmodel import Session

from dtoa.api.auth import CustodyCaller
from dtoa.api.idempotency import idempotent
from dtoa.api.problems import Problem
from dtoa.api.records import many, one, take_in
from dtoa.api.schemas import (
    BatchOut,
    DetentionBatch,
    DetentionIn,
    DetentionOut,
    RequirementOut,
    Taken,
    TestBatch,
    TestIn,
    TestOut,
    problems,
)
from dtoa.models import Appointment, Detention, DrugTest, Referral, SampleResult

router = APIRouter(tags=["custody systems"])
WRITE_PROBLEMS = problems(401, 403, 409, 413, 422, 429)
IDEMPOTENCY = {"description": "Idempotency-Key: send the same key with the same request to "
                              "get the first answer again, changing nothing."}


def _post(request: Request, caller, kind: str, records: list, single: bool) -> JSONResponse:  # noqa: ANN001
    payload = [r.model_dump() | (r.model_extra or {}) for r in records]
    return idempotent(request, caller, payload, lambda: (
        one(request, take_in(request, caller, kind, records)) if single
        else many(take_in(request, caller, kind, records))))


@router.post("/detentions", status_code=201, response_model=Taken,
             responses={200: {"model": Taken}, **WRITE_PROBLEMS})
def post_detention(request: Request, record: DetentionIn,  # type: ignore[valid-type]
                   caller: CustodyCaller) -> JSONResponse:
    """Take in one detention (201 new; 200 updated or unchanged; 422 refused, with the field
    and reason). Idempotent on (suite, custody_ref) and on an `Idempotency-Key` header."""
    return _post(request, caller, "detentions", [record], True)


@router.post("/detentions/batch", response_model=BatchOut, responses=WRITE_PROBLEMS)
def post_detentions(request: Request, batch: DetentionBatch,
                    caller: CustodyCaller) -> JSONResponse:
    """Take in detentions as one transaction: the good records are stored, each bad one is
    listed with its index, field, value and reason (200 whenever the batch was processed)."""
    return _post(request, caller, "detentions", batch.records, False)


@router.post("/tests", status_code=201, response_model=Taken,
             responses={200: {"model": Taken}, **WRITE_PROBLEMS})
def post_test(request: Request, record: TestIn,  # type: ignore[valid-type]
              caller: CustodyCaller) -> JSONResponse:
    """Take in one sample's outcome, checked as a tests extract row (a test recorded when the
    PACE 1984 s.63B conditions did not hold is refused as an unlawful request)."""
    return _post(request, caller, "tests", [record], True)


@router.post("/tests/batch", response_model=BatchOut, responses=WRITE_PROBLEMS)
def post_tests(request: Request, batch: TestBatch, caller: CustodyCaller) -> JSONResponse:
    """Take in samples as one transaction, as /detentions/batch."""
    return _post(request, caller, "tests", batch.records, False)


@router.get("/detentions/{suite}/{custody_ref:path}", response_model=DetentionOut,
            responses=problems(401, 403, 404, 429))
def get_detention(request: Request, suite: str, custody_ref: str,
                  caller: CustodyCaller) -> DetentionOut:
    """A detention's eligibility and its current sample's result, with the requirement served
    on it, if any. A custody reference holding '/' goes in the path as it is."""
    suite = suite.strip().upper()
    if suite not in caller.suites:
        raise Problem(404, f"No detention {custody_ref} at {suite} for this token.")
    with Session(request.app.state.runtime.engine) as session:
        detention = session.execute(select(Detention).where(
            Detention.suite == suite, Detention.custody_ref == custody_ref)).scalar_one_or_none()
        if detention is None:
            raise Problem(404, f"No detention {custody_ref} at {suite} for this token.")
        test = session.execute(select(DrugTest).where(
            DrugTest.detention_id == detention.id, DrugTest.superseded.is_(False))
        ).scalar_one_or_none()
        return DetentionOut(
            suite=detention.suite, custody_ref=detention.custody_ref,
            arrested_at=detention.arrested_at, charged_at=detention.charged_at,
            in_scope=detention.in_scope, eligible=detention.eligible,
            under_age=detention.under_age, ineligible_reason=detention.ineligible_reason,
            route=detention.route, trigger_offence=detention.trigger_offence,
            flags=[flag for flag, on in (("authority_unrecorded",
                                          detention.authority_unrecorded),
                                         ("local_time_ambiguous",
                                          detention.local_time_ambiguous)) if on],
            test=_test(session, test), requirement=_requirement(session, detention))


def _test(session: Session, test: DrugTest | None) -> TestOut | None:
    if test is None:
        return None
    positive = session.execute(select(SampleResult.drug).where(
        SampleResult.drug_test_id == test.id, SampleResult.positive.is_(True))
        .order_by(SampleResult.drug)).scalars().all()
    return TestOut(sample=test.sample, tested_at=test.tested_at, condition=test.condition,
                   outcome=test.outcome, result=test.result, positive_for=list(positive),
                   disputed=test.disputed, lab_confirmed=test.lab_confirmed)


def _requirement(session: Session, detention: Detention) -> RequirementOut | None:
    referral = session.execute(select(Referral).where(
        Referral.detention_id == detention.id)).scalar_one_or_none()
    if referral is None:
        return None
    initial = session.execute(select(Appointment).where(
        Appointment.referral_id == referral.id, Appointment.kind == "initial")
        .order_by(Appointment.id.desc())).scalars().first()
    return RequirementOut(reference=referral.reference, state=referral.state,
                          served_at=referral.served_at, provider=referral.provider,
                          appointment_at=initial.scheduled_at if initial else None,
                          location=initial.location if initial else None,
                          setting=initial.setting if initial else None)
