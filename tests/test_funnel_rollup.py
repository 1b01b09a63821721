"""The funnel kept per suite and week: the stored weeks give exactly the live figures, every
table the funnel reads marks its arrest's day when it changes, a marked week is counted live
until the funnel step recounts it, and a refresh cannot lose a change committed while it runs
(SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, text, update
from test_funnel import MONDAY, week  # noqa: F401  (the hand-made week, a pytest fixture)

from dtoa.models import Detention, DrugTest, FunnelStaleDay, FunnelWeek, SampleResult
from dtoa.rules.funnel import RATES
from dtoa.store import session_scope
from dtoa.store.funnel import funnel_by_period
from dtoa.store.funnel_rollup import definition, funnel_by_week, refresh, weekly_counts

MONDAYS = [MONDAY + timedelta(weeks=back) for back in range(-6, 2)]  # W37 to W44, as the page
NOW = datetime(2023, 1, 2, 2, tzinfo=UTC)


def live(engine, settings, suite=None):  # noqa: ANN001, ANN201
    return funnel_by_period(engine, settings, [(m, m + timedelta(days=6)) for m in MONDAYS],
                            suite)


def panel(settings) -> tuple[str, ...]:  # noqa: ANN001
    return tuple(p.drug for p in settings.law.panel)


def marked(engine) -> set[tuple[str, date]]:  # noqa: ANN001
    with engine.connect() as connection:
        return {(row.suite, row.arrest_date) for row in connection.execute(
            select(FunnelStaleDay.suite, FunnelStaleDay.arrest_date))}


def stored_only(engine, settings, suite=None):  # noqa: ANN001, ANN201
    """The weeks as stored, with nothing counted live (nothing may be marked)."""
    assert not marked(engine)
    return weekly_counts(engine, MONDAYS, suite, panel(settings))


def counts_of(figures: list[dict]) -> list[dict]:
    """The counts of `funnel` figures, without their rates."""
    return [{k: v for k, v in f.items() if k not in RATES} for f in figures]


def one(engine, sql: str) -> int:  # noqa: ANN001
    with engine.connect() as connection:
        return connection.execute(text(sql)).scalar_one()


def execute(engine, sql: str) -> None:  # noqa: ANN001
    with engine.begin() as connection:
        connection.execute(text(sql))


BOOKED = ("SELECT a.id FROM appointment a JOIN referral r ON r.id = a.referral_id "
          "JOIN detention d ON d.id = r.detention_id "
          "WHERE d.custody_ref = 'RESCHEDULED' AND a.state = 'booked'")


@pytest.mark.parametrize("suite", ["BASINGSTOKE", None])
def test_the_stored_weeks_give_the_live_figures(week, settings, suite):  # noqa: F811
    assert marked(week)  # the ingest marked every day it brought arrests on
    assert funnel_by_week(week, settings, MONDAYS, suite) == live(week, settings, suite)
    refresh(week, panel(settings), NOW)
    assert not marked(week)
    assert funnel_by_week(week, settings, MONDAYS, suite) == live(week, settings, suite)
    counted = [counts["detentions"] for counts in stored_only(week, settings, suite)]
    assert counted[-3:] == ([1, 20, 1] if suite else [1, 21, 1])  # W42, W43 (with MK), W44


def test_a_second_refresh_with_nothing_marked_does_nothing(week, settings):  # noqa: F811
    first = refresh(week, panel(settings), NOW)
    assert first["weeks_counted"] == 4 and not first["recounted_history"]  # 3 BAS weeks, 1 MK
    with week.connect() as connection:
        before = connection.execute(select(FunnelWeek.computed_at)).scalars().all()
    assert refresh(week, panel(settings), NOW + timedelta(days=1)) == {
        "weeks_counted": 0, "passes": 0, "recounted_history": False}
    with week.connect() as connection:
        assert connection.execute(select(FunnelWeek.computed_at)).scalars().all() == before


CHANGES = {  # one row of each table the funnel reads, touched by plain SQL
    "detention": "UPDATE detention SET home_area = home_area WHERE custody_ref = 'OVERDUE'",
    "drug_test": "UPDATE drug_test SET officer_ref = 'PC 1' WHERE detention_id = "
                 "(SELECT id FROM detention WHERE custody_ref = 'OVERDUE')",
    "sample_result": "DELETE FROM sample_result WHERE drug_test_id = (SELECT t.id FROM "
                     "drug_test t JOIN detention d ON d.id = t.detention_id "
                     "WHERE d.custody_ref = 'OVERDUE') AND drug = 'opiates'",
    "referral": "UPDATE referral SET provider = provider WHERE detention_id = "
                "(SELECT id FROM detention WHERE custody_ref = 'OVERDUE')",
    "appointment": "UPDATE appointment SET state = 'attended' WHERE referral_id = (SELECT r.id "
                   "FROM referral r JOIN detention d ON d.id = r.detention_id "
                   "WHERE d.custody_ref = 'OVERDUE')",
    "notification_message": (
        "INSERT INTO notification_message (key, channel, kind, referral_id, recipient, body, "
        "state, attempts, next_attempt_at, created_at, updated_at) SELECT 'person:reminder:1', "
        "'notify_sms', 'reminder', r.id, 'person', '{}', 'sent', 1, '2022-11-01 09:00:00', "
        "'2022-11-01 09:00:00', '2022-11-01 09:00:00' FROM referral r JOIN detention d "
        "ON d.id = r.detention_id WHERE d.custody_ref = 'OVERDUE'"),
    "prosecution_case": "DELETE FROM prosecution_case WHERE referral_id = (SELECT r.id FROM "
                        "referral r JOIN detention d ON d.id = r.detention_id "
                        "WHERE d.custody_ref = 'NFA')",
}


@pytest.mark.parametrize("table", sorted(CHANGES))
def test_a_change_to_any_table_the_funnel_reads_marks_its_arrest_day(week, settings, table):  # noqa: F811
    refresh(week, panel(settings), NOW)
    execute(week, CHANGES[table])
    assert marked(week) == {("BASINGSTOKE", date(2022, 10, 25))}  # that arrest's local date
    assert funnel_by_week(week, settings, MONDAYS) == live(week, settings)
    refresh(week, panel(settings), NOW)
    assert stored_only(week, settings) == counts_of(live(week, settings))


def test_a_change_after_the_refresh_shows_at_once_and_is_stored_next_night(week, settings):  # noqa: F811
    refresh(week, panel(settings), NOW)
    attended = live(week, settings)[-2]["attended"]
    execute(week, f"UPDATE appointment SET state = 'attended' WHERE id = ({BOOKED})")
    assert funnel_by_week(week, settings, MONDAYS)[-2]["attended"] == attended + 1
    assert stored_only_week(week, settings)["attended"] == attended  # not yet recounted
    assert refresh(week, panel(settings), NOW)["weeks_counted"] == 1
    assert stored_only(week, settings)[-2]["attended"] == attended + 1


def stored_only_week(engine, settings):  # noqa: ANN001, ANN201
    """W43 as stored, ignoring its marks."""
    with engine.connect() as connection:
        counts = connection.execute(select(FunnelWeek.counts).where(
            FunnelWeek.suite == "BASINGSTOKE", FunnelWeek.week_start == MONDAY)).scalar_one()
    return json.loads(counts)


def test_an_arrest_moved_to_another_week_leaves_its_old_week_and_an_empty_week_goes(
        week, settings):  # noqa: F811
    refresh(week, panel(settings), NOW)
    w44 = MONDAY + timedelta(weeks=1)
    with week.connect() as connection:
        assert connection.execute(select(func.count()).select_from(FunnelWeek).where(
            FunnelWeek.week_start == w44)).scalar_one() == 1
    execute(week, "UPDATE detention SET arrest_date = '2022-10-26' "
                  "WHERE arrest_date = '2022-10-31'")  # the Monday 00:30 GMT arrest, moved
    assert marked(week) == {("BASINGSTOKE", date(2022, 10, 26)),
                            ("BASINGSTOKE", date(2022, 10, 31))}
    refresh(week, panel(settings), NOW)
    with week.connect() as connection:
        assert connection.execute(select(func.count()).select_from(FunnelWeek).where(
            FunnelWeek.week_start == w44)).scalar_one() == 0
    counted = stored_only(week, settings, "BASINGSTOKE")
    assert [c["detentions"] for c in counted][-3:] == [1, 21, 0]
    assert counted == counts_of(live(week, settings, "BASINGSTOKE"))


def test_weeks_counted_by_another_definition_are_counted_live_then_recounted(week, settings):  # noqa: F811
    refresh(week, panel(settings), NOW)
    with week.begin() as connection:
        connection.execute(update(FunnelWeek).values(definition="an older release",
                                                     counts='{"detentions": 999}'))
    assert funnel_by_week(week, settings, MONDAYS) == live(week, settings)
    result = refresh(week, panel(settings), NOW)
    assert result["recounted_history"] and result["weeks_counted"] == 4
    current = definition(panel(settings), week.dialect.name)
    with week.connect() as connection:
        assert set(connection.execute(select(FunnelWeek.definition)).scalars()) == {current}
    assert stored_only(week, settings)[-2]["detentions"] == 21


def test_the_definition_changes_with_the_panel_and_not_between_processes(settings):
    """The page and the nightly step run in different processes: were the fingerprint to
    depend on one (hash seeds, object ids), every page would count live and every night
    recount the whole history."""
    sqlite = definition(panel(settings), "sqlite")
    assert definition((*panel(settings), "ketamine"), "sqlite") != sqlite
    code = ("from dtoa.store.funnel_rollup import definition; "
            f"print(definition({panel(settings)!r}, 'sqlite'))")
    for seed in ("1", "2"):
        other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                               check=True, env={**os.environ, "PYTHONHASHSEED": seed})
        assert other.stdout.strip() == sqlite


def test_a_change_still_in_flight_while_a_refresh_runs_is_counted_by_the_next(week, settings):  # noqa: F811
    """PostgreSQL: a writer's trigger adds a mark of its own, which a refresh running before the
    writer commits cannot see, so cannot clear; neither waits for the other."""
    if week.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: a refresh cannot run beside one")
    attended = live(week, settings)[-2]["attended"]
    with week.connect() as writer:
        transaction = writer.begin()
        writer.execute(text(f"UPDATE appointment SET state = 'attended' WHERE id = ({BOOKED})"))
        done: list[dict] = []
        refresher = threading.Thread(
            target=lambda: done.append(refresh(week, panel(settings), NOW)))
        refresher.start()
        refresher.join(60)
        assert done, "the refresh waited for the writer"
        transaction.commit()
    assert marked(week) == {("BASINGSTOKE", date(2022, 10, 25))}  # the writer's own mark
    assert stored_only_week(week, settings)["attended"] == attended  # counted without it
    assert funnel_by_week(week, settings, MONDAYS)[-2]["attended"] == attended + 1
    refresh(week, panel(settings), NOW)
    assert stored_only(week, settings)[-2]["attended"] == attended + 1


def test_dtoa_run_funnel_recounts_the_changed_weeks_after_a_daytime_load(week, dtoa):  # noqa: F811
    assert dtoa("run", "funnel").stdout == "funnel: 4 suite-weeks recounted in 1 pass\n"
    assert dtoa("run", "funnel").stdout == "funnel: 0 suite-weeks recounted in 0 passes\n"
    assert not marked(week)


def test_rows_the_orm_inserts_mark_their_day_as_the_bulk_lane_does(week, settings):  # noqa: F811
    """Detentions, tests and results have no insert trigger (dtoa.store.funnel_marks): the
    ingest's bulk lane marked the week fixture's days; an ORM flush marks its own."""
    refresh(week, panel(settings), NOW)
    before = live(week, settings)[-2]["detentions"]
    arrested = datetime(2022, 10, 27, 9, tzinfo=UTC)
    with session_scope(week) as session:
        session.add(Detention(suite="BASINGSTOKE", custody_ref="ORM/1", person_ref="P-ORM",
                              birth_date=date(1990, 1, 1), arrested_at=arrested,
                              arrest_date=arrested.date(), offence_codes="theft",
                              rules_version="test", row_hash="orm", updated_at=arrested))
    assert marked(week) == {("BASINGSTOKE", date(2022, 10, 27))}
    assert funnel_by_week(week, settings, MONDAYS)[-2]["detentions"] == before + 1
    refresh(week, panel(settings), NOW)
    with session_scope(week) as session:
        detention = session.exec(select(Detention).where(Detention.custody_ref == "ORM/1")).one()[0]
        test = DrugTest(detention_id=detention.id, tested_at=arrested, outcome="tested",
                        result="negative", row_hash="orm", updated_at=arrested)
        session.add(test)
        session.flush()
        session.add(SampleResult(drug_test_id=test.id, drug="cocaine", positive=False))
    assert marked(week) == {("BASINGSTOKE", date(2022, 10, 27))}
    assert funnel_by_week(week, settings, MONDAYS) == live(week, settings)
