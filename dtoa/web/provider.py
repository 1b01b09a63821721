"""Treatment provider pages: the provider's own referrals by appointment date, their letters,
and recording what happened at an assessment (`dtoa.attendance.record_outcome`)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse
from sqlalchemy import select
from sqlmodel import Session

from dtoa.attendance import record_outcome
from dtoa.clock import as_utc
from dtoa.ingest.csvfile import FieldError, parse_bool
from dtoa.log import get_logger
from dtoa.models import Appointment, Letter, Referral, User
from dtoa.store import give_reason
from dtoa.web.auth import refuse, require
from dtoa.web.inputs import RecordId, instant
from dtoa.web.pages import flash, redirect, render, runtime_of

router = APIRouter(prefix="/provider")
ProviderUser = Annotated[User, Depends(require("provider"))]
log = get_logger("dtoa.web")
OUTCOMES = ("attended", "failed_to_attend", "failed_to_remain", "rescheduled", "good_cause")
OPEN_STATES = ("booked", "outcome_overdue")


@router.get("")
def referrals(request: Request, user: ProviderUser, show: str = "upcoming"):
    """Appointments of this provider's referrals by time: from yesterday on, or all."""
    runtime = runtime_of(request)
    query = (select(Appointment, Referral.reference, Referral.state.label("referral_state"))
             .join(Referral, Referral.id == Appointment.referral_id)
             .where(Referral.provider == user.provider)
             .order_by(Appointment.scheduled_at))
    if show != "all":
        since = as_utc(runtime.clock.now()) - timedelta(days=1)
        query = query.where((Appointment.scheduled_at >= since)
                            | Appointment.state.in_(OPEN_STATES))
    with Session(runtime.engine) as session:
        rows = session.execute(query).all()
    return render(request, "provider/list.html", rows=rows, show=show)


def _own_referral(session: Session, user: User, reference: str) -> Referral:
    """The referral if it is this provider's; another provider's is refused and logged."""
    referral = session.execute(select(Referral).where(
        Referral.reference == reference)).scalar_one_or_none()
    if referral is None:
        refuse(user, "referral", status=404, found=False)
    if referral.provider != user.provider:
        refuse(user, "referral", referral_id=referral.id, owner=referral.provider)
    return referral


@router.get("/referral/{reference}")
def referral(request: Request, reference: str, user: ProviderUser):
    return _referral_page(request, user, reference)


def _referral_page(request: Request, user: User, reference: str, *, errors: dict | None = None,
                   form: dict | None = None, status: int = 200):
    runtime = runtime_of(request)
    with Session(runtime.engine) as session:
        found = _own_referral(session, user, reference)
        appointments = session.execute(select(Appointment).where(
            Appointment.referral_id == found.id).order_by(Appointment.scheduled_at)).scalars().all()
        letters = session.execute(select(Letter).where(Letter.referral_id == found.id,
                                                       Letter.kind == "referral")
                                  .order_by(Letter.kind, Letter.version)).scalars().all()
    now_local = runtime.clock.now().astimezone(runtime.settings.tz)
    open_kinds = [a.kind for a in appointments if a.state in OPEN_STATES]
    form = form or {"outcome_at": now_local.strftime("%Y-%m-%dT%H:%M"),
                    "assessment": open_kinds[0] if open_kinds else "initial"}
    return render(request, "provider/referral.html", status=status, referral=found,
                  appointments=appointments, letters=letters, outcomes=OUTCOMES,
                  open_kinds=open_kinds, errors=errors or {}, form=form)


@router.get("/letter/{letter_id}")
def letter(request: Request, letter_id: RecordId, user: ProviderUser):
    runtime = runtime_of(request)
    with Session(runtime.engine) as session:
        found = session.get(Letter, letter_id)
        if found is None or found.kind != "referral":  # the person's notices are not theirs
            refuse(user, "letter", status=404, found=False)
        owner = session.get(Referral, found.referral_id)
        if owner.provider != user.provider:
            refuse(user, "letter", letter_id=letter_id, owner=owner.provider)
    outbox = runtime.settings.path("outbox")
    path = (outbox / found.path).resolve()
    if not path.is_relative_to(outbox) or not path.is_file():
        refuse(user, "letter", status=404, letter_id=letter_id, missing_file=True)
    return FileResponse(path, media_type="application/pdf", filename=path.name)


@router.post("/referral/{reference}/outcome")
async def record(request: Request, reference: str, user: ProviderUser):
    """One form: which assessment, what happened, when; a reschedule also gives the new time,
    an attended initial assessment whether a follow-up is needed."""
    runtime = runtime_of(request)
    form = {k: str(v).strip() for k, v in (await request.form()).items() if k != "csrf_token"}
    tz = runtime.settings.tz
    with Session(runtime.engine) as session:
        _own_referral(session, user, reference)
    try:
        outcome = form.get("outcome", "")
        if outcome not in OUTCOMES:
            raise FieldError("outcome", outcome, "choose what happened")
        assessment = form.get("assessment", "")
        if assessment not in ("initial", "follow_up"):
            raise FieldError("assessment", assessment, "choose initial or follow-up")
        outcome_at = instant(form, "outcome_at", tz)
        new_at = instant(form, "new_appointment_at", tz, required=outcome == "rescheduled")
        follow_up = parse_bool(form, "follow_up_required")
        with Session(runtime.engine) as session, session.begin():
            give_reason(session, form.get("reason"))
            record_outcome(session, runtime.settings, runtime.clock, reference=reference,
                           assessment=assessment, outcome=outcome, outcome_at=outcome_at,
                           new_appointment_at=new_at, follow_up_required=follow_up,
                           actor=user.username)
    except FieldError as exc:
        return _referral_page(request, user, reference, errors={exc.column: exc.reason},
                              form=form, status=422)
    except ValueError as exc:
        return _referral_page(request, user, reference, errors={"": str(exc)}, form=form,
                              status=422)
    flash(request, f"{reference}: {outcome.replace('_', ' ')} recorded.")
    return redirect("/provider/referral", reference)
