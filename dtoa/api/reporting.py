"""Reporting systems: the funnel for a period and a suite, as `dtoa report funnel --format
json` prints it, with publication suppression (`publish=true`) for figures that leave the
police. Read only."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request

from dtoa.api.auth import ReportingCaller
from dtoa.api.problems import Problem
from dtoa.api.schemas import Funnel, problems
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
