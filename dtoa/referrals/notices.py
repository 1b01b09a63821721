"""The person's notices: the notice of requirement (historic form RA1) an officer prints and
hands over at the custody desk, and the notice of a change of time or place (RA2).

Drugs Act 2005 s.9(2) and s.11: the officer tells the person of the requirement, its time and
place, and the consequences of failing to comply, and gives it in writing before release. The
notices name the person (by name where known, else by reference), and are filed under
`outbox/<suite>/notices/<date>/`, never among a provider's letters: a provider sees references,
not the person's notices.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlmodel import Session

from dtoa.config import Settings
from dtoa.models import Appointment, Detention, Referral
from dtoa.referrals.letters import Draft, Issued, draft, last_letter, record, stated_by
from dtoa.referrals.wording import (
    addressed_to,
    appointment,
    contacts,
    long_instant,
    what_changed,
)
from dtoa.render import html_to_pdf
from dtoa.rules.states import LetterKind

PERSON_LETTERS = (LetterKind.NOTICE, LetterKind.CHANGE_NOTICE)


def notices_folder(referral: Referral) -> Path:
    """Where the person's notices of a suite go, relative to the outbox."""
    return Path(referral.suite) / "notices"


def _shared(settings: Settings, referral: Referral, detention: Detention,
            initial: Appointment) -> dict:
    return {"reference": referral.reference, "person": addressed_to(detention),
            "suite": settings.suites_by_code[referral.suite].name,
            **contacts(settings, initial.provider),
            **appointment(initial.scheduled_at, initial.location, settings)}


def issue_notice(session: Session, settings: Settings, referral: Referral,
                 detention: Detention, initial: Appointment, now: datetime,
                 actor: str) -> Issued:
    """Render the notice of requirement (RA1) for a requirement being served, write it to the
    suite's notices folder and record it, in the caller's transaction. It states who served it
    and when, and is dated (and filed) on the day it was served."""
    stated = {**_shared(settings, referral, detention, initial),
              "served_when": long_instant(referral.served_at, settings),
              "served_by": referral.served_by}
    letter = draft(settings, referral, LetterKind.NOTICE, stated, last=None,
                   now=referral.served_at, folder=notices_folder(referral))
    return record(session, letter, html_to_pdf(letter.html), now, settings.path("outbox"),
                  actor)


def _told(session: Session, settings: Settings, referral: Referral) -> dict | None:
    """The initial assessment's time and place as the person was last told them in writing:
    by the last notice issued here, else (a requirement served by a custody system, which gave
    its own notice) the appointment booked when it was served."""
    said = stated_by(last_letter(session, referral.id, PERSON_LETTERS))
    if said is not None:
        return {k: said.get(k) for k in ("appointment_at", "appointment_place")}
    first = session.execute(select(Appointment).where(
        Appointment.referral_id == referral.id, Appointment.kind == "initial",
        Appointment.replaces_id.is_(None)).order_by(Appointment.id)).scalars().first()
    if first is None:
        return None
    return {k: v for k, v in appointment(first.scheduled_at, first.location, settings).items()
            if k != "appointment_when"}


def change_notice(session: Session, settings: Settings, referral: Referral,
                  detention: Detention, initial: Appointment, now: datetime) -> Draft | None:
    """A notice of change (RA2) when the booked initial assessment is no longer the time and
    place the person was last told; None when it is (or it never moved)."""
    if initial.replaces_id is None:
        return None
    told = _told(session, settings, referral)
    current = appointment(initial.scheduled_at, initial.location, settings)
    if told is None or (told["appointment_at"], told["appointment_place"]) == (
            current["appointment_at"], current["appointment_place"]):
        return None
    was = datetime.fromisoformat(told["appointment_at"])
    stated = {**_shared(settings, referral, detention, initial),
              "was_when": long_instant(was, settings), "was_place": told["appointment_place"]}
    last = last_letter(session, referral.id, (LetterKind.CHANGE_NOTICE,))
    return draft(settings, referral, LetterKind.CHANGE_NOTICE, stated, last=last, now=now,
                 folder=notices_folder(referral),
                 changes=what_changed(told, current, settings))
