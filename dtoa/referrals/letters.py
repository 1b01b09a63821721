"""Letters for a required assessment, issued by the nightly run: the referral letter to the
provider for each requirement served at the custody desk, and a notice of a change of time or
place to the person (historic form RA2) when the initial assessment moves. The person's notice of
requirement (RA1) is never made here: an officer serves it at the desk before release
(`dtoa.referrals.serve`), and it is filed apart from the provider's letters.

A letter is issued again only when what it states changes (its content key); the new version is
marked AMENDED, says what changed, gets its own file, and every earlier version stays in the
outbox. Each letter row keeps what it stated, so the next version can say what changed."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import and_, exists, select, union
from sqlalchemy.orm import object_session
from sqlmodel import Session

from dtoa.clock import as_utc
from dtoa.config import Settings
from dtoa.models import Appointment, Detention, DrugTest, Letter, Referral, SampleResult
from dtoa.referrals.wording import (
    appointment,
    contacts,
    content_key,
    long_date,
    long_instant,
    what_changed,
)
from dtoa.render import html_to_pdfs, render_html, write_atomically
from dtoa.rules.referrals import positive_drugs
from dtoa.rules.states import AssessmentSetting, LetterKind
from dtoa.store import record_change
from dtoa.store.watermarks import Marks, changed

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


def referral_context(settings: Settings, referral: Referral, detention: Detention,
                     test: DrugTest, initial: Appointment) -> dict:
    """What the provider's referral letter states (the data behind its content key)."""
    label, person = _person(detention, settings)
    born = detention.birth_date
    return {"reference": referral.reference, **contacts(settings, referral.provider),
            **appointment(initial.scheduled_at, initial.location, settings),
            "person_label": label, "person": person,
            "birth_date": f"{born.day} {born:%B %Y}",
            "suite": settings.suites_by_code[referral.suite].name,
            "test_date": long_date(test.tested_at.astimezone(settings.tz).date()),
            "positive_for": " and ".join(positive_drugs(results_of(test),
                                                        [p.drug for p in settings.law.panel])),
            "grounds": _grounds(detention, settings),
            "served": (f"{long_instant(referral.served_at, settings)} by "
                       f"{referral.served_by}")}


def results_of(test: DrugTest) -> dict[str, bool]:
    """A sample's result per drug (read in the session the test was loaded in)."""
    return {r.drug: r.positive for r in object_session(test).execute(
        select(SampleResult).where(SampleResult.drug_test_id == test.id)).scalars()}


@dataclass(frozen=True)
class Draft:
    """A letter to issue: decided in the database and rendered to HTML; its PDF and its row
    come after (`record`)."""

    referral: Referral
    kind: str
    version: int
    amended: bool
    stated: dict
    html: str
    relative: Path  # within the outbox


def last_letter(session: Session, referral_id: int, kinds: tuple[str, ...]) -> Letter | None:
    """The latest letter of these kinds for a referral."""
    return session.execute(select(Letter).where(
        Letter.referral_id == referral_id, Letter.kind.in_(kinds))
        .order_by(Letter.id.desc())).scalars().first()


def stated_by(letter: Letter | None) -> dict | None:
    """What a letter stated, when it was kept (letters of earlier builds did not keep it)."""
    return json.loads(letter.stated) if letter is not None and letter.stated else None


def draft(settings: Settings, referral: Referral, kind: str, stated: dict, *,
          last: Letter | None, now: datetime, folder: Path,
          changes: list[str] | None = None) -> Draft:
    """The next version of a `kind` letter stating `stated`, to be filed in `folder` (relative
    to the outbox) under the issue date. A version after the first is marked AMENDED and says
    what changed since `last`; a letter that is itself about a change (a change notice) gives
    its `changes` instead and is not an amendment."""
    version = last.version + 1 if last else 1
    amended = version > 1 and changes is None
    issued_on = as_utc(now).astimezone(settings.tz).date()
    replaces_on = last.issued_at.astimezone(settings.tz).date() if last else None
    html = render_html(f"letters/{kind}.html", {
        **stated, "amended": amended, "issued_on": long_date(issued_on),
        "replaces_issued_on": long_date(replaces_on) if replaces_on else "",
        "changes": changes if changes is not None else (
            what_changed(stated_by(last), stated, settings) if amended else [])})
    suffix = "" if version == 1 else f"-v{version}"
    relative = folder / issued_on.isoformat() / f"{referral.reference}-{kind}{suffix}.pdf"
    return Draft(referral, kind, version, amended, stated, html, relative)


