"""The custody desk's requirement to attend assessment (Drugs Act 2005 ss.9-11), in the same
flow as the test result: once a positive result is recorded, the detention page offers the
provider's first free sessions before the deadline, the officer (the signed-in user, unless
changed) serves it, and the notice (RA1) opens to print and hand over before release. The
worklist lists the positives with no requirement served at the user's suites."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse
from sqlalchemy import select
from sqlmodel import Session

from dtoa.config import Settings
from dtoa.ingest.csvfile import FieldError, parse_instant
from dtoa.models import Detention, DrugTest, Letter, Referral, User
from dtoa.notify.contacts import Contact, ContactError
from dtoa.notify.desk import record_at_desk, send_after_serving
from dtoa.referrals.create import facts_of
from dtoa.referrals.serve import Offer, RequirementError, Served, offer, serve, served_view
from dtoa.referrals.worklist import LOOK_BACK, Unserved, unserved_requirements
from dtoa.rules.referrals import NOT_POSITIVE, no_referral_reason
from dtoa.store import session_scope
from dtoa.web.auth import refuse, require
from dtoa.web.pages import flash, redirect, runtime_of

router = APIRouter()  # included by the custody router, under /custody
CustodyUser = Annotated[User, Depends(require("custody"))]
IN_CUSTODY = "custody:"  # prefix of an offered in-custody session's value in the form


@dataclass(frozen=True)
class Panel:
    """What the detention page says about the requirement: served (with its notice), offered
    (sessions to choose from), or why none can be imposed."""

    served: Served | None = None
    offer: Offer | None = None
    reason: str | None = None


def panel(session: Session, settings: Settings, detention: Detention, test: DrugTest | None,
          now: datetime) -> Panel | None:
    """None when there is nothing to say: no test yet, or a result that is not positive."""
    if test is None:
        return None
    if no_referral_reason(facts_of(test, detention, settings)) == NOT_POSITIVE:
        return None
    referral = session.execute(select(Referral).where(
        Referral.drug_test_id == test.id)).scalar_one_or_none()
    if referral is not None and referral.served_at is not None:
        return Panel(served=served_view(session, settings, referral))
    try:
        return Panel(offer=offer(session, settings, suite=detention.suite,
                                 custody_ref=detention.custody_ref, at=now))
    except RequirementError as exc:
        return Panel(reason=str(exc))


def worklist(session: Session, settings: Settings, suites: list[str],
             now: datetime) -> tuple[list[Unserved], int]:
    """Positives of the last `LOOK_BACK` days at these suites still within their deadline,
    newest first, and how many more are past it (released with none)."""
    rows = unserved_requirements(session, settings, suites=suites, since=now - LOOK_BACK)
    open_ = [row for row in rows if not row.past_deadline(now)]
    return open_, len(rows) - len(open_)


@router.post("/detention/require")
async def serve_requirement(request: Request, user: CustodyUser):
    """Serve the requirement in the session the officer chose; then the page offers the notice
    to print. A refusal comes back on the page in words."""
    from dtoa.web.custody import detention_page, in_force

    runtime = runtime_of(request)
    form = await request.form()
    suite = in_force(request, user, str(form.get("suite", "")))
    custody_ref = str(form.get("custody_ref", "")).strip()
    now = runtime.clock.now()
    contact = Contact(mobile=str(form.get("mobile", "")), email=str(form.get("email", "")),
                      agreed=form.get("reminders") == "true")
    chosen = str(form.get("slot", ""))
    in_custody = chosen.startswith(IN_CUSTODY)  # the offer's in-custody sessions say so
    try:
        slot = parse_instant({"slot": chosen.removeprefix(IN_CUSTODY)}, "slot",
                             runtime.settings.tz, required=False)
        contact.checked()  # before anything is served
        with session_scope(runtime.engine) as session:
            served = serve(session, runtime.settings, suite=suite, custody_ref=custody_ref,
                           officer=str(form.get("officer", "")), served_at=now, now=now,
                           slot=slot, actor=user.username,
                           in_custody=in_custody if slot is not None else None)
            if not served.already:
                record_at_desk(session, served.reference, contact, now=now,
                               actor=user.username)
    except (RequirementError, FieldError, ContactError) as exc:
        reason = exc.reason if isinstance(exc, FieldError | ContactError) else str(exc)
        return detention_page(request, user, suite, custody_ref, status=422,
                              requirement_error=f"Not served: {reason}.")
    send_after_serving(runtime.engine, runtime.settings, runtime.clock, served.reference)
    flash(request, f"Requirement served: {served.reference}. Print the notice and hand it "
                   "over before the person is released.")
    response = redirect("/custody/detention", suite=suite, custody_ref=custody_ref)
    response.headers["location"] += "#requirement"
    return response


@router.get("/notice/{reference}")
def notice(request: Request, reference: str, user: CustodyUser):
    """The notice of requirement to print: only for a suite of the user's force."""
    from dtoa.web.custody import force_suites

    runtime = runtime_of(request)
    with Session(runtime.engine) as session:
        found = session.execute(
            select(Letter, Referral.suite).join(Referral, Referral.id == Letter.referral_id)
            .where(Referral.reference == reference, Letter.kind == "notice")
            .order_by(Letter.version.desc())).first()
    if found is None:
        refuse(user, "notice", status=404, found=False)
    letter, suite = found
    if suite not in force_suites(runtime.settings, user):
        refuse(user, "notice", letter_id=letter.id, suite=suite)
    outbox = runtime.settings.path("outbox")
    path = (outbox / letter.path).resolve()
    if not path.is_relative_to(outbox) or not path.is_file():
        refuse(user, "notice", status=404, letter_id=letter.id, missing_file=True)
    return FileResponse(path, media_type="application/pdf", filename=path.name,
                        content_disposition_type="inline")
