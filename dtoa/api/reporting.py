"""Reporting systems: the funnel for a period and a suite, as `dtoa report funnel --format
json` prints it, and the quarter's Home Office return, as `dtoa report home-office` writes it;
both with publication suppression (`publish=true`) for figures that leave the police. Read
only."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request

from dtoa.api.auth import ReportingCaller
from dtoa.api.problems import Problem
from dtoa.api.schemas import Funnel, HomeOfficeReturnOut, problems
from dtoa.evidence.returns import build_return
from dtoa.reports.weekly import FORCE
from dtoa.rules.publish import publish_funnel
from dtoa.store.funnel import funnel as funnel_of

router = APIRouter(tags=["reporting systems"])


@router.get("/funnel", response_model=Funnel, response_model_by_alias=True,
            responses=problems(401, 403, 422, 429))
def funnel(request: Request, caller: ReportingCaller,
           start: Annotated[date, Query(alias="from", description="First arrest date.")],
           end: Annotated[date, Query(alias="to", description="Last arrest date, inclusive.")],
           suite: Annotated[str | None, Query(description="One suite (default: all).")] = None,
           publish: Annotated[bool, Query(description="Suppress counts of 1 to 4 and whatever "
                                                      "would let them be worked out.")] = False,
           ) -> dict:
    """The funnel for arrests from `from` to `to` (Europe/London dates)."""
    runtime = request.app.state.runtime
    try:
        figures = funnel_of(runtime.engine, runtime.settings, start, end, suite)
    except ValueError as exc:
        raise Problem(422, str(exc), errors=[{"index": None, "field": "suite" if suite and
                                              "suite" in str(exc) else "from",
                                              "reason": str(exc)}]) from None
    if publish:
        figures = publish_funnel(figures)
    return {"suite": suite.upper() if suite else FORCE, "from": start.isoformat(),
            "to": end.isoformat(), **figures}


@router.get("/home-office-return", response_model=HomeOfficeReturnOut,
            response_model_by_alias=True, responses=problems(401, 403, 422, 429))
def home_office_return(
        request: Request, caller: ReportingCaller,
        quarter: Annotated[str, Query(description="The calendar quarter, e.g. 2026-Q3.")],
        force: Annotated[str | None, Query(description="One force (default: every force).")]
        = None,
        publish: Annotated[bool, Query(description="Suppress counts of 1 to 4 and whatever "
                                                   "would let them be worked out.")] = False,
        ) -> dict:
    """Tests whose sample was taken in the quarter (Europe/London dates), per suite, per force
    and for every force, with each measure's definition."""
    runtime = request.app.state.runtime
    try:
        made = build_return(runtime.engine, runtime.settings, quarter, force, publish=publish)
    except ValueError as exc:
        field = "force" if "force" in str(exc) else "quarter"
        raise Problem(422, str(exc), errors=[{"index": None, "field": field,
                                              "reason": str(exc)}]) from None
    return {"quarter": made.quarter, "from": made.start.isoformat(),
            "to": made.end.isoformat(), "force": made.force, "publish": made.publish,
            "definitions": made.definitions,
            "units": [{"force": unit.force, "suite": unit.suite, "figures": figures}
                      for unit, figures in made.table.items()]}
