"""The custody desk's list of inspectors' authorities recorded with no inspector named, and the
form that completes one (PACE 1984 s.63C(3)-(4): an oral authority is recorded as soon as
practicable). The detention is in scope and eligible meanwhile, flagged `authority_unrecorded`
(`dtoa.custody.authorities`, as `dtoa authorities list|complete`). Only the user's force's
suites are listed or completed; the list names no person: suite, custody reference, arrest
and offences only. Completing it is an audited change of the custody record."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select
from sqlmodel import Session

from dtoa.custody import AuthorityError, complete_authority, incomplete_authorities
from dtoa.models import Detention, DetentionOffence, User
from dtoa.store import session_scope
from dtoa.store.audit import give_reason
from dtoa.web.auth import require
from dtoa.web.pages import flash, redirect, render, runtime_of

router = APIRouter()  # included by the custody router, under /custody
CustodyUser = Annotated[User, Depends(require("custody"))]
FIELDS = ("inspector", "grounds", "officer", "reason")


@router.get("/authorities")
def authorities(request: Request, user: CustodyUser):
    return authorities_page(request, user)


def authorities_page(request: Request, user: User, *, status: int = 200,
                     failed: tuple[str, str] | None = None, error: str | None = None,
                     form: dict[str, str] | None = None):
    """Every incomplete authority at the user's force's suites, oldest arrest first; `failed`
    is the (suite, custody reference) whose completion was refused, shown with `error` and the
    values entered (`form`) beside it."""
    from dtoa.web.custody import force_suites, offence_in_words

    runtime = runtime_of(request)
    settings = runtime.settings
    suites = force_suites(settings, user)
    with Session(runtime.engine) as session:
        rows = incomplete_authorities(session, suites)
        offences: dict[tuple[str, str], list[str]] = {}
        for suite, custody_ref, code in session.execute(
                select(Detention.suite, Detention.custody_ref, DetentionOffence.code)
                .join(DetentionOffence, DetentionOffence.detention_id == Detention.id)
                .where(Detention.authority_unrecorded.is_(True), Detention.suite.in_(suites),
                       Detention.anonymised_at.is_(None))
                .order_by(DetentionOffence.position)):
            offences.setdefault((suite, custody_ref), []).append(
                offence_in_words(code, settings))
    return render(request, "custody/authorities.html", status=status, rows=rows,
                  offences=offences, failed=failed, error=error,
                  form=form or {}, officer=user.username)


@router.post("/authorities/complete")
async def complete(request: Request, user: CustodyUser):
    """Name the inspector (and the grounds, when given) through the same library call as
    `dtoa authorities complete`. The audit row's actor is the signed-in account, and names the
    completing officer too when the form names someone else."""
    from dtoa.web.custody import in_force

    runtime = runtime_of(request)
    form = await request.form()
    suite = in_force(request, user, str(form.get("suite", "")))
    custody_ref = str(form.get("custody_ref", "")).strip()
    values = {key: str(form.get(key, "")).strip() for key in FIELDS}
    officer = values["officer"] or user.username
    actor = user.username if officer == user.username else f"{user.username} for {officer}"
    limit = runtime.settings.ingest.max_field_chars
    try:
        if any(len(value) > limit for value in values.values()):
            raise AuthorityError(f"keep each field to {limit} characters")
        with session_scope(runtime.engine) as session:
            give_reason(session, values["reason"])
            complete_authority(session, suite=suite, custody_ref=custody_ref,
                               inspector=values["inspector"], grounds=values["grounds"],
                               at=runtime.clock.now(), actor=actor)
    except AuthorityError as exc:
        return authorities_page(request, user, status=422, failed=(suite, custody_ref),
                                error=f"Not recorded: {exc}.", form=values)
    flash(request, f"Authority recorded for {custody_ref} at {suite}: {values['inspector']} "
                   "named. The change is in the audit trail.")
    return redirect("/custody/authorities")
