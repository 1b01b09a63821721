"""The nightly steps work only on what changed since they last succeeded (issue 13): a night
with nothing new re-checks nothing, a correction made after a night is acted on the next night,
and a night that fails leaves its changes for the next one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from dtoa.attendance import record_outcome
from dtoa.models import ProsecutionCase, Referral
from dtoa.pipelines import referrals as referrals_step
from dtoa.pipelines.referrals import referrals
from dtoa.pipelines.sweep import sweep
from dtoa.referrals.serve import serve
from dtoa.store import session_scope
from dtoa.testing import detention_row, sample_row

LONDON = ZoneInfo("Europe/London")


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON).astimezone(UTC)


@pytest.fixture
def served(engine, settings, clock, load):
    """Three people tested positive and served at the desk on Monday 3 October 2022."""
    clock.set(london(2022, 10, 3, 16))
    rows = {ref: detention_row(custody_ref=ref, person_ref=f"P-{ref}")
            for ref in ("BAS/1", "BAS/2", "BAS/3")}
    load(list(rows.values()), [sample_row(custody_ref=ref) for ref in rows])
    for ref in rows:
        with session_scope(engine) as session:
            serve(session, settings, suite="BASINGSTOKE", custody_ref=ref, officer="PC 1",
                  served_at=clock.now(), now=clock.now(), actor="desk:PC 1")
    return rows


def night(clock, engine, settings, step=referrals) -> dict:
    clock.advance(days=1)
    return step(engine, settings, clock)


def states(engine) -> dict[int, str]:
    with engine.connect() as connection:
        return dict(connection.execute(sa.select(Referral.detention_id, Referral.state)).all())


def test_a_night_with_nothing_changed_rechecks_no_referral(engine, settings, clock, served):
    first = night(clock, engine, settings)
    assert (first["rechecked"], first["withdrawn"]) == (3, 0)  # its first run checks them all
    second = night(clock, engine, settings)
    assert (second["rechecked"], second["withdrawn"]) == (0, 0)


def test_a_correction_made_after_a_night_is_acted_on_the_next_night(
        engine, settings, clock, load, served):
    night(clock, engine, settings)
    # After the night, the custody record is corrected: no trigger offence, no authority.
    load([{**served["BAS/2"], "offence_codes": "ASSAULT"}], [])
    summary = night(clock, engine, settings)
    assert (summary["rechecked"], summary["withdrawn"]) == (1, 1)  # only the corrected one
    assert sorted(states(engine).values()) == ["awaiting_assessment", "awaiting_assessment",
                                               "withdrawn"]
    assert night(clock, engine, settings)["rechecked"] == 0  # a re-run is a no-op


def test_a_corrected_test_result_withdraws_the_requirement_the_next_night(
        engine, settings, clock, load, served):
    night(clock, engine, settings)
    load([], [sample_row(custody_ref="BAS/3", cocaine="negative")])
    summary = night(clock, engine, settings)
    assert (summary["rechecked"], summary["withdrawn"]) == (1, 1)


def test_a_failed_night_leaves_its_changes_for_the_next_night(
        engine, settings, clock, load, served, monkeypatch):
    night(clock, engine, settings)
    load([{**served["BAS/1"], "offence_codes": "ASSAULT"}], [])

    def fails(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(referrals_step, "unserved_requirements", fails)
    with pytest.raises(RuntimeError):
        night(clock, engine, settings)  # the withdrawal and the watermark roll back together
    assert "withdrawn" not in states(engine).values()
    monkeypatch.undo()
    summary = night(clock, engine, settings)
    assert (summary["rechecked"], summary["withdrawn"]) == (1, 1)


def test_a_failure_to_attend_recorded_after_a_sweep_opens_its_case_at_the_next_sweep(
        engine, settings, clock, served):
    night(clock, engine, settings, sweep)
    with engine.connect() as connection:
        reference, at = connection.execute(
            sa.text("SELECT r.reference, a.scheduled_at FROM referral r JOIN appointment a "
                    "ON a.referral_id = r.id ORDER BY r.id")).first()
    at = at if isinstance(at, datetime) else datetime.fromisoformat(at)
    clock.set(at.replace(tzinfo=at.tzinfo or UTC) + timedelta(hours=3))
    with session_scope(engine) as session:
        record_outcome(session, settings, clock, reference=reference, assessment="initial",
                       outcome="failed_to_attend", outcome_at=clock.now(), actor="provider:x")
    assert night(clock, engine, settings, sweep)["cases_opened"] == 1
    assert night(clock, engine, settings, sweep)["cases_opened"] == 0
    with engine.connect() as connection:
        cases = connection.execute(sa.select(sa.func.count()).select_from(ProsecutionCase))
        assert cases.scalar_one() == 1
