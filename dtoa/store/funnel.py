"""The funnel, counted in the database: one aggregate query over detentions in the period.

Each stage is a `SUM(CASE WHEN ... THEN 1 ELSE 0 END)` over detention LEFT JOIN drug_test
LEFT JOIN referral LEFT JOIN the live initial appointment LEFT JOIN prosecution outcomes, so a
quarter of a national force costs one scan, not a Python loop. What each stage means is in
`dtoa.rules.funnel.COUNTS`; the SQL below is that definition, stage by stage.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from itertools import pairwise

from sqlalchemy import Select, and_, case, exists, func, literal, not_, or_, select, true
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from dtoa.config import Settings
from dtoa.models import (
    Appointment,
    Detention,
    DrugTest,
    Message,
    ProsecutionCase,
    Referral,
    SampleResult,
)
from dtoa.rules import funnel as stages

D = Detention.__table__.c
T = DrugTest.__table__.c
R = Referral.__table__.c
S = SampleResult.__table__.c
FAILED = ("failed_to_attend", "failed_to_remain")
PROSECUTED = ("charged", "summonsed")


def _live_initial_id() -> ColumnElement[int]:
    """The referral's live initial appointment: kind initial and not replaced by a later
    appointment (a reschedule keeps the old row and books a new one with `replaces_id`). Should
    two ever be live, the latest booked (highest id) counts. Correlated to the referral, so only
    the appointments of the period's referrals are read (by the referral_id index), never the
    whole history."""
    a = Appointment.__table__.alias("a")
    newer = Appointment.__table__.alias("newer")
    replaced = exists().where(newer.c.replaces_id == a.c.id)
    return (select(func.max(a.c.id))
            .where(a.c.referral_id == R.id, a.c.kind == "initial", not_(replaced))
            .correlate(Referral.__table__).scalar_subquery())


def _good_cause_accepted(appointment) -> ColumnElement[bool]:  # noqa: ANN001
    """A prosecutor accepted the appointment's failure had good cause (Drugs Act 2005 s.12:
    only a failure "without good cause" is one)."""
    p = ProsecutionCase.__table__.c
    return exists().where(p.appointment_id == appointment.c.id, p.state == "good_cause_accepted")


def _prosecuted() -> ColumnElement[bool]:
    """At least one failure case of the referral charged or summonsed (one person, once)."""
    p = ProsecutionCase.__table__.c
    return exists().where(p.referral_id == R.id, p.state.in_(PROSECUTED))


def _results(panel: tuple[str, ...]) -> dict:
    """Per drug, the current sample's result row for it, joined once per detention (the table
    is unique on test and drug). As an EXISTS per stage, PostgreSQL hashed the whole table once
    for each use: six scans of every sample's results per query."""
    return {drug: SampleResult.__table__.alias(f"result_{drug}")
            for drug in dict.fromkeys(("cocaine", "opiates", *panel))}


def _stage_conditions(appointment, panel: tuple[str, ...], results: dict  # noqa: ANN001
                      ) -> dict[str, ColumnElement[bool]]:
    in_scope = D.in_scope.is_(True)
    tested = and_(in_scope, T.outcome == "tested")
    positive = and_(tested, T.result == "positive")
    def positive_for(drug: str) -> ColumnElement[bool]:  # the current sample was positive
        return results[drug].c.positive.is_(True)

    cocaine, opiates = positive_for("cocaine"), positive_for("opiates")
    referred = and_(R.id.is_not(None), R.served_at.is_not(None), R.state != "withdrawn")
    initial = appointment.c
    failed = and_(referred, initial.state.in_(FAILED), not_(_good_cause_accepted(appointment)))
    m = Message.__table__.c
    reminded = and_(referred, exists().where(m.appointment_id == initial.id,
                                             m.kind == "reminder", m.state == "sent"))
    return {
        "detentions": true(),
        "in_scope": in_scope,
        "eligible": D.eligible.is_(True),
        "under_age": and_(in_scope, D.under_age.is_(True)),
        "tested": tested,
        "tested_trigger": and_(tested, D.route == "trigger"),
        "tested_inspector_authorised": and_(tested, D.route == "inspector"),
        "refused": and_(in_scope, T.outcome == "refused"),
        "failed_to_provide": and_(in_scope, T.outcome == "failed_to_provide"),
        "not_tested": and_(D.eligible.is_(True),
                           or_(T.id.is_(None), T.outcome.in_(stages.NO_RESULT))),
        "positive": positive,
        "positive_cocaine_only": and_(positive, cocaine, not_(opiates)),
        "positive_opiates_only": and_(positive, opiates, not_(cocaine)),
        "positive_both": and_(positive, cocaine, opiates),
        **{stages.drug_key(drug): and_(positive, positive_for(drug)) for drug in panel},
        "referred": referred,
        "positive_no_requirement": and_(
            positive, T.positive_specified.is_(True), D.eligible.is_(True),
            T.adult_at_sample.is_(True),
            not_(and_(T.disputed.is_(True), T.lab_confirmed.is_(False))),
            or_(R.id.is_(None), R.served_at.is_(None))),
        "attended": and_(referred, initial.state == "attended"),
        "failed_to_attend": failed,
        "awaiting": and_(referred, or_(initial.id.is_(None), initial.state == "booked")),
        "outcome_overdue": and_(referred, initial.state == "outcome_overdue"),
        "prosecuted": and_(referred, _prosecuted()),
        "reminded": reminded,
        "not_reminded": and_(referred, not_(reminded)),
        "failed_to_attend_reminded": and_(failed, reminded),
        "failed_to_attend_unreminded": and_(failed, not_(reminded)),
    }


