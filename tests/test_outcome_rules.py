"""What a recorded test outcome must say, and when a request for a sample is unlawful."""

from dtoa.rules.outcomes import SampleRecord, check_lawful, check_record, result

PANEL = ("cocaine", "opiates")


def test_a_tested_sample_needs_a_result_for_every_drug_on_the_panel():
    problems = check_record(SampleRecord("tested", cocaine=True), PANEL)
    assert [p.field for p in problems] == ["opiates"]


def test_a_refusal_carries_no_result():
    problems = check_record(SampleRecord("refused", cocaine=True), PANEL)
    assert [p.field for p in problems] == ["cocaine"]


def test_not_tested_needs_a_reason():
    assert [p.field for p in check_record(SampleRecord("not_tested"), PANEL)] == [
        "not_tested_reason"]
    assert check_record(SampleRecord("not_tested", not_tested_reason="unfit"), PANEL) == []


def test_results_by_drug():
    assert result(SampleRecord("tested", True, True)) == "positive_both"
    assert result(SampleRecord("tested", True, False)) == "positive_cocaine"
    assert result(SampleRecord("tested", False, True)) == "positive_opiates"
    assert result(SampleRecord("tested", False, False)) == "negative"
    assert result(SampleRecord("refused")) == "refused"


def test_a_request_on_an_ineligible_detention_is_unlawful_but_not_testing_is_fine():
    assert check_lawful("tested", False, "under_age").reason.startswith("unlawful test")
    assert check_lawful("refused", False, "suite_not_live") is not None
    assert check_lawful("not_tested", False, "under_age") is None
    assert check_lawful("tested", True, None) is None
