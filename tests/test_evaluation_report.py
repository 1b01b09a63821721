"""`dtoa report evaluation`: failure to attend in custody against the community, by days to the
appointment, repeat testers, time to assessment and positivity, checked against the
hand-made quarter of tests/evidence_quarter.py (April to June 2023).

Worked out by hand from its table:
- Requirements served (12): booked in custody at 14:00 the same day, B01, B02, B05, B09, B10
  (attended but B02, which failed); in the community, B06 (Monday 17 April, 4 days on,
  attended), B11 (Friday 28 April, 2 days, failed), B12 (Tuesday 2 May after the bank holiday,
  4 days, failed), B13 (Thursday 4 May, 2 days, failed then good cause), B14 (Thursday 11 May,
  chosen, 6 days, attended), B15 (Wednesday 28 June, 2 days, awaited), B20 (the officer chose
  the community for Tuesday 6 June, 1 day, attended).
- In custody 1 failure of 5 known: Wilson with z = 1.96, n = 5, p = 0.2: centre (0.2 +
  3.8415/10) / (1 + 3.8415/5) = 0.3304, half-width 1.96 / 1.7683 x sqrt(0.032 + 0.0384) =
  0.2941: 0.0362 to 0.6245. Community 2 of 6 known (B15 awaited): 0.0968 to 0.7000. All 3 of
  11: 0.0975 to 0.5656. Difference 0.2 - 0.3333 = -0.1333; Newcombe: -0.1333 -
  sqrt((0.2 - 0.0362)^2 + (0.7 - 0.3333)^2) = -0.5349, -0.1333 + sqrt((0.6245 - 0.2)^2 +
  (0.3333 - 0.0968)^2) = 0.3526.
- Repeat testers: at Basingstoke PA (3 tests: positive, positive, negative), PB (negative,
  positive) and PC (positive, negative) of 15 people; positive then tested again: PA and PC;
  positive again: PA; gaps 14, 28, 7, 49 days: median 21. PF, tested at Basingstoke on 7 June
  and Aldershot on 13 June, repeats for Hampshire (4 of 15; gaps 6, 7, 14, 28, 49: median 14)
  and for neither suite. PD, tested at Basingstoke and at Milton Keynes, is two forces' people,
  a repeat tester of neither. Milton Keynes: PE twice, 35 days apart. All forces: 5 of 17.
- Time to the attended initial assessment: in custody 4, 4, 4 and 3.5 hours (0.1667 days
  median and 90th percentile); community 25.5 h (B20), 89 h (B06), 138 h (B14): median 3.7083
  days, 90th percentile (3rd of 3) 5.75; all 7: median (4th) 0.1667, 90th percentile (7th)
  5.75.
- Positivity: April 13 tests (cocaine 7, opiates 3, any 9), May 5 (2, 0, 2), June 5 (2, 0, 2).
"""

from __future__ import annotations

import csv

import evidence_quarter as quarter
import pytest
from pypdf import PdfReader

from dtoa.clock import FixedClock

OUTCOMES = ("referred", "known", "attended", "failed", "good_cause", "awaited")


@pytest.fixture(autouse=True)
def cli_clock(monkeypatch) -> FixedClock:
    clock = quarter.cli_clock()
    monkeypatch.setattr("dtoa.runtime.SystemClock", lambda: clock)
    return clock


@pytest.fixture
def built(dtoa, config_file, tmp_path):
    quarter.build(dtoa, config_file, tmp_path)
    return tmp_path / "reports" / "evaluation"


def read(path) -> dict[tuple[str, str, str], str]:
    with path.open(encoding="utf-8") as handle:
        return {(r["section"], r["group"], r["measure"]): r["value"]
                for r in csv.DictReader(handle)}


def row(figures, section: str, group: str, measures) -> tuple:  # noqa: ANN001
    return tuple(figures[(section, group, m)] for m in measures)


def pdf_text(path) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(path).pages)


