"""Letters as people and providers receive them: the notice of requirement served at the desk
(RA1), the provider's referral letter from the nightly run, and, when the appointment moves, an
amended referral letter that says what changed and a change notice (RA2) to the person. Real
PDFs, rendered once, every name printed as text, the person's notices never among the
provider's letters."""

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
from dtoa.referrals import book_appointment, set_appointment_state, set_referral_state
from dtoa.referrals.serve import serve
from dtoa.render import render_html
from dtoa.store import session_scope
from dtoa.testing import detention_row, make_referral, sample_row, write_csv

LONDON = ZoneInfo("Europe/London")
NAME = "<script>alert(1)</script> O'Brien & Sons"
WARNING = ("If you fail without good cause to attend, or to remain for the whole of, the "
           "initial assessment or the follow-up assessment, you may be liable to prosecution "
           "(Drugs Act 2005, section 12 for the initial assessment, section 14 for the "
           "follow-up assessment).")
PENALTY = ("The offence is tried in a magistrates' court. The maximum penalty is 3 months' "
           "imprisonment, a fine of up to level 4 on the standard scale (£2,500), or both.")


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON).astimezone(UTC)


def pdf_lines(path) -> list[str]:
    return [line for page in PdfReader(path).pages for line in page.extract_text().splitlines()]


def pdf_text(path) -> str:
    return " ".join(" ".join(pdf_lines(path)).split())


@pytest.fixture
def christmas(engine, settings, clock, tmp_path):
    """One person tested positive on Friday 23 December 2022 at 15:30; PC 1234 served the
    requirement at 17:00, before release. Returns (notices folder, provider folder)."""
    clock.set(london(2022, 12, 23, 17))
    for kind, row in (("detentions", detention_row(custody_ref="XMAS", arrested_at=
                                                   "2022-12-23T13:00:00", person_name=NAME)),
                      ("tests", sample_row(custody_ref="XMAS", tested_at="2022-12-23T15:30:00",
                                           opiates="positive"))):
        ingest_file(engine, settings, clock, kind, write_csv(tmp_path / f"{kind}.csv", [row]))
    with session_scope(engine) as session:
        serve(session, settings, suite="BASINGSTOKE", custody_ref="XMAS", officer="PC 1234",
              served_at=clock.now(), now=clock.now(), actor="desk:PC 1234")
    outbox = settings.path("outbox")
    return outbox / "BASINGSTOKE" / "notices" / "2022-12-23", outbox / "NHRS" / "2022-12-23"


def test_the_notice_served_at_the_desk_says_what_the_law_requires(christmas):
    notices, _ = christmas
    notice = pdf_text(notices / "BAS-2022-000001-notice.pdf")
    assert f"To: {NAME}" in notice  # addressed by name where the custody record has it
    assert "Notice of requirement to attend an initial assessment" in notice
    assert "Initial assessment: when Wednesday 28 December 2022 at 14:00" in notice
    assert ("Initial assessment: where North Hampshire Recovery Service, 12 Church Street, "
            "Basingstoke RG21 7QE") in notice
    assert "You are also required to attend a follow-up assessment" in notice
    assert "This requirement lapses if the initial assessor tells you" in notice
    assert WARNING in notice and PENALTY in notice
    assert "you commit an offence" not in notice
    assert "phone 0118 496 0123, email referrals@nhrs.example.org" in notice
    assert "custody contact, DToA coordinator, custody, phone 0118 496 0000" in notice
    assert "Served by PC 1234, Basingstoke Police Investigation Centre" in notice
    assert "Served on Friday 23 December 2022 at 17:00" in notice
    # the person's notice does not repeat the test result, birth date or offence
    assert "cocaine" not in notice and "1990" not in notice and "Theft" not in notice


def test_the_legal_warning_is_never_broken_inside_a_phrase_that_carries_the_law(christmas):
    notices, _ = christmas
    lines = pdf_lines(notices / "BAS-2022-000001-notice.pdf")
    for phrase in ("you may be liable to prosecution", "3 months' imprisonment",
                   "a fine of up to level 4", "(£2,500)"):
        assert any(phrase in line for line in lines), phrase
    assert not any(line.strip() in ("3 months'", "3 months' imprisonment,") for line in lines)


def test_without_a_name_the_notice_is_addressed_by_the_person_reference(
        engine, settings, clock, tmp_path):
    clock.set(london(2022, 10, 3, 16))
    ingest_file(engine, settings, clock, "detentions",
                write_csv(tmp_path / "d.csv", [detention_row()]))
    ingest_file(engine, settings, clock, "tests", write_csv(tmp_path / "t.csv", [sample_row()]))
    with session_scope(engine) as session:
        served = serve(session, settings, suite="BASINGSTOKE", custody_ref="BAS/22/0001",
                       officer="PC 1", served_at=clock.now(), now=clock.now(), actor="desk:PC 1")
    assert "To: P0001" in pdf_text(served.notice)


