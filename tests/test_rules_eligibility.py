"""The s.63B conditions, case by case, as pure functions."""

from datetime import date

import pytest

from dtoa.config import DEFAULT_CONFIG, load_settings
from dtoa.rules.ages import age_on
from dtoa.rules.detention import evaluate
from dtoa.rules.offences import classify_offence

SETTINGS = load_settings(DEFAULT_CONFIG)
BASINGSTOKE = SETTINGS.suites_by_code["BASINGSTOKE"]
MILTON_KEYNES = SETTINGS.suites_by_code["MILTON_KEYNES"]


def judge(codes="theft", arrest=date(2022, 10, 3), born=date(1990, 1, 1), authorised=False,
          inspector=None, suite=BASINGSTOKE):
    result, _ = evaluate(SETTINGS, suite, arrest_date=arrest, birth_date=born,
                         offence_codes=codes, inspector_authorised=authorised,
                         authorising_inspector=inspector)
    return result


def test_29_february_birthday_reaches_18_on_1_march_in_a_common_year():
    assert age_on(date(2004, 2, 29), date(2022, 2, 28)) == 17
    assert age_on(date(2004, 2, 29), date(2022, 3, 1)) == 18


def test_29_february_birthday_is_reached_on_29_february_in_a_leap_year():
    assert age_on(date(2006, 2, 29 - 1), date(2024, 2, 28)) == 18
    assert age_on(date(2000, 2, 29), date(2024, 2, 28)) == 23
    assert age_on(date(2000, 2, 29), date(2024, 2, 29)) == 24


def test_age_turns_on_the_birthday_itself():
    assert age_on(date(2004, 10, 3), date(2022, 10, 2)) == 17
    assert age_on(date(2004, 10, 3), date(2022, 10, 3)) == 18


def test_adult_arrested_for_theft_at_a_live_suite_is_eligible_by_the_trigger_route():
    result = judge()
    assert (result.in_scope, result.eligible, result.route, result.reason) == (
        True, True, "trigger", None)
    assert result.trigger_offence == "theft"


def test_arrest_before_the_suite_went_live_is_suite_not_live():
    result = judge(arrest=date(2022, 9, 30))
    assert (result.in_scope, result.eligible, result.reason) == (True, False, "suite_not_live")


def test_a_17_year_old_is_under_age_but_in_scope():
    result = judge(born=date(2005, 1, 1))
    assert (result.in_scope, result.eligible, result.reason) == (True, False, "under_age")


def test_a_14_year_old_meets_the_age_condition_where_the_suite_is_notified_for_14():
    result = judge(born=date(2009, 4, 1), arrest=date(2023, 6, 1), suite=MILTON_KEYNES)
    assert result.eligible
    assert judge(born=date(2009, 7, 1), arrest=date(2023, 6, 1),
                 suite=MILTON_KEYNES).reason == "under_age"


def test_non_trigger_offence_without_authority_is_not_in_scope():
    result = judge(codes="ASSAULT")
    assert (result.in_scope, result.eligible, result.reason) == (
        False, False, "not_trigger_no_authority")


def test_inspector_authority_brings_a_non_trigger_offence_into_scope():
    result = judge(codes="ASSAULT", authorised=True, inspector="Insp 4021 Hale")
    assert (result.in_scope, result.eligible, result.route) == (True, True, "inspector")


def test_authority_with_no_inspector_named_is_no_authority():
    result = judge(codes="ASSAULT", authorised=True, inspector="  ")
    assert (result.in_scope, result.eligible, result.reason) == (
        False, False, "authority_without_inspector")


def test_trigger_route_wins_when_an_inspector_also_authorised():
    assert judge(codes="burglary", authorised=True, inspector="Insp 1").route == "trigger"


def test_a_force_alias_resolves_to_its_catalogue_offence():
    result = judge(codes="TWOC")
    assert result.eligible and result.trigger_offence == "taking_vehicle"


def test_multi_offence_detention_is_in_scope_when_any_offence_triggers():
    result = judge(codes="ASSAULT;CRIMINAL_DAMAGE;SHOPLIFT")
    assert result.eligible and result.trigger_offence == "theft"


def test_fraud_is_not_a_trigger_offence_before_15_january_2007():
    finding = classify_offence("fraud", date(2007, 1, 14), SETTINGS.offences_by_code, SETTINGS.law)
    assert (finding.is_trigger, finding.reason) == (False, "not_in_force")
    assert classify_offence("fraud", date(2007, 1, 15), SETTINGS.offences_by_code,
                            SETTINGS.law).is_trigger


@pytest.mark.parametrize(("code", "arrest", "trigger"), [
    ("class_a_possession:cocaine", date(2022, 10, 3), True),
    ("class_a_possession:mdma", date(2022, 10, 3), False),      # not specified under SI 2001/1816
    ("class_a_possession:mdma", date(2023, 8, 1), False),
    ("class_a_possession:mdma", date(2023, 8, 2), True),        # SI 2023/784: every Class A drug
    ("class_a_possession:cannabis", date(2024, 1, 1), False),   # not Class A at all
    ("POSS-A", date(2022, 10, 3), True),                        # the force's Class A code
])
def test_drug_offences_trigger_only_for_a_specified_class_a_drug(code, arrest, trigger):
    finding = classify_offence(code, arrest, SETTINGS.offences_by_code, SETTINGS.law)
    assert finding.is_trigger is trigger


def test_begging_stays_a_trigger_offence_until_its_repeal_is_commenced():
    assert judge(codes="begging", arrest=date(2026, 11, 1)).eligible


def test_suite_not_live_is_reported_before_under_age_when_both_fail():
    result = judge(arrest=date(2022, 9, 1), born=date(2006, 1, 1))
    assert result.reasons == ("suite_not_live", "under_age")


def test_shipped_catalogue_covers_schedule_6():
    keys = {o.key for o in SETTINGS.offences}
    assert {"theft", "robbery", "burglary", "aggravated_burglary", "taking_vehicle",
            "aggravated_vehicle_taking", "handling_stolen_goods", "going_equipped", "fraud",
            "possess_fraud_articles", "make_supply_fraud_articles", "class_a_supply",
            "class_a_possession", "class_a_possession_intent_supply", "begging",
            "persistent_begging", "attempt_theft", "attempt_robbery", "attempt_burglary",
            "attempt_handling_stolen_goods", "attempt_fraud"} <= keys
    assert all(o.statute for o in SETTINGS.offences)