def test_failure_to_attend_by_setting_with_wilson_and_newcombe_intervals(dtoa, built):
    out = dtoa("report", "evaluation", "--from", "2023-04-01", "--to", "2023-06-30").output
    assert "Evaluation 2023-04-01 to 2023-06-30 (ALL): 12 referred, 3 failed to attend" in out
    f = read(built / "evaluation-2023-04-01-2023-06-30-ALL.csv")
    rate = ("fta_rate", "fta_rate_low", "fta_rate_high")
    assert row(f, "fta_by_setting", "custody", OUTCOMES + rate) == (
        "5", "5", "4", "1", "0", "0", "0.2", "0.0362", "0.6245")
    assert row(f, "fta_by_setting", "community", OUTCOMES + rate) == (
        "7", "6", "3", "2", "1", "1", "0.3333", "0.0968", "0.7")
    assert row(f, "fta_by_setting", "ALL", OUTCOMES + rate) == (
        "12", "11", "7", "3", "1", "1", "0.2727", "0.0975", "0.5656")
    assert row(f, "fta_difference", "custody_minus_community", ("estimate", "low", "high")) \
        == ("-0.1333", "-0.5349", "0.3526")


def test_failure_to_attend_by_days_from_test_to_appointment(dtoa, built):
    dtoa("report", "evaluation", "--from", "2023-04-01", "--to", "2023-06-30")
    f = read(built / "evaluation-2023-04-01-2023-06-30-ALL.csv")
    got = {band: row(f, "fta_by_days", band, OUTCOMES + ("fta_rate",))
           for band in ("0", "1", "2", "3-5", "6+")}
    assert got == {"0": ("5", "5", "4", "1", "0", "0", "0.2"),
                   "1": ("1", "1", "1", "0", "0", "0", "0.0"),
                   "2": ("3", "2", "0", "1", "1", "1", "0.5"),
                   "3-5": ("2", "2", "1", "1", "0", "0", "0.5"),
                   "6+": ("1", "1", "1", "0", "0", "0", "0.0")}
    assert row(f, "fta_by_days", "1", ("fta_rate_low", "fta_rate_high")) == ("0.0", "0.7935")


def test_repeat_testers_are_matched_by_person_within_a_force(dtoa, built):
    dtoa("report", "evaluation", "--from", "2023-04-01", "--to", "2023-06-30")
    f = read(built / "evaluation-2023-04-01-2023-06-30-ALL.csv")
    measures = ("people", "repeat", "at_risk", "positive_again", "median_days_between_tests")
    got = {group: row(f, "repeat_testers", group, measures) for group in (
        "BASINGSTOKE", "ALDERSHOT", "MILTON_KEYNES", quarter.HAMPSHIRE, quarter.THAMES_VALLEY,
        "ALL")}
    assert got == {"BASINGSTOKE": ("15", "3", "2", "1", "21.0"),
                   "ALDERSHOT": ("1", "0", "0", "0", ""),
                   "MILTON_KEYNES": ("2", "1", "0", "0", "35.0"),
                   quarter.HAMPSHIRE: ("15", "4", "2", "1", "14.0"),
                   quarter.THAMES_VALLEY: ("2", "1", "0", "0", "35.0"),
                   "ALL": ("17", "5", "2", "1", "21.0")}
    assert row(f, "repeat_testers", "BASINGSTOKE", (
        "repeat_share", "repeat_share_low", "repeat_share_high", "positive_again_rate",
        "positive_again_rate_low", "positive_again_rate_high")) == (
        "0.2", "0.0705", "0.4519", "0.5", "0.0945", "0.9055")
    assert row(f, "repeat_testers", quarter.HAMPSHIRE, ("repeat_share", "repeat_share_low",
                                                        "repeat_share_high")) == (
        "0.2667", "0.109", "0.5195")
    assert row(f, "repeat_testers", "ALDERSHOT", ("positive_again_rate",)) == ("",)


def test_time_to_assessment_and_positivity_by_drug_and_month(dtoa, built):
    dtoa("report", "evaluation", "--from", "2023-04-01", "--to", "2023-06-30")
    f = read(built / "evaluation-2023-04-01-2023-06-30-ALL.csv")
    times = {k: row(f, "time_to_assessment", k, ("attended", "median_days", "p90_days"))
             for k in ("ALL", "custody", "community")}
    assert times == {"ALL": ("7", "0.1667", "5.75"), "custody": ("4", "0.1667", "0.1667"),
                     "community": ("3", "3.7083", "5.75")}
    months = {m: row(f, "positivity", m, ("tests", "positive_cocaine", "positive_opiates",
                                          "positive_any"))
              for m in ("2023-04", "2023-05", "2023-06", "ALL")}
    assert months == {"2023-04": ("13", "7", "3", "9"), "2023-05": ("5", "2", "0", "2"),
                      "2023-06": ("5", "2", "0", "2"), "ALL": ("23", "11", "3", "13")}
    assert row(f, "positivity", "2023-04", ("positive_cocaine_rate", "positive_cocaine_rate_low",
                                            "positive_cocaine_rate_high")) == (
        "0.5385", "0.2914", "0.7679")