def test_the_night_tells_the_provider_and_never_files_the_persons_notice_with_it(
        engine, settings, clock, christmas):
    notices, provider = christmas
    summary = letters(engine, settings, clock)
    assert summary == {"issued": 1, "amended": 0, "manifests": 1}
    assert sorted(p.name for p in provider.iterdir()) == [
        "BAS-2022-000001-referral.pdf", "manifest-20221223T170000Z.csv"]
    assert sorted(p.name for p in notices.iterdir()) == ["BAS-2022-000001-notice.pdf"]
    referral = pdf_text(provider / "BAS-2022-000001-referral.pdf")
    assert "Person reference P0001" in referral  # person_identifier = "reference"
    assert NAME not in referral
    assert "Date of birth 17 May 1990" in referral
    assert "cocaine and opiates" in referral
    assert "Trigger offence: Theft (Theft Act 1968 s.1)" in referral
    assert "Requirement served Friday 23 December 2022 at 17:00 by PC 1234" in referral
    assert "Wednesday 28 December 2022 at 14:00" in referral
    assert "phone 0118 496 0123, email referrals@nhrs.example.org" in referral
    assert "Officer to contact: DToA coordinator, custody" in referral


def test_names_are_printed_as_text_not_markup(engine, settings, clock, christmas):
    _, provider = christmas
    named = settings.model_copy(update={"referrals": settings.referrals.model_copy(
        update={"person_identifier": "name"})})
    letters(engine, named, clock)
    assert f"Name {NAME}" in pdf_text(provider / "BAS-2022-000001-referral.pdf")
    html = render_html("letters/notice.html", {
        "reference": "R", "issued_on": "today", "amended": False, "replaces_issued_on": "",
        "changes": [], "person": "<script>alert(1)</script>", "provider_name": "O'Brien & Sons",
        "provider_address": "a", "provider_phone": "1", "provider_email": "e@example.org",
        "appointment_when": "w", "appointment_place": "p", "contact_officer": "c",
        "contact_phone": "2", "suite": "s", "served_by": "o", "served_when": "t"})
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    assert "O&#39;Brien &amp; Sons" in html


def test_re_running_renders_nothing_twice(engine, settings, clock, christmas):
    _, provider = christmas
    letters(engine, settings, clock)
    files = sorted(p.name for p in provider.iterdir())
    clock.advance(hours=2)
    assert letters(engine, settings, clock) == {"issued": 0, "amended": 0, "manifests": 0}
    assert sorted(p.name for p in provider.iterdir()) == files
    with (provider / "manifest-20221223T170000Z.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["reference"], r["letter"], r["version"], r["file"]) for r in rows] == [
        ("BAS-2022-000001", "referral", "1", "BAS-2022-000001-referral.pdf")]


def test_a_moved_appointment_issues_an_amended_letter_and_a_change_notice_saying_what_changed(
        engine, settings, clock, christmas):
    notices, provider = christmas
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
    assert letters(engine, settings, clock) == {"issued": 2, "amended": 1, "manifests": 2}
    moved = "appointment moved from Wed 28 Dec 14:00 to Fri 30 Dec 10:00"
    amended = pdf_text(settings.path("outbox") / "NHRS" / "2022-12-28"
                       / "BAS-2022-000001-referral-v2.pdf")
    assert "AMENDED" in amended and f"What changed: {moved}." in amended
    assert "Friday 30 December 2022 at 10:00" in amended
    assert "Friday 23 December 2022" in amended  # names the letter it replaces
    change = pdf_text(settings.path("outbox") / "BASINGSTOKE" / "notices" / "2022-12-28"
                      / "BAS-2022-000001-change_notice.pdf")
    assert f"To: {NAME}" in change and f"What changed: {moved}." in change
    assert "Initial assessment: when Friday 30 December 2022 at 10:00" in change
    assert WARNING in change and "phone 0118 496 0123" in change
    assert "AMENDED" not in pdf_text(provider / "BAS-2022-000001-referral.pdf")
    assert (notices / "BAS-2022-000001-notice.pdf").exists()
    with session_scope(engine) as session:
        versions = session.execute(sa.select(Letter.kind, Letter.version, Letter.amended)
                                   .order_by(Letter.id)).all()
    assert versions == [("notice", 1, False), ("referral", 1, False), ("referral", 2, True),
                        ("change_notice", 1, False)]
    assert letters(engine, settings, clock)["issued"] == 0


def test_a_referral_never_served_gets_no_letters(engine, settings, clock):
    with session_scope(engine) as session:  # made by the nightly batch of an earlier build
        referral, _ = make_referral(session, appointment_at=london(2022, 10, 6, 10))
        referral.served_at = referral.served_by = None
        session.add(referral)
    clock.set(london(2022, 10, 4, 2))
    assert letters(engine, settings, clock)["issued"] == 0
