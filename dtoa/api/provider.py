"""Provider systems: their referrals and appointments changed since a cursor, and attendance
outcomes in (through the attendance CSV's checks and state machine, `dtoa.attendance`). A
provider token sees its own provider's referrals only."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy import and_, or_, select
from sqlmodel import Session

from dtoa.api.auth import ProviderCaller
from dtoa.api.custody import IDEMPOTENCY, WRITE_PROBLEMS  # noqa: F401  (one set of answers)
from dtoa.api.idempotency import idempotent
from dtoa.api.problems import Problem
from dtoa.api.records import many, one, take_in
from dtoa.api.schemas import (
    AppointmentFeed,
    AppointmentOut,
    AttendanceBatch,
    AttendanceIn,
    BatchOut,
    PersonOut,
    ReferralFeed,
    ReferralOut,
    Taken,
    problems,
)
from dtoa.clock import as_utc
from dtoa.models import Appointment, Detention, Referral, SampleResult

router = APIRouter(tags=["provider systems"])
BEGINNING = datetime(2000, 1, 1, tzinfo=UTC)
PAGE = 500


def _cursor(value: str | None) -> tuple[datetime, int]:
    if not value:
        return BEGINNING, 0
    try:
        data = json.loads(base64.urlsafe_b64decode(value.encode() + b"=" * (-len(value) % 4)))
        return as_utc(datetime.fromisoformat(data["t"])), int(data["id"])
    except (ValueError, KeyError, TypeError):
        raise Problem(422, "`since` is not a cursor this API gave; omit it to start from the "
                           "beginning.", errors=[{"index": None, "field": "since",
                                                  "reason": "not a cursor"}]) from None


def _encode(at: datetime, row_id: int) -> str:
    text = json.dumps({"t": as_utc(at).isoformat(), "id": row_id})
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _page(request: Request, session: Session, table, query, since: str | None,  # noqa: ANN001
          limit: int) -> tuple[list, str, bool]:
    """Rows of `query` changed after the cursor, oldest first, and the next cursor: the last
    row's when there are more, else no later than `feed_overlap_minutes` ago."""
    at, after = _cursor(since)
    query = (query.where(or_(table.updated_at > at,
                             and_(table.updated_at == at, table.id > after)))
             .order_by(table.updated_at, table.id).limit(limit + 1))
    runtime = request.app.state.runtime
    rows = session.execute(query).all()
    more = len(rows) > limit
    rows = rows[:limit]
    if more:
        return rows, _encode(rows[-1][0].updated_at, rows[-1][0].id), True
    horizon = as_utc(runtime.clock.now()) - timedelta(
        minutes=runtime.settings.api.feed_overlap_minutes)
    last = (as_utc(rows[-1][0].updated_at), rows[-1][0].id) if rows else (at, after)
    return rows, _encode(*min(last, (horizon, 0))), False


Since = Annotated[str | None, Query(description="The `next_cursor` of the last answer; omit "
                                               "it for everything.")]
Limit = Annotated[int, Query(ge=1, le=PAGE)]


@router.get("/referrals", response_model=ReferralFeed, responses=problems(401, 403, 422, 429))
def referrals(request: Request, caller: ProviderCaller, since: Since = None,
              limit: Limit = PAGE) -> ReferralFeed:
    """This provider's referrals changed since the cursor: state, deadline, who to expect."""
    query = (select(Referral, Detention).join(Detention, Detention.id == Referral.detention_id)
             .where(Referral.provider == caller.provider))
    runtime = request.app.state.runtime
    with Session(runtime.engine) as session:
        rows, cursor, more = _page(request, session, Referral, query, since, limit)
        settings = runtime.settings
        items = [_referral(session, settings, referral, detention)
                 for referral, detention in rows]
    return ReferralFeed(items=items, next_cursor=cursor, more=more)


def _referral(session: Session, settings, referral: Referral,  # noqa: ANN001
              detention: Detention) -> ReferralOut:
    positive = session.execute(select(SampleResult.drug).where(
        SampleResult.drug_test_id == referral.drug_test_id, SampleResult.positive.is_(True))
        .order_by(SampleResult.drug)).scalars().all()
    named = settings.referrals.person_identifier == "name" and detention.person_name
    setting = session.execute(select(Appointment.setting).where(
        Appointment.referral_id == referral.id, Appointment.kind == "initial")
        .order_by(Appointment.id.desc()).limit(1)).scalar_one_or_none()
    return ReferralOut(
        reference=referral.reference, suite=referral.suite, state=referral.state,
        state_reason=referral.state_reason, no_capacity=referral.no_capacity,
        served_at=referral.served_at, served_by=referral.served_by,
        deadline_at=referral.deadline_at, positive_for=list(positive),
        person=PersonOut(identifier=detention.person_name if named else detention.person_ref,
                         birth_date=detention.birth_date),
        setting=setting, changed_at=referral.updated_at)


@router.get("/appointments", response_model=AppointmentFeed,
            responses=problems(401, 403, 422, 429))
def appointments(request: Request, caller: ProviderCaller, since: Since = None,
                 limit: Limit = PAGE) -> AppointmentFeed:
    """Appointments of this provider's referrals changed since the cursor (a reschedule keeps
    the old appointment and books a new one that `replaces_id` it)."""
    query = (select(Appointment, Referral.reference)
             .join(Referral, Referral.id == Appointment.referral_id)
             .where(Referral.provider == caller.provider))
    with Session(request.app.state.runtime.engine) as session:
        rows, cursor, more = _page(request, session, Appointment, query, since, limit)
        items = [AppointmentOut(
            id=a.id, reference=reference, kind=a.kind, scheduled_at=a.scheduled_at,
            location=a.location, setting=a.setting, custody_suite=a.custody_suite,
            state=a.state, outcome_at=a.outcome_at,
            replaces_id=a.replaces_id, changed_at=a.updated_at) for a, reference in rows]
    return AppointmentFeed(items=items, next_cursor=cursor, more=more)


def _post(request: Request, caller, records: list, single: bool) -> JSONResponse:  # noqa: ANN001
    payload = [r.model_dump() for r in records]
    return idempotent(request, caller, payload, lambda: (
        one(request, take_in(request, caller, "attendance", records)) if single
        else many(take_in(request, caller, "attendance", records))))


@router.post("/attendance", status_code=201, response_model=Taken,
             responses={200: {"model": Taken}, **WRITE_PROBLEMS})
def post_outcome(request: Request, record: AttendanceIn,  # type: ignore[valid-type]
                 caller: ProviderCaller) -> JSONResponse:
    """Report one assessment outcome (RA3/RA4/RA5), through the attendance state machine:
    201 recorded, 200 updated (good cause after a failure) or unchanged, 422 refused."""
    return _post(request, caller, [record], True)


@router.post("/attendance/batch", response_model=BatchOut, responses=WRITE_PROBLEMS)
def post_outcomes(request: Request, batch: AttendanceBatch,
                  caller: ProviderCaller) -> JSONResponse:
    """Report outcomes as one transaction, applied in order (a reschedule, then the new
    appointment's outcome, may share a batch)."""
    return _post(request, caller, batch.records, False)
