"""The weekly report counts the reminders (issue 14): how many people were reminded of their
assessment the day before, and the failure to attend rate of those reminded against those not,
in the PDF's sentences and table and in the CSV. The people are served at the desk, reminded
through a local server answering as GOV.UK Notify's API, and reported by the provider, as
they would be, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlmodel import Session
from test_weekly_report import pdf_text

from dtoa.clock import FixedClock
from dtoa.models import Appointment, Referral
from dtoa.testing import detention_row, write_csv

LONDON = ZoneInfo("Europe/London")


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON).astimezone(UTC)


@pytest.fixture(autouse=True)
def cli_clock(monkeypatch):
    """Monday 3 October 2022 (week 2022-W40) at 15:20, a quarter of an hour after the samples."""
    clock = FixedClock(london(2022, 10, 3, 15, 20))
    monkeypatch.setattr("dtoa.runtime.SystemClock", lambda: clock)
    return clock


@pytest.fixture
def notify(servers):
    return servers[1]


def _initial_at(engine, reference: str) -> datetime:  # noqa: ANN001
    with Session(engine) as session:
        return session.execute(select(Appointment.scheduled_at).join(
            Referral, Referral.id == Appointment.referral_id).where(
            Referral.reference == reference, Appointment.kind == "initial")).scalar_one()


@pytest.fixture
def week(dtoa, tmp_path, notify, cli_clock, engine):
    """Three people positive for cocaine at Basingstoke on Monday 3 October 2022, each served:
    BAS-2022-000001 agreed to reminders, was reminded and failed to attend; BAS-2022-000002
    was not reminded and failed to attend; BAS-2022-000003 was not reminded and attended."""
    refs = ("BAS/22/0001", "BAS/22/0002", "BAS/22/0003")
    dtoa("ingest", "detentions", write_csv(tmp_path / "d.csv", [
        detention_row(custody_ref=ref, person_ref=f"P000{n}") for n, ref in enumerate(refs, 1)]))
    for ref in refs:
        dtoa("record-test", "--suite", "BASINGSTOKE", "--custody-ref", ref, "--outcome",
             "tested", "--result", "cocaine=positive", "--result", "opiates=negative",
             "--tested-at", "2022-10-03T15:05", "--officer", "PC 1234")
    for ref, extra in zip(refs, (("--reminders", "--mobile", "07700900123"), (), ()),
                          strict=True):
        dtoa("require-assessment", "--suite", "BASINGSTOKE", "--custody-ref", ref,
             "--officer", "PC 1234", *extra)
    cli_clock.set(london(2022, 10, 4, 10, 5))
    dtoa("notifications", "send")
    assert len(notify.sent) == 1 and notify.sent[0]["personalisation"]["reference"] == (
        "BAS-2022-000001")
    outcomes = ("failed_to_attend", "failed_to_attend", "attended")
    times = {n: _initial_at(engine, f"BAS-2022-00000{n}") for n in (1, 2, 3)}
    cli_clock.set(max(times.values()) + timedelta(hours=2))
    for n, outcome in enumerate(outcomes, 1):
        at = (times[n] + timedelta(minutes=50)).astimezone(LONDON).replace(tzinfo=None)
        dtoa("attendance", "record", "--reference", f"BAS-2022-00000{n}", "--assessment",
             "initial", "--outcome", outcome, "--outcome-at", at.isoformat(), "--by", "NHRS",
             *(("--no-follow-up-required",) if outcome == "attended" else ()))
    dtoa("report", "weekly", "--week", "2022-W40", "--suite", "BASINGSTOKE")


def test_the_weekly_report_shows_failures_to_attend_with_and_without_a_reminder(week,
                                                                                settings):
    folder = settings.path("reports") / "2022-W40"
    text = pdf_text(folder / "2022-W40-BASINGSTOKE.pdf")
    assert ("1 person was reminded of their assessment the day before: 1 of them failed to "
            "attend (100%), against 1 of the 2 not reminded (50%).") in text
    assert "3 were required to attend an assessment before release" in text
    assert "1 attended, 2 failed to attend (67%)" in text
    for label in ("Reminded the day before", "Failed to attend: reminded",
                  "Failed to attend: not reminded"):
        assert label in text, label

    with (folder / "2022-W40-BASINGSTOKE.csv").open(encoding="utf-8") as handle:
        row = next(csv.DictReader(handle))
    assert {k: row[k] for k in ("referred", "attended", "failed_to_attend", "reminded",
                                "not_reminded", "failed_to_attend_reminded",
                                "failed_to_attend_unreminded", "fta_rate_reminded",
                                "fta_rate_not_reminded")} == {
        "referred": "3", "attended": "1", "failed_to_attend": "2", "reminded": "1",
        "not_reminded": "2", "failed_to_attend_reminded": "1",
        "failed_to_attend_unreminded": "1", "fta_rate_reminded": "1.0",
        "fta_rate_not_reminded": "0.5"}
