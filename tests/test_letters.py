"""Letters as providers and people receive them: real PDFs in the outbox, rendered once,
re-issued marked AMENDED when the appointment changes, with every name printed as text."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from dtoa.ingest import ingest_file
from dtoa.models import Appointment, Letter, Referral
from dtoa.pipelines.letters import letters
from dtoa.pipelines.referrals import referrals
from dtoa.referrals import book_appointment, set_appointment_state, set_referral_state
from dtoa.render import render_html
from dtoa.store import session_scope
from dtoa.testing import detention_row, sample_row, write_csv

LONDON = ZoneInfo("Europe/London")


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON).astimezone(UTC)


def pdf_text(path) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(path).pages)


@pytest.fixture
def christmas(engine, settings, clock, tmp_path):
    """One person tested positive on Friday 23 December 2022 at 15:30, referred that evening."""
    clock.set(london(2022, 12, 23, 17))
    for kind, row in (("detentions", detention_row(custody_ref="XMAS", arrested_at=
                                                   "2022-12-23T13:00:00",
                                                   person_name="<script>alert(1)</script> "
                                                               "O'Brien & Sons")),
                      ("tests", sample_row(custody_ref="XMAS", tested_at="2022-12-23T15:30:00",
                                           opiates="positive"))):
        ingest_file(engine, settings, clock, kind, write_csv(tmp_path / f"{kind}.csv", [row]))
    referrals(engine, settings, clock)
    return settings.path("outbox") / "NHRS" / "2022-12-23"


def test_the_referral_letter_and_notice_are_real_pdfs_with_what_each_reader_needs(
        engine, settings, clock, christmas):
    summary = letters(engine, settings, clock)
    assert summary == {"issued": 2, "amended": 0, "manifests": 1}
    referral = pdf_text(christmas / "BAS-2022-000001-referral.pdf")
    notice = pdf_text(christmas / "BAS-2022-000001-notice.pdf")
    for text in (referral, notice):
        assert "BAS-2022-000001" in text
        assert "Wednesday 28 December 2022 at 14:00" in text
        assert "12 Church Street, Basingstoke RG21 7QE" in text
    assert "Person reference P0001" in referral  # person_identifier = "reference"
    assert "Date of birth 17 May 1990" in referral
    assert "cocaine and opiates" in referral
    assert "Trigger offence: Theft (Theft Act 1968 s.1)" in referral
    assert "Officer to contact: DToA coordinator, custody" in referral
    assert "Drugs Act 2005 (section 12 for the initial assessment, section 14" in notice
    assert "3 months' imprisonment" in notice and "(£2,500)" in notice
    assert "The assessor will give you the time and place of the follow-up" in notice
    # the person's notice does not repeat the test result, birth date or offence
    assert "cocaine" not in notice and "1990" not in notice and "Theft" not in notice


def test_names_are_printed_as_text_not_markup(engine, settings, clock, christmas):
    named = settings.model_copy(update={"referrals": settings.referrals.model_copy(
        update={"person_identifier": "name"})})
    letters(engine, named, clock)
    for kind in ("referral", "notice"):
        text = pdf_text(christmas / f"BAS-2022-000001-{kind}.pdf")
        assert "<script>alert(1)</script> O'Brien & Sons" in text
    html = render_html("letters/notice.html", {
        "reference": "R", "issued_on": "today", "amended": False, "replaces_issued_on": "",
        "person": "<script>alert(1)</script>", "provider_name": "O'Brien & Sons",
        "provider_address": "a", "appointment_when": "w", "appointment_place": "p",
        "follow_up_when": None, "follow_up_place": None, "contact_officer": "c"})
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    assert "O&#39;Brien &amp; Sons" in html


def test_re_running_renders_nothing_twice(engine, settings, clock, christmas):
    letters(engine, settings, clock)
    files = sorted(p.name for p in christmas.iterdir())
    clock.advance(hours=2)
    assert letters(engine, settings, clock) == {"issued": 0, "amended": 0, "manifests": 0}
    assert sorted(p.name for p in christmas.iterdir()) == files
    assert [f for f in files if f.startswith("manifest-")] == ["manifest-20221223T170000Z.csv"]


def test_the_manifest_lists_what_was_issued(engine, settings, clock, christmas):
    letters(engine, settings, clock)
    with (christmas / "manifest-20221223T170000Z.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["reference"], r["letter"], r["version"], r["file"]) for r in rows] == [
        ("BAS-2022-000001", "referral", "1", "BAS-2022-000001-referral.pdf"),
        ("BAS-2022-000001", "notice", "1", "BAS-2022-000001-notice.pdf")]


def test_a_changed_appointment_issues_amended_letters_and_keeps_the_first(
        engine, settings, clock, christmas):
    letters(engine, settings, clock)
    clock.set(london(2022, 12, 28, 9))
    with session_scope(engine) as session:  # the person shows good cause; rebooked
        referral = session.execute(sa.select(Referral)).scalar_one()
        old = session.execute(sa.select(Appointment)).scalar_one()
        set_appointment_state(session, old, "rescheduled", at=clock.now(), actor="desk:PC1",
                              reason="good cause shown")
        new = book_appointment(session, settings, referral=referral,
                               provider=settings.providers_by_code["NHRS"], kind="initial",
                               earliest=london(2022, 12, 29, 12), latest=referral.deadline_at,
                               at=clock.now(), actor="desk:PC1", reason="rescheduled",
                               replaces=old)
        set_referral_state(session, referral, "rescheduled", at=clock.now(), actor="desk:PC1")
    assert new.scheduled_at == london(2022, 12, 30, 10)
    assert letters(engine, settings, clock) == {"issued": 2, "amended": 2, "manifests": 1}
    folder = settings.path("outbox") / "NHRS" / "2022-12-28"
    amended = pdf_text(folder / "BAS-2022-000001-notice-v2.pdf")
    assert "AMENDED" in amended and "Friday 30 December 2022 at 10:00" in amended
    assert "Friday 23 December 2022" in amended  # names the letter it replaces
    assert (christmas / "BAS-2022-000001-notice.pdf").exists()
    assert "AMENDED" not in pdf_text(christmas / "BAS-2022-000001-notice.pdf")
    with session_scope(engine) as session:
        versions = session.execute(sa.select(Letter.kind, Letter.version, Letter.amended)
                                   .order_by(Letter.id)).all()
    assert versions == [("referral", 1, False), ("notice", 1, False),
                        ("referral", 2, True), ("notice", 2, True)]


def test_no_letters_for_a_referral_without_an_appointment(engine, settings, clock, tmp_path):
    clock.set(london(2022, 10, 20, 9))  # taken in after the deadline: no_capacity
    ingest_file(engine, settings, clock, "detentions",
                write_csv(tmp_path / "d.csv", [detention_row()]))
    ingest_file(engine, settings, clock, "tests", write_csv(tmp_path / "t.csv", [sample_row()]))
    referrals(engine, settings, clock)
    assert letters(engine, settings, clock)["issued"] == 0