def test_one_suite_and_the_report_in_words_with_its_method(dtoa, built):
    dtoa("report", "evaluation", "--from", "2023-04-01", "--to", "2023-06-30",
         "--suite", "basingstoke")
    stem = built / "evaluation-2023-04-01-2023-06-30-BASINGSTOKE"
    f = read(stem.with_suffix(".csv"))
    assert {g for s, g, _ in f if s == "repeat_testers"} == {"BASINGSTOKE"}
    assert f[("positivity", "ALL", "tests")] == "19"
    text = pdf_text(stem.with_suffix(".pdf"))
    assert "5 booked for an assessment in custody, before release, and 7 in the community" \
        in text
    assert "1 of 5 failed to attend: 20.0% (95% interval 3.6% to 62.4%)" in text
    assert "-13.3 percentage points (95% interval -53.5 to +35.3)" in text
    for words in ("nobody was randomised to a setting", "Wilson score intervals",
                  "Newcombe's hybrid score interval", "Suppression None: these are the full "
                  "figures"):
        assert words in text
    pages = len(PdfReader(stem.with_suffix(".pdf")).pages)
    assert text.count("OFFICIAL-SENSITIVE: not for publication") == 2 * pages
    assert stem.with_suffix(".html").read_text(encoding="utf-8").count("<svg") == 4


def test_published_evaluation_hides_small_counts_and_every_figure_resting_on_them(dtoa, built):
    dtoa("report", "evaluation", "--from", "2023-04-01", "--to", "2023-06-30", "--publish")
    f = read(built / "evaluation-2023-04-01-2023-06-30-ALL-published.csv")
    # attended and good cause are not published apart from the known outcomes (the number
    # attended, with the known outcomes and the failures, would give the good causes away)
    assert not [k for k in f if k[0].startswith("fta") and k[2] in ("attended", "good_cause")]
    assert row(f, "time_to_assessment", "ALL", ("attended", "median_days", "p90_days")) == (
        "*", "0.1667", "5.75")
    assert row(f, "time_to_assessment", "custody", ("attended", "median_days")) == ("*", "*")
    # in custody 1 failure of 5 is small, so its rate and the difference go
    assert row(f, "fta_by_setting", "custody", ("referred", "known", "failed", "fta_rate")) == (
        "5", "5", "*", "*")
    assert row(f, "fta_difference", "custody_minus_community", ("estimate",)) == ("",)
    # no row (referred = known + awaited) and no column (all = the settings; all = the bands
    # of days) is left with exactly one hidden count, which subtraction would give away
    for section, groups in (("fta_by_setting", ("custody", "community")),
                            ("fta_by_days", ("0", "1", "2", "3-5", "6+"))):
        for group in (*groups, "ALL"):
            assert sum(v == "*" for v in row(f, section, group, (
                "referred", "known", "awaited"))) != 1, (section, group)
        for measure in ("referred", "known", "failed", "awaited"):
            cells = [f[(section, g, measure)] for g in ("ALL", *groups)]
            assert cells.count("*") != 1, (section, measure)
    # April's 7 cocaine positives are hidden: the period's 11 less them would leave May's and
    # June's hidden 2 and 2 adding up to 4, too few to hide
    assert row(f, "positivity", "2023-04", ("tests", "positive_cocaine")) == ("13", "*")
    # the 2 months of 5 tests with 2 positives: the positives hidden
    assert row(f, "positivity", "2023-05", ("tests", "positive_cocaine")) == ("5", "*")
    text = pdf_text(built / "evaluation-2023-04-01-2023-06-30-ALL-published.pdf")
    assert "Counts from 1 to 4 are shown as *" in text
    assert "OFFICIAL: published figures (counts of 1 to 4 suppressed)" in text


def test_a_backwards_period_or_unknown_suite_is_one_line(dtoa):
    backwards = dtoa("report", "evaluation", "--from", "2023-06-30", "--to", "2023-04-01",
                     ok=False)
    assert backwards.exit_code == 2 and "after it ends" in backwards.output
    unknown = dtoa("report", "evaluation", "--from", "2023-04-01", "--to", "2023-06-30",
                   "--suite", "NOWHERE", ok=False)
    assert unknown.exit_code == 2 and "unknown custody suite 'NOWHERE'" in unknown.output
    assert "Traceback" not in backwards.output + unknown.output
