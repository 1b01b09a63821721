"""Referrals as the nightly step makes them: one per positive test of an eligible adult, routed
by home area, booked in the first free session within the deadline, never late."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from dtoa.ingest import ingest_file
from dtoa.models import Appointment, AuditEvent, Referral
from dtoa.referrals import list_referrals, record_lab_result, set_appointment_state
from dtoa.rules.calendar import WorkingCalendar
from dtoa.store import session_scope
from dtoa.testing import detention_row, sample_row, write_csv
from pipelines.referrals import referrals

LONDON = ZoneInfo("Europe/London")


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON).astimezone(UTC)


@pytest.fixture
def load(engine, settings, clock, tmp_path):
    """Take in detentions and their tests as extracts, as a force sends them."""
    counter = iter(range(1000))

    def load(detentions: list[dict], tests: list[dict]) -> None:
        n = next(counter)
        for kind, rows in (("detentions", detentions), ("tests", tests)):
            if not rows:
                continue
            summary = ingest_file(engine, settings, clock, kind,
                                  write_csv(tmp_path / f"{kind}{n}.csv", rows))
            assert summary.rows_rejected == 0, summary.errors
    return load


def person(ref: str, **values: str) -> tuple[dict, dict]:
    """A detention and its positive test, with overrides for either (test_ prefix)."""
    test = {k[5:]: v for k, v in values.items() if k.startswith("test_")}
    detention = {k: v for k, v in values.items() if not k.startswith("test_")}
    return (detention_row(custody_ref=ref, person_ref=f"P-{ref}", **detention),
            sample_row(custody_ref=ref, **test))


def referred(engine) -> dict[str, object]:
    with session_scope(engine) as session:
        return {row.custody_ref: row for row in list_referrals(session)}


def count(engine, table) -> int:
    with engine.connect() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def test_provider_is_chosen_by_home_area_ignoring_case_else_the_suites_default(
        engine, settings, clock, load):
    rows = [person("ANDOVER", home_area="andover"), person("TADLEY", home_area=" Tadley "),
            person("ELSEWHERE", home_area="Reading"), person("UNKNOWN", home_area="")]
    load([d for d, _ in rows], [t for _, t in rows])
    referrals(engine, settings, clock)
    got = referred(engine)
    assert {ref: row.provider for ref, row in got.items()} == {
        "ANDOVER": "TVRS", "TADLEY": "NHRS", "ELSEWHERE": "NHRS", "UNKNOWN": "NHRS"}


def test_friday_23_december_2022_test_is_booked_after_christmas_and_boxing_day(
        engine, settings, clock, load):
    clock.set(london(2022, 12, 23, 17, 0))
    d, t = person("XMAS", arrested_at="2022-12-23T13:00:00", test_tested_at="2022-12-23T15:30:00")
    load([d], [t])
    referrals(engine, settings, clock)
    row = referred(engine)["XMAS"]
    # Sat 24, Sun 25, Mon 26 (Boxing Day), Tue 27 (substitute for Christmas Day): NHRS's first
    # session after that is Wednesday 28 December at 14:00.
    assert row.appointment_at == london(2022, 12, 28, 14, 0)
    # 5 working days: 28, 29, 30 December, (2 January is a bank holiday), 3 and 4 January
    assert row.deadline_at == london(2023, 1, 4, 23, 59, 59)
    assert row.state == "awaiting_assessment" and not row.no_capacity


def test_only_positive_tests_of_eligible_adults_are_referred(engine, settings, clock, load):
    rows = [person("POSITIVE"), person("NEGATIVE", test_cocaine="negative"),
            person("REFUSED", test_outcome="refused", test_cocaine="", test_opiates="")]
    load([d for d, _ in rows], [t for _, t in rows])
    summary = referrals(engine, settings, clock)
    assert list(referred(engine)) == ["POSITIVE"]
    assert summary["created"] == 1


def test_a_positive_test_of_a_detention_made_ineligible_later_is_not_referred(
        engine, settings, clock, load):
    d, t = person("LATER_INELIGIBLE")
    load([d], [t])
    # The custody record is corrected: no trigger offence and no inspector's authority.
    load([{**d, "offence_codes": "ASSAULT"}], [])
    summary = referrals(engine, settings, clock)
    assert referred(engine) == {} and summary["not_referred"] == 1


def test_a_person_under_18_is_not_required_to_attend(engine, settings, clock, load):
    # Milton Keynes tests 14 to 17 year olds after charge, but s.9 requires an assessment only
    # from 18.
    d, t = person("MK_CHILD", suite="MILTON_KEYNES", birth_date="2007-01-01",
                  arrested_at="2023-05-02T10:00:00", charged_at="2023-05-02T10:30:00",
                  test_suite="MILTON_KEYNES",
                  test_tested_at="2023-05-02T11:00:00", test_appropriate_adult="true")
    clock.set(london(2023, 5, 3, 12))
    load([d], [t])
    referrals(engine, settings, clock)
    assert referred(engine) == {}


def test_re_running_creates_nothing_new(engine, settings, clock, load):
    rows = [person(f"R{i}") for i in range(4)]
    load([d for d, _ in rows], [t for _, t in rows])
    first = referrals(engine, settings, clock)
    counts = (count(engine, Referral), count(engine, Appointment), count(engine, AuditEvent))
    second = referrals(engine, settings, clock)
    assert first["created"] == 4 and second["created"] == 0
    assert (count(engine, Referral), count(engine, Appointment),
            count(engine, AuditEvent)) == counts


def test_references_are_unique_across_suites_and_restart_each_year(engine, settings, clock,
                                                                     load):
    clock.set(london(2023, 5, 3, 12))
    rows = [person("B1", test_tested_at="2022-10-03T15:05:00"),
            person("B2", arrested_at="2022-12-30T10:00:00", test_tested_at="2022-12-30T11:00:00"),
            person("B3", arrested_at="2023-01-03T10:00:00", test_tested_at="2023-01-03T11:00:00"),
            person("M1", suite="MILTON_KEYNES", home_area="Olney",
                   arrested_at="2023-05-02T10:00:00", test_suite="MILTON_KEYNES",
                   test_tested_at="2023-05-02T11:00:00")]
    load([d for d, _ in rows], [t for _, t in rows])
    referrals(engine, settings, clock)
    with session_scope(engine) as session:
        refs = dict(session.execute(
            sa.select(Referral.suite, sa.func.count(sa.distinct(Referral.reference)))
            .group_by(Referral.suite)).all())
        references = sorted(session.execute(sa.select(Referral.reference)).scalars())
    assert references == ["BAS-2022-000001", "BAS-2022-000002", "BAS-2023-000001",
                          "MKY-2023-000001"]
    assert refs == {"BASINGSTOKE": 3, "MILTON_KEYNES": 1}


def fill(engine, settings, clock, load, area: str, how_many: int, tested_at: str) -> None:
    rows = [person(f"FILL{area}{i}", home_area=area, test_tested_at=tested_at)
            for i in range(how_many)]
    load([d for d, _ in rows], [t for _, t in rows])
    referrals(engine, settings, clock)


def test_no_capacity_when_the_providers_sessions_are_full_before_the_deadline(
        engine, settings, clock, load):
    # TVRS runs Tuesday and Thursday 11:00 with 2 places. A test on Monday 3 October 2022 at
    # 16:05 needs 24 hours' notice and has until the end of Monday 10 October: only Thursday 6
    # at 11:00 fits, 2 places.
    clock.set(london(2022, 10, 3, 16))
    fill(engine, settings, clock, load, "Andover", 2, "2022-10-03T15:05:00")
    d, t = person("THIRD", home_area="Andover", test_tested_at="2022-10-03T15:10:00")
    load([d], [t])
    summary = referrals(engine, settings, clock)
    row = referred(engine)["THIRD"]
    assert summary["no_capacity"] == 1
    assert row.no_capacity and row.appointment_at is None
    assert row.deadline_at == london(2022, 10, 10, 23, 59, 59)
    with session_scope(engine) as session:
        assert [r.custody_ref for r in list_referrals(session, no_capacity=True)] == ["THIRD"]
        late = session.execute(sa.select(sa.func.count()).select_from(Appointment).where(
            Appointment.scheduled_at > row.deadline_at)).scalar_one()
    assert late == 0


def test_a_later_run_books_a_no_capacity_referral_when_a_place_is_freed(
        engine, settings, clock, load):
    clock.set(london(2022, 10, 3, 16))
    fill(engine, settings, clock, load, "Andover", 2, "2022-10-03T15:05:00")
    d, t = person("WAITING", home_area="Andover", test_tested_at="2022-10-03T15:10:00")
    load([d], [t])
    referrals(engine, settings, clock)
    assert referred(engine)["WAITING"].no_capacity
    with session_scope(engine) as session:  # one booked place is cancelled
        first = session.execute(sa.select(Appointment).order_by(Appointment.id)).scalars().first()
        set_appointment_state(session, first, "cancelled", at=clock.now(), actor="desk:PC1",
                              reason="good cause: rebooked elsewhere")
    clock.advance(hours=1)
    summary = referrals(engine, settings, clock)
    row = referred(engine)["WAITING"]
    assert summary["rebooked"] == 1 and not row.no_capacity
    assert row.appointment_at == first.scheduled_at
    assert row.deadline_at == london(2022, 10, 10, 23, 59, 59)  # the deadline never moves


def test_a_no_capacity_referral_past_its_deadline_stays_flagged_when_a_place_frees_up(
        engine, settings, clock, load):
    clock.set(london(2022, 10, 3, 16))
    fill(engine, settings, clock, load, "Andover", 2, "2022-10-03T15:05:00")
    d, t = person("LATE", home_area="Andover", test_tested_at="2022-10-03T15:10:00")
    load([d], [t])
    referrals(engine, settings, clock)
    with session_scope(engine) as session:  # the last place of the last session is freed
        last = session.execute(sa.select(Appointment).order_by(Appointment.scheduled_at.desc())
                               ).scalars().first()
        set_appointment_state(session, last, "cancelled", at=clock.now(), actor="desk:PC1",
                              reason="good cause")
    clock.set(london(2022, 10, 10, 9, 0))  # deadline (10 Oct 23:59) nearer than 24h notice
    summary = referrals(engine, settings, clock)
    assert summary["rebooked"] == 0
    row = referred(engine)["LATE"]
    assert row.no_capacity and row.appointment_at is None


def test_a_disputed_test_is_booked_after_the_laboratory_result_is_due(
        engine, settings, clock, load):
    clock.set(london(2022, 10, 3, 16))
    d, t = person("DISPUTED", test_disputed="true")
    load([d], [t])
    referrals(engine, settings, clock)
    row = referred(engine)["DISPUTED"]
    # result due Monday 10 October (5 working days); first session after it: Tue 11 at 10:00;
    # the deadline counts 5 working days from the due date: Monday 17 October.
    assert row.appointment_at == london(2022, 10, 11, 10, 0)
    assert row.deadline_at == london(2022, 10, 17, 23, 59, 59)


def test_a_disputed_test_the_laboratory_does_not_confirm_withdraws_the_referral(
        engine, settings, clock, load):
    clock.set(london(2022, 10, 3, 16))
    d, t = person("UNCONFIRMED", test_disputed="true")
    load([d], [t])
    referrals(engine, settings, clock)
    with session_scope(engine) as session:
        record_lab_result(session, settings, clock.now(), suite="BASINGSTOKE",
                          custody_ref="UNCONFIRMED", confirmed=False, actor="lab:clerk1")
    row = referred(engine)["UNCONFIRMED"]
    assert (row.state, row.state_reason, row.appointment_at) == (
        "withdrawn", "lab_not_confirmed", None)
    with session_scope(engine) as session:
        states = session.execute(sa.select(Appointment.state)).scalars().all()
        audited = session.execute(sa.select(AuditEvent.entity, AuditEvent.action)
                                  .where(AuditEvent.actor == "lab:clerk1")).all()
    assert states == ["cancelled"]
    assert set(audited) == {("drug_test", "lab_result"), ("referral", "state_changed"),
                            ("appointment", "state_changed")}
    assert referrals(engine, settings, clock)["withdrawn"] == 0  # nothing more to do


def test_every_referral_and_appointment_creation_is_audited(engine, settings, clock, load):
    clock.set(london(2022, 10, 3, 16))
    d, t = person("AUDITED")
    load([d], [t])
    referrals(engine, settings, clock)
    with session_scope(engine) as session:
        events = session.execute(sa.select(AuditEvent.entity, AuditEvent.action, AuditEvent.actor)
                                 .where(AuditEvent.entity.in_(("referral", "appointment")))).all()
    assert sorted(events) == [("appointment", "booked", "pipeline:referrals"),
                              ("referral", "created", "pipeline:referrals")]


def test_a_test_taken_in_after_its_deadline_is_flagged_not_booked_late(
        engine, settings, clock, load):
    clock.set(london(2022, 10, 20, 9))  # the extract arrives 17 days after the test
    d, t = person("LATE")
    load([d], [t])
    referrals(engine, settings, clock)
    row = referred(engine)["LATE"]
    assert row.no_capacity and row.appointment_at is None
    assert count(engine, Appointment) == 0


def test_over_christmas_no_appointment_falls_on_a_weekend_or_bank_holiday(
        engine, settings, clock, load):
    clock.set(london(2022, 12, 23, 17, 0))
    rows = [person(f"X{i:02d}", arrested_at="2022-12-23T13:00:00",
                   test_tested_at="2022-12-23T15:30:00") for i in range(17)]
    load([d for d, _ in rows], [t for _, t in rows])
    summary = referrals(engine, settings, clock)
    with session_scope(engine) as session:
        slots = session.execute(sa.select(Appointment.scheduled_at)).scalars().all()
    days = sorted({s.astimezone(LONDON).date().isoformat() for s in slots})
    # NHRS, 3 places a session: Wed 28 (14:00), Thu 29, Fri 30 December, Tue 3 and Wed 4
    # January (14:00); 2 January 2023 is a bank holiday. 15 places, so 2 have no capacity.
    assert days == ["2022-12-28", "2022-12-29", "2022-12-30", "2023-01-03", "2023-01-04"]
    assert all(WorkingCalendar().is_working_day(s.astimezone(LONDON).date()) for s in slots)
    assert (summary["booked"], summary["no_capacity"]) == (15, 2)
