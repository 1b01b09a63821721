"""The s.63B conditions, case by case, as pure functions, each judged when the sample is taken
(or, with no sample, at the arrest and the charge)."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from dtoa.config import DEFAULT_CONFIG, load_settings
from dtoa.rules.ages import age_on
from dtoa.rules.detention import CustodyRecord, judge_sample, judge_without_sample
from dtoa.rules.eligibility import condition_of
from dtoa.rules.offences import classify_offence, specified
from dtoa.testing import settings_from_text, with_2026_act

SETTINGS = load_settings(DEFAULT_CONFIG)
ACT_2026 = settings_from_text(with_2026_act(DEFAULT_CONFIG.read_text(encoding="utf-8"),
                                            "2027-01-01"))
LONDON = ZoneInfo("Europe/London")


def at(text: str) -> datetime:
    """A local (Europe/London) time as an aware UTC instant."""
    return datetime.fromisoformat(text).replace(tzinfo=LONDON).astimezone(UTC)


def record(codes="theft", arrested="2022-10-03T10:00", born=date(1990, 1, 1), charged=None,
           authorised=False, inspector=None, suite="BASINGSTOKE", settings=SETTINGS):
    return CustodyRecord(settings.suites_by_code[suite], born, at(arrested),
                         at(charged) if charged else None, codes, authorised, inspector)


def sample(custody: CustodyRecord, when: str, settings=SETTINGS):
    return judge_sample(settings, custody, at(when)).eligibility


def test_29_february_birthday_reaches_18_on_1_march_in_a_common_year():
    assert age_on(date(2004, 2, 29), date(2022, 2, 28)) == 17
    assert age_on(date(2004, 2, 29), date(2022, 3, 1)) == 18


def test_29_february_birthday_is_reached_on_29_february_in_a_leap_year():
    assert age_on(date(2000, 2, 29), date(2024, 2, 28)) == 23
    assert age_on(date(2000, 2, 29), date(2024, 2, 29)) == 24


def test_adult_arrested_for_theft_sampled_before_charge_is_eligible_under_arrest_condition():
    result = sample(record(), "2022-10-03T11:00")
    assert (result.in_scope, result.eligible, result.route, result.reason, result.condition) == (
        True, True, "trigger", None, "arrest")
    assert result.trigger_offence == "theft"


def test_a_sample_at_or_after_charge_is_under_the_charge_condition():
    custody = record(charged="2022-10-03T12:00")
    assert condition_of(at("2022-10-03T11:59"), custody.charged_at) == "arrest"
    assert condition_of(at("2022-10-03T12:00"), custody.charged_at) == "charge"
    assert sample(custody, "2022-10-03T12:30").condition == "charge"


def test_a_17_year_old_arrested_at_2330_who_is_18_at_a_0030_sample_may_be_tested():
    custody = record(arrested="2022-10-03T23:30", born=date(2004, 10, 4))
    assert sample(custody, "2022-10-03T23:45").reason == "under_age"
    assert sample(custody, "2022-10-04T00:30").eligible


def test_a_sample_after_midnight_on_the_live_date_from_an_arrest_before_it_is_lawful():
    custody = record(arrested="2022-09-30T23:30")
    assert judge_without_sample(SETTINGS, custody).eligibility.reason == "suite_not_live"
    assert sample(custody, "2022-10-01T00:30").eligible


def test_a_15_year_old_tested_before_charge_at_a_suite_notified_for_under_18s_is_under_age():
    custody = record(suite="MILTON_KEYNES", arrested="2023-06-01T10:00", born=date(2008, 1, 1),
                     charged="2023-06-01T15:00")
    before = sample(custody, "2023-06-01T11:00")
    assert (before.in_scope, before.eligible, before.reason, before.condition) == (
        True, False, "under_age", "arrest")
    after = sample(custody, "2023-06-01T15:30")
    assert (after.eligible, after.condition) == (True, "charge")


def test_a_15_year_old_after_charge_is_under_age_where_the_suite_is_not_notified_for_under_18s():
    custody = record(arrested="2023-06-01T10:00", born=date(2008, 1, 1),
                     charged="2023-06-01T15:00")
    assert sample(custody, "2023-06-01T15:30").reason == "under_age"


def test_a_13_year_old_may_never_be_tested():
    custody = record(suite="MILTON_KEYNES", arrested="2023-06-01T10:00", born=date(2010, 1, 1),
                     charged="2023-06-01T15:00")
    assert sample(custody, "2023-06-01T15:30").reason == "under_age"


def test_with_no_sample_a_child_charged_at_a_suite_notified_for_under_18s_is_eligible_on_charge():
    custody = record(suite="MILTON_KEYNES", arrested="2023-06-01T10:00", born=date(2008, 1, 1))
    assert judge_without_sample(SETTINGS, custody).eligibility.reason == "under_age"
    charged = record(suite="MILTON_KEYNES", arrested="2023-06-01T10:00", born=date(2008, 1, 1),
                     charged="2023-06-01T15:00")
    judged = judge_without_sample(SETTINGS, charged).eligibility
    assert (judged.eligible, judged.condition) == (True, "charge")


def test_a_withdrawn_notification_stops_testing_the_day_after_it_ends():
    text = DEFAULT_CONFIG.read_text(encoding="utf-8").replace(
        '{ condition = "arrest", from = 2022-10-01 },',
        '{ condition = "arrest", from = 2022-10-01, until = 2022-12-31 },')
    withdrawn = settings_from_text(text)
    custody = record(settings=withdrawn, arrested="2022-12-31T22:00")
    assert sample(custody, "2022-12-31T23:59", withdrawn).eligible
    assert sample(custody, "2023-01-01T00:01", withdrawn).reason == "suite_not_live"


def test_non_trigger_offence_without_authority_is_not_in_scope():
    result = sample(record(codes="ASSAULT"), "2022-10-03T11:00")
    assert (result.in_scope, result.eligible, result.reason) == (
        False, False, "not_trigger_no_authority")


def test_inspector_authority_brings_a_non_trigger_offence_into_scope():
    result = sample(record(codes="ASSAULT", authorised=True, inspector="Insp 4021 Hale"),
                    "2022-10-03T11:00")
    assert (result.in_scope, result.eligible, result.route, result.flags) == (
        True, True, "inspector", ())


def test_an_authority_with_no_inspector_named_yet_is_eligible_and_flagged_to_complete():
    result = sample(record(codes="ASSAULT", authorised=True, inspector="  "), "2022-10-03T11:00")
    assert (result.in_scope, result.eligible, result.route) == (True, True, "inspector")
    assert result.flags == ("authority_unrecorded",)


def test_trigger_route_wins_when_an_inspector_also_authorised():
    assert sample(record(codes="burglary", authorised=True, inspector="Insp 1"),
                  "2022-10-03T11:00").route == "trigger"


def test_a_force_alias_and_a_multi_offence_record_resolve_to_their_trigger_offence():
    assert sample(record(codes="TWOC"), "2022-10-03T11:00").trigger_offence == "taking_vehicle"
    assert sample(record(codes="ASSAULT;CRIMINAL_DAMAGE;SHOPLIFT"),
                  "2022-10-03T11:00").trigger_offence == "theft"


def trigger(code: str, on: date, settings=SETTINGS) -> bool:
    return classify_offence(code, on, settings.offences_by_code, settings.law).is_trigger


@pytest.mark.parametrize("code, on, expected", [
    ("fraud", date(2007, 1, 14), False),
    ("fraud", date(2007, 1, 15), True),
    ("attempt_fraud", date(2007, 3, 1), False),   # CJCSA 2000 (Amendment) Order 2007
    ("attempt_fraud", date(2007, 7, 31), False),
    ("attempt_fraud", date(2007, 8, 1), True),
    ("begging", date(2026, 6, 28), True),
    ("begging", date(2026, 7, 15), False),        # Vagrancy Act 1824 repealed (unconfirmed date)
    ("VA24002", date(2026, 7, 15), False),
    ("rape", date(2026, 11, 1), False),           # Crime and Policing Act 2026: not commenced
])
def test_schedule_6_changes_over_time(code, on, expected):
    assert trigger(code, on) is expected


@pytest.mark.parametrize("code, on, expected", [
    ("class_a_possession:cocaine", date(2022, 10, 3), True),
    ("class_a_possession:mdma", date(2022, 10, 3), False),      # not specified under SI 2001/1816
    ("class_a_possession:mdma", date(2023, 8, 1), False),
    ("class_a_possession:mdma", date(2023, 8, 2), True),        # SI 2023/784: every Class A drug
    ("class_a_possession:cannabis", date(2024, 1, 1), False),   # not Class A, not specified
    ("class_b_possession:cannabis", date(2026, 11, 1), False),  # no Class B drug specified
    ("POSS-B", date(2026, 11, 1), False),
])
def test_drug_offences_trigger_only_for_a_specified_drug(code, on, expected):
    assert trigger(code, on) is expected


def test_once_the_2026_act_is_in_force_cannabis_possession_and_its_new_offences_trigger():
    assert not trigger("class_b_possession:cannabis", date(2026, 12, 31), ACT_2026)
    assert trigger("class_b_possession:cannabis", date(2027, 1, 1), ACT_2026)
    assert trigger("POSS-B", date(2027, 1, 1), ACT_2026)
    assert not trigger("class_b_possession:ketamine", date(2027, 1, 1), ACT_2026)
    assert trigger("rape", date(2027, 1, 1), ACT_2026)
    assert not trigger("rape", date(2026, 12, 31), ACT_2026)
    assert specified(ACT_2026.law, "cannabis", date(2027, 1, 1))
    assert not specified(SETTINGS.law, "cannabis", date(2027, 1, 1))
