"""The pure referral rules, case by case (Drugs Act 2005 Part 3)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from dtoa.config import Provider, Session
from dtoa.rules.calendar import WorkingCalendar
from dtoa.rules.referrals import (
    AssessmentFacts,
    format_reference,
    initial_window,
    no_referral_reason,
    positive_drugs,
    reference_sequence,
    route_provider,
)

LONDON = ZoneInfo("Europe/London")
CAL = WorkingCalendar()
PROVIDERS = (
    Provider(code="NHRS", name="N", address="a", phone="1", email="n@example.org",
             areas=("Basingstoke", "Tadley"),
             sessions=(Session(weekday="mon", time=time(10), capacity=1),)),
    Provider(code="TVRS", name="T", address="b", phone="2", email="t@example.org",
             areas=("Andover",)),
)


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def window(tested_at: datetime, disputed: bool = False):
    return initial_window(tested_at, tz=LONDON, calendar=CAL, notice_hours=24,
                          deadline_working_days=5, lab_result_working_days=5,
                          disputed=disputed)


@pytest.mark.parametrize(("area", "expected"), [
    ("Andover", "TVRS"), ("ANDOVER", "TVRS"), ("  tadley ", "NHRS"),
    ("Reading", "MKDAS"), ("", "MKDAS"), (None, "MKDAS")])
def test_provider_serving_the_home_area_else_the_suites_default(area, expected):
    assert route_provider(area, PROVIDERS, "MKDAS") == expected


def test_reference_is_prefix_year_and_six_digit_sequence():
    assert format_reference("BAS", 2022, 157) == "BAS-2022-000157"
    assert reference_sequence("BAS-2022-000157") == 157
    with pytest.raises(ValueError):
        format_reference("BAS", 2022, 0)


@pytest.mark.parametrize(("facts", "reason"), [
    (AssessmentFacts("positive", True, 30), None),
    (AssessmentFacts("positive", True, 18), None),
    (AssessmentFacts("negative", True, 30), "not_positive"),
    (AssessmentFacts("refused", True, 30), "not_positive"),
    (AssessmentFacts("positive", False, 30), "detention_not_eligible"),
    (AssessmentFacts("positive", True, 17), "under_18"),
    (AssessmentFacts("positive", True, 30, positive_specified=False), "positive_not_specified"),
    (AssessmentFacts("positive", True, 30, superseded=True), "superseded_by_further_sample"),
    (AssessmentFacts("positive", True, 30, disputed=True), None),
    (AssessmentFacts("positive", True, 30, disputed=True, lab_confirmed=True), None),
    (AssessmentFacts("positive", True, 30, disputed=True, lab_confirmed=False),
     "lab_not_confirmed"),
])
def test_who_is_required_to_attend(facts, reason):
    assert no_referral_reason(facts) == reason


def test_positive_drugs_in_panel_order():
    panel = ("cocaine", "opiates", "cannabis")
    assert positive_drugs({"opiates": True, "cocaine": True}, panel) == ("cocaine", "opiates")
    assert positive_drugs({"cocaine": False, "opiates": True}, panel) == ("opiates",)
    assert positive_drugs({"cannabis": True, "cocaine": False}, panel) == ("cannabis",)
    assert positive_drugs({}, panel) == ()


def test_window_after_a_friday_23_december_2022_test_skips_christmas():
    w = window(london(2022, 12, 23, 15, 30))
    assert w.earliest == london(2022, 12, 24, 15, 30).astimezone(UTC)
    # 28, 29, 30 December, 3, 4 January (2 January 2023 is the New Year substitute holiday)
    assert w.latest == london(2023, 1, 4, 23, 59, 59).astimezone(UTC)
    assert w.lab_result_due is None


def test_deadline_is_the_end_of_the_local_day_in_summer_time():
    w = window(london(2022, 6, 6, 12))
    assert w.latest == datetime(2022, 6, 13, 22, 59, 59, tzinfo=UTC)  # 23:59:59 BST


def test_a_disputed_test_waits_for_the_laboratory_and_the_deadline_counts_from_then():
    w = window(london(2022, 10, 3, 15), disputed=True)
    assert w.lab_result_due == date(2022, 10, 10)
    assert w.earliest == london(2022, 10, 10, 23, 59, 59).astimezone(UTC)
    assert w.latest == london(2022, 10, 17, 23, 59, 59).astimezone(UTC)
