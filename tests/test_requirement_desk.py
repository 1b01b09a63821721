"""The requirement to attend assessment is imposed at the custody desk, in police detention,
with its notice handed over before release (Drugs Act 2005 s.9(2), s.11), or comes served from
a custody system's extract; the nightly run never imposes one and never writes the person's
notice. Only a requirement served founds a prosecution. Through the CLI, as users type it."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from dtoa.clock import FixedClock
from dtoa.testing import detention_row, sample_row, write_csv

LONDON = ZoneInfo("Europe/London")
SERVE = ("require-assessment", "--suite", "BASINGSTOKE", "--custody-ref", "BAS/22/0001")


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON).astimezone(UTC)


@pytest.fixture(autouse=True)
def cli_clock(monkeypatch):
    """The CLI's clock: Monday 3 October 2022 at 15:20, a quarter of an hour after the sample."""
    clock = FixedClock(london(2022, 10, 3, 15, 20))
    monkeypatch.setattr("dtoa.runtime.SystemClock", lambda: clock)
    return clock


@pytest.fixture
def positive(dtoa, tmp_path):
    """Theft at Basingstoke at 14:05; positive for cocaine at 15:05, recorded at the desk."""
    dtoa("ingest", "detentions", write_csv(tmp_path / "d.csv", [detention_row()]))
    dtoa("record-test", "--suite", "BASINGSTOKE", "--custody-ref", "BAS/22/0001",
         "--outcome", "tested", "--result", "cocaine=positive", "--result", "opiates=negative",
         "--tested-at", "2022-10-03T15:05", "--officer", "PC 1234")


def pdf_text(path) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(path).pages)


def funnel(dtoa) -> dict:
    return json.loads(dtoa("report", "funnel", "--from", "2022-10-01", "--to", "2022-10-31",
                           "--format", "json").output)


def test_require_assessment_books_before_the_deadline_and_writes_the_notice_to_hand_over(
        dtoa, positive, tmp_path):
    out = dtoa(*SERVE, "--officer", "PC 1234").output
    assert "requirement served: BAS-2022-000001" in out
    # served Monday 15:20 with 24 hours' notice: NHRS's first session is Wednesday 14:00,
    # well before the deadline (the end of Monday 10 October)
    assert "initial assessment: Wednesday 5 October 2022 at 14:00 (local time)" in out
    assert "provider: NHRS North Hampshire Recovery Service (phone 0118 496 0123" in out
    notice = Path(out.split("hand over before release: ")[1].strip())
    assert notice == tmp_path / "outbox" / "BASINGSTOKE" / "notices" / "2022-10-03" / (
        "BAS-2022-000001-notice.pdf")
    text = pdf_text(notice)
    assert "Initial assessment: when Wednesday 5 October 2022 at 14:00" in text
    assert "12 Church Street, Basingstoke RG21 7QE" in text
    assert "You are also required to attend a follow-up assessment" in text
    assert "you may be liable to prosecution" in text
    assert "3 months' imprisonment, a fine of up to level 4 on the standard scale (£2,500)" in text
    assert "Served by PC 1234" in text and "Served on Monday 3 October 2022 at 15:20" in text
    again = dtoa(*SERVE, "--officer", "PC 9999").output
    assert "already served: BAS-2022-000001" in again and "served by PC 1234" in again


def test_the_officer_is_offered_sessions_and_may_book_another_one(dtoa, positive):
    offered = dtoa(*SERVE, "--officer", "PC 1234", "--offer").output
    assert "deadline: Monday 10 October 2022 at 23:59" in offered
    listed = [line.split()[0] for line in offered.splitlines() if line.startswith("  ")]
    assert listed == ["2022-10-05T14:00", "2022-10-06T10:00", "2022-10-07T10:00",
                      "2022-10-10T10:00"]
    assert "dtoa referrals" not in offered and funnel(dtoa)["referred"] == 0  # nothing booked
    out = dtoa(*SERVE, "--officer", "PC 1234", "--session", "2022-10-07T10:00").output
    assert "initial assessment: Friday 7 October 2022 at 10:00" in out
    assert funnel(dtoa)["referred"] == 1


def test_a_session_not_offered_is_refused_in_one_line(dtoa, positive):
    result = dtoa(*SERVE, "--officer", "PC 1234", "--session", "2022-10-04T10:00", ok=False)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip() == ("Error: not served: 2022-10-04 10:00 gives less than 24 "
                                     "hours' notice")