def record(session: Session, letter: Draft, pdf: bytes, now: datetime, outbox: Path,
           actor: str) -> Issued:
    """Write the PDF whole and record the letter with what it stated, audited."""
    referral, version = letter.referral, letter.version
    write_atomically(outbox / letter.relative, pdf)
    digest = hashlib.sha256(pdf).hexdigest()
    row = Letter(referral_id=referral.id, kind=letter.kind, version=version,
                 amended=letter.amended, content_key=content_key(letter.stated),
                 stated=json.dumps(letter.stated, sort_keys=True),
                 path=letter.relative.as_posix(), sha256=digest, issued_at=as_utc(now))
    session.add(row)
    session.flush()
    record_change(session, at=as_utc(now), actor=actor, entity="letter", entity_id=row.id,
                  action="issued", changes={"referral_id": [None, referral.id],
                                            "kind": [None, letter.kind],
                                            "version": [None, version],
                                            "path": [None, row.path]})
    return Issued(referral.provider, referral.reference, letter.kind, version,
                  letter.amended, letter.relative, digest, as_utc(now))


def _due(session: Session, changes: tuple[Marks, Marks] | None = None,
         ) -> list[tuple[Referral, Detention, DrugTest, Appointment]]:
    """Served requirements still to be attended, with their booked initial assessment; and
    those assessed in custody with no referral letter yet (`_assessed_in_custody`)."""
    rows = session.execute(
        select(Referral, Detention, DrugTest, Appointment)
        .join(Detention, Detention.id == Referral.detention_id)
        .join(DrugTest, DrugTest.id == Referral.drug_test_id)
        .join(Appointment, and_(Appointment.referral_id == Referral.id,
                                Appointment.kind == "initial", Appointment.state == "booked"))
        .where(Referral.state.in_(NEEDS_LETTERS), Referral.served_at.is_not(None))
        .order_by(Referral.reference, Appointment.id.desc())).all()
    latest: dict[int, tuple] = {}
    for referral, detention, test, initial in [*rows,
                                               *_assessed_in_custody(session, changes)]:
        latest.setdefault(referral.id, (referral, detention, test, initial))
    return list(latest.values())


def _assessed_in_custody(session: Session, changes: tuple[Marks, Marks] | None) -> list[tuple]:
    """Served requirements whose in-custody initial assessment has already happened (it may
    be within hours, before the night's letters) and whose provider has no referral letter
    yet: the provider still needs it, for the follow-up (s.10) and its duty to report a
    failure (ss.12, 14).

    With `changes` (since, upto), only referrals whose appointments or whose own record were
    audited between the marks are looked at: a requirement served, or an in-custody
    assessment booked or recorded, is audited, and the step that last moved the watermark
    lettered every one before it in the same transaction. Without, every one (a first run)."""
    query = (
        select(Referral, Detention, DrugTest, Appointment)
        .join(Detention, Detention.id == Referral.detention_id)
        .join(DrugTest, DrugTest.id == Referral.drug_test_id)
        .join(Appointment, and_(Appointment.referral_id == Referral.id,
                                Appointment.kind == "initial",
                                Appointment.setting == AssessmentSetting.CUSTODY))
        .where(Referral.served_at.is_not(None), Referral.state != "withdrawn",
               ~exists().where(Letter.referral_id == Referral.id,
                               Letter.kind == LetterKind.REFERRAL))
        .order_by(Referral.reference, Appointment.id))
    if changes is not None:
        query = query.where(Referral.id.in_(_changed_referrals(*changes)))
    return list(session.execute(query).all())


def _changed_referrals(since: Marks, upto: Marks):  # noqa: ANN202
    """The referrals audited between the marks, or whose appointments were: one id list, so
    the query starts from the night's changes rather than from every in-custody assessment."""
    return union(changed("referral", since, upto),
                 select(Appointment.referral_id).where(
                     Appointment.id.in_(changed("appointment", since, upto))))


def _referral_letter(session: Session, settings: Settings, referral: Referral,
                     detention: Detention, test: DrugTest, initial: Appointment,
                     now: datetime) -> Draft | None:
    stated = referral_context(settings, referral, detention, test, initial)
    last = last_letter(session, referral.id, (LetterKind.REFERRAL,))
    if last is not None and last.content_key == content_key(stated):
        return None
    return draft(settings, referral, LetterKind.REFERRAL, stated, last=last, now=now,
                 folder=Path(referral.provider))


def issue_letters(session: Session, settings: Settings, now: datetime,
                  actor: str = "pipeline:letters",
                  changes: tuple[Marks, Marks] | None = None) -> list[Issued]:
    """Render every letter whose content is new or changed into the outbox, recording each in
    the letter table (audited): referral letters for the providers, change notices (RA2) for
    the people whose initial assessment moved. Nothing is rendered twice. The PDFs of a large
    batch render in parallel (`html_to_pdfs`); the database work stays in this transaction."""
    from dtoa.referrals.notices import change_notice

    outbox = settings.path("outbox")
    drafts = []
    for referral, detention, test, initial in _due(session, changes):
        drafts += [letter for letter in (
            _referral_letter(session, settings, referral, detention, test, initial, now),
            change_notice(session, settings, referral, detention, initial, now)) if letter]
    pdfs = html_to_pdfs([letter.html for letter in drafts])
    return [record(session, letter, pdf, now, outbox, actor) for letter, pdf in zip(
        drafts, pdfs, strict=True)]
