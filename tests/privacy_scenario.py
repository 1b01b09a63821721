"""A custody desk and its partners, driven through the `dtoa` command as its users type it, on a
clock that moves: for the retention, subject access and audit trail tests.

People are made one command at a time (an arrest in the detentions extract, the test at the
desk, the requirement served a quarter of an hour after the sample, the provider's report, the
sweep, the prosecutor's decision), and a synthetic quarter (`dtoa.synthetic`) comes in as the
custody system's two extracts."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import Session

from dtoa.clock import FixedClock
from dtoa.models import Appointment, Referral
from dtoa.synthetic import generate, pilot_plan, write_csvs
from dtoa.testing import detention_row, write_csv

LONDON = ZoneInfo("Europe/London")


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON).astimezone(UTC)


class Desk:
    def __init__(self, dtoa, clock: FixedClock, engine, folder: Path) -> None:  # noqa: ANN001
        self.dtoa, self.clock, self.engine, self.folder = dtoa, clock, engine, folder
        self.files = 0

    def _csv(self, rows: list[dict]) -> Path:
        self.files += 1
        return write_csv(self.folder / f"extract-{self.files}.csv", rows)

    def arrest(self, person_ref: str, custody_ref: str, at: datetime, *,
               suite: str = "BASINGSTOKE", **values: str) -> None:
        self.clock.set(at + timedelta(minutes=30))
        self.dtoa("ingest", "detentions", self._csv([detention_row(
            suite=suite, custody_ref=custody_ref, person_ref=person_ref,
            arrested_at=at.astimezone(LONDON).replace(tzinfo=None).isoformat(), **values)]))

    def test(self, custody_ref: str, at: datetime, *, positive: bool,
             suite: str = "BASINGSTOKE") -> None:
        self.clock.set(at + timedelta(minutes=5))
        result = "positive" if positive else "negative"
        self.dtoa("record-test", "--suite", suite, "--custody-ref", custody_ref,
                  "--outcome", "tested", "--result", f"cocaine={result}",
                  "--result", "opiates=negative",
                  "--tested-at", at.astimezone(LONDON).replace(tzinfo=None).isoformat(),
                  "--officer", "PC 1234")

    def serve(self, custody_ref: str, tested: datetime, *, suite: str = "BASINGSTOKE") -> str:
        """The requirement served a quarter of an hour after the sample; its reference."""
        self.clock.set(tested + timedelta(minutes=15))
        out = self.dtoa("require-assessment", "--suite", suite, "--custody-ref", custody_ref,
                        "--officer", "PC 1234").output
        return re.search(r"requirement served: (\S+)", out).group(1)

    def positive_served(self, person_ref: str, custody_ref: str, arrested: datetime, *,
                        suite: str = "BASINGSTOKE") -> str:
        self.arrest(person_ref, custody_ref, arrested, suite=suite)
        tested = arrested + timedelta(hours=1)
        self.test(custody_ref, tested, positive=True, suite=suite)
        return self.serve(custody_ref, tested, suite=suite)

    def appointment_at(self, reference: str) -> datetime:
        with Session(self.engine) as session:
            return session.execute(select(Appointment.scheduled_at).join(
                Referral, Referral.id == Appointment.referral_id)
                .where(Referral.reference == reference)).scalars().first()

    def report(self, reference: str, outcome: str, *reason: str) -> None:
        """The provider reports the initial assessment a day after it."""
        at = self.appointment_at(reference)
        self.clock.set(at + timedelta(days=1))
        extra = ("--no-follow-up-required",) if outcome == "attended" else ()
        self.dtoa("attendance", "record", "--reference", reference, "--assessment", "initial",
                  "--outcome", outcome, "--outcome-at",
                  (at + timedelta(minutes=50)).astimezone(LONDON).replace(tzinfo=None)
                  .isoformat(), *extra, "--by", "NHRS", *(("--reason", *reason) if reason
                                                           else ()))

    def failed_with_case(self, reference: str) -> None:
        self.report(reference, "failed_to_attend")
        self.dtoa("sweep")

    def decide(self, reference: str, decision: str, reason: str | None = None) -> None:
        self.clock.set(self.clock.now() + timedelta(days=7))
        self.dtoa("prosecutions", "decide", "--reference", reference, "--decision", decision,
                  "--by", "DS Clarke", *(("--reason", reason) if reason else ()))

    def letters(self) -> None:
        self.dtoa("letters", "render")

    def synthetic_quarter(self, factor: float = 0.05) -> int:
        """The Basingstoke quarter (October-December 2022) at `factor` of the pilot's size, as
        the custody system's extracts; no requirement is served. Returns the detentions."""
        self.clock.set(london(2023, 1, 2, 9, 0))
        detentions, tests = self.folder / "synthetic-d.csv", self.folder / "synthetic-t.csv"
        count, _ = write_csvs(generate(pilot_plan().scaled(factor)), detentions, tests)
        self.dtoa("ingest", "detentions", detentions, "--quiet")
        self.dtoa("ingest", "tests", tests, "--quiet")
        return count
