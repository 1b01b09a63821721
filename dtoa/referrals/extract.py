"""A requirement served by a force's custody system, given in the tests extract.

Some custody systems book the initial assessment and print the notice themselves; their tests
extract then carries `requirement_served_at`, `assessment_at` and `assessment_provider` (a
provider code), and optionally `assessment_setting` (`community`, the default, or `custody`: an
in-custody assessment at the detention's suite, before release). The system records the
requirement as served with that appointment (it renders no notice: the custody system gave its
own). Refused, with line, column and reason: some of the
three columns without the others, an unknown provider, a time served in the future or before
the sample, an assessment before the time served, a test that supports no requirement. Kept and
flagged for review, not refused: an assessment after the usual deadline (`after_deadline`) or
with less than the usual notice (`short_notice`).

`dtoa.ingest.tests` parses the columns (`parse_requirement`) and checks them against the
detention (`check_requirement`); `dtoa.ingest.writers.write_tests` calls `record_requirements`
once the test rows are stored, in the batch's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import select
from sqlmodel import Session

from dtoa.clock import as_utc
from dtoa.config import Settings
from dtoa.ingest.csvfile import FieldError, parse_instant, text
from dtoa.models import Appointment, Detention, DrugTest, Referral
from dtoa.referrals.booking import add_appointment
from dtoa.referrals.changes import set_appointment_state
from dtoa.referrals.create import ReferenceBook, facts_of, new_referral, window_for
from dtoa.referrals.serve import NOT_REQUIRABLE
from dtoa.rules.calendar import WorkingCalendar
from dtoa.rules.outcomes import REQUESTED
from dtoa.rules.referrals import no_referral_reason
from dtoa.rules.states import AssessmentSetting, RequirementFlag
from dtoa.store import change

COLUMNS = ("requirement_served_at", "assessment_at", "assessment_provider")
SETTING = "assessment_setting"  # optional; only with the three above
REQUIREMENT = "requirement"  # the key of a parsed test row that carries one
FROM_CUSTODY_SYSTEM = "custody system"


@dataclass(frozen=True)
class ServedInExtract:
    served_at: datetime  # UTC
    assessment_at: datetime  # UTC
    provider: str
    officer: str  # the test's officer, else "custody system"
    setting: AssessmentSetting = AssessmentSetting.COMMUNITY


def parse_requirement(values: dict[str, str], settings: Settings, tested_at: datetime,
                      now: datetime) -> ServedInExtract | None:
    """The three columns of one tests row, checked on their own; None when all are empty."""
    given = [c for c in COLUMNS if (values.get(c) or "").strip()]
    setting = _setting(values)
    if not given:
        if setting is not None:
            raise FieldError(SETTING, values[SETTING], "an assessment setting goes with "
                             "requirement_served_at, assessment_at and assessment_provider")
        return None
    if len(given) < len(COLUMNS):
        missing = next(c for c in COLUMNS if c not in given)
        raise FieldError(missing, "", "requirement_served_at, assessment_at and "
                                      "assessment_provider go together: give all three or none")
    provider = text(values, "assessment_provider").upper()
    if provider not in settings.providers_by_code:
        raise FieldError("assessment_provider", values["assessment_provider"],
                         f"unknown provider code; configured: "
                         f"{', '.join(settings.providers_by_code)}")
    served_at = parse_instant(values, "requirement_served_at", settings.tz)
    if served_at > now:
        raise FieldError("requirement_served_at", values["requirement_served_at"],
                         "the time served is in the future")
    if served_at < tested_at:
        raise FieldError("requirement_served_at", values["requirement_served_at"],
                         "the requirement was served before the sample was taken: a "
                         "requirement follows a positive test (Drugs Act 2005 s.9)")
    assessment_at = parse_instant(values, "assessment_at", settings.tz)
    if assessment_at <= served_at:
        raise FieldError("assessment_at", values["assessment_at"],
                         "the assessment is not after the time the requirement was served")
    officer = text(values, "officer_ref", required=False) or FROM_CUSTODY_SYSTEM
    return ServedInExtract(as_utc(served_at), as_utc(assessment_at), provider, officer,
                           setting or AssessmentSetting.COMMUNITY)


def _setting(values: dict[str, str]) -> AssessmentSetting | None:
    given = (values.get(SETTING) or "").strip().lower()
    if not given:
        return None
    try:
        return AssessmentSetting(given)
    except ValueError:
        raise FieldError(SETTING, values[SETTING], "expected community or custody") from None


def check_requirement(row: dict, detention: object, settings: Settings) -> None:
    """A row carrying a requirement must be a sample that supports one: the same decision as
    at the desk, `no_referral_reason(facts_of(...))`. Called once the row has passed the
    checks against its detention, so a tested sample was lawful when it was taken (PACE 1984
    s.63B, judged at the sample); `detention` has the detention's `suite` and `birth_date`."""
    served: ServedInExtract | None = row.get(REQUIREMENT)
    if served is None:
        return
    if detention.suite not in settings.suites_by_code:
        raise FieldError("requirement_served_at", served.served_at.isoformat(),
                         f"custody suite {detention.suite} is not configured")
    test = SimpleNamespace(**{k: row.get(k) for k in ("result", "tested_at", "disputed",
                                                      "positive_specified")},
                           lab_confirmed=None, superseded=False)
    lawful = SimpleNamespace(eligible=row["outcome"] in REQUESTED,
                             birth_date=detention.birth_date)
    reason = no_referral_reason(facts_of(test, lawful, settings))
    if reason:
        raise FieldError("requirement_served_at", served.served_at.isoformat(),
                         NOT_REQUIRABLE.get(reason, reason))


