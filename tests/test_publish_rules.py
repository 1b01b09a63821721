"""Publication suppression: counts of 1 to 4 hidden, and no hidden count recoverable by
subtraction from a total and its other parts."""

from __future__ import annotations

from dtoa.rules.funnel import COUNTS
from dtoa.rules.publish import is_small, publish_funnel, publish_table, shown, suppress


def test_one_to_four_are_small_zero_and_five_are_not():
    assert [is_small(n) for n in (0, 1, 4, 5)] == [False, True, True, False]


def test_nothing_small_nothing_hidden():
    cells = {"total": 20, "a": 10, "b": 10}
    assert suppress(cells, [("total", ["a", "b"])]) == cells


def test_one_small_part_hides_the_next_smallest_part_too():
    cells = {"total": 30, "a": 3, "b": 7, "c": 20}
    assert suppress(cells, [("total", ["a", "b", "c"])]) == {
        "total": 30, "a": None, "b": None, "c": 20}


def test_two_small_parts_need_nothing_more():
    cells = {"total": 30, "a": 3, "b": 2, "c": 25}
    assert suppress(cells, [("total", ["a", "b", "c"])]) == {
        "total": 30, "a": None, "b": None, "c": 25}


def test_hidden_parts_whose_sum_would_be_small_hide_another_part():
    # shown beside 30 and 28, a and b would add up to 2: 1 each
    cells = {"total": 30, "a": 1, "b": 1, "c": 28}
    assert suppress(cells, [("total", ["a", "b", "c"])]) == {
        "total": 30, "a": None, "b": None, "c": None}


def test_one_small_part_and_the_rest_zero_hides_the_total():
    cells = {"total": 3, "a": 3, "b": 0}
    assert suppress(cells, [("total", ["a", "b"])]) == {"total": None, "a": None, "b": 0}


def test_small_part_beside_zeros_and_a_large_part_hides_the_large_part():
    cells = {"total": 12, "a": 2, "b": 0, "c": 10}
    assert suppress(cells, [("total", ["a", "b", "c"])]) == {
        "total": 12, "a": None, "b": 0, "c": None}


def test_a_total_hidden_by_another_group_hides_one_of_its_own_parts():
    # "x" is a part of the first group and the total of the second: hiding it there would let
    # a reader add up its parts in the second, so one of those goes too.
    cells = {"top": 50, "x": 10, "y": 2, "z": 38, "x1": 5, "x2": 5}
    groups = [("top", ["x", "y", "z"]), ("x", ["x1", "x2"])]
    assert suppress(cells, groups) == {"top": 50, "x": None, "y": None, "z": 38,
                                       "x1": None, "x2": 5}


def test_no_group_is_left_with_exactly_one_hidden_cell():
    cells = {"top": 100, "a": 1, "b": 50, "c": 49, "b1": 45, "b2": 5}
    groups = [("top", ["a", "b", "c"]), ("b", ["b1", "b2"])]
    got = suppress(cells, groups)
    for total, parts in groups:
        assert sum(got[k] is None for k in (total, *parts)) != 1


def _funnel(**counts: int) -> dict:
    values = dict.fromkeys(COUNTS, 0)
    values.update(counts)
    return values


def test_published_funnel_hides_a_rare_drug_and_its_rates_follow():
    pilot = _funnel(detentions=400, in_scope=335, eligible=300, under_age=35, tested=261,
                    tested_trigger=178, tested_inspector_authorised=83, refused=20,
                    failed_to_provide=9, not_tested=10, positive=160,
                    positive_cocaine_only=110, positive_opiates_only=3, positive_both=47,
                    referred=157, attended=100, failed_to_attend=30, awaiting=20,
                    outcome_overdue=7, prosecuted=26)
    got = publish_funnel(pilot)
    assert got["positive_opiates_only"] is None     # 3: primary
    assert got["positive_both"] is None             # next smallest of the drug group
    assert got["positive_cocaine_only"] == 110 and got["positive"] == 160
    assert got["test_rate"] == 0.7791 and got["fta_rate"] == 0.1911


def test_rate_of_a_hidden_count_is_hidden():
    got = publish_funnel(_funnel(detentions=9, in_scope=3, eligible=3, tested=3,
                                 tested_trigger=3, positive=2, positive_cocaine_only=2))
    assert got["in_scope"] is None and got["tested"] is None
    assert got["test_rate"] is None and got["positivity"] is None


def test_suite_hidden_in_a_table_cannot_be_found_from_the_force_total():
    a = _funnel(detentions=100, referred=3)
    b = _funnel(detentions=50, referred=40)
    c = _funnel(detentions=60, referred=30)
    force = _funnel(detentions=210, referred=73)
    got = publish_table({"A": a, "B": b, "C": c, "FORCE": force}, total="FORCE")
    assert got["A"]["referred"] is None
    assert got["C"]["referred"] is None            # the next smallest suite
    assert got["B"]["referred"] == 40 and got["FORCE"]["referred"] == 73


def test_hidden_figures_print_as_a_star():
    assert [shown(None), shown(0), shown(12)] == ["*", 0, 12]


def test_positives_per_drug_hide_when_small_or_when_they_would_give_a_hidden_part_away():
    funnel = dict.fromkeys(COUNTS, 20)
    funnel.update(positive=30, positive_cocaine_only=20, positive_opiates_only=2,
                  positive_both=8, positive_for_cocaine=28, positive_for_opiates=10,
                  positive_for_cannabis=3)
    published = publish_funnel(funnel)
    assert (published["positive_opiates_only"], published["positive_both"]) == (None, None)
    # cocaine = cocaine only + both: with "both" hidden it would give "both" away
    assert published["positive_for_cocaine"] is None
    assert published["positive_for_opiates"] is None
    assert published["positive_for_cannabis"] is None     # small
    funnel.update(positive_opiates_only=6, positive_both=6, positive=32,
                  positive_for_cocaine=26, positive_for_opiates=12, positive_for_cannabis=9)
    shown_now = publish_funnel(funnel)
    assert (shown_now["positive_for_cocaine"], shown_now["positive_for_opiates"],
            shown_now["positive_for_cannabis"]) == (26, 12, 9)
