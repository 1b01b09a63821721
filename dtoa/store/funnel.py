"""The funnel, counted in the database: one aggregate query over detentions in the period.

Each stage is a `SUM(CASE WHEN ... THEN 1 ELSE 0 END)` over detention LEFT JOIN drug_test
LEFT JOIN referral LEFT JOIN the live initial appointment LEFT JOIN prosecution outcomes, so a
quarter of a national force costs one scan, not a Python loop. What each stage means is in
`dtoa.rules.funnel.COUNTS`; the SQL below is that definition, stage by stage.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, case, exists, func, not_, or_, select, true
from sqlalchemy.engine import Engine
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


def _live_initial():
    """Per referral, the live initial appointment: kind initial and not replaced by a later
    appointment (a reschedule keeps the old row and books a new one with `replaces_id`). Should
    two ever be live, the latest booked (highest id) counts."""
    a = Appointment.__table__.alias("a")
    newer = Appointment.__table__.alias("newer")
    replaced = exists().where(newer.c.replaces_id == a.c.id)
    latest = (select(a.c.referral_id, func.max(a.c.id).label("appointment_id"))
              .where(a.c.kind == "initial", not_(replaced))
              .group_by(a.c.referral_id).subquery("live"))
    return latest


def _good_cause_accepted():
    """Appointments whose failure a prosecutor accepted had good cause (Drugs Act 2005 s.12:
    only a failure "without good cause" is one)."""
    p = ProsecutionCase.__table__.c
    return (select(p.appointment_id).where(p.state == "good_cause_accepted")
            .group_by(p.appointment_id).subquery("good_cause"))


def _prosecuted():
    """Referrals with at least one failure case charged or summonsed (one person, once)."""
    p = ProsecutionCase.__table__.c
    return (select(p.referral_id).where(p.state.in_(PROSECUTED))
            .group_by(p.referral_id).subquery("prosecuted"))


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _positive_for(drug: str) -> ColumnElement[bool]:
    """The current sample was positive for `drug` (one index probe per tested detention)."""
    return exists().where(S.drug_test_id == T.id, S.drug == drug, S.positive.is_(True))


def _stage_conditions(appointment, good_cause, prosecuted,  # noqa: ANN001
                      panel: tuple[str, ...]) -> dict[str, ColumnElement[bool]]:
    in_scope = D.in_scope.is_(True)
    tested = and_(in_scope, T.outcome == "tested")
    positive = and_(tested, T.result == "positive")
    cocaine, opiates = _positive_for("cocaine"), _positive_for("opiates")
    referred = and_(R.id.is_not(None), R.served_at.is_not(None), R.state != "withdrawn")
    initial = appointment.c
    failed = and_(referred, initial.state.in_(FAILED), good_cause.c.appointment_id.is_(None))
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
        **{stages.drug_key(drug): and_(positive, _positive_for(drug)) for drug in panel},
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
        "prosecuted": and_(referred, prosecuted.c.referral_id.is_not(None)),
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
    live = _live_initial()
    appointment = aliased(Appointment.__table__, name="initial")
    good_cause, prosecuted = _good_cause_accepted(), _prosecuted()
    conditions = _stage_conditions(appointment, good_cause, prosecuted, panel)
    source = (Detention.__table__
              .outerjoin(DrugTest.__table__, and_(T.detention_id == D.id,
                                                  T.superseded.is_(False)))
              .outerjoin(Referral.__table__, R.detention_id == D.id)
              .outerjoin(live, live.c.referral_id == R.id)
              .outerjoin(appointment, appointment.c.id == live.c.appointment_id)
              .outerjoin(good_cause, good_cause.c.appointment_id == appointment.c.id)
              .outerjoin(prosecuted, prosecuted.c.referral_id == R.id))
    query = (select(*(_count(c).label(k) for k, c in conditions.items()))
             .select_from(source)
             .where(D.arrest_date >= start, D.arrest_date <= end))
    if suite is not None:
        query = query.where(D.suite == suite.upper())
    with engine.connect() as connection:
        row = connection.execute(query).one()
    return {k: int(row._mapping[k]) for k in conditions}


def funnel(engine: Engine, settings: Settings, start: date, end: date,
           suite: str | None = None) -> dict:
    """The funnel of issue 5 (`dtoa.rules.funnel.KEYS`): counts as integers, rates as fractions
    rounded to 4 places, None when the denominator is 0. `settings` names the suites: an
    unknown suite is an error, not an empty funnel."""
    if start > end:
        raise ValueError(f"the period starts ({start}) after it ends ({end})")
    if suite is not None and suite.upper() not in settings.suites_by_code:
        raise ValueError(f"unknown custody suite {suite!r}; configured: "
                         + ", ".join(settings.suites_by_code))
    panel = tuple(p.drug for p in settings.law.panel)
    return stages.with_rates(funnel_counts(engine, start, end, suite, panel))