def record_requirements(session: Session, settings: Settings,
                        served: list[tuple[int, int, ServedInExtract]], *, now: datetime,
                        actor: str) -> int:
    """Record each (detention id, sample number, requirement) of stored sample rows as a
    served referral with its initial assessment, audited; a repeat changes nothing, a
    correction is applied. Returns how many were recorded or corrected."""
    references, calendar, recorded = ReferenceBook(session), WorkingCalendar(), 0
    for detention_id, sample, requirement in served:
        test, detention, referral = session.execute(
            select(DrugTest, Detention, Referral)
            .join(Detention, Detention.id == DrugTest.detention_id)
            .outerjoin(Referral, Referral.detention_id == Detention.id)
            .where(DrugTest.detention_id == detention_id, DrugTest.sample == sample)).one()
        window = window_for(test, settings, calendar, requirement.served_at)
        flags = _flags(requirement, window.latest, settings)
        if referral is not None and referral.served_at is not None:
            recorded += _correct(session, settings, referral, requirement, flags, now, actor)
            continue
        for earlier in _booked(session, referral):  # an unserved referral of an earlier build
            set_appointment_state(session, earlier, "cancelled", at=now, actor=actor,
                                  reason="requirement served by the custody system")
        referral = new_referral(session, settings, references, test=test, detention=detention,
                                provider=requirement.provider, deadline_at=window.latest,
                                served_at=requirement.served_at, served_by=requirement.officer,
                                flags=flags, now=now, actor=actor, unserved=referral)
        _book(session, settings, referral, requirement, now, actor)
        recorded += 1
    return recorded


def _flags(requirement: ServedInExtract, deadline: datetime, settings: Settings) -> list[str]:
    flags = []
    if requirement.assessment_at > deadline:
        flags.append(RequirementFlag.AFTER_DEADLINE)
    notice = timedelta(hours=settings.referrals.notice_hours)
    if requirement.assessment_at < requirement.served_at + notice:
        flags.append(RequirementFlag.SHORT_NOTICE)
    return flags


def _book(session: Session, settings: Settings, referral: Referral,
          requirement: ServedInExtract, now: datetime, actor: str) -> Appointment:
    in_custody = requirement.setting == AssessmentSetting.CUSTODY
    return add_appointment(session, referral=referral,
                           provider=settings.providers_by_code[requirement.provider],
                           kind="initial", slot=requirement.assessment_at, at=now, actor=actor,
                           reason="initial assessment (Drugs Act 2005 s.9), booked and served "
                                  "by the custody system",
                           custody_suite=settings.suites_by_code[referral.suite]
                           if in_custody else None)


def _booked(session: Session, referral: Referral | None) -> list[Appointment]:
    if referral is None:
        return []
    return list(session.execute(select(Appointment).where(
        Appointment.referral_id == referral.id, Appointment.kind == "initial",
        Appointment.state == "booked")).scalars())


def _correct(session: Session, settings: Settings, referral: Referral,
             requirement: ServedInExtract, flags: list[str], now: datetime, actor: str) -> int:
    """A served requirement given again: nothing when it is the same; when the custody system
    corrected it, the referral is updated and a changed appointment replaced (audited)."""
    booked = _booked(session, referral)
    same_slot = any(as_utc(a.scheduled_at) == requirement.assessment_at
                    and a.provider == requirement.provider
                    and a.setting == requirement.setting for a in booked)
    changed = change(session, referral, entity="referral", action="served_corrected", at=now,
                     actor=actor, served_at=requirement.served_at,
                     served_by=requirement.officer, provider=requirement.provider,
                     flags=";".join(flags) or None)
    if same_slot:
        return int(bool(changed))
    for appointment in booked:
        set_appointment_state(session, appointment, "cancelled", at=now, actor=actor,
                              reason="corrected by the custody system")
    _book(session, settings, referral, requirement, now, actor)
    return 1
