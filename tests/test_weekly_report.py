"""The weekly report as an inspector opens it: the PDF's text carries the funnel sentences, the
CSV the figures, and a rerun changes nothing."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime

import pytest
from pypdf import PdfReader

from dtoa.ingest import ingest_file
from dtoa.pipelines.reports import weekly_reports
from dtoa.reports.weekly import previous_week, week_bounds
from dtoa.store import session_scope
from dtoa.store.funnel import funnel
from dtoa.synthetic import generate, pilot_plan, write_csvs
from dtoa.testing import make_referral


@pytest.fixture
def quarter(engine, settings, clock, tmp_path):
    """The pilot's detentions and tests (no referrals yet)."""
    clock.set(datetime(2023, 1, 2, 7, tzinfo=UTC))
    detentions, tests = tmp_path / "d.csv", tmp_path / "t.csv"
    write_csvs(generate(pilot_plan()), detentions, tests)
    for kind, path in (("detentions", detentions), ("tests", tests)):
        assert ingest_file(engine, settings, clock, kind, path).rows_rejected == 0
    return engine


def pdf_text(path) -> str:
    return " ".join(" ".join((page.extract_text() or "").split())
                    for page in PdfReader(path).pages)


def test_iso_weeks_run_monday_to_sunday_and_a_monday_reports_the_week_before():
    assert week_bounds("2022-W43") == (date(2022, 10, 24), date(2022, 10, 30))
    assert previous_week(date(2022, 10, 31)) == "2022-W43"
    assert previous_week(date(2022, 11, 6)) == "2022-W43"      # a Sunday: W44 not over yet
    assert previous_week(date(2023, 1, 2)) == "2022-W52"


def test_weekly_pdf_opens_with_the_funnel_in_words(quarter, settings, dtoa):
    dtoa("report", "weekly", "--week", "2022-W43", "--suite", "BASINGSTOKE")
    f = funnel(quarter, settings, date(2022, 10, 24), date(2022, 10, 30), "BASINGSTOKE")
    folder = settings.path("reports") / "2022-W43"
    text = pdf_text(folder / "2022-W43-BASINGSTOKE.pdf")
    assert (f"{f['in_scope']} people were in scope for testing (arrested for a trigger "
            f"offence, or an inspector authorised a test), {f['eligible']} of them eligible "
            f"(every condition of PACE 1984 s.63B met); {f['tested']} were tested "
            f"({round(100 * f['test_rate'])}%)") in text
    assert "eligible to be tested" not in text.replace('the pilot\'s "eligible to be tested"',
                                                       "")
    assert f"{f['tested_trigger']} of them arrested for a trigger offence" in text
    assert f"{f['positive']} tested positive" in text
    with (folder / "2022-W43-BASINGSTOKE.csv").open(encoding="utf-8") as handle:
        row = next(csv.DictReader(handle))
    assert (row["suite"], int(row["in_scope"]), int(row["tested"])) == (
        "BASINGSTOKE", f["in_scope"], f["tested"])


def test_weekly_step_writes_last_week_force_wide_and_per_suite_then_skips(quarter, settings,
                                                                          clock):
    first = weekly_reports(quarter, settings, clock)          # Monday 2 January 2023
    assert (first["week"], first["written"], first["skipped"]) == ("2022-W52", 3, 0)
    folder = settings.path("reports") / "2022-W52"
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert sorted(before) == sorted(f"2022-W52-{s}.{e}" for s in ("ALL", "BASINGSTOKE",
                                                                  "MILTON_KEYNES")
                                    for e in ("html", "pdf", "csv"))
    again = weekly_reports(quarter, settings, clock)
    assert (again["written"], again["skipped"]) == (0, 3)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_published_report_stars_small_counts_and_what_would_reveal_them(quarter, settings,
                                                                         dtoa):
    dtoa("report", "weekly", "--week", "2022-W43", "--publish")
    folder = settings.path("reports") / "2022-W43"
    with (folder / "2022-W43-ALL-published.csv").open(encoding="utf-8") as handle:
        rows = {r["suite"]: r for r in csv.DictReader(handle)}
    raw = funnel(quarter, settings, date(2022, 10, 24), date(2022, 10, 30), "BASINGSTOKE")
    # this seed's week: 21 trigger and 3 inspector tests; 8 cocaine, 1 opiates, 6 both
    assert (raw["tested_trigger"], raw["tested_inspector_authorised"]) == (21, 3)
    assert (raw["positive_cocaine_only"], raw["positive_opiates_only"],
            raw["positive_both"]) == (8, 1, 6)
    bas = rows["BASINGSTOKE"]
    assert (bas["tested_inspector_authorised"], bas["tested_trigger"], bas["tested"]) == (
        "*", "*", "24")
    assert (bas["positive_opiates_only"], bas["positive_both"], bas["positive_cocaine_only"]) \
        == ("*", "*", "8")
    assert "24 were tested (77%), * of them arrested for a trigger offence" in pdf_text(
        folder / "2022-W43-ALL-published.pdf")


def test_failure_rate_is_not_yet_known_while_assessments_are_awaited(engine, settings, dtoa):
    """One requirement served on Tuesday 25 October, its assessment still to come: the
    report says the rate is not yet known rather than 0%."""
    with session_scope(engine) as session:
        make_referral(session, appointment_at=datetime(2022, 10, 27, 9, tzinfo=UTC))
    dtoa("report", "weekly", "--week", "2022-W43", "--suite", "BASINGSTOKE")
    folder = settings.path("reports") / "2022-W43"
    text = pdf_text(folder / "2022-W43-BASINGSTOKE.pdf")
    assert "0 failed to attend (the rate is not yet known: outcomes are awaited)" in text
    assert "Failed to attend rate" in text and "not yet known" in text.split(
        "Assessments and prosecutions by custody suite")[1]
    with (folder / "2022-W43-BASINGSTOKE.csv").open(encoding="utf-8") as handle:
        row = next(csv.DictReader(handle))
    assert (row["referred"], row["awaiting"], row["fta_rate"]) == ("1", "1", "")


def test_every_page_carries_the_marking_and_headings_keep_their_words(quarter, settings, dtoa):
    dtoa("report", "weekly", "--week", "2022-W43")
    path = settings.path("reports") / "2022-W43" / "2022-W43-ALL.pdf"
    pages = [" ".join((page.extract_text() or "").split()) for page in PdfReader(path).pages]
    assert len(pages) >= 2
    for page in pages:
        assert page.count("OFFICIAL-SENSITIVE: not for publication") == 2  # head and foot
    text = " ".join(pages)
    for heading in ("Tested: inspector's authority", "Failed to provide", "Prosecuted",
                    "Positive, no requirement", "Outcome overdue"):
        assert heading in text
    assert "Prosec-" not in text and "posit-" not in text.lower()
