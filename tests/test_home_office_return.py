"""`dtoa report home-office`: the quarter's figures in the Home Office's published measures, by
force and by suite, checked against the hand-made quarter of tests/evidence_quarter.py.

Worked out by hand (samples taken 1 April to 30 June 2023, Europe/London):
- Basingstoke: 19 tests (B01-B16, B18 at 00:20 on 1 April though arrested on 31 March, B20,
  B21; not B17, a refusal, nor B19, sampled at 00:30 on 1 July). Positive: B01, B02, B05, B06,
  B09-B15, B20 = 12. Routes: B11 on a named inspector's authority, B16 on an authority with no
  inspector named yet (not stated), the other 17 after a trigger offence. Cocaine: 10 (B05 with
  opiates); opiates: B05, B06, B11 = 3; cocaine only 9, opiates only 2, both 1. All 12
  positives were served a requirement: referred 12.
- Aldershot: A01, negative. Hampshire = Basingstoke + Aldershot: 20 tests, 12 positive (60%).
- Milton Keynes (Thames Valley): M01 positive for cocaine, not referred; M02, M03 negative.
- All forces: 23 tests, 13 positive (56.5%), 21 trigger, 1 inspector, 1 not stated, 12 of 13
  positives referred (92.3%).
"""

from __future__ import annotations

import csv

import evidence_quarter as quarter
import pytest
from pypdf import PdfReader

from dtoa.clock import FixedClock

H, TV = quarter.HAMPSHIRE, quarter.THAMES_VALLEY
COUNTS = ("tests", "positive", "after_trigger", "after_inspector_authority", "not_stated",
          "positive_for_cocaine", "positive_for_opiates", "positive_cocaine_only",
          "positive_opiates_only", "positive_both", "referred")
EXPECTED = {  # in the order of COUNTS, then positive_rate and referred_share
    ("ALL", "ALL"): (23, 13, 21, 1, 1, 11, 3, 10, 2, 1, 12, "0.5652", "0.9231"),
    (H, "ALL"): (20, 12, 18, 1, 1, 10, 3, 9, 2, 1, 12, "0.6", "1.0"),
    (H, "BASINGSTOKE"): (19, 12, 17, 1, 1, 10, 3, 9, 2, 1, 12, "0.6316", "1.0"),
    (H, "ALDERSHOT"): (1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, "0.0", ""),
    (TV, "ALL"): (3, 1, 3, 0, 0, 1, 0, 1, 0, 0, 0, "0.3333", "0.0"),
    (TV, "MILTON_KEYNES"): (3, 1, 3, 0, 0, 1, 0, 1, 0, 0, 0, "0.3333", "0.0"),
}


@pytest.fixture(autouse=True)
def cli_clock(monkeypatch) -> FixedClock:
    clock = quarter.cli_clock()
    monkeypatch.setattr("dtoa.runtime.SystemClock", lambda: clock)
    return clock


@pytest.fixture
def built(dtoa, config_file, tmp_path):
    quarter.build(dtoa, config_file, tmp_path)
    return tmp_path / "reports" / "home-office" / "2023-Q2"


def read(path) -> dict[tuple[str, str, str], str]:
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["quarter"] for r in rows} == {"2023-Q2"}
    return {(r["force"], r["suite"], r["measure"]): r["value"] for r in rows}


def pdf_text(path) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(path).pages)


def test_the_return_counts_each_measure_by_force_and_suite_as_worked_out_by_hand(dtoa, built):
    out = dtoa("report", "home-office", "--quarter", "2023-q2").output
    assert "Home Office return 2023-Q2 (every force): 23 tests, 13 positive, 12 referred" in out
    figures = read(built / "home-office-2023-Q2-ALL.csv")
    for (force, suite), expected in EXPECTED.items():
        got = tuple(figures[(force, suite, m)] for m in (*COUNTS, "positive_rate",
                                                        "referred_share"))
        assert got == tuple(str(v) for v in expected), (force, suite)
    assert len(figures) == len(EXPECTED) * (len(COUNTS) + 2)


def test_each_measure_is_printed_beside_its_definition_with_the_decisions(dtoa, built):
    dtoa("report", "home-office", "--quarter", "2023-Q2")
    with (built / "home-office-2023-Q2-ALL.csv").open(encoding="utf-8") as handle:
        definitions = {r["measure"]: r["definition"] for r in csv.DictReader(handle)}
    assert definitions["not_stated"].startswith("Tests whose custody record does not now state")
    text = pdf_text(built / "home-office-2023-Q2-ALL.pdf")
    # the all-forces table: all forces, Hampshire, Thames Valley, then the definition
    assert "Tests after a non-trigger offence (inspector's authority) 1 1 0 Tests after a "\
           "non-trigger offence on an inspector's authority, the inspector named" in text
    # then each force's own: its total and its suites
    assert "Tests, route not stated 1 1 0 Tests whose custody record" in text
    assert "A test belongs to the quarter of the date its sample was taken, in Europe/London " \
           "time" in text
    assert text.count("OFFICIAL-SENSITIVE: not for publication") >= 2 * len(
        PdfReader(built / "home-office-2023-Q2-ALL.pdf").pages)


