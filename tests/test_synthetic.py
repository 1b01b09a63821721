"""The synthetic population: seeded, streaming, and made of facts the real rules judge."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

from dtoa.ingest import ingest_file
from dtoa.synthetic import generate, pilot_plan, write_csvs


def test_same_seed_same_records_other_seed_other_records():
    first = [r.detention for r in generate(pilot_plan(), seed=7)]
    again = [r.detention for r in generate(pilot_plan(), seed=7)]
    other = [r.detention for r in generate(pilot_plan(), seed=8)]
    assert first == again and first != other


def test_pilot_records_carry_the_planned_mix_and_stay_in_the_quarter():
    records = list(generate(pilot_plan()))
    plan = pilot_plan()
    assert len(records) == plan.in_scope + plan.not_in_scope
    assert all(date(2022, 10, 1) <= r.arrest_date <= date(2022, 12, 31) for r in records)
    results = Counter((r.test["cocaine"], r.test["opiates"]) for r in records
                      if r.test and r.test["outcome"] == "tested")
    assert results[("positive", "negative")] == 102      # cocaine most
    assert results[("positive", "positive")] == 49       # then both
    assert results[("negative", "positive")] == 6        # opiates alone, rare
    decisions = Counter(r.behaviour.decision for r in records if r.behaviour.decision)
    assert sum(decisions.values()) == 32 and decisions["good_cause_accepted"] == 2


def test_a_scaled_plan_stays_consistent():
    plan = pilot_plan().scaled(37.3)
    assert plan.attended + plan.failures == plan.positive
    assert plan.charged + plan.summonsed + plan.no_further_action + plan.good_cause_accepted \
        == plan.failures


def test_generated_csvs_go_through_ingest_without_a_rejected_row(engine, settings, clock,
                                                                 tmp_path):
    clock.set(datetime(2023, 1, 2, tzinfo=UTC))
    detentions, tests = tmp_path / "detentions.csv", tmp_path / "tests.csv"
    rows = write_csvs(generate(pilot_plan().scaled(0.2), seed=3), detentions, tests)
    for kind, path, count in (("detentions", detentions, rows[0]), ("tests", tests, rows[1])):
        summary = ingest_file(engine, settings, clock, kind, path)
        assert (summary.rows_inserted, summary.rows_rejected) == (count, 0), summary.errors[:3]
