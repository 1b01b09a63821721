"""Custody desk pages: find a detention, see whether it may be tested and why, and enter or
correct its test outcome in one form, checked by the same code as an extract row (`ingest_rows`
of kind "tests", as `dtoa record-test` does)."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select
from sqlmodel import Session

from dtoa.config import Settings
from dtoa.ingest import ingest_rows
from dtoa.ingest.csvfile import desk_record
from dtoa.ingest.tests import input_fields
from dtoa.models import Detention, DetentionOffence, DrugTest, SampleResult, User
from dtoa.rules.ages import age_on
from dtoa.rules.outcomes import NOT_TESTED_REASONS, OUTCOMES
from dtoa.web.auth import refuse, require
from dtoa.web.pages import flash, redirect, render, runtime_of

router = APIRouter(prefix="/custody")
CustodyUser = Annotated[User, Depends(require("custody"))]
RECENT = 25
RECENT_DAYS = timedelta(days=3)  # the desk list: recent arrests only, found by index

REASONS = {
    "not_trigger_no_authority": "No trigger offence and no inspector's authority "
                                "(PACE 1984 s.63B(1A)).",
    "suite_not_live": "The suite is not notified for testing in this case at this time "
                      "(PACE 1984 s.63B(4A)-(4B)).",
    "under_age": "Under 18: may be tested only after charge, where the suite is notified for "
                 "under-18s, with an appropriate adult (PACE 1984 s.63B(3)).",
}
FINDINGS = {
    "trigger": "trigger offence",
    "not_in_catalogue": "not a trigger offence",
    "not_in_force": "not a trigger offence on the arrest date",
    "drug_not_specified": "drug not a specified Class A drug on the arrest date",
}


def force_suites(settings: Settings, user: User) -> list[str]:
    return [s.code for s in settings.suites if s.force == user.force]


def _in_force(request: Request, user: User, suite: str) -> str:
    """The suite code, if it belongs to the user's force; anything else is refused and logged."""
    suite = suite.strip().upper()
    if suite not in force_suites(runtime_of(request).settings, user):
        refuse(user, "detention", suite=suite[:40])
    return suite


@router.get("")
def search(request: Request, user: CustodyUser):
    return _search_page(request, user)


def _search_page(request: Request, user: User, *, status: int = 200, error: str | None = None,
                 suite: str = "", custody_ref: str = ""):
    runtime = runtime_of(request)
    suites = force_suites(runtime.settings, user)
    since = runtime.clock.now().astimezone(runtime.settings.tz).date() - RECENT_DAYS
    with Session(runtime.engine) as session:
        recent = session.execute(
            select(Detention.suite, Detention.custody_ref, Detention.arrested_at,
                   Detention.eligible, Detention.ineligible_reason, DrugTest.result)
            .outerjoin(DrugTest, (DrugTest.detention_id == Detention.id)
                       & DrugTest.superseded.is_(False))
            .where(Detention.arrest_date >= since, Detention.suite.in_(suites))
            .order_by(Detention.arrested_at.desc()).limit(RECENT)).all()
    return render(request, "custody/search.html", status=status, suites=suites, recent=recent,
                  error=error, suite=suite, custody_ref=custody_ref)


@router.get("/detention")
def detention(request: Request, user: CustodyUser, suite: str = "",
              custody_ref: str = ""):
    suite = _in_force(request, user, suite)
    return _detention_page(request, user, suite, custody_ref.strip())


