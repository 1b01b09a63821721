"""The attendance and prosecution rules, case by case (Drugs Act 2005 ss.9-14; MCA 1980 s.127)."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from dtoa.rules import attendance as rules
from dtoa.rules import prosecution

LONDON = ZoneInfo("Europe/London")
AT = datetime(2022, 10, 6, 9, 0, tzinfo=UTC)  # 10:00 BST


def transition(state, outcome, outcome_at=AT):
    return rules.check_transition(state, outcome, scheduled_at=AT, outcome_at=outcome_at,
                                  scheduled_on=AT.astimezone(LONDON).date(),
                                  outcome_on=outcome_at.astimezone(LONDON).date())


@pytest.mark.parametrize("outcome", rules.OUTCOMES)
def test_a_booked_or_overdue_appointment_takes_any_outcome(outcome):
    assert transition("booked", outcome) is None
    assert transition("outcome_overdue", outcome) is None


@pytest.mark.parametrize("state", ["failed_to_attend", "failed_to_remain"])
def test_after_a_failure_only_good_cause_may_be_reported(state):
    assert transition(state, "good_cause") is None
    for outcome in ("attended", "failed_to_attend", "failed_to_remain", "rescheduled"):
        if outcome != state:
            assert transition(state, outcome).code == "not_allowed_in_state"


@pytest.mark.parametrize("state", ["attended", "rescheduled", "good_cause"])
def test_attended_rescheduled_and_good_cause_are_final(state):
    for outcome in rules.OUTCOMES:
        refusal = transition(state, outcome)
        assert refusal.code == "not_allowed_in_state"
        assert f"already {state}" in refusal.reason


def test_nobody_fails_to_attend_before_the_appointment_time():
    assert transition("booked", "failed_to_attend", AT - timedelta(minutes=1)).code == (
        "before_appointment")
    assert transition("booked", "attended", AT - timedelta(minutes=10)) is None
    assert transition("booked", "attended", AT - timedelta(days=1)).code == "before_appointment"
    assert transition("booked", "rescheduled", AT - timedelta(days=1)) is None


def report(assessment="initial", outcome="attended", new=None, follow_up=False):
    return rules.check_report(assessment, outcome, outcome_at=AT, new_appointment_at=new,
                              follow_up_required=follow_up)


def test_a_reschedule_needs_a_new_time_after_the_report():
    assert report(outcome="rescheduled", follow_up=None).code == "new_time_missing"
    assert report(outcome="rescheduled", new=AT, follow_up=None).code == (
        "new_time_not_after_outcome")
    assert report(outcome="rescheduled", new=AT + timedelta(days=2), follow_up=None) is None


def test_an_attended_initial_assessment_says_whether_a_follow_up_is_required():
    assert report(follow_up=None).code == "follow_up_unknown"
    assert report(follow_up=True) is None
    assert report(follow_up=False) is None
    assert report(outcome="failed_to_attend", follow_up=True).code == "follow_up_unexpected"
    assert report(assessment="follow_up", follow_up=True).code == "follow_up_unexpected"


def test_a_redundant_follow_up_false_on_any_other_outcome_is_accepted_and_dropped():
    # a provider's export fills the column on every row: `false` contradicts nothing
    assert report(outcome="failed_to_attend", follow_up=False) is None
    assert report(assessment="follow_up", follow_up=False) is None
    assert rules.follow_up_decision("initial", "failed_to_attend", False) is None
    assert rules.follow_up_decision("follow_up", "attended", False) is None
    assert rules.follow_up_decision("initial", "attended", False) is False


def test_a_new_time_with_a_failure_is_refused():
    refusal = report(outcome="failed_to_attend", new=AT + timedelta(days=1), follow_up=None)
    assert refusal.code == "new_time_unexpected"


@pytest.mark.parametrize(("assessment", "outcome", "follow_up", "new", "state"), [
    ("initial", "attended", True, False, "awaiting_assessment"),
    ("initial", "attended", False, False, "attended"),
    ("follow_up", "attended", None, False, "attended"),
    ("initial", "failed_to_attend", None, False, "failed_to_attend"),
    ("follow_up", "failed_to_remain", None, False, "failed_to_remain"),
    ("initial", "rescheduled", None, True, "rescheduled"),
    ("initial", "good_cause", None, True, "rescheduled"),
    ("initial", "good_cause", None, False, "requirement_ceased"),
])
def test_the_referral_state_after_each_outcome(assessment, outcome, follow_up, new, state):
    assert rules.referral_state_after(assessment, outcome, follow_up_required=follow_up,
                                      new_appointment=new) == state


def test_an_outcome_is_overdue_only_once_the_grace_period_has_passed():
    assert not rules.is_overdue("booked", AT, AT + timedelta(hours=47, minutes=59), 48)
    assert rules.is_overdue("booked", AT, AT + timedelta(hours=48), 48)
    assert not rules.is_overdue("attended", AT, AT + timedelta(days=9), 48)


def test_a_withdrawn_referral_takes_no_outcomes():
    assert rules.check_referral("withdrawn").code == "referral_withdrawn"
    assert rules.check_referral("awaiting_assessment") is None


@pytest.mark.parametrize(("failed", "limit"), [
    (date(2022, 10, 6), date(2023, 4, 6)),
    (date(2022, 8, 31), date(2023, 2, 28)),   # no 31 February: the month's last day
    (date(2023, 8, 31), date(2024, 2, 29)),   # a leap year
    (date(2022, 12, 31), date(2023, 6, 30)),
    (date(2022, 9, 30), date(2023, 3, 30)),
])
def test_six_months_from_the_failure_is_the_same_date_six_months_on(failed, limit):
    assert prosecution.time_limit(failed, 6) == limit


def test_the_warning_starts_the_configured_days_before_the_time_limit():
    assert prosecution.warn_from(date(2023, 4, 6), 28) == date(2023, 3, 9)


def test_the_offence_is_s12_for_an_initial_and_s14_for_a_follow_up_assessment():
    assert prosecution.offence_for("initial") == "Drugs Act 2005 s.12"
    assert prosecution.offence_for("follow_up") == "Drugs Act 2005 s.14"


def test_only_failures_without_good_cause_are_prosecutable():
    assert prosecution.is_prosecutable("failed_to_attend")
    assert prosecution.is_prosecutable("failed_to_remain")
    assert not prosecution.is_prosecutable("good_cause")
    assert not prosecution.is_prosecutable("attended")


def test_failure_to_remain_is_dated_when_the_person_left():
    left = datetime(2022, 10, 6, 23, 30, tzinfo=UTC)  # 00:30 BST on 7 October
    assert prosecution.failure_date("failed_to_remain", AT, left, LONDON) == date(2022, 10, 7)
    assert prosecution.failure_date("failed_to_attend", AT, left, LONDON) == date(2022, 10, 6)


def test_a_decision_is_taken_once_on_an_open_case():
    assert prosecution.check_decision("open", "charged") is None
    assert prosecution.check_decision("charged", "summonsed").code == "already_decided"
