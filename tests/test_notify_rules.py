"""The pure rules of notifications (dtoa.rules.notify): when reminders go, the hours a person
may be messaged, back-off, when contact details go, what a UK mobile number is."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from dtoa.rules.notify import (
    email_address,
    referral_closed,
    reminder_due,
    retry_delay,
    uk_mobile,
    within_hours,
)

LONDON = ZoneInfo("Europe/London")
EIGHT, TEN, EIGHT_PM = time(8), time(10), time(20)


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def test_a_reminder_is_due_from_reminder_at_the_day_before_and_never_on_the_day():
    appointment = at(2022, 10, 5, 14, 0)
    assert reminder_due(appointment, at(2022, 10, 3, 15, 0), TEN, EIGHT, EIGHT_PM) is None
    assert reminder_due(appointment, at(2022, 10, 4, 2, 0), TEN, EIGHT, EIGHT_PM) == \
        at(2022, 10, 4, 10, 0)
    assert reminder_due(appointment, at(2022, 10, 4, 15, 0), TEN, EIGHT, EIGHT_PM) == \
        at(2022, 10, 4, 15, 0)
    assert reminder_due(appointment, at(2022, 10, 4, 21, 0), TEN, EIGHT, EIGHT_PM) is None
    assert reminder_due(appointment, at(2022, 10, 5, 9, 0), TEN, EIGHT, EIGHT_PM) is None


def test_a_reminder_for_the_monday_after_the_clocks_go_back_is_due_on_sunday_at_ten():
    assert reminder_due(at(2022, 10, 31, 9, 0), at(2022, 10, 30, 1, 30), TEN, EIGHT,
                        EIGHT_PM) == at(2022, 10, 30, 10, 0)


def test_a_person_is_messaged_only_between_earliest_and_latest():
    assert within_hours(at(2022, 10, 4, 2, 0), EIGHT, EIGHT_PM) == at(2022, 10, 4, 8, 0)
    assert within_hours(at(2022, 10, 4, 12, 0), EIGHT, EIGHT_PM) == at(2022, 10, 4, 12, 0)
    assert within_hours(at(2022, 10, 4, 20, 0), EIGHT, EIGHT_PM) == at(2022, 10, 5, 8, 0)


def test_retries_wait_twice_as_long_each_time_up_to_the_longest():
    assert [retry_delay(n, 5, 360) for n in (1, 2, 3, 7, 8)] == [
        timedelta(minutes=m) for m in (5, 10, 20, 320, 360)]


@pytest.mark.parametrize(("state", "open_cases", "cases", "closed"), [
    ("awaiting_assessment", 0, 0, False), ("rescheduled", 0, 0, False),
    ("attended", 0, 0, True), ("withdrawn", 0, 0, True), ("requirement_ceased", 0, 0, True),
    ("failed_to_attend", 0, 0, False),  # the case is not yet opened
    ("failed_to_attend", 1, 1, False), ("failed_to_remain", 0, 1, True)])
def test_contact_details_go_when_the_referral_closes(state, open_cases, cases, closed):
    assert referral_closed(state, open_cases, cases) is closed


def test_uk_mobile_numbers_and_email_addresses():
    assert uk_mobile("07700 900123") == uk_mobile("+44 7700 900123") == "07700900123"
    for bad in ("01632 960123", "0770090012", "+1 202 555 0100", ""):
        with pytest.raises(ValueError):
            uk_mobile(bad)
    assert email_address(" person@example.net ") == "person@example.net"
    with pytest.raises(ValueError):
        email_address("person@localhost")