def test_no_requirement_for_a_person_under_18(dtoa, tmp_path, cli_clock):
    cli_clock.set(london(2023, 5, 2, 12))
    dtoa("ingest", "detentions", write_csv(tmp_path / "d.csv", [detention_row(
        suite="MILTON_KEYNES", custody_ref="MK/1", birth_date="2007-01-01",
        arrested_at="2023-05-02T10:00:00", charged_at="2023-05-02T10:30:00",
        home_area="Olney")]))
    dtoa("ingest", "tests", write_csv(tmp_path / "t.csv", [sample_row(
        suite="MILTON_KEYNES", custody_ref="MK/1", tested_at="2023-05-02T11:00:00",
        appropriate_adult="true")]))
    result = dtoa("require-assessment", "--suite", "MILTON_KEYNES", "--custody-ref", "MK/1",
                  "--officer", "PC 1", ok=False)
    assert result.exit_code == 1
    assert "under 18: a requirement to attend assessment applies only from 18" in result.output
    assert "MK/1" not in dtoa("requirements", "unserved").output
    figures = json.loads(dtoa("report", "funnel", "--from", "2023-05-01", "--to", "2023-05-31",
                              "--format", "json").output)
    assert (figures["positive"], figures["positive_no_requirement"]) == (1, 0)


def test_the_nightly_run_imposes_nothing_and_writes_no_notice_to_the_person(
        dtoa, positive, tmp_path, cli_clock):
    cli_clock.set(london(2022, 10, 4, 2))
    night = dtoa("run", "nightly", "--quiet").output
    assert "referrals: withdrawn 0, positive_no_requirement 1" in night
    assert not (tmp_path / "outbox").exists() or not any(
        (tmp_path / "outbox").rglob("*.pdf"))
    figures = funnel(dtoa)
    assert (figures["positive"], figures["referred"], figures["positive_no_requirement"]) == (
        1, 0, 1)
    worklist = dtoa("requirements", "unserved")
    assert "BASINGSTOKE\tBAS/22/0001\t2022-10-03T15:05\tcocaine\tNHRS\t2022-10-10T23:59" in (
        worklist.output)


def test_after_serving_the_night_writes_the_providers_letter_and_no_notice(
        dtoa, positive, tmp_path, cli_clock):
    dtoa(*SERVE, "--officer", "PC 1234")
    cli_clock.set(london(2022, 10, 4, 2))
    dtoa("run", "nightly", "--quiet")
    pdfs = sorted(p.relative_to(tmp_path / "outbox").as_posix()
                  for p in (tmp_path / "outbox").rglob("*.pdf"))
    assert pdfs == ["BASINGSTOKE/notices/2022-10-03/BAS-2022-000001-notice.pdf",
                    "NHRS/2022-10-04/BAS-2022-000001-referral.pdf"]
    assert "0 positive tests" in dtoa("requirements", "unserved").stderr


CUSTODY_SYSTEM = {"requirement_served_at": "2022-10-03T15:20:00",
                  "assessment_at": "2022-10-05T14:00:00", "assessment_provider": "nhrs"}


def _extract(tmp_path, rows: list[dict]) -> Path:
    columns = [*sample_row(), *CUSTODY_SYSTEM]
    return write_csv(tmp_path / "tests.csv", rows, columns)


def test_a_custody_systems_extract_serves_requirements_and_a_failure_founds_a_case(
        dtoa, tmp_path, cli_clock):
    people = [detention_row(custody_ref=ref, person_ref=f"P-{ref}") for ref in ("SERVED",
                                                                               "NONE")]
    dtoa("ingest", "detentions", write_csv(tmp_path / "d.csv", people))
    dtoa("ingest", "tests", _extract(tmp_path, [
        sample_row(custody_ref="SERVED", **CUSTODY_SYSTEM), sample_row(custody_ref="NONE")]))
    listed = dtoa("referrals", "list").output
    assert ("BAS-2022-000001\tBASINGSTOKE\tSERVED\tNHRS\tawaiting_assessment\t"
            "2022-10-05 14:00") in listed
    assert "NONE" not in listed
    # the same rows again, in another file: nothing changes
    rows = [sample_row(custody_ref="SERVED", **CUSTODY_SYSTEM), sample_row(custody_ref="NONE")]
    again = write_csv(tmp_path / "again.csv", rows, list(reversed(list(rows[0]))))
    assert "0 new, 0 updated, 2 unchanged, 0 rejected" in dtoa("ingest", "tests", again).output
    assert dtoa("referrals", "list").output == listed
    # Wednesday: the person does not come; Friday night's run opens the s.12 case.
    cli_clock.set(london(2022, 10, 5, 16))
    dtoa("attendance", "record", "--reference", "BAS-2022-000001", "--assessment", "initial",
         "--outcome", "failed_to_attend", "--outcome-at", "2022-10-05T15:00", "--by", "NHRS")
    cli_clock.set(london(2022, 10, 8, 2))
    assert "cases opened: 1" in dtoa("sweep").output
    cases = dtoa("prosecutions", "list", "--due-within", "365").output
    assert "BAS-2022-000001" in cases and "NONE" not in cases
    figures = funnel(dtoa)
    assert (figures["referred"], figures["failed_to_attend"], figures["positive_no_requirement"]
            ) == (1, 1, 1)
    assert "BASINGSTOKE\tNONE" in dtoa("requirements", "unserved").output


