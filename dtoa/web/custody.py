"""Custody desk pages, in plain English: find a detention, see whether it may be tested and
why not in words, enter or correct its test outcome in one form (checked by the same code as an
extract row: `ingest_rows` of kind "tests", as `dtoa record-test` does), and, after a positive
result, serve the requirement to attend assessment and print its notice
(`dtoa.web.requirement`), all in one flow. The officer is the signed-in user unless changed.
The desk links to the inspectors' authorities still to complete (`dtoa.web.authorities`)."""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select
from sqlmodel import Session

from dtoa.config import Settings
from dtoa.custody import incomplete_authorities
from dtoa.ingest import ingest_rows
from dtoa.ingest.csvfile import desk_record
from dtoa.ingest.tests import input_fields
from dtoa.models import Detention, DetentionOffence, DrugTest, SampleResult, User
from dtoa.rules.ages import age_on
from dtoa.rules.outcomes import NOT_TESTED_REASONS, OUTCOMES
from dtoa.web import authorities, requirement
from dtoa.web.auth import refuse, require
from dtoa.web.pages import flash, redirect, render, runtime_of

router = APIRouter(prefix="/custody")
router.include_router(requirement.router)
router.include_router(authorities.router)
CustodyUser = Annotated[User, Depends(require("custody"))]
RECENT = 25
RECENT_DAYS = timedelta(days=3)  # the desk list: recent arrests only, found by index

REASONS = {
    "not_trigger_no_authority": "not arrested for a trigger offence, and no inspector has "
                                "authorised a test: may not be tested (PACE 1984 s.63B(1A))",
    "suite_not_live": "this suite is not notified for testing in this case at this time (arrest "
                      "cases, charge cases and people under 18 are notified separately): may "
                      "not be tested here (PACE 1984 s.63B(4A)-(4B))",
}
FINDINGS = {
    "trigger": "trigger offence",
    "not_in_catalogue": "not a trigger offence",
    "not_in_force": "not a trigger offence on that date",
    "drug_not_specified": "not a trigger offence: the drug was not a specified drug on that date",
}
WORDS = {"failed_to_provide": "failed to provide a sample", "unsuitable": "sample unsuitable",
         "insufficient": "sample insufficient"}
OUTCOME_WORDS = {o: WORDS.get(o, o.replace("_", " ")) for o in OUTCOMES}


def reason_in_words(reason: str | None, age: int, settings: Settings, suite: str,
                    on: date) -> str:
    """Why a detention may not be tested, as the desk officer reads it: `age` and `on` are
    the person's age and the date at the moment judged (the sample, or the arrest)."""
    if reason == "under_age":
        if age < 14:
            return "under 14: may not be tested (PACE 1984 s.63B(3))"
        known = settings.suites_by_code.get(suite)
        if known is not None and known.notified("under_18", on):
            return ("under 18: may be tested only after charge, with an appropriate adult "
                    "(PACE 1984 s.63B(3), (5A))")
        return ("under 18: this suite is not notified for testing people under 18 (PACE 1984 "
                "s.63B(4B))")
    return REASONS.get(reason or "", (reason or "").replace("_", " "))


def result_in_words(result: str | None, results: dict[str, bool] | None = None) -> str:
    """A sample's result in words: "positive for cocaine and opiates", "negative", "refused"."""
    if not result:
        return "not recorded"
    if result == "positive":
        return "positive for " + " and ".join(d for d, positive in (results or {}).items()
                                              if positive)
    return OUTCOME_WORDS.get(result, result.replace("_", " "))


def offence_in_words(code: str, settings: Settings) -> str:
    """An offence code as its title and statute ("Theft (Theft Act 1968 s.1)"), the drug it
    names after a colon, or the code itself when it is not in the catalogue."""
    base, _, drug = code.partition(":")
    offence = settings.offences_by_code.get(base.strip().upper())
    if offence is None:
        return code
    return f"{offence.title}{f' ({drug})' if drug else ''}, {offence.statute}"


def force_suites(settings: Settings, user: User) -> list[str]:
    return [s.code for s in settings.suites if s.force == user.force]


def in_force(request: Request, user: User, suite: str) -> str:
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
    now = runtime.clock.now()
    since = now.astimezone(runtime.settings.tz).date() - RECENT_DAYS
    with Session(runtime.engine) as session:
        recent = session.execute(
            select(Detention, DrugTest)
            .outerjoin(DrugTest, (DrugTest.detention_id == Detention.id)
                       & DrugTest.superseded.is_(False))
            .where(Detention.arrest_date >= since, Detention.suite.in_(suites))
            .order_by(Detention.arrested_at.desc()).limit(RECENT)).all()
        rows = [{"detention": d,
                 "result": result_in_words(t.result if t else None, _results(session, t)),
                 "reason": _reason(d, t, runtime.settings)} for d, t in recent]
        unserved, missed = requirement.worklist(session, runtime.settings, suites, now)
        to_complete = len(incomplete_authorities(session, suites))
    return render(request, "custody/search.html", status=status, suites=suites, recent=rows,
                  error=error, suite=suite, custody_ref=custody_ref, unserved=unserved,
                  missed=missed, authorities=to_complete)


