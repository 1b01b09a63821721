"""Letters for a required assessment: a referral letter to the provider and a notice of
requirement to the person (historic forms RA1/RA2). Each states only what its reader needs.

A letter is issued again only when what it states changes (its content key); the new version is
marked AMENDED, gets its own file, and every earlier version stays in the outbox."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import and_, select
from sqlalchemy.orm import aliased, object_session
from sqlmodel import Session

from dtoa.clock import as_utc
from dtoa.config import Settings
from dtoa.models import Appointment, Detention, DrugTest, Letter, Referral, SampleResult
from dtoa.render import html_to_pdfs, render_html, write_atomically
from dtoa.rules.referrals import positive_drugs
from dtoa.store import record_change

LETTER_KINDS = ("referral", "notice")
# Referrals whose person still has to attend the initial assessment booked for them.
NEEDS_LETTERS = ("awaiting_assessment", "rescheduled")
INSPECTOR_GROUNDS = "Inspector's authority (PACE 1984 s.63B(2)(b))"


@dataclass(frozen=True)
class Issued:
    provider: str
    reference: str
    kind: str
    version: int
    amended: bool
    path: Path  # relative to the outbox
    sha256: str
    issued_at: datetime


def long_date(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def long_instant(moment: datetime, settings: Settings) -> str:
    """A local (Europe/London) wall-clock time as a person reads it."""
    local = moment.astimezone(settings.tz)
    return f"{long_date(local.date())} at {local:%H:%M}"


def _grounds(detention: Detention, settings: Settings) -> str:
    offence = settings.offences_by_code.get((detention.trigger_offence or "").upper())
    if detention.route == "trigger" and offence is not None:
        return f"Trigger offence: {offence.title} ({offence.statute})"
    return INSPECTOR_GROUNDS


def _person(detention: Detention, settings: Settings) -> tuple[str, str]:
    """(label, value) for the provider: the name only when configured and known."""
    if settings.referrals.person_identifier == "name" and detention.person_name:
        return "Name", detention.person_name
    return "Person reference", detention.person_ref


def contexts(settings: Settings, referral: Referral, detention: Detention, test: DrugTest,
             initial: Appointment, follow_up: Appointment | None) -> dict[str, dict]:
    """What each letter states, by kind (the data behind its content key)."""
    provider = settings.providers_by_code[referral.provider]
    suite = settings.suites_by_code[referral.suite]
    label, person = _person(detention, settings)
    shared = {"reference": referral.reference, "provider_name": provider.name,
              "provider_address": provider.address,
              "appointment_when": long_instant(initial.scheduled_at, settings),
              "appointment_place": initial.location,
              "contact_officer": settings.referrals.contact_officer}
    drugs = positive_drugs(results_of(test), [p.drug for p in settings.law.panel])
    born = detention.birth_date
    return {
        "referral": {**shared, "person_label": label, "person": person,
                     "birth_date": f"{born.day} {born:%B %Y}", "suite": suite.name,
                     "test_date": long_date(test.tested_at.astimezone(settings.tz).date()),
                     "positive_for": " and ".join(drugs), "grounds": _grounds(detention,
                                                                               settings)},
        "notice": {**shared, "person": detention.person_name or detention.person_ref,
                   "follow_up_when": (long_instant(follow_up.scheduled_at, settings)
                                      if follow_up else None),
                   "follow_up_place": follow_up.location if follow_up else None},
    }


def results_of(test: DrugTest) -> dict[str, bool]:
    """A sample's result per drug (read in the session the test was loaded in)."""
    return {r.drug: r.positive for r in object_session(test).execute(
        select(SampleResult).where(SampleResult.drug_test_id == test.id)).scalars()}


def content_key(context: dict) -> str:
    return hashlib.sha256(json.dumps(context, sort_keys=True).encode()).hexdigest()


def _due(session: Session):  # noqa: ANN202
    initial, follow_up = aliased(Appointment), aliased(Appointment)
    return session.execute(
        select(Referral, Detention, DrugTest, initial, follow_up)
        .join(Detention, Detention.id == Referral.detention_id)
        .join(DrugTest, DrugTest.id == Referral.drug_test_id)
        .join(initial, and_(initial.referral_id == Referral.id, initial.kind == "initial",
                            initial.state == "booked"))
        .outerjoin(follow_up, and_(follow_up.referral_id == Referral.id,
                                   follow_up.kind == "follow_up", follow_up.state == "booked"))
        .where(Referral.state.in_(NEEDS_LETTERS))
        .order_by(Referral.reference)).all()


@dataclass(frozen=True)
class _Due:
    """A letter to issue: decided in the database, then rendered, then recorded."""

    referral: Referral
    kind: str
    key: str
    version: int
    html: str
    relative: Path


def issue_letters(session: Session, settings: Settings, now: datetime,
                  actor: str = "pipeline:letters") -> list[Issued]:
    """Render every letter whose content is new or changed into the outbox, recording each in
    the letter table (audited). Nothing is rendered twice. The PDFs of a large batch render in
    parallel (`html_to_pdfs`); the database work stays in this transaction."""
    outbox = settings.path("outbox")
    due = [letter
           for referral, detention, test, initial, follow_up in _due(session)
           for kind, context in contexts(settings, referral, detention, test, initial,
                                         follow_up).items()
           if (letter := _due_letter(session, settings, referral, kind, context, now))]
    pdfs = html_to_pdfs([letter.html for letter in due])
    return [_record(session, letter, pdf, now, outbox, actor) for letter, pdf in zip(
        due, pdfs, strict=True)]


def _due_letter(session: Session, settings: Settings, referral: Referral, kind: str,
                context: dict, now: datetime) -> _Due | None:
    key = content_key(context)
    last = session.execute(select(Letter).where(Letter.referral_id == referral.id,
                                                Letter.kind == kind)
                           .order_by(Letter.version.desc())).scalars().first()
    if last is not None and last.content_key == key:
        return None
    version = last.version + 1 if last else 1
    issued_on = as_utc(now).astimezone(settings.tz).date()
    replaces_on = last.issued_at.astimezone(settings.tz).date() if last else None
    html = render_html(f"letters/{kind}.html", {
        **context, "amended": version > 1, "issued_on": long_date(issued_on),
        "replaces_issued_on": long_date(replaces_on) if replaces_on else ""})
    suffix = "" if version == 1 else f"-v{version}"
    relative = Path(referral.provider) / issued_on.isoformat() / (
        f"{referral.reference}-{kind}{suffix}.pdf")
    return _Due(referral, kind, key, version, html, relative)


def _record(session: Session, letter: _Due, pdf: bytes, now: datetime, outbox: Path,
            actor: str) -> Issued:
    referral, version = letter.referral, letter.version
    write_atomically(outbox / letter.relative, pdf)
    digest = hashlib.sha256(pdf).hexdigest()
    row = Letter(referral_id=referral.id, kind=letter.kind, version=version,
                 amended=version > 1, content_key=letter.key,
                 path=letter.relative.as_posix(), sha256=digest, issued_at=as_utc(now))
    session.add(row)
    session.flush()
    record_change(session, at=as_utc(now), actor=actor, entity="letter", entity_id=row.id,
                  action="issued", changes={"referral_id": [None, referral.id],
                                            "kind": [None, letter.kind],
                                            "version": [None, version],
                                            "path": [None, row.path]})
    return Issued(referral.provider, referral.reference, letter.kind, version, version > 1,
                  letter.relative, digest, as_utc(now))