def test_one_force_returns_only_its_own_suites(dtoa, built):
    dtoa("report", "home-office", "--quarter", "2023-Q2", "--force", "thames valley police")
    figures = read(built / "home-office-2023-Q2-thames-valley-police.csv")
    assert {(f, s) for f, s, _ in figures} == {(TV, "ALL"), (TV, "MILTON_KEYNES")}
    assert figures[(TV, "MILTON_KEYNES", "tests")] == "3"


def test_published_return_hides_small_counts_and_what_would_reveal_them(dtoa, built):
    dtoa("report", "home-office", "--quarter", "2023-Q2", "--publish")
    figures = read(built / "home-office-2023-Q2-ALL-published.csv")
    tests = {unit: figures[(*unit, "tests")] for unit in EXPECTED}
    # Aldershot's 1 and Thames Valley's 3 are hidden. Hampshire (20) = Basingstoke +
    # Aldershot would give Aldershot away, so Basingstoke's 19, the only other suite, is hidden;
    # all forces (23) = Hampshire + Thames Valley would give Thames Valley away, so Hampshire's
    # 20 is hidden. 23 stays: it is the sum of two hidden figures.
    assert tests == {("ALL", "ALL"): "23", (H, "ALL"): "*", (H, "BASINGSTOKE"): "*",
                     (H, "ALDERSHOT"): "*", (TV, "ALL"): "*", (TV, "MILTON_KEYNES"): "*"}
    # routes: 1 inspector and 1 not stated are hidden; shown beside 23 tests, a trigger count of
    # 21 would leave them 2 between them, so 1 each: the 21 is hidden too
    assert [figures[("ALL", "ALL", m)] for m in ("after_trigger", "after_inspector_authority",
                                                 "not_stated")] == ["*", "*", "*"]
    assert figures[(H, "ALL", "positive_rate")] == "*"  # a rate of a hidden count
    text = pdf_text(built / "home-office-2023-Q2-ALL-published.pdf")
    assert "OFFICIAL: published figures (counts of 1 to 4 suppressed)" in text


def test_a_quarter_written_wrongly_or_an_unknown_force_is_one_line(dtoa):
    bad = dtoa("report", "home-office", "--quarter", "2023-5", ok=False)
    assert bad.exit_code == 2 and "choose a quarter as YYYY-Qn" in bad.output
    assert "Traceback" not in bad.output
    unknown = dtoa("report", "home-office", "--quarter", "2023-Q2", "--force", "Kent", ok=False)
    assert unknown.exit_code == 2 and "unknown force 'Kent'; configured: " in unknown.output


def test_a_reporting_system_reads_the_same_return_through_the_api(built, config_file):
    from dtoa.api.testing import client, token
    from dtoa.config import load_settings
    from dtoa.runtime import Runtime

    runtime = Runtime(load_settings(config_file), quarter.cli_clock())
    headers = token(runtime, "home-office", "reporting")
    with client(runtime) as api:
        answer = api.get("/home-office-return", params={"quarter": "2023-Q2"}, headers=headers)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert (body["quarter"], body["from"], body["to"], body["force"], body["publish"]) == (
            "2023-Q2", "2023-04-01", "2023-06-30", None, False)
        figures = {(u["force"], u["suite"]): u["figures"] for u in body["units"]}
        assert set(figures) == set(EXPECTED)
        for unit, expected in EXPECTED.items():
            assert tuple(figures[unit][m] for m in COUNTS) == expected[:len(COUNTS)]
        assert figures[("ALL", "ALL")]["positive_rate"] == 0.5652
        assert body["definitions"]["referred"].startswith("Requirements to attend")

        published = api.get("/home-office-return", headers=headers, params={
            "quarter": "2023-Q2", "publish": "true"}).json()
        tests = {(u["force"], u["suite"]): u["figures"]["tests"] for u in published["units"]}
        assert tests[("ALL", "ALL")] == 23 and tests[(H, "ALDERSHOT")] is None
        one_force = api.get("/home-office-return", headers=headers, params={
            "quarter": "2023-Q2", "force": "thames valley police"}).json()
        assert {u["suite"] for u in one_force["units"]} == {"ALL", "MILTON_KEYNES"}

        wrong = api.get("/home-office-return", params={"quarter": "2023-5"}, headers=headers)
        assert wrong.status_code == 422 and "YYYY-Qn" in wrong.json()["detail"]
        custody = token(runtime, "hants", "custody", force=H)
        assert api.get("/home-office-return", params={"quarter": "2023-Q2"},
                       headers=custody).status_code == 403