def funnel_counts(engine: Engine, start: date, end: date, suite: str | None = None,
                  panel: tuple[str, ...] = ()) -> dict[str, int]:
    """Every count of the funnel for detentions arrested (local date) from `start` to `end`
    inclusive, at one suite or all suites, with positives for each drug of `panel`. A
    detention's result is its current sample (a further sample supersedes the first)."""
    return funnel_counts_by_period(engine, [(start, end)], suite, panel)[0]


def funnel_counts_by_period(engine: Engine, periods: Sequence[tuple[date, date]],
                            suite: str | None = None, panel: tuple[str, ...] = ()
                            ) -> list[dict[str, int]]:
    """`funnel_counts` for each of several periods that do not overlap (a week and the weeks
    before it), in one grouped query: one scan of the arrest dates they span, not one each."""
    counts = [dict.fromkeys(stage_keys(panel), 0) for _ in periods]
    with engine.connect() as connection:
        plan_settings(connection)
        for row in connection.execute(funnel_query(periods, suite, panel)).mappings():
            counts[row["period"]] = {k: int(row[k] or 0) for k in counts[0]}
    return counts


def plan_settings(connection: Connection) -> None:
    """PostgreSQL, for the connection's current transaction only: no JIT (this many-branched
    query's estimate is over its threshold, and compiling it took 3 of the 3.8 s the query took
    on five years at a tenth of national size), and no hash or merge joins (with them the
    planner reads every test, referral and appointment ever recorded, a cost that grows with
    history, where index look-ups read only the period's; bench/RESULTS.md)."""
    if connection.dialect.name == "postgresql":
        for setting in ("jit", "enable_hashjoin", "enable_mergejoin"):
            connection.exec_driver_sql(f"SET LOCAL {setting} = off")


def stage_keys(panel: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The funnel's counts, in the order `funnel_query` gives them."""
    return tuple(_stage_conditions(aliased(Appointment.__table__, name="initial"), panel,
                                   _results(panel)))


def funnel_query(periods: Sequence[tuple[date, date]], suite: str | None = None,
                 panel: tuple[str, ...] = (), *, suites: Sequence[str] | None = None,
                 by_suite: bool = False) -> Select:
    """The grouped query of `funnel_counts_by_period`: a row per period with any arrest, its
    index in `periods` as `period` (what `python -m bench.explain` shows the plan of). With
    `by_suite`, a row per suite and period, the suite as `suite`; `suites` limits it to those
    (dtoa.store.funnel_rollup)."""
    ordered = sorted(periods)
    if any(a_end >= b_start for (_, a_end), (b_start, _) in pairwise(ordered)):
        raise ValueError("the periods overlap")
    appointment = aliased(Appointment.__table__, name="initial")
    results = _results(panel)
    conditions = _stage_conditions(appointment, panel, results)
    source = (Detention.__table__
              .outerjoin(DrugTest.__table__, and_(T.detention_id == D.id,
                                                  T.superseded.is_(False)))
              .outerjoin(Referral.__table__, R.detention_id == D.id)
              .outerjoin(appointment, appointment.c.id == _live_initial_id()))
    for drug, result in results.items():
        source = source.outerjoin(result, and_(result.c.drug_test_id == T.id,
                                               result.c.drug == drug))
    period = case(*((and_(D.arrest_date >= start, D.arrest_date <= end), literal(i))
                    for i, (start, end) in enumerate(periods))).label("period")
    keys = [period, D.suite.label("suite")] if by_suite else [period]
    query = (select(*keys, *(case((c, 1), else_=0).label(k) for k, c in conditions.items()))
             .select_from(source)
             .where(D.arrest_date >= ordered[0][0], D.arrest_date <= ordered[-1][1]))
    if suite is not None:
        query = query.where(D.suite == suite.upper())
    if suites is not None:
        query = query.where(D.suite.in_(sorted(suites)))
    rows = query.subquery("row")
    groups = [rows.c.period, rows.c.suite] if by_suite else [rows.c.period]
    return (select(*groups, *(func.sum(rows.c[k]).label(k) for k in conditions))
            .where(rows.c.period.is_not(None)).group_by(*groups))


def funnel(engine: Engine, settings: Settings, start: date, end: date,
           suite: str | None = None) -> dict:
    """The funnel of issue 5 (`dtoa.rules.funnel.KEYS`): counts as integers, rates as fractions
    rounded to 4 places, None when the denominator is 0. `settings` names the suites: an
    unknown suite is an error, not an empty funnel."""
    if start > end:
        raise ValueError(f"the period starts ({start}) after it ends ({end})")
    check_suite(settings, suite)
    panel = tuple(p.drug for p in settings.law.panel)
    return stages.with_rates(funnel_counts(engine, start, end, suite, panel))


def funnel_by_period(engine: Engine, settings: Settings, periods: Sequence[tuple[date, date]],
                     suite: str | None = None) -> list[dict]:
    """`funnel` for each of several periods that do not overlap, in one query (the inspector's
    week and its trend)."""
    for start, end in periods:
        if start > end:
            raise ValueError(f"the period starts ({start}) after it ends ({end})")
    check_suite(settings, suite)
    panel = tuple(p.drug for p in settings.law.panel)
    return [stages.with_rates(counts)
            for counts in funnel_counts_by_period(engine, periods, suite, panel)]


def check_suite(settings: Settings, suite: str | None) -> None:
    if suite is not None and suite.upper() not in settings.suites_by_code:
        raise ValueError(f"unknown custody suite {suite!r}; configured: "
                         + ", ".join(settings.suites_by_code))
