"""What a recorded sample must say, when a further sample may be taken, and when a request
for a sample is unlawful."""

from datetime import date

from dtoa.rules.outcomes import (
    SampleRecord,
    check_lawful,
    check_record,
    check_sample_number,
    positives,
    result,
)

PANEL = ("cocaine", "opiates")
ON = date(2022, 10, 3)


def test_a_tested_sample_needs_a_result_for_every_drug_on_the_panel():
    problems = check_record(SampleRecord("tested", {"cocaine": True}), PANEL, ON)
    assert [p.field for p in problems] == ["opiates"]


def test_a_result_for_a_drug_not_on_the_panel_that_day_is_refused():
    problems = check_record(SampleRecord("tested", {"cocaine": True, "opiates": False,
                                                    "cannabis": True}), PANEL, ON)
    assert [(p.field, p.reason) for p in problems] == [
        ("cannabis", "cannabis is not on this force's test panel on 2022-10-03")]


def test_a_refusal_carries_no_result():
    problems = check_record(SampleRecord("refused", {"cocaine": True}), PANEL, ON)
    assert [p.field for p in problems] == ["cocaine"]
    assert check_record(SampleRecord("insufficient"), PANEL, ON) == []


def test_not_tested_needs_a_reason():
    assert [p.field for p in check_record(SampleRecord("not_tested"), PANEL, ON)] == [
        "not_tested_reason"]
    assert check_record(SampleRecord("not_tested", not_tested_reason="unfit"), PANEL, ON) == []


def test_a_result_is_positive_when_any_panel_drug_is():
    both = SampleRecord("tested", {"cocaine": True, "opiates": True})
    assert (result(both), positives(both)) == ("positive", ("cocaine", "opiates"))
    assert result(SampleRecord("tested", {"cocaine": False, "opiates": True})) == "positive"
    assert result(SampleRecord("tested", {"cocaine": False, "opiates": False})) == "negative"
    assert result(SampleRecord("refused")) == "refused"
    assert result(SampleRecord("unsuitable")) == "unsuitable"


def test_one_sample_per_detention_until_the_2026_act_allows_a_further_one():
    off = {"further_sample_from": None, "max_samples": 2}
    on_2027 = {"further_sample_from": date(2027, 1, 1), "max_samples": 2}
    assert check_sample_number(1, None, ON, **off) is None
    assert "not in force" in check_sample_number(2, "insufficient", ON, **off).reason
    assert "only from 2027-01-01" in check_sample_number(
        2, "insufficient", date(2026, 12, 31), **on_2027).reason
    assert check_sample_number(2, "insufficient", date(2027, 1, 1), **on_2027) is None
    assert check_sample_number(3, "insufficient", date(2027, 1, 1), **on_2027).field == "sample"
    assert check_sample_number(2, None, date(2027, 1, 1), **on_2027).field == \
        "further_sample_reason"
    assert check_sample_number(1, "unsuitable", ON, **off).field == "further_sample_reason"


def test_a_request_on_an_ineligible_detention_is_unlawful_but_not_testing_is_fine():
    assert check_lawful("tested", False, "under_age").reason.startswith("unlawful test")
    assert check_lawful("refused", False, "suite_not_live") is not None
    assert check_lawful("insufficient", False, "suite_not_live") is not None
    assert check_lawful("not_tested", False, "under_age") is None
    assert check_lawful("tested", True, None) is None
