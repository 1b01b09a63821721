"""Imposing the requirement at the custody desk (Drugs Act 2005 ss.9-11).

After a positive test of a person aged 18 or over, an officer may require them to attend an
initial assessment (s.9) and must then also require a follow-up assessment (s.10). The officer
imposes it while the person is in police detention: tells them the time and place, warns them
of the consequences of failing to comply, and gives it in writing before release (s.9(2),
s.11; form RA1). A notice posted after release imposes nothing.

So the desk, once a positive result is recorded: offers the free in-custody sessions at the
suite, when a provider runs any there (`dtoa.referrals.in_custody`), and the provider's first
free community sessions before the deadline (`offer`), books the one the officer picks (by
default the first offered: in custody when one is free), records who served it and when
(audited), and renders the notice to print and hand over (`serve`). The provider is told by the
nightly run's referral letter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlmodel import Session

from dtoa.clock import as_utc
from dtoa.config import Provider, Settings
from dtoa.models import Appointment, Detention, DrugTest, Letter, Referral
from dtoa.referrals.booking import add_appointment, free_sessions, lock_provider
from dtoa.referrals.changes import set_appointment_state
from dtoa.referrals.create import (
    ReferenceBook,
    facts_of,
    lock_references,
    new_referral,
    window_for,
)
from dtoa.referrals.in_custody import CustodySlot, claim_custody_slot, custody_slots
from dtoa.referrals.notices import issue_notice
from dtoa.rules.calendar import WorkingCalendar
from dtoa.rules.referrals import (
    DETENTION_NOT_ELIGIBLE,
    LAB_NOT_CONFIRMED,
    NOT_POSITIVE,
    UNDER_18,
    BookingWindow,
    no_referral_reason,
    route_provider,
)
from dtoa.rules.states import LetterKind, RequirementFlag

OFFERED = 5  # sessions offered before the deadline
LATER = 3  # when none is free before it, the first sessions after it
LATER_HORIZON = timedelta(days=28)

# Why no requirement can be imposed, in words an officer can act on.
NOT_REQUIRABLE = {
    NOT_POSITIVE: "the test was not positive for a specified drug: no requirement to attend "
                  "assessment can be imposed (Drugs Act 2005 s.9(1)(a))",
    DETENTION_NOT_ELIGIBLE: "the test was not a lawful test under PACE 1984 s.63B (the "
                            "detention is not eligible): no requirement can rest on it",
    UNDER_18: "under 18: a requirement to attend assessment applies only from 18 (Drugs Act "
              "2005 s.9(1)(b))",
    LAB_NOT_CONFIRMED: "the laboratory did not confirm the disputed positive: no requirement "
                       "can rest on it",
}


class RequirementError(ValueError):
    """A requirement that cannot be offered or served, with the reason in words."""


@dataclass(frozen=True)
class Offer:
    """What the desk offers: the person's provider, the booking window (notice period from the
    time of serving to the deadline), the first free community sessions in it, and, only when
    none is free before the deadline, the first free ones after it (to choose explicitly);
    and the free in-custody sessions at the suite (any provider's; offered first)."""

    provider: Provider
    window: BookingWindow
    sessions: tuple[datetime, ...]
    later: tuple[datetime, ...]
    in_custody: tuple[CustodySlot, ...] = ()


@dataclass(frozen=True)
class Served:
    """A requirement served: its reference, the initial assessment booked, the notice."""

    reference: str
    provider: Provider
    appointment_at: datetime
    location: str
    deadline_at: datetime
    served_at: datetime
    served_by: str
    flags: tuple[str, ...]
    notice: Path | None  # the notice's PDF (absolute); None when a custody system served it
    already: bool = False  # it had been served before; nothing was changed
    setting: str = "community"  # where the initial assessment is held (AssessmentSetting)


def _positive(session: Session, suite: str, custody_ref: str
              ) -> tuple[DrugTest, Detention, Referral | None]:
    found = session.execute(
        select(DrugTest, Detention, Referral)
        .join(Detention, Detention.id == DrugTest.detention_id)
        .outerjoin(Referral, Referral.drug_test_id == DrugTest.id)
        .where(Detention.suite == suite.strip().upper(),
               Detention.custody_ref == custody_ref.strip(),
               Detention.anonymised_at.is_(None), DrugTest.superseded.is_(False))).first()
    if found is None:
        raise RequirementError(f"no test is recorded for detention {suite}/{custody_ref}: "
                               "record the test outcome first")
    return found[0], found[1], found[2]


def _requirable(settings: Settings, test: DrugTest, detention: Detention) -> None:
    reason = no_referral_reason(facts_of(test, detention, settings))
    if reason:
        raise RequirementError(NOT_REQUIRABLE.get(reason, reason))


def _offer(session: Session, settings: Settings, test: DrugTest, detention: Detention,
           served_at: datetime, calendar: WorkingCalendar) -> Offer:
    suite = settings.suites_by_code[detention.suite]
    provider = settings.providers_by_code[route_provider(
        detention.home_area, settings.providers, suite.default_provider)]
    window = window_for(test, settings, calendar, served_at)
    sessions = free_sessions(session, settings, provider, window.earliest, window.latest,
                             limit=OFFERED, calendar=calendar)
    later: list[datetime] = []
    if not sessions:
        after = max(window.earliest, window.latest + timedelta(seconds=1))
        later = free_sessions(session, settings, provider, after, after + LATER_HORIZON,
                              limit=LATER, calendar=calendar)
    in_custody = custody_slots(session, settings, suite=detention.suite, test=test,
                               served_at=served_at, deadline=window.latest, calendar=calendar,
                               limit=OFFERED)
    return Offer(provider, window, tuple(sessions), tuple(later), in_custody)


def offer(session: Session, settings: Settings, *, suite: str, custody_ref: str,
          at: datetime) -> Offer:
    """The sessions the desk offers for a requirement served at `at`; RequirementError when
    the test supports no requirement or one is already served."""
    test, detention, referral = _positive(session, suite, custody_ref)
    if referral is not None and referral.served_at is not None:
        raise RequirementError(f"the requirement was already served: {referral.reference}")
    _requirable(settings, test, detention)
    return _offer(session, settings, test, detention, as_utc(at), WorkingCalendar())


def serve(session: Session, settings: Settings, *, suite: str, custody_ref: str,
          officer: str, served_at: datetime, now: datetime, slot: datetime | None = None,
          actor: str, in_custody: bool | None = None) -> Served:
    """Impose the requirement for the detention's positive test, in the caller's transaction:
    book `slot` (one of the offered sessions; the first when None), record the officer and the
    time served, and render the notice (RA1) to hand over. `in_custody` True books an
    in-custody session at the suite, False a community session, None the first offered (in
    custody when one is free). Serving it again changes nothing and returns what was served.
    RequirementError says why it cannot be served."""
    officer, now, served_at = officer.strip(), as_utc(now), as_utc(served_at)
    if not officer:
        raise RequirementError("name the officer serving the requirement")
    known = settings.suites_by_code.get(suite.strip().upper())
    if known is None:
        raise RequirementError(f"unknown custody suite {suite!r}")
    lock_references(session, known.reference_prefix)  # before reading anything
    test, detention, referral = _positive(session, suite, custody_ref)
    if referral is not None and referral.served_at is not None:
        return served_view(session, settings, referral, already=True)
    _requirable(settings, test, detention)
    if served_at > now:
        raise RequirementError("the time served is in the future")
    if served_at < as_utc(test.tested_at):
        raise RequirementError("the time served is before the sample was taken: a "
                               "requirement follows a positive test (Drugs Act 2005 s.9)")
    calendar = WorkingCalendar()
    offered = _offer(session, settings, test, detention, served_at, calendar)
    custody = None
    if in_custody or (in_custody is None and slot is None and offered.in_custody):
        custody = claim_custody_slot(session, settings, suite=detention.suite, test=test,
                                     served_at=served_at, deadline=offered.window.latest,
                                     calendar=calendar, at=slot)
        if custody is None:
            raise RequirementError(_no_custody_place(settings, slot, detention.suite))
        provider, chosen, flags = custody.provider, custody.at, []
    else:
        provider = offered.provider
        lock_provider(session, provider.code)
        chosen, flags = _choose(session, settings, offered, slot, calendar)
    for earlier in _booked(session, referral):  # an unserved referral of an earlier build
        set_appointment_state(session, earlier, "cancelled", at=now, actor=actor,
                              reason="requirement served at the custody desk")
    referral = new_referral(session, settings, ReferenceBook(session), test=test,
                            detention=detention, provider=provider.code,
                            deadline_at=offered.window.latest, served_at=served_at,
                            served_by=officer, flags=flags, now=now, actor=actor,
                            unserved=referral)
    initial = add_appointment(session, referral=referral, provider=provider,
                              kind="initial", slot=chosen, at=now, actor=actor,
                              reason="initial assessment (Drugs Act 2005 s.9), served at the "
                                     "custody desk", custody_suite=custody and custody.suite)
    issue_notice(session, settings, referral, detention, initial, now, actor)
    return served_view(session, settings, referral)


def _choose(session: Session, settings: Settings, offered: Offer, slot: datetime | None,
            calendar: WorkingCalendar) -> tuple[datetime, list[str]]:
    """The session to book and the flags it carries."""
    local = settings.tz
    if slot is None:
        if offered.sessions:
            return offered.sessions[0], []
        later = ", ".join(f"{s.astimezone(local):%Y-%m-%dT%H:%M}" for s in offered.later)
        raise RequirementError(
            f"no free session with {offered.provider.name} before the deadline "
            f"({offered.window.latest.astimezone(local):%a %d %b %Y %H:%M}); "
            + (f"the next free sessions are {later}: choose one to serve it late"
               if later else "none in the four weeks after it either: add sessions"))
    slot = as_utc(slot)
    if slot < offered.window.earliest:
        raise RequirementError(
            f"{slot.astimezone(local):%Y-%m-%d %H:%M} gives less than "
            f"{settings.referrals.notice_hours} hours' notice")
    free = free_sessions(session, settings, offered.provider, slot, slot, limit=1,
                         calendar=calendar)
    if free != [slot]:
        raise RequirementError(f"{slot.astimezone(local):%Y-%m-%d %H:%M} is not a session of "
                               f"{offered.provider.name} with a free place")
    return slot, [RequirementFlag.AFTER_DEADLINE] if slot > offered.window.latest else []


def _no_custody_place(settings: Settings, slot: datetime | None, suite: str) -> str:
    where = settings.suites_by_code[suite].name
    if slot is None:
        return (f"no in-custody session with a free place at {where} in the next "
                f"{settings.referrals.in_custody_hours} hours: book a community session")
    return (f"{slot.astimezone(settings.tz):%Y-%m-%d %H:%M} is not an in-custody session with "
            f"a free place at {where} within {settings.referrals.in_custody_hours} hours")


def _booked(session: Session, referral: Referral | None) -> list[Appointment]:
    if referral is None:
        return []
    return list(session.execute(select(Appointment).where(
        Appointment.referral_id == referral.id, Appointment.state == "booked")).scalars())


def served_view(session: Session, settings: Settings, referral: Referral, *,
                already: bool = False) -> Served:
    """What was served for a referral: its live initial assessment and its notice, if any."""
    initial = session.execute(select(Appointment).where(
        Appointment.referral_id == referral.id, Appointment.kind == "initial")
        .order_by(Appointment.id.desc())).scalars().first()
    notice = session.execute(select(Letter).where(
        Letter.referral_id == referral.id, Letter.kind == LetterKind.NOTICE)
        .order_by(Letter.version.desc())).scalars().first()
    return Served(referral.reference, settings.providers_by_code[referral.provider],
                  as_utc(initial.scheduled_at), initial.location, as_utc(referral.deadline_at),
                  as_utc(referral.served_at), referral.served_by or "",
                  tuple(f for f in (referral.flags or "").split(";") if f),
                  settings.path("outbox") / notice.path if notice else None, already,
                  initial.setting)
