"""The tests of a period, one record each, read from the database for the evidence reports.

A test here is a detention's current sample (a further sample supersedes the first) that gave
a result (outcome `tested`), taken in the period (local date of the sample, `periods`). With
each: its suite and force, the person reference (to match repeat testers within a force), the
route the custody record shows, the drugs it was positive for, and, when a requirement was
served on it, where and when the initial assessment was booked at the desk and how the live
initial assessment ended. Four indexed queries per period, then plain Python: a quarter of a
national force is some thousands of tests.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, select
from sqlalchemy.engine import Engine

from dtoa.clock import as_utc
from dtoa.config import Settings
from dtoa.evidence.periods import instants
from dtoa.models import Appointment, Detention, DrugTest, ProsecutionCase, Referral, SampleResult

D, T, R = Detention.__table__.c, DrugTest.__table__.c, Referral.__table__.c
A, S, P = Appointment.__table__.c, SampleResult.__table__.c, ProsecutionCase.__table__.c

# How the live initial assessment ended (Drugs Act 2005 s.12): a failure whose good cause was
# accepted (by the provider, or by the prosecutor closing the case) is not a failure.
ATTENDED, FAILED, GOOD_CAUSE, AWAITED = "attended", "failed", "good_cause", "awaited"
KNOWN = (ATTENDED, FAILED, GOOD_CAUSE)


@dataclass(frozen=True)
class TestRecord:
    __test__ = False  # not a pytest test class

    test_id: int
    suite: str
    force: str
    person_ref: str
    tested_at: datetime  # UTC
    sample_date: date  # Europe/London
    route: str | None  # trigger / inspector as the custody record now shows it
    authority_named: bool  # an inspector's authority with the inspector named
    positive_for: frozenset[str]
    referred: bool = False  # a requirement served on it, not withdrawn
    setting: str | None = None  # of the initial assessment booked when it was served
    custody_suite: str | None = None
    booked_for: datetime | None = None  # that assessment's time, UTC
    outcome: str | None = None  # of the live initial assessment: KNOWN or AWAITED
    assessed_at: datetime | None = None  # the live initial assessment's time, when attended

    @property
    def positive(self) -> bool:
        return bool(self.positive_for)


def initial_outcome(state: str | None, good_cause_accepted: bool) -> str:
    """The live initial assessment's state as the evaluation counts it."""
    if state == "attended":
        return ATTENDED
    if state in ("failed_to_attend", "failed_to_remain"):
        return GOOD_CAUSE if good_cause_accepted else FAILED
    if state == "good_cause":
        return GOOD_CAUSE
    return AWAITED  # booked, outcome overdue, or not yet booked


def test_records(engine: Engine, settings: Settings, start: date, end: date,
                 suites: list[str] | None = None) -> list[TestRecord]:
    """Every test whose sample was taken from `start` to `end` (local dates, inclusive), at
    `suites` (default: all), in sample order."""
    first, after = instants(start, end, settings.tz)
    period = and_(T.superseded.is_(False), T.outcome == "tested", T.tested_at >= first,
                  T.tested_at < after)
    if suites is not None:
        period = and_(period, D.suite.in_(suites))
    tests = Detention.__table__.join(DrugTest.__table__, T.detention_id == D.id)
    forces = {s.code: s.force for s in settings.suites}
    with engine.connect() as connection:
        rows = connection.execute(
            select(T.id, T.tested_at, D.suite, D.person_ref, D.route, D.inspector_authorised,
                   D.authority_unrecorded, R.id.label("referral_id"), R.served_at, R.state)
            .select_from(tests.outerjoin(Referral.__table__, R.drug_test_id == T.id))
            .where(period).order_by(T.tested_at, T.id)).all()
        positives = defaultdict(set)
        for test_id, drug in connection.execute(
                select(S.drug_test_id, S.drug).select_from(tests.join(
                    SampleResult.__table__, S.drug_test_id == T.id))
                .where(period, S.positive.is_(True))):
            positives[test_id].add(drug)
        appointments = defaultdict(list)
        for row in connection.execute(
                select(A.id, A.referral_id, A.scheduled_at, A.state, A.setting,
                       A.custody_suite, A.replaces_id)
                .select_from(tests.join(Referral.__table__, R.drug_test_id == T.id)
                             .join(Appointment.__table__, A.referral_id == R.id))
                .where(period, A.kind == "initial").order_by(A.id)):
            appointments[row.referral_id].append(row)
        accepted = {a for (a,) in connection.execute(
            select(P.appointment_id).select_from(tests.join(
                Referral.__table__, R.drug_test_id == T.id).join(
                ProsecutionCase.__table__, P.referral_id == R.id))
            .where(period, P.state == "good_cause_accepted"))}
    return [_record(row, forces, settings, frozenset(positives[row.id]),
                    appointments.get(row.referral_id, []), accepted) for row in rows]


def _record(row, forces: dict[str, str], settings: Settings,  # noqa: ANN001
            positive_for: frozenset[str], initials: list, accepted: set[int]) -> TestRecord:
    tested_at = as_utc(row.tested_at)
    base = dict(test_id=row.id, suite=row.suite, force=forces.get(row.suite, row.suite),
                person_ref=row.person_ref, tested_at=tested_at,
                sample_date=tested_at.astimezone(settings.tz).date(), route=row.route,
                authority_named=bool(row.inspector_authorised and not row.authority_unrecorded),
                positive_for=positive_for)
    if row.referral_id is None or row.served_at is None or row.state == "withdrawn":
        return TestRecord(**base)
    # the first booked when it was served (an earlier build's appointment, cancelled when the
    # desk served the requirement, is not it)
    desk = next((a for a in initials if a.state != "cancelled"), initials[0] if initials else None)
    replaced = {a.replaces_id for a in initials if a.replaces_id is not None}
    live = [a for a in initials if a.id not in replaced]
    current = live[-1] if live else None
    outcome = initial_outcome(current.state if current else None,
                              current is not None and current.id in accepted)
    return TestRecord(
        **base, referred=True, setting=desk.setting if desk else None,
        custody_suite=desk.custody_suite if desk else None,
        booked_for=as_utc(desk.scheduled_at) if desk else None, outcome=outcome,
        assessed_at=as_utc(current.scheduled_at) if outcome == ATTENDED else None)
