"""Inspector pages: the funnel for any suite and ISO week, prosecution cases near their time
limit (Magistrates' Courts Act 1980 s.127) with decisions, and the providers' chase list."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session

from dtoa.attendance import chase_list
from dtoa.ingest.csvfile import FieldError
from dtoa.models import User
from dtoa.prosecution import cases_due, decide
from dtoa.referrals import list_referrals
from dtoa.reports.text import LABELS, rate_text
from dtoa.reports.weekly import week_of
from dtoa.rules.funnel import RATES as ALL_RATES
from dtoa.rules.funnel import definition
from dtoa.store import give_reason
from dtoa.store.funnel_rollup import funnel_by_week
from dtoa.web.auth import require
from dtoa.web.inputs import BadInput, instant, iso_week
from dtoa.web.pages import flash, render, runtime_of

router = APIRouter(prefix="/inspector")
InspectorUser = Annotated[User, Depends(require("inspector"))]
DECISIONS = ("charged", "summonsed", "no_further_action", "good_cause_accepted")
STAGES = ("detentions", "in_scope", "eligible", "tested", "positive", "referred",
          "positive_no_requirement", "attended", "failed_to_attend", "prosecuted")
RATES = ("test_rate", "eligible_test_rate", "positivity", "fta_rate")  # the "Rates" panel
TREND_WEEKS = 8  # the week and the seven before it
MAX_WITHIN_DAYS = 3660  # ten years: more than any time limit, and a date a calendar can hold


@router.get("")
def funnel_page(request: Request, user: InspectorUser, week: str = "", suite: str = ""):
    """The funnel of one ISO week: by default the current week (arrests so far), with links
    to the week before and after."""
    runtime = runtime_of(request)
    today = runtime.clock.now().astimezone(runtime.settings.tz).date()
    current = week_of(today)
    week = week or current
    try:
        start, end = iso_week(week)
    except BadInput as exc:
        return render(request, "inspector/funnel.html", status=422, week=week, suite=suite,
                      error=exc.detail, figures=None)
    suite = suite if suite in runtime.settings.suites_by_code else ""
    mondays = [start - timedelta(weeks=back) for back in range(TREND_WEEKS - 1, -1, -1)]
    weekly = funnel_by_week(runtime.engine, runtime.settings, mondays,
                            suite or None)  # the stored weeks: the week is the trend's last
    trend = list(zip(mondays, weekly, strict=True))
    figures = weekly[-1]
    top = max([figures.get(s) or 0 for s in STAGES] + [1])
    trend_top = max([f.get("tested") or 0 for _, f in trend] + [1])
    later = week_of(start + timedelta(weeks=1))
    return render(request, "inspector/funnel.html", week=week, suite=suite, start=start,
                  end=end, figures=figures, stages=STAGES, rates=RATES, all_rates=ALL_RATES,
                  top=top, trend=trend, trend_top=trend_top,
                  definitions={k: definition(k) for k in figures}, error=None, current=current,
                  previous=week_of(start - timedelta(weeks=1)),
                  next=later if later <= current else None, rate_text=rate_text,
                  labels=LABELS)


@router.get("/prosecutions")
def prosecutions(request: Request, user: InspectorUser,
                 within: Annotated[int | None, Query(ge=0, le=MAX_WITHIN_DAYS)] = None):
    """Open cases whose time limit falls within `within` days (or has passed), soonest first;
    without `within`, the cases inside their warning window ([prosecution] warn_days_before)."""
    runtime = runtime_of(request)
    today = runtime.clock.now().astimezone(runtime.settings.tz).date()
    with Session(runtime.engine) as session:
        cases = cases_due(session, today, within)
    return render(request, "inspector/prosecutions.html", cases=cases, within=within,
                  today=today, decisions=DECISIONS,
                  warn_days=runtime.settings.prosecution.warn_days_before)


@router.post("/prosecutions/{reference}/decision")
async def decision(request: Request, reference: str, user: InspectorUser):
    runtime = runtime_of(request)
    form = {k: str(v).strip() for k, v in (await request.form()).items()}
    try:
        chosen = form.get("decision", "")
        if chosen not in DECISIONS:
            raise FieldError("decision", chosen, "choose a decision")
        decided_at = instant(form, "decided_at", runtime.settings.tz, required=False)
        with Session(runtime.engine) as session, session.begin():
            give_reason(session, form.get("reason"))
            decide(session, runtime.settings, runtime.clock, reference=reference,
                   decision=chosen, decided_at=decided_at or runtime.clock.now(),
                   actor=user.username)
    except ValueError as exc:
        flash(request, f"{reference}: not recorded: {getattr(exc, 'reason', exc)}")
        return RedirectResponse("/inspector/prosecutions", status_code=303)
    flash(request, f"{reference}: {chosen.replace('_', ' ')} recorded.")
    return RedirectResponse("/inspector/prosecutions", status_code=303)


@router.get("/chase")
def chase(request: Request, user: InspectorUser):
    """Appointments whose outcome the provider has not reported in time, by provider, and
    referrals that found no place before their deadline (never booked late)."""
    runtime = runtime_of(request)
    with Session(runtime.engine) as session:
        items = chase_list(session)
        unbooked = list_referrals(session, no_capacity=True)
    return render(request, "inspector/chase.html", items=items, unbooked=unbooked)
