"""Storage limitation (DPA 2018 s.39): past its period a detention's file is anonymised whole
(the figures keep counting it), its letters and PDFs go, and so do rejected rows, old batches,
inbox files, sign-in records, job runs and old audit events; within its period everything
stays. Through the CLI as users type it, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
from datetime import timedelta

import pytest
import sqlalchemy as sa
from privacy_scenario import Desk, london
from sqlmodel import Session, SQLModel, select

from dtoa.accounts import add_user
from dtoa.clock import FixedClock
from dtoa.config import DEFAULT_CONFIG, ConfigError
from dtoa.models import AuditEvent, Detention, Letter, Referral, WebSession
from dtoa.store import session_scope
from dtoa.store.web_sessions import open_session
from dtoa.testing import settings_from_text

QUARTER = ("--from", "2022-10-01", "--to", "2022-12-31")


@pytest.fixture
def clock(monkeypatch):
    clock = FixedClock(london(2022, 10, 1, 9, 0))
    monkeypatch.setattr("dtoa.runtime.SystemClock", lambda: clock)
    return clock


@pytest.fixture
def desk(dtoa, clock, engine, tmp_path):
    return Desk(dtoa, clock, engine, tmp_path)


@pytest.fixture
def history(desk):
    """A synthetic quarter with no requirement served, and four people whose requirements
    went four ways: attended; failed and charged; failed and no further action; failed and
    never decided (its six months ran out in April 2023)."""
    desk.synthetic_quarter()
    refs = {name: desk.positive_served(f"P-{name.upper()}", f"BAS/22/X000{day - 2}",
                                       london(2022, 10, day, 14, 5))
            for day, name in ((3, "attended"), (4, "charged"), (5, "nfa"), (6, "lapsed"))}
    desk.letters()
    desk.report(refs["attended"], "attended")
    for name in ("charged", "nfa", "lapsed"):
        desk.failed_with_case(refs[name])
    desk.decide(refs["charged"], "charged", "failure admitted in interview")
    desk.decide(refs["nfa"], "no_further_action", "not in the public interest")
    return refs


def funnel(dtoa) -> dict:
    return json.loads(dtoa("report", "funnel", *QUARTER, "--format", "json").output)


def plan(dtoa) -> dict[str, int]:
    """`dtoa retention --dry-run` as a table: kind -> how many would go."""
    lines = dtoa("retention", "--dry-run").stdout.splitlines()
    assert lines[0].split() == ["kind", "period", "before", "action", "would", "go"]
    return {line.split()[0]: int(line.split()[-1]) for line in lines[1:]
            if not line.startswith(" ")}


def text_anywhere(engine, needle: str) -> list[str]:
    """Every table.column in the database whose value holds `needle`."""
    found = []
    with engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            for row in connection.execute(sa.select(table)):
                found += [f"{table.name}.{k}" for k, v in row._mapping.items()
                          if isinstance(v, str) and needle in v]
    return found


def test_the_dry_run_counts_what_would_go_by_kind_and_changes_nothing(dtoa, desk, history,
                                                                      engine, tmp_path):
    before = funnel(dtoa)
    desk.clock.set(london(2024, 6, 1, 2, 0))
    would = plan(dtoa)
    # the quarter's detentions with no positive are past a year; positives without a
    # requirement are kept two years; the case decided "no further action" and the case never
    # decided are past a year; the attended requirement's letters (referral letter and
    # notice) are past a year, its file is kept two years; the charged case three
    synthetic_negative = before["detentions"] - before["positive"]
    assert would["detention_no_positive"] == synthetic_negative
    assert would["detention_positive_no_requirement"] == 0
    assert (would["case_not_prosecuted"], would["case_time_limit_passed"]) == (1, 1)
    assert (would["referral_closed"], would["case_charged"]) == (0, 0)
    assert would["letters"] == 2
    with Session(engine) as session:
        assert session.exec(select(Detention).where(
            Detention.anonymised_at.is_not(None))).all() == []
    assert text_anywhere(engine, "P-NFA")
    assert funnel(dtoa) == before


def test_applying_removes_everything_past_its_period_and_keeps_the_rest(
        dtoa, desk, history, engine, settings):
    before = funnel(dtoa)
    outbox = settings.path("outbox")
    pdfs_before = sorted(outbox.rglob("*.pdf"))
    desk.clock.set(london(2024, 6, 1, 2, 0))
    desk.arrest("P-RECENT", "BAS/24/0001", london(2024, 5, 20, 10, 0))
    desk.test("BAS/24/0001", london(2024, 5, 20, 11, 0), positive=False)
    desk.clock.set(london(2024, 6, 1, 2, 0))
    applied = dtoa("retention").output
    assert "case_not_prosecuted" in applied and "deleted files" in applied

    # nothing past its period is left: a second run finds nothing, and the files of the
    # people whose periods ran out hold nothing that says who they were
    assert set(plan(dtoa).values()) == {0}
    for person in ("P-NFA", "P-LAPSED", history["nfa"], history["lapsed"], "BAS/22/X0003"):
        assert text_anywhere(engine, person) == [], person
    # within their periods: the charged case, the attended requirement (not its letters),
    # the synthetic positives, the recent arrest
    for person in ("P-CHARGED", "P-ATTENDED", "P-RECENT", history["charged"]):
        assert text_anywhere(engine, person), person
    with Session(engine) as session:
        kept = {(d.person_ref, d.anonymised_at is None) for d in session.exec(select(Detention))}
        letters = session.exec(select(Letter)).all()
        attended = session.exec(select(Referral).where(
            Referral.reference == history["attended"])).one()
    assert ("anonymised", False) in kept and ("P-RECENT", True) in kept
    assert all(letter.referral_id != attended.id for letter in letters)
    # every PDF left has its letter row, and every letter row its PDF; the others went
    pdfs_after = sorted(outbox.rglob("*.pdf"))
    assert sorted(outbox / letter.path for letter in letters) == pdfs_after
    assert set(pdfs_after) < set(pdfs_before)

    # the quarter's figures are the same, counted from the anonymised files
    assert funnel(dtoa) == before

    # the audit records each kind's run with counts only, and the log holds no person
    with Session(engine) as session:
        runs = session.exec(select(AuditEvent).where(AuditEvent.entity == "retention")).all()
    assert {e.action for e in runs} == {"anonymised", "deleted", "run"}
    for event in runs:
        for key, (old, new) in json.loads(event.changes).items():
            assert old is None and (isinstance(new, int) or key == "kind"), (key, new)
        assert event.reason.startswith("storage limitation, DPA 2018 s.39")
    log = settings.path("log").read_text(encoding="utf-8")
    assert "retention.applied" in log and "P-NFA" not in log and "P-CHARGED" not in log

    # running again is a no-op; years later everything of 2022 has gone but the figures
    assert "0 records past their period" in dtoa("retention").stderr
    desk.clock.set(london(2026, 1, 1, 2, 0))
    dtoa("retention")
    for person in ("P-CHARGED", "P-ATTENDED", history["charged"], "BAS/22/"):
        assert text_anywhere(engine, person) == [], person
    assert funnel(dtoa) == before
    assert text_anywhere(engine, "P-RECENT") == []  # negative, arrested over a year before


def test_the_nightly_run_applies_retention(dtoa, desk, engine):
    desk.arrest("P-OLD", "BAS/22/X0009", london(2022, 10, 3, 14, 5))
    desk.clock.set(london(2024, 1, 1, 2, 0))
    out = dtoa("run", "nightly", "--quiet").output
    assert "retention: detention_no_positive 1," in out
    assert text_anywhere(engine, "P-OLD") == []


def test_a_requirement_still_running_keeps_its_file_however_old(dtoa, desk, engine):
    reference = desk.positive_served("P-WAITING", "BAS/22/X0001", london(2022, 10, 3, 14, 5))
    desk.clock.set(london(2030, 1, 1, 2, 0))
    dtoa("sweep")  # the appointment's outcome is overdue: still waiting for the provider
    assert set(plan(dtoa).values()) == {0}
    dtoa("retention")
    assert text_anywhere(engine, "P-WAITING") and text_anywhere(engine, reference)


def test_rejected_rows_inbox_files_sign_ins_and_job_runs_go_after_their_periods(
        dtoa, desk, engine, settings):
    bad = desk._csv([{"suite": "BASINGSTOKE", "custody_ref": "BAS/22/X0005",
                      "person_ref": "P-REJECTED", "birth_date": "not a date",
                      "arrested_at": "2022-10-03T14:05", "offence_codes": "theft"}])
    desk.clock.set(london(2022, 10, 3, 15, 0))
    assert dtoa("ingest", "detentions", bad, ok=False).exit_code == 1
    old = settings.path("processed") / "detentions" / "custody-2022-10-03.csv"
    old.parent.mkdir(parents=True)
    old.write_text("suite,custody_ref\n", encoding="utf-8")
    stamp = london(2022, 10, 4, 2, 0).timestamp()
    os.utime(old, (stamp, stamp))
    with session_scope(engine) as session:
        user_id = add_user(session, settings, desk.clock, username="insp1", role="inspector",
                           password="a long enough password", actor="test").id
    open_session(engine, settings.web, desk.clock, user_id)  # signed in, never came back
    for night in (london(2022, 11, 1, 2, 0), london(2022, 12, 1, 2, 0)):
        desk.clock.set(night)
        dtoa("run", "nightly", "--quiet")  # job runs: the last of the job is kept
    desk.clock.set(london(2023, 1, 15, 2, 0))  # the rejected row and the file: 104 days old
    would = plan(dtoa)
    assert (would["rejected_rows"], would["ingest_files"], would["job_runs"]) == (1, 1, 0)
    assert would["sign_in_records"] == 0  # the first nightly run deleted the ended session
    assert would["ingest_batches"] == 0  # its rejected row still points at it
    with Session(engine) as session:
        assert session.exec(select(WebSession)).all() == []
    dtoa("retention")
    assert text_anywhere(engine, "P-REJECTED") == [] and not old.exists()
    assert not old.parent.exists()  # the empty folder went too; processed/ stays
    assert settings.path("processed").is_dir()
    desk.clock.set(london(2029, 1, 1, 2, 0))
    would = plan(dtoa)
    assert would["ingest_batches"] == 1  # nothing points at it now, six years on
    assert would["job_runs"] == 1  # the November run; December's is the last of its job


def test_periods_are_checked_when_the_configuration_is_read():
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    with pytest.raises(ConfigError, match="shorter than the law allows"):
        settings_from_text(text.replace('detention_no_positive = "1 year"',
                                        'detention_no_positive = "3 months"'))
    with pytest.raises(ConfigError, match="not a kind of record"):
        settings_from_text(text.replace('job_runs = "2 years"', 'job_rnus = "2 years"'))
    with pytest.raises(ConfigError, match="is not a period"):
        settings_from_text(text.replace('job_runs = "2 years"', 'job_runs = "2 yrs"'))


def test_a_closed_requirement_goes_to_the_second_though_its_last_change_was_another_utc_day(
        dtoa, desk, engine):
    # arrested five past midnight on 2 July 2024 (BST: 23:05 UTC on 1 July); the requirement's
    # last change at 00:45 BST, still 1 July in UTC: the file is found by the local dates
    reference = desk.positive_served("P-MIDNIGHT", "BAS/24/M0001", london(2024, 7, 2, 0, 5))
    desk.report(reference, "attended")
    closed = london(2024, 7, 2, 0, 45)
    with engine.begin() as connection:
        connection.execute(sa.update(Referral).where(Referral.reference == reference)
                           .values(updated_at=closed))
        connection.execute(sa.text("UPDATE appointment SET updated_at = :at"), {"at": closed})
    desk.clock.set(closed.replace(year=2026) - timedelta(seconds=1))
    assert plan(dtoa)["referral_closed"] == 0
    desk.clock.set(closed.replace(year=2026) + timedelta(seconds=1))
    assert plan(dtoa)["referral_closed"] == 1