def test_extract_rows_with_a_bad_requirement_are_refused_with_line_column_and_reason(
        dtoa, tmp_path):
    refs = ("BAD_PROVIDER", "BEFORE_SAMPLE", "PART", "LATE", "NEGATIVE")
    dtoa("ingest", "detentions", write_csv(tmp_path / "d.csv", [
        detention_row(custody_ref=ref, person_ref=f"P-{ref}") for ref in refs]))
    result = dtoa("ingest", "tests", _extract(tmp_path, [
        sample_row(custody_ref="BAD_PROVIDER", **dict(CUSTODY_SYSTEM, assessment_provider="XYZ")),
        sample_row(custody_ref="BEFORE_SAMPLE", **dict(CUSTODY_SYSTEM,
                                                       requirement_served_at="2022-10-03T15:00")),
        sample_row(custody_ref="PART", **dict(CUSTODY_SYSTEM, assessment_at="")),
        # after the usual deadline (Monday 10 October): kept and flagged, not refused
        sample_row(custody_ref="LATE", **dict(CUSTODY_SYSTEM, assessment_at="2022-10-12T14:00")),
        sample_row(custody_ref="NEGATIVE", cocaine="negative", **CUSTODY_SYSTEM)]), ok=False)
    assert result.exit_code == 1
    rejects = result.stderr
    assert ("line 2, column assessment_provider: unknown provider code; configured: NHRS, TVRS, "
            "MKDAS\n") in rejects  # the value stays in the rejects file, off the terminal
    assert ("line 3, column requirement_served_at: the requirement was served before the "
            "sample was taken") in rejects
    assert "line 4, column assessment_at: requirement_served_at, assessment_at and " in rejects
    assert ("line 6, column requirement_served_at: the test was not positive for a specified "
            "drug") in rejects
    assert "line 5" not in rejects
    listed = dtoa("referrals", "list").output
    assert ("LATE\tNHRS\tawaiting_assessment FLAGGED after_deadline\t2022-10-12 14:00\t"
            "2022-10-10 23:59") in listed
    assert [r for r in ("BAD_PROVIDER", "BEFORE_SAMPLE", "PART", "NEGATIVE") if r in listed] == []


def test_a_custody_systems_extract_may_book_the_assessment_in_custody(dtoa, tmp_path):
    refs = ("IN_CUSTODY", "COMMUNITY", "ODD_SETTING", "SETTING_ALONE")
    dtoa("ingest", "detentions", write_csv(tmp_path / "d.csv", [
        detention_row(custody_ref=ref, person_ref=f"P-{ref}") for ref in refs]))
    columns = [*sample_row(), *CUSTODY_SYSTEM, "assessment_setting"]
    result = dtoa("ingest", "tests", write_csv(tmp_path / "tests.csv", [
        sample_row(custody_ref="IN_CUSTODY", assessment_setting="custody",
                   **dict(CUSTODY_SYSTEM, assessment_at="2022-10-03T16:00:00")),
        sample_row(custody_ref="COMMUNITY", assessment_setting="", **CUSTODY_SYSTEM),
        sample_row(custody_ref="ODD_SETTING", assessment_setting="prison", **CUSTODY_SYSTEM),
        sample_row(custody_ref="SETTING_ALONE", assessment_setting="custody")], columns),
        ok=False)
    assert "line 4, column assessment_setting: expected community or custody" in result.stderr
    assert ("line 5, column assessment_setting: an assessment setting goes with "
            "requirement_served_at, assessment_at and assessment_provider") in result.stderr
    out = tmp_path / "referrals.csv"
    dtoa("export", "referrals", out)
    with out.open(encoding="utf-8") as handle:
        rows = {r["custody_ref"]: r for r in csv.DictReader(handle)}
    assert set(rows) == {"IN_CUSTODY", "COMMUNITY"}
    assert (rows["IN_CUSTODY"]["setting"], rows["IN_CUSTODY"]["custody_suite"]) == (
        "custody", "BASINGSTOKE")
    assert (rows["COMMUNITY"]["setting"], rows["COMMUNITY"]["custody_suite"]) == (
        "community", "")
    assert rows["IN_CUSTODY"]["served_by"] == rows["COMMUNITY"]["served_by"]


def test_a_failure_to_attend_a_requirement_never_served_opens_no_case(dtoa, engine, cli_clock):
    from dtoa.store import session_scope
    from dtoa.testing import make_referral

    with session_scope(engine) as session:  # the nightly batch of an earlier build referred it
        referral, _ = make_referral(session, appointment_at=london(2022, 10, 6, 10))
        referral.served_at = referral.served_by = None
    cli_clock.set(london(2022, 10, 6, 12))
    dtoa("attendance", "record", "--reference", "BAS-2022-000001", "--assessment", "initial",
         "--outcome", "failed_to_attend", "--outcome-at", "2022-10-06T11:00", "--by", "NHRS")
    assert "cases opened: 0" in dtoa("sweep").output
    assert "BAS-2022-000001" not in dtoa("prosecutions", "list", "--due-within", "365").output
