"""Served requirements for a synthetic history, so that the nightly steps have years of
referrals, appointments and failures behind the night measured, as a live system would.

The national extracts carry no requirements (they are served at the custody desk), so the
benchmark serves one, in SQL, for every test that supports one (positive for a specified drug,
of an adult, on an eligible detention, the detention's current sample), with its initial
assessment: attended, or (one in ten) failed to attend; those tested in the last 30 days before
the night are still awaiting it. Untimed setup, run before the history's night-before sweep.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import String, and_, case, cast, func, insert, literal, select
from sqlalchemy.engine import Engine

from bench.national import FORCES, SUITES, suite_code
from dtoa.models import Appointment, Detention, DrugTest, Referral

T, D = DrugTest.__table__, Detention.__table__
R, A = Referral.__table__, Appointment.__table__
AWAITING_DAYS = 30


def serve_history(engine: Engine, night: datetime) -> dict:
    """Insert the history's served requirements and initial appointments; return how many."""
    recent = night - timedelta(days=AWAITING_DAYS)
    supports = and_(T.c.result == "positive", T.c.positive_specified.is_(True),
                    T.c.adult_at_sample.is_(True), T.c.superseded.is_(False),
                    D.c.eligible.is_(True), T.c.tested_at < night)
    referrals = (
        select(literal("H-") + cast(T.c.id, String), T.c.detention_id, T.c.id, D.c.suite,
               case(*((D.c.suite == suite_code(n), literal(f"P{n % FORCES:02d}"))
                      for n in range(SUITES))),
               case((and_(T.c.tested_at < recent, T.c.id % 10 == 0),
                     literal("failed_to_attend")),
                    (T.c.tested_at < recent, literal("attended")),
                    else_=literal("awaiting_assessment")),
               literal(False), T.c.tested_at, T.c.tested_at, literal("PC bench"),
               T.c.tested_at, T.c.tested_at)
        .select_from(T.join(D, D.c.id == T.c.detention_id)).where(supports))
    appointments = select(
        R.c.id, literal("initial"), R.c.provider, R.c.served_at, literal("bench"),
        literal("community"),
        case((R.c.state == "awaiting_assessment", literal("booked")), else_=R.c.state),
        R.c.served_at, R.c.served_at)
    with engine.begin() as connection:
        connection.execute(insert(R).from_select(
            ["reference", "detention_id", "drug_test_id", "suite", "provider", "state",
             "no_capacity", "deadline_at", "served_at", "served_by", "created_at",
             "updated_at"], referrals))
        connection.execute(insert(A).from_select(
            ["referral_id", "kind", "provider", "scheduled_at", "location", "setting", "state",
             "created_at", "updated_at"], appointments))
        counts = dict(connection.execute(
            select(A.c.state, func.count()).group_by(A.c.state)).all())
    return {"referrals": sum(counts.values()), **{str(k): v for k, v in counts.items()}}