@router.get("/detention")
def detention(request: Request, user: CustodyUser, suite: str = "",
              custody_ref: str = ""):
    suite = in_force(request, user, suite)
    return detention_page(request, user, suite, custody_ref.strip())


def detention_page(request: Request, user: User, suite: str, custody_ref: str, *,
                   form: dict | None = None, errors: dict | None = None, status: int = 200,
                   requirement_error: str | None = None):
    runtime = runtime_of(request)
    settings, now = runtime.settings, runtime.clock.now()
    with Session(runtime.engine) as session:
        found = session.execute(select(Detention).where(
            Detention.suite == suite, Detention.custody_ref == custody_ref,
            Detention.anonymised_at.is_(None))).scalar_one_or_none()
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
        served = requirement.panel(session, settings, found, test, now)
    local_now = now.astimezone(settings.tz)
    form = form or _form_from(test, results, local_now, user, found.eligible)
    age = age_on(found.birth_date, found.arrest_date)
    return render(request, "custody/detention.html", status=status, detention=found,
                  offences=[(offence_in_words(o.code, settings), FINDINGS.get(o.finding,
                                                                              o.finding))
                            for o in offences],
                  test=test, result=result_in_words(test.result if test else None, results),
                  age=age, reason=_reason(found, test, settings),
                  form=form, errors=errors or {}, outcomes=OUTCOME_WORDS,
                  not_tested_reasons=NOT_TESTED_REASONS,
                  panel=[p.drug for p in settings.law.panel_on(local_now.date())],
                  requirement=served, requirement_error=requirement_error,
                  officer=user.username)


def _reason(detention: Detention, test: DrugTest | None, settings: Settings) -> str:
    """The detention's reason in words, at its sample (or its arrest, with none)."""
    moment = test.tested_at if test is not None else detention.arrested_at
    on = moment.astimezone(settings.tz).date()
    return reason_in_words(detention.ineligible_reason, age_on(detention.birth_date, on),
                           settings, detention.suite, on)


def _results(session: Session, test: DrugTest | None) -> dict[str, bool]:
    if test is None:
        return {}
    return {r.drug: r.positive for r in session.execute(select(SampleResult).where(
        SampleResult.drug_test_id == test.id)).scalars()}


def _form_from(test: DrugTest | None, results: dict[str, bool], now, user: User,  # noqa: ANN001
               eligible: bool) -> dict:
    """The form's starting values: the stored test to correct, or a new one timed now and
    entered by the signed-in officer (not tested, when the person may not be tested)."""
    if test is None:
        return {"tested_at": now.strftime("%Y-%m-%dT%H:%M"),
                "outcome": "tested" if eligible else "not_tested", "officer_ref": user.username}

    def word(value: bool | None) -> str:
        return "" if value is None else ("positive" if value else "negative")

    return {
        "tested_at": test.tested_at.astimezone(now.tzinfo).strftime("%Y-%m-%dT%H:%M"),
        "outcome": test.outcome, **{drug: word(value) for drug, value in results.items()},
        "not_tested_reason": test.not_tested_reason or "",
        "officer_ref": test.officer_ref or user.username,
        "appropriate_adult": "true" if test.appropriate_adult else "",
        "disputed": "true" if test.disputed else "",
        "declared_medication": test.declared_medication or "",
    }


@router.post("/detention/test")
async def record_test(request: Request, user: CustodyUser):
    """One submit records (or corrects) the outcome; errors come back beside their fields. A
    positive result leads straight on to the requirement."""
    runtime = runtime_of(request)
    form = await request.form()
    suite = in_force(request, user, str(form.get("suite", "")))
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
        return detention_page(request, user, suite, custody_ref, form=values, errors=errors,
                              status=422)
    anchor = ""
    if summary.rows_unchanged:
        flash(request, "Already recorded; nothing changed.")
    elif summary.rows_updated:
        flash(request, "Test corrected. The change is in the audit trail.")
    else:
        result = _stored_result(runtime.engine, suite, custody_ref)
        flash(request, f"Test recorded: {result}.")
        anchor = "#requirement" if result.startswith("positive") else ""
    response = redirect("/custody/detention", suite=suite, custody_ref=custody_ref)
    response.headers["location"] += anchor  # a positive result leads on to the requirement
    return response


def _stored_result(engine, suite: str, custody_ref: str) -> str:  # noqa: ANN001
    with Session(engine) as session:
        test = session.execute(select(DrugTest).join(Detention).where(
            Detention.suite == suite, Detention.custody_ref == custody_ref,
            DrugTest.superseded.is_(False))).scalar_one()
        return result_in_words(test.result, _results(session, test))