def _detention_page(request: Request, user: User, suite: str, custody_ref: str, *,
                    form: dict | None = None, errors: dict | None = None, status: int = 200):
    runtime = runtime_of(request)
    with Session(runtime.engine) as session:
        found = session.execute(select(Detention).where(
            Detention.suite == suite, Detention.custody_ref == custody_ref)).scalar_one_or_none()
        if found is None:
            return _search_page(request, user, status=404, suite=suite, custody_ref=custody_ref,
                                error=f"No detention {custody_ref} at {suite}. Check the custody "
                                      "reference; the detentions extract may not be in yet.")
        offences = session.execute(select(DetentionOffence).where(
            DetentionOffence.detention_id == found.id)
            .order_by(DetentionOffence.position)).scalars().all()
        test = session.execute(select(DrugTest).where(
            DrugTest.detention_id == found.id, DrugTest.superseded.is_(False))
        ).scalar_one_or_none()
        results = _results(session, test)
    tz = runtime.settings.tz
    now = runtime.clock.now().astimezone(tz)
    form = form or _form_from(test, results, now, user)
    age = age_on(found.birth_date, found.arrest_date)
    return render(request, "custody/detention.html", status=status, detention=found,
                  result=result_text(test, results) if test else None,
                  offences=offences, findings=FINDINGS, test=test, age=age,
                  reason=REASONS.get(found.ineligible_reason or "", found.ineligible_reason),
                  form=form, errors=errors or {}, outcomes=OUTCOMES,
                  not_tested_reasons=NOT_TESTED_REASONS,
                  panel=[p.drug for p in runtime.settings.law.panel_on(now.date())])


def _form_from(test: DrugTest | None, results: dict[str, bool], now, user: User) -> dict:  # noqa: ANN001
    """The form's starting values: the stored test to correct, or a new one timed now."""
    if test is None:
        return {"tested_at": now.strftime("%Y-%m-%dT%H:%M"), "outcome": "tested",
                "officer_ref": ""}

    def word(value: bool | None) -> str:
        return "" if value is None else ("positive" if value else "negative")

    return {
        "tested_at": test.tested_at.astimezone(now.tzinfo).strftime("%Y-%m-%dT%H:%M"),
        "outcome": test.outcome, **{drug: word(value) for drug, value in results.items()},
        "not_tested_reason": test.not_tested_reason or "", "officer_ref": test.officer_ref or "",
        "appropriate_adult": "true" if test.appropriate_adult else "",
        "disputed": "true" if test.disputed else "",
        "declared_medication": test.declared_medication or "",
    }


@router.post("/detention/test")
async def record_test(request: Request, user: CustodyUser):
    """One submit records (or corrects) the outcome; errors come back beside their fields."""
    runtime = runtime_of(request)
    form = await request.form()
    suite = _in_force(request, user, str(form.get("suite", "")))
    custody_ref = str(form.get("custody_ref", "")).strip()
    values = {key: str(form.get(key, "")).strip() for key in input_fields(runtime.settings)}
    values.update(suite=suite, custody_ref=custody_ref)
    summary = ingest_rows(
        runtime.engine, runtime.settings, runtime.clock, "tests",
        [desk_record(values, max_field_chars=runtime.settings.ingest.max_field_chars)],
        header=list(values),
        source=f"web:{user.username}", actor=f"web:{user.username}", entered_by=user.username,
        digest=hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest())
    if summary.errors:
        errors = {e.column: e.reason for e in summary.errors}
        return _detention_page(request, user, suite, custody_ref, form=values, errors=errors,
                               status=422)
    if summary.rows_unchanged:
        flash(request, "Already recorded; nothing changed.")
    elif summary.rows_updated:
        flash(request, "Test corrected. The change is in the audit trail.")
    else:
        flash(request, f"Test recorded: {_stored_result(runtime.engine, suite, custody_ref)}.")
    return redirect("/custody/detention", suite=suite, custody_ref=custody_ref)


def _stored_result(engine, suite: str, custody_ref: str) -> str:  # noqa: ANN001
    with Session(engine) as session:
        test = session.execute(select(DrugTest).join(Detention).where(
            Detention.suite == suite, Detention.custody_ref == custody_ref,
            DrugTest.superseded.is_(False))).scalar_one()
        return result_text(test, _results(session, test))


def _results(session: Session, test: DrugTest | None) -> dict[str, bool]:
    if test is None:
        return {}
    return {r.drug: r.positive for r in session.execute(select(SampleResult).where(
        SampleResult.drug_test_id == test.id)).scalars()}


def result_text(test: DrugTest, results: dict[str, bool]) -> str:
    """A sample's result in words: "positive for cocaine and opiates", "negative", "refused"."""
    if test.result == "positive":
        return "positive for " + " and ".join(d for d, positive in results.items() if positive)
    return test.result.replace("_", " ")
