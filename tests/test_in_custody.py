"""Where assessments happen: a provider's session is in the community or in a custody suite.
The desk books an in-custody session, before release, when one is free at the suite within
`in_custody_hours` of serving; the setting is recorded with the appointment and shown wherever
appointments are listed. Through the CLI and the web desk, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
from datetime import UTC, datetime

import evidence_quarter as quarter
import pytest
from sqlmodel import Session, select

from dtoa.accounts import add_user
from dtoa.clock import FixedClock
from dtoa.config import DEFAULT_CONFIG, ConfigError
from dtoa.ingest import ingest_file
from dtoa.models import Appointment
from dtoa.runtime import Runtime
from dtoa.store import make_engine, session_scope
from dtoa.testing import detention_row, sample_row, settings_from_text, write_csv
from dtoa.web import create_app
from dtoa.web.testing import form_token, signed_in

SERVE = ("require-assessment", "--suite", "BASINGSTOKE", "--officer", "PC 1234")
PLACE = "Basingstoke Police Investigation Centre (in custody, before release)"


@pytest.fixture(autouse=True)
def cli_clock(monkeypatch) -> FixedClock:
    """Monday 3 October 2022 at 18:00, the evening after the tests."""
    clock = FixedClock(datetime(2022, 10, 3, 17, tzinfo=UTC))
    monkeypatch.setattr("dtoa.runtime.SystemClock", lambda: clock)
    return clock


def positives(dtoa, folder, *tests: tuple[str, str], **extra: str) -> None:  # noqa: ANN001
    """Thefts at Basingstoke on Monday 3 October 2022, each positive for cocaine at the
    (custody ref, local time) given."""
    dtoa("ingest", "detentions", write_csv(folder / "d.csv", [
        detention_row(custody_ref=ref, person_ref=f"P{ref}", arrested_at="2022-10-03T06:00")
        for ref, _ in tests]))
    dtoa("ingest", "tests", write_csv(folder / "t.csv", [
        sample_row(custody_ref=ref, tested_at=f"2022-10-03T{at}", **extra)
        for ref, at in tests]))


@pytest.fixture
def desk(dtoa, config_file):
    quarter.configure(config_file)  # in-custody sessions at Basingstoke, weekdays at 14:00
    return dtoa


def test_the_desk_offers_an_in_custody_session_first_and_books_it(desk, tmp_path):
    positives(desk, tmp_path, ("B1", "10:00"))
    offered = desk(*SERVE, "--custody-ref", "B1", "--at", "2022-10-03T10:15", "--offer").output
    assert ("in-custody sessions with a free place (assessed before release; the first is "
            "booked unless you choose):\n  2022-10-03T14:00  Monday 3 October 2022 at 14:00  "
            "in custody at Basingstoke Police Investigation Centre (NHRS)\n"
            "community sessions (book one with --community):") in offered
    assert "  2022-10-05T14:00  Wednesday 5 October 2022 at 14:00" in offered
    served = desk(*SERVE, "--custody-ref", "B1", "--at", "2022-10-03T10:15").output
    assert "initial assessment: Monday 3 October 2022 at 14:00 (local time), " + PLACE in served
    assert "setting: in custody, before release" in served
    listed = desk("referrals", "list").output
    assert "2022-10-03 14:00\t2022-10-10 23:59\tcustody BASINGSTOKE" in listed
    desk("export", "referrals", tmp_path / "r.csv")
    with (tmp_path / "r.csv").open(encoding="utf-8") as handle:
        [row] = list(csv.DictReader(handle))
    assert (row["setting"], row["custody_suite"]) == ("custody", "BASINGSTOKE")


def test_the_officer_may_book_the_community_while_a_custody_place_is_free(desk, tmp_path):
    positives(desk, tmp_path, ("B1", "10:00"))
    served = desk(*SERVE, "--custody-ref", "B1", "--at", "2022-10-03T10:15",
                  "--community").output
    assert "initial assessment: Wednesday 5 October 2022 at 14:00" in served
    assert "12 Church Street, Basingstoke" in served and "setting: in the community" in served


def test_no_in_custody_session_more_than_in_custody_hours_away(desk, tmp_path):
    # served at 16:15: today's 14:00 has gone and tomorrow's is 21 hours away (more than 6)
    positives(desk, tmp_path, ("B1", "16:00"))
    offered = desk(*SERVE, "--custody-ref", "B1", "--at", "2022-10-03T16:15", "--offer").output
    assert "in-custody" not in offered
    refused = desk(*SERVE, "--custody-ref", "B1", "--at", "2022-10-03T16:15", "--in-custody",
                   ok=False)
    assert refused.exit_code == 1
    assert ("no in-custody session with a free place at Basingstoke Police Investigation "
            "Centre in the next 6 hours: book a community session") in refused.output


def test_a_disputed_positive_waits_for_the_laboratory_not_for_custody(desk, tmp_path):
    positives(desk, tmp_path, ("B1", "10:00"), disputed="true")
    offered = desk(*SERVE, "--custody-ref", "B1", "--at", "2022-10-03T10:15", "--offer").output
    assert "in-custody" not in offered


def test_a_full_in_custody_session_sends_the_next_person_to_the_community(desk, tmp_path):
    positives(desk, tmp_path, *[(f"B{n}", f"10:0{n}") for n in range(1, 5)])
    for n in range(1, 5):
        desk(*SERVE, "--custody-ref", f"B{n}", "--at", f"2022-10-03T10:1{n}")
    listed = desk("referrals", "list").stdout.splitlines()[1:]
    assert [line.rsplit("\t", 1)[1] for line in listed] == [
        "custody BASINGSTOKE"] * 3 + ["community"]  # three places at 14:00


def test_a_follow_up_after_an_in_custody_assessment_is_in_the_community(desk, tmp_path,
                                                                      engine):
    positives(desk, tmp_path, ("B1", "10:00"))
    desk(*SERVE, "--custody-ref", "B1", "--at", "2022-10-03T10:15")
    desk("attendance", "record", "--suite", "BASINGSTOKE", "--custody-ref", "B1",
         "--assessment", "initial", "--outcome", "attended", "--outcome-at", "2022-10-03T15:00",
         "--follow-up-required", "--by", "NHRS")
    with Session(engine) as session:
        booked = [(a.kind, a.setting, a.custody_suite) for a in session.exec(
            select(Appointment).order_by(Appointment.id))]
    assert booked == [("initial", "custody", "BASINGSTOKE"), ("follow_up", "community", None)]


def test_an_assessment_held_in_custody_before_the_night_still_gets_its_referral_letter(
        desk, tmp_path, cli_clock):
    """The provider needs the referral letter for the follow-up (Drugs Act 2005 s.10) even
    when the initial assessment was held in custody before the night's letters; a night looks
    only at what changed since the last (issue 13), so a person assessed after the first night
    is lettered the next, and a night with nothing new letters no one."""
    positives(desk, tmp_path, ("B1", "10:00"), ("B2", "10:05"))
    desk(*SERVE, "--custody-ref", "B1", "--at", "2022-10-03T10:15")

    def attended(ref: str, at: str) -> None:
        desk("attendance", "record", "--suite", "BASINGSTOKE", "--custody-ref", ref,
             "--assessment", "initial", "--outcome", "attended", "--outcome-at", at,
             "--follow-up-required", "--by", "NHRS")

    attended("B1", "2022-10-03T15:00")
    first = desk("letters", "render").output
    assert first.startswith("1 letters issued")
    assert desk("letters", "render").output.startswith("0 letters issued")  # a re-run
    desk(*SERVE, "--custody-ref", "B2", "--at", "2022-10-03T10:20")
    attended("B2", "2022-10-03T15:30")
    assert desk("letters", "render").output.startswith("1 letters issued")
    referral_letters = sorted(p.name for p in (tmp_path / "outbox").rglob("*.pdf"))
    assert len([name for name in referral_letters if "referral" in name]) == 2, referral_letters


def test_an_in_custody_session_names_a_configured_suite():
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    for bad, words in (('setting = "custody" }', "names its suite"),
                       ('setting = "custody", suite = "WINCHESTER" }', "not a configured suite")):
        edited = text.replace(quarter.LAST_NHRS, quarter.LAST_NHRS + '  { weekday = "mon", '
                              f'time = "14:00", capacity = 1, {bad},\n', 1)
        with pytest.raises((ConfigError, ValueError), match=words):
            settings_from_text(edited)


def test_the_web_desk_shows_each_session_with_its_setting_and_books_in_custody(db_url,
                                                                              tmp_path):
    text = DEFAULT_CONFIG.read_text(encoding="utf-8").replace(
        quarter.LAST_NHRS, quarter.LAST_NHRS + quarter.IN_CUSTODY, 1)
    settings = settings_from_text(text, base_dir=tmp_path, database={"url": db_url})
    clock = FixedClock(datetime(2022, 10, 3, 9, 20, tzinfo=UTC))  # 10:20 BST
    runtime = Runtime(settings, clock)
    engine = runtime.__dict__["engine"] = make_engine(settings.database_url)
    try:
        for kind, rows in (("detentions", [detention_row(arrested_at="2022-10-03T09:00")]),
                           ("tests", [sample_row(tested_at="2022-10-03T10:05")])):
            ingest_file(engine, settings, clock, kind, write_csv(tmp_path / kind, rows))
        with session_scope(engine) as session:
            add_user(session, settings, clock, username="hants", password="correct horse "
                     "battery", role="custody", actor="test",
                     force="Hampshire and Isle of Wight Constabulary")
        client = signed_in(create_app(runtime), "hants", "correct horse battery")
        page = client.get("/custody/detention",
                          params={"suite": "BASINGSTOKE", "custody_ref": "BAS/22/0001"}).text
        assert ('value="custody:2022-10-03T13:00:00+00:00" checked> Monday 3 October 2022 at '
                '14:00 <span class="setting">in custody</span>') in page
        assert ('Wednesday 5 October 2022 at 14:00 <span class="setting">in the community'
                '</span>') in page
        response = client.post("/custody/detention/require", data={
            "csrf_token": form_token(page), "suite": "BASINGSTOKE",
            "custody_ref": "BAS/22/0001", "officer": "hants",
            "slot": "custody:2022-10-03T13:00:00+00:00"})
        assert response.status_code == 303
        served = client.get(response.headers["location"]).text
        assert f"{PLACE}: in custody, before release" in served
    finally:
        engine.dispose()
