"""Working days and slot finding, pure."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from dtoa.config import Session
from dtoa.rules.calendar import WorkingCalendar
from dtoa.rules.scheduling import first_free_slot

LONDON = ZoneInfo("Europe/London")
CAL = WorkingCalendar()
DAILY_10 = [Session(weekday=d, time=time(10, 0), capacity=1)
            for d in ("mon", "tue", "wed", "thu", "fri")]


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def test_christmas_2022_bank_holidays_include_the_substitute_day():
    assert CAL.is_bank_holiday(date(2022, 12, 26))
    assert CAL.is_bank_holiday(date(2022, 12, 27))  # Christmas Day (substitute day)
    assert CAL.is_working_day(date(2022, 12, 28))


def test_two_working_days_after_friday_23_december_2022_is_thursday_29th():
    assert CAL.add_working_days(date(2022, 12, 23), 1) == date(2022, 12, 28)
    assert CAL.add_working_days(date(2022, 12, 23), 2) == date(2022, 12, 29)


def test_first_slot_after_a_friday_23_december_test_skips_the_weekend_and_bank_holidays():
    slot = first_free_slot(DAILY_10, {}, london(2022, 12, 24, 15), london(2023, 1, 6, 23),
                           LONDON, CAL)
    assert slot == london(2022, 12, 28, 10).astimezone(UTC)


def test_a_full_session_moves_the_booking_to_the_next_one():
    first = london(2022, 12, 28, 10).astimezone(UTC)
    slot = first_free_slot(DAILY_10, {first: 1}, london(2022, 12, 24), london(2023, 1, 6),
                           LONDON, CAL)
    assert slot == london(2022, 12, 29, 10).astimezone(UTC)


def test_no_slot_before_the_latest_instant_is_none():
    booked = {london(2022, 12, 28, 10).astimezone(UTC): 1}
    assert first_free_slot(DAILY_10, booked, london(2022, 12, 24), london(2022, 12, 28, 23),
                           LONDON, CAL) is None


def test_session_times_are_local_wall_clock_across_the_change_from_summer_time():
    before = first_free_slot(DAILY_10, {}, london(2022, 10, 28), london(2022, 10, 28, 23),
                             LONDON, CAL)
    after = first_free_slot(DAILY_10, {}, london(2022, 10, 31), london(2022, 10, 31, 23),
                            LONDON, CAL)
    assert before == datetime(2022, 10, 28, 9, 0, tzinfo=UTC)   # 10:00 BST
    assert after == datetime(2022, 10, 31, 10, 0, tzinfo=UTC)   # 10:00 GMT


def test_a_saturday_session_is_held_on_saturdays_but_not_on_a_bank_holiday():
    saturday = [Session(weekday="sat", time=time(11, 0), capacity=1, setting="custody",
                        suite="BASINGSTOKE")]
    # Friday 6 January 2023 after 15:00: the next is Saturday 7 January at 11:00
    assert first_free_slot(saturday, {}, london(2023, 1, 6, 15), london(2023, 1, 20, 23),
                           LONDON, CAL) == london(2023, 1, 7, 11).astimezone(UTC)
    # Christmas Day 2021 and New Year's Day 2022 fell on Saturdays: not held on either
    assert first_free_slot(saturday, {}, london(2021, 12, 24), london(2022, 1, 15, 23),
                           LONDON, CAL) == london(2022, 1, 8, 11).astimezone(UTC)


def test_a_weekday_session_is_not_held_on_a_bank_holiday_monday():
    monday = [Session(weekday="mon", time=time(10, 0), capacity=1)]
    # Easter Monday 10 April 2023: the next is Monday 17 April
    assert first_free_slot(monday, {}, london(2023, 4, 8), london(2023, 4, 30),
                           LONDON, CAL) == london(2023, 4, 17, 10).astimezone(UTC)
