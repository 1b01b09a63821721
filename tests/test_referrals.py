"""Requirements as the custody desk serves them (Drugs Act 2005 ss.9-11): only on a positive
test of an eligible adult, with the provider of the person's home area, in the first free
session after the notice period and before the deadline, never late unless the officer chooses
a later session, which is flagged. The nightly run withdraws what no longer stands."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from dtoa.models import Appointment, AuditEvent, Referral
from dtoa.pipelines.referrals import referrals
from dtoa.referrals import list_referrals, record_lab_result
from dtoa.referrals.serve import RequirementError, offer, serve
from dtoa.rules.calendar import WorkingCalendar
from dtoa.store import session_scope
from dtoa.testing import detention_row, sample_row

LONDON = ZoneInfo("Europe/London")


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON).astimezone(UTC)


@pytest.fixture
def desk(engine, settings, clock):
    """Serve the requirement at the desk, now, as an officer would."""

    def serve_at_desk(ref: str, *, suite: str = "BASINGSTOKE", slot: datetime | None = None,
                      officer: str = "PC 1234"):
        with session_scope(engine) as session:
            return serve(session, settings, suite=suite, custody_ref=ref, officer=officer,
                         served_at=clock.now(), now=clock.now(), slot=slot,
                         actor=f"desk:{officer}")
    return serve_at_desk


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
        engine, clock, load, desk):
    clock.set(london(2022, 10, 3, 15, 30))
    rows = [person("ANDOVER", home_area="andover"), person("TADLEY", home_area=" Tadley "),
            person("ELSEWHERE", home_area="Reading"), person("UNKNOWN", home_area="")]
    load([d for d, _ in rows], [t for _, t in rows])
    for ref in ("ANDOVER", "TADLEY", "ELSEWHERE", "UNKNOWN"):
        desk(ref)
    assert {ref: row.provider for ref, row in referred(engine).items()} == {
        "ANDOVER": "TVRS", "TADLEY": "NHRS", "ELSEWHERE": "NHRS", "UNKNOWN": "NHRS"}


def test_friday_23_december_2022_test_is_booked_after_christmas_and_boxing_day(
        engine, clock, load, desk):
    clock.set(london(2022, 12, 23, 15, 45))
    d, t = person("XMAS", arrested_at="2022-12-23T13:00:00", test_tested_at="2022-12-23T15:30:00")
    load([d], [t])
    served = desk("XMAS")
    # Sat 24, Sun 25, Mon 26 (Boxing Day), Tue 27 (substitute for Christmas Day): NHRS's first
    # session after that is Wednesday 28 December at 14:00.
    assert served.appointment_at == london(2022, 12, 28, 14, 0)
    # 5 working days: 28, 29, 30 December, (2 January is a bank holiday), 3 and 4 January
    assert served.deadline_at == london(2023, 1, 4, 23, 59, 59)
    row = referred(engine)["XMAS"]
    assert row.state == "awaiting_assessment" and not row.no_capacity and served.flags == ()


@pytest.mark.parametrize("ref, test_values, detention_values, why", [
    ("NEGATIVE", {"test_cocaine": "negative"}, {}, "not positive for a specified drug"),
    ("REFUSED", {"test_outcome": "refused", "test_cocaine": "", "test_opiates": ""}, {},
     "not positive"),
    ("MK_CHILD", {"test_suite": "MILTON_KEYNES", "test_tested_at": "2023-05-02T11:00:00",
                  "test_appropriate_adult": "true"},
     {"suite": "MILTON_KEYNES", "birth_date": "2007-01-01", "arrested_at": "2023-05-02T10:00:00",
      "charged_at": "2023-05-02T10:30:00"},
     "under 18: a requirement to attend assessment applies only from 18"),
])
def test_only_a_positive_test_of_an_adult_can_be_served(engine, clock, load, desk, ref,
                                                        test_values, detention_values, why):
    # Milton Keynes tests 14 to 17 year olds after charge, but s.9 requires an assessment only
    # from 18.
    clock.set(london(2023, 5, 2, 12))
    d, t = person(ref, **test_values, **detention_values)
    load([d], [t])
    with pytest.raises(RequirementError, match=why):
        desk(ref, suite=d["suite"])
    assert referred(engine) == {} and count(engine, Appointment) == 0


def test_a_served_requirement_whose_detention_is_found_ineligible_is_withdrawn_at_night(
        engine, settings, clock, load, desk):
    clock.set(london(2022, 10, 3, 15, 30))
    d, t = person("LATER_INELIGIBLE")
    load([d], [t])
    desk("LATER_INELIGIBLE")
    # The custody record is corrected: no trigger offence and no inspector's authority.
    load([{**d, "offence_codes": "ASSAULT"}], [])
    summary = referrals(engine, settings, clock)
    row = referred(engine)["LATER_INELIGIBLE"]
    assert summary["withdrawn"] == 1
    assert (row.state, row.state_reason, row.appointment_at) == (
        "withdrawn", "detention_not_eligible", None)


def test_serving_again_changes_nothing(engine, clock, load, desk):
    clock.set(london(2022, 10, 3, 15, 30))
    d, t = person("TWICE")
    load([d], [t])
    first = desk("TWICE")
    counts = (count(engine, Referral), count(engine, Appointment), count(engine, AuditEvent))
    clock.advance(minutes=10)
    again = desk("TWICE", officer="PC 9999")
    assert again.already and (again.reference, again.appointment_at, again.served_by) == (
        first.reference, first.appointment_at, "PC 1234")
    assert (count(engine, Referral), count(engine, Appointment),
            count(engine, AuditEvent)) == counts


def test_references_are_unique_across_suites_and_restart_each_year(engine, settings, clock,
                                                                     load, desk):
    clock.set(london(2023, 5, 2, 11, 30))
    rows = [person("B1", test_tested_at="2022-10-03T15:05:00"),
            person("B2", arrested_at="2022-12-30T10:00:00", test_tested_at="2022-12-30T11:00:00"),
            person("B3", arrested_at="2023-01-03T10:00:00", test_tested_at="2023-01-03T11:00:00"),
            person("M1", suite="MILTON_KEYNES", home_area="Olney",
                   arrested_at="2023-05-02T10:00:00", test_suite="MILTON_KEYNES",
                   test_tested_at="2023-05-02T11:00:00")]
    load([d for d, _ in rows], [t for _, t in rows])
    for ref, suite in (("B1", "BASINGSTOKE"), ("B2", "BASINGSTOKE"), ("B3", "BASINGSTOKE"),
                       ("M1", "MILTON_KEYNES")):
        # the earlier tests are long past their deadline: the officer picks a later session
        with session_scope(engine) as session:
            offered = offer(session, settings, suite=suite, custody_ref=ref, at=clock.now())
        desk(ref, suite=suite, slot=(offered.sessions or offered.later)[0])
    assert {ref: row.reference for ref, row in referred(engine).items()} == {
        "B1": "BAS-2022-000001", "B2": "BAS-2022-000002", "B3": "BAS-2023-000001",
        "M1": "MKY-2023-000001"}


def fill(clock, load, desk, area: str, how_many: int, tested_at: str) -> None:
    rows = [person(f"FILL{area}{i}", home_area=area, test_tested_at=tested_at)
            for i in range(how_many)]
    load([d for d, _ in rows], [t for _, t in rows])
    for d, _ in rows:
        desk(d["custody_ref"])


def test_with_no_free_session_before_the_deadline_only_a_chosen_later_one_is_booked_and_flagged(
        engine, settings, clock, load, desk):
    # TVRS runs Tuesday and Thursday 11:00 with 2 places. A test on Monday 3 October 2022 at
    # 15:05 served at 16:00 needs 24 hours' notice and has until the end of Monday 10 October:
    # only Thursday 6 at 11:00 fits, 2 places.
    clock.set(london(2022, 10, 3, 16))
    fill(clock, load, desk, "Andover", 2, "2022-10-03T15:05:00")
    d, t = person("THIRD", home_area="Andover", test_tested_at="2022-10-03T15:10:00")
    load([d], [t])
    with pytest.raises(RequirementError, match="no free session with Test Valley Recovery "
                                               "Service before the deadline"):
        desk("THIRD")
    assert "THIRD" not in referred(engine)
    with session_scope(engine) as session:
        offered = offer(session, settings, suite="BASINGSTOKE", custody_ref="THIRD",
                        at=clock.now())
    assert offered.sessions == ()
    assert offered.later == (london(2022, 10, 11, 11), london(2022, 10, 13, 11),
                             london(2022, 10, 18, 11))
    served = desk("THIRD", slot=london(2022, 10, 11, 11))
    assert served.flags == ("after_deadline",)
    assert served.deadline_at == london(2022, 10, 10, 23, 59, 59)


def test_a_session_that_is_full_or_too_soon_cannot_be_chosen(engine, clock, load, desk):
    clock.set(london(2022, 10, 3, 16))
    fill(clock, load, desk, "Andover", 2, "2022-10-03T15:05:00")
    d, t = person("CHOOSY", test_tested_at="2022-10-03T15:10:00")
    load([d], [t])
    with pytest.raises(RequirementError, match="less than 24 hours' notice"):
        desk("CHOOSY", slot=london(2022, 10, 4, 10))
    with pytest.raises(RequirementError, match="not a session of North Hampshire Recovery "
                                               "Service with a free place"):
        desk("CHOOSY", slot=london(2022, 10, 6, 11))
    assert desk("CHOOSY", slot=london(2022, 10, 7, 10)).appointment_at == london(
        2022, 10, 7, 10)


def test_a_disputed_test_is_booked_after_the_laboratory_result_is_due(clock, load, desk):
    clock.set(london(2022, 10, 3, 16))
    d, t = person("DISPUTED", test_disputed="true")
    load([d], [t])
    served = desk("DISPUTED")
    # result due Monday 10 October (5 working days); first session after it: Tue 11 at 10:00;
    # the deadline counts 5 working days from the due date: Monday 17 October.
    assert served.appointment_at == london(2022, 10, 11, 10, 0)
    assert served.deadline_at == london(2022, 10, 17, 23, 59, 59)


def test_a_disputed_test_the_laboratory_does_not_confirm_withdraws_the_requirement(
        engine, settings, clock, load, desk):
    clock.set(london(2022, 10, 3, 16))
    d, t = person("UNCONFIRMED", test_disputed="true")
    load([d], [t])
    desk("UNCONFIRMED")
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


def test_serving_is_audited_with_the_officer_and_the_time_served(engine, clock, load, desk):
    clock.set(london(2022, 10, 3, 16))
    d, t = person("AUDITED")
    load([d], [t])
    desk("AUDITED", officer="PC 4321")
    with session_scope(engine) as session:
        events = session.execute(
            sa.select(AuditEvent.entity, AuditEvent.action, AuditEvent.actor, AuditEvent.changes)
            .where(AuditEvent.entity.in_(("referral", "appointment", "letter")))).all()
    assert sorted(e[:3] for e in events) == [("appointment", "booked", "desk:PC 4321"),
                                             ("letter", "issued", "desk:PC 4321"),
                                             ("referral", "served", "desk:PC 4321")]
    served = next(e.changes for e in events if e.action == "served")
    assert '"served_by": [null, "PC 4321"]' in served
    assert '"served_at": [null, "2022-10-03T15:00:00+00:00"]' in served


def test_a_test_recorded_after_its_deadline_cannot_be_served_in_time(engine, clock, load, desk):
    clock.set(london(2022, 10, 20, 9))  # 17 days after the test
    d, t = person("LATE")
    load([d], [t])
    with pytest.raises(RequirementError, match="before the deadline"):
        desk("LATE")
    assert count(engine, Appointment) == 0


def test_over_christmas_no_appointment_falls_on_a_weekend_or_bank_holiday(
        engine, clock, load, desk):
    clock.set(london(2022, 12, 23, 17, 0))
    rows = [person(f"X{i:02d}", arrested_at="2022-12-23T13:00:00",
                   test_tested_at="2022-12-23T15:30:00") for i in range(17)]
    load([d for d, _ in rows], [t for _, t in rows])
    refused = 0
    for d, _ in rows:
        try:
            desk(d["custody_ref"])
        except RequirementError:
            refused += 1
    with session_scope(engine) as session:
        slots = session.execute(sa.select(Appointment.scheduled_at)).scalars().all()
    days = sorted({s.astimezone(LONDON).date().isoformat() for s in slots})
    # NHRS, 3 places a session: Wed 28 (14:00), Thu 29, Fri 30 December, Tue 3 and Wed 4
    # January (14:00); 2 January 2023 is a bank holiday. 15 places, so 2 cannot be served.
    assert days == ["2022-12-28", "2022-12-29", "2022-12-30", "2023-01-03", "2023-01-04"]
    assert all(WorkingCalendar().is_working_day(s.astimezone(LONDON).date()) for s in slots)
    assert (len(slots), refused) == (15, 2)
