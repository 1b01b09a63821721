"""Subject access (DPA 2018 s.45): `dtoa subject-access` writes everything held about one
person, as JSON and a readable PDF, and nothing about anyone else: not the person with the
same reference in another force, not the person whose reference starts the same way."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from privacy_scenario import Desk, london
from pypdf import PdfReader
from sqlmodel import Session, select

from dtoa.clock import FixedClock
from dtoa.models import (
    Appointment,
    AuditEvent,
    Detention,
    DrugTest,
    Letter,
    ProsecutionCase,
    Referral,
)
from dtoa.privacy.registry import Section

HAMPSHIRE = "Hampshire and Isle of Wight Constabulary"
THAMES_VALLEY = "Thames Valley Police"


@pytest.fixture
def clock(monkeypatch):
    clock = FixedClock(london(2022, 10, 1, 9, 0))
    monkeypatch.setattr("dtoa.runtime.SystemClock", lambda: clock)
    return clock


@pytest.fixture
def people(dtoa, clock, engine, tmp_path):
    """P0001 at Basingstoke (Hampshire): a positive whose requirement was attended and a
    negative, and a rejected row; P0001 at Milton Keynes (Thames Valley: another person, the
    reference is that force's own), positive and served; P00011 at Basingstoke, positive and
    served; a rejected row with P0001 at Milton Keynes."""
    desk = Desk(dtoa, clock, engine, tmp_path)
    ours = desk.positive_served("P0001", "BAS/22/X0001", london(2022, 10, 3, 14, 5))
    desk.arrest("P0001", "BAS/22/X0002", london(2022, 10, 20, 9, 0), person_name="John Doe")
    desk.test("BAS/22/X0002", london(2022, 10, 20, 10, 0), positive=False)
    similar = desk.positive_served("P00011", "BAS/22/X0003", london(2022, 10, 4, 14, 5))
    desk.letters()
    desk.report(ours, "attended", "assessed early at the person's request")
    theirs = desk.positive_served("P0001", "MKY/23/X0001", london(2023, 5, 2, 14, 5),
                                  suite="MILTON_KEYNES")
    desk.letters()
    for suite, ref in (("BASINGSTOKE", "BAS/22/X0009"), ("MILTON_KEYNES", "MKY/23/X0009")):
        bad = desk._csv([{"suite": suite, "custody_ref": ref, "person_ref": "P0001",
                          "birth_date": "17/05/1990", "arrested_at": "2023-05-03T10:00",
                          "offence_codes": "theft"}])
        assert dtoa("ingest", "detentions", bad, ok=False).exit_code == 1
    desk.clock.set(desk.clock.now() + timedelta(days=1))
    return {"ours": ours, "similar": similar, "theirs": theirs}


def export(dtoa, *args: str) -> Path:
    out = dtoa("subject-access", "--person-ref", "P0001", *args).output
    return Path(re.search(r"written to (\S+)", out).group(1))


def test_a_reference_held_by_two_forces_needs_the_force_named(dtoa, people):
    result = dtoa("subject-access", "--person-ref", "P0001", ok=False)
    assert result.exit_code == 1
    assert HAMPSHIRE in result.output and THAMES_VALLEY in result.output
    assert "give --force" in result.output
    unknown = dtoa("subject-access", "--person-ref", "P0001", "--force", "Kent Police",
                   ok=False)
    assert "unknown force 'Kent Police'" in unknown.output


def test_the_export_holds_every_record_of_the_person_and_none_of_anyone_elses(
        dtoa, people, engine, settings):
    folder = export(dtoa, "--force", HAMPSHIRE)
    assert folder.parent == settings.base_dir / "subject-access"
    document = json.loads((folder / "subject-access.json").read_text(encoding="utf-8"))
    text = (folder / "subject-access.json").read_text(encoding="utf-8")

    with Session(engine) as session:
        detentions = session.exec(select(Detention).where(
            Detention.person_ref == "P0001", Detention.suite == "BASINGSTOKE")).all()
        ids = [d.id for d in detentions]
        tests = session.exec(select(DrugTest).where(DrugTest.detention_id.in_(ids))).all()
        referral = session.exec(select(Referral).where(Referral.detention_id.in_(ids))).one()
        appointments = session.exec(select(Appointment).where(
            Appointment.referral_id == referral.id)).all()
        letters = session.exec(select(Letter).where(Letter.referral_id == referral.id)).all()
        events = session.exec(select(AuditEvent).where(
            ((AuditEvent.entity == "detention") & AuditEvent.entity_id.in_(ids))
            | ((AuditEvent.entity == "drug_test") & AuditEvent.entity_id.in_(
                [t.id for t in tests]))
            | ((AuditEvent.entity == "referral") & (AuditEvent.entity_id == referral.id))
            | ((AuditEvent.entity == "appointment") & AuditEvent.entity_id.in_(
                [a.id for a in appointments]))
            | ((AuditEvent.entity == "letter") & AuditEvent.entity_id.in_(
                [x.id for x in letters])))).all()

    exported = document["detentions"]
    assert (document["person_ref"], document["force"]) == ("P0001", HAMPSHIRE)
    assert sorted(d["id"] for d in exported) == sorted(ids) and len(ids) == 2
    assert sorted(s["id"] for d in exported for s in d["samples"]) == sorted(t.id for t in tests)
    (file,) = [d for d in exported if d["referrals"]]
    (served,) = file["referrals"]
    assert served["reference"] == people["ours"] and served["state"] == "attended"
    assert file["samples"][0]["results"] == {"cocaine": True, "opiates": False}
    assert sorted(a["id"] for a in served["appointments"]) == sorted(a.id for a in appointments)
    assert sorted(x["path"] for x in served["letters"]) == sorted(x.path for x in letters)
    assert {x["kind"] for x in served["letters"]} == {"referral", "notice"}
    assert sum(len(d["audit_events"]) for d in exported) == len(events) > 0
    assert "assessed early at the person's request" in text  # the reason given
    assert [r["reason"] for r in document["rejected_rows"]] and all(
        "BASINGSTOKE" in r["raw"] and "P0001" in r["raw"] for r in document["rejected_rows"])
    assert "John Doe" in text

    # nobody else: not Thames Valley's P0001, not P00011
    for other in ("MILTON_KEYNES", "MKY/23/X0001", "MKY/23/X0009", people["theirs"],
                  "P00011", "BAS/22/X0003", people["similar"]):
        assert other not in text, other

    pdf = " ".join(" ".join(page.extract_text().split())
                   for page in PdfReader(folder / "subject-access.pdf").pages)
    for expected in ("Subject access: personal data held", "Person reference P0001",
                     HAMPSHIRE, "Detention BAS/22/X0001 at BASINGSTOKE",
                     "Detention BAS/22/X0002 at BASINGSTOKE", "cocaine positive",
                     f"Requirement to attend assessment {people['ours']}",
                     "assessed early at the person's request", "Rows refused when taken in"):
        assert expected in pdf, expected
    for other in ("MKY/23", "P00011", people["theirs"]):
        assert other not in pdf, other


def test_a_person_held_nowhere_gets_an_export_saying_so(dtoa, people):
    out = dtoa("subject-access", "--person-ref", "P9999").output
    folder = Path(re.search(r"written to (\S+)", out).group(1))
    document = json.loads((folder / "subject-access.json").read_text(encoding="utf-8"))
    assert document["detentions"] == [] and document["rejected_rows"] == []
    pdf = " ".join(p.extract_text() for p in PdfReader(folder / "subject-access.pdf").pages)
    assert "No personal data is held under this person reference." in " ".join(pdf.split())


def test_what_retention_anonymised_is_no_longer_about_the_person(dtoa, people, clock):
    clock.set(london(2024, 1, 1, 2, 0))  # the negative of October 2022 is past a year
    dtoa("retention")
    folder = export(dtoa, "--force", HAMPSHIRE)
    document = json.loads((folder / "subject-access.json").read_text(encoding="utf-8"))
    assert [d["custody_ref"] for d in document["detentions"]] == ["BAS/22/X0001"]
    assert document["rejected_rows"] == []  # past 90 days


def test_personal_data_held_in_other_tables_is_exported_through_a_section(
        dtoa, people, monkeypatch):
    def contact_details(session, person_ref, suites, detention_ids):  # noqa: ANN001, ANN202
        assert suites == {"BASINGSTOKE"} and len(detention_ids) == 2
        return [{"person_ref": person_ref, "phone": "07700 900123", "consent": True}]

    monkeypatch.setattr("dtoa.privacy.access.SECTIONS",
                        (Section("contact_details", contact_details),))
    folder = export(dtoa, "--force", HAMPSHIRE)
    document = json.loads((folder / "subject-access.json").read_text(encoding="utf-8"))
    assert document["other"] == {"contact_details": [
        {"person_ref": "P0001", "phone": "07700 900123", "consent": True}]}
    pdf = " ".join(" ".join(p.extract_text().split())
                   for p in PdfReader(folder / "subject-access.pdf").pages)
    assert "Contact details" in pdf and "07700 900123" in pdf


@pytest.fixture
def prosecuted(dtoa, clock, engine, tmp_path):
    """P0001 and P00011 at Basingstoke, each served, each failing to attend the initial
    assessment, each with a prosecution case opened by the sweep (Drugs Act 2005 s.12)."""
    desk = Desk(dtoa, clock, engine, tmp_path)
    ours = desk.positive_served("P0001", "BAS/22/X0001", london(2022, 10, 3, 14, 5))
    similar = desk.positive_served("P00011", "BAS/22/X0003", london(2022, 10, 4, 14, 5))
    desk.letters()
    desk.failed_with_case(ours)
    desk.failed_with_case(similar)
    with Session(engine) as session:
        cases = {reference: case for case, reference in session.execute(
            select(ProsecutionCase, Referral.reference)
            .join(Referral, Referral.id == ProsecutionCase.referral_id)).all()}
    assert set(cases) == {ours, similar}
    return {"ours": ours, "similar": similar, "cases": cases}


def test_the_export_holds_the_persons_prosecution_case_and_nobody_elses(dtoa, prosecuted):
    ours, similar = prosecuted["ours"], prosecuted["similar"]
    case = prosecuted["cases"][ours]
    folder = export(dtoa)
    text = (folder / "subject-access.json").read_text(encoding="utf-8")
    document = json.loads(text)

    exported = [c for d in document["detentions"] for r in d["referrals"]
                for c in r["prosecution_cases"]]
    assert [(c["id"], c["appointment_id"], c["offence"], c["state"], c["failure_on"],
             c["time_limit_on"]) for c in exported] == [
        (case.id, case.appointment_id, "Drugs Act 2005 s.12", "open",
         case.failure_on.isoformat(), case.time_limit_on.isoformat())]
    (referral,) = [r for d in document["detentions"] for r in d["referrals"]]
    assert (referral["reference"], referral["state"]) == (ours, "failed_to_attend")
    for unwanted in (similar, "P00011", "BAS/22/X0003"):
        assert unwanted not in text, unwanted

    pdf = " ".join(" ".join(page.extract_text().split())
                   for page in PdfReader(folder / "subject-access.pdf").pages)
    assert "Prosecution case: Drugs Act 2005 s.12, open" in pdf
    assert pdf.count("Prosecution case:") == 1
    assert case.time_limit_on.isoformat() in pdf and case.failure_on.isoformat() in pdf
    for unwanted in (similar, "P00011", "BAS/22/X0003"):
        assert unwanted not in pdf, unwanted
