"""May this detained person be tested for specified drugs? PACE 1984 s.63B.

Every condition is judged at one moment: when the sample is taken (the conditions are in the
present tense: a person arrested at 23:30 aged 17 who is 18 when the sample is taken at 00:30
meets the age condition; a suite that goes live at midnight covers a sample taken after it).
With no sample, a detention is judged at the arrest (arrest condition) and, once charged, at the
charge (charge condition).

    arrest condition (s.63B(1A)): not yet charged; a trigger offence, or an inspector's
        authority; notified for arrest cases; aged 18 or over.
    charge condition (s.63B(2)): charged; a trigger offence, or an inspector's authority;
        notified for charge cases; aged 18 or over, or 14 or over where the suite is notified
        for persons under 18 (s.63B(3), (4B)).

Pure functions: the offences (already classified on the date), the suite's notifications and
the person's age on the date come in as arguments.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dtoa.rules.ages import age_on
from dtoa.rules.offences import Finding
from dtoa.rules.states import Condition, Flag, IneligibleReason, Route

NOT_TRIGGER_NO_AUTHORITY = IneligibleReason.NOT_TRIGGER_NO_AUTHORITY
SUITE_NOT_LIVE = IneligibleReason.SUITE_NOT_LIVE
UNDER_AGE = IneligibleReason.UNDER_AGE
INELIGIBLE_REASONS = tuple(IneligibleReason)
ROUTE_TRIGGER, ROUTE_INSPECTOR = Route.TRIGGER, Route.INSPECTOR
ADULT = 18  # s.63B(3)(a): the arrest condition, and the charge condition by default
CHILD_ON_CHARGE = 14  # s.63B(3)(b): the charge condition where notified for under-18s


@dataclass(frozen=True)
class Facts:
    """What the custody record says, its offences classified on the date being judged."""

    birth_date: date
    offences: tuple[Finding, ...]
    inspector_authorised: bool = False
    authorising_inspector: str | None = None


@dataclass(frozen=True)
class Notified:
    """Which of the suite's notifications (s.63B(4A)-(4B)) were in force on the date."""

    arrest: bool
    charge: bool
    under_18: bool

    def for_condition(self, condition: Condition) -> bool:
        return self.arrest if condition == Condition.ARREST else self.charge


@dataclass(frozen=True)
class Eligibility:
    in_scope: bool
    eligible: bool
    route: Route | None  # "trigger" wins over "inspector" when both apply
    reasons: tuple[IneligibleReason, ...]  # every condition that fails, most fundamental first
    trigger_offence: str | None  # the first trigger offence's catalogue key
    condition: Condition
    flags: tuple[Flag, ...] = ()

    @property
    def reason(self) -> IneligibleReason | None:
        return self.reasons[0] if self.reasons else None

    @property
    def under_age(self) -> bool:
        return UNDER_AGE in self.reasons


def condition_of(sample_at, charged_at) -> Condition:  # noqa: ANN001  (aware datetimes)
    """s.63B(1A)/(2): a sample before charge (or with no charge) is under the arrest condition;
    at or after the charge, under the charge condition."""
    if charged_at is None or sample_at < charged_at:
        return Condition.ARREST
    return Condition.CHARGE


def route(facts: Facts) -> Route | None:
    """Arrested for a trigger offence, or an inspector (or above) authorised the sample because
    they suspect misuse of a specified drug caused or contributed to the offence. The authority
    and its grounds are recorded as soon as practicable after the sample (s.63C(3)-(4)): an
    authority with no inspector named yet is an incomplete record, flagged, not no authority."""
    if any(o.is_trigger for o in facts.offences):
        return ROUTE_TRIGGER
    if facts.inspector_authorised:
        return ROUTE_INSPECTOR
    return None


def minimum_age(condition: Condition, notified: Notified) -> int:
    """s.63B(3): 18 under the arrest condition; under the charge condition 14 where the suite is
    notified for persons under 18, otherwise 18."""
    if condition == Condition.CHARGE and notified.under_18:
        return CHILD_ON_CHARGE
    return ADULT


def assess(facts: Facts, condition: Condition, on: date, notified: Notified) -> Eligibility:
    """In scope: a trigger offence or an inspector's authority, at any age. Eligible: in scope,
    the suite notified for the condition, and the person old enough, all on `on` (the local
    date of the sample, or of the arrest or charge when there is none)."""
    how = route(facts)
    reasons = [] if how else [NOT_TRIGGER_NO_AUTHORITY]
    if not notified.for_condition(condition):
        reasons.append(SUITE_NOT_LIVE)
    if age_on(facts.birth_date, on) < minimum_age(condition, notified):
        reasons.append(UNDER_AGE)
    unrecorded = facts.inspector_authorised and not (facts.authorising_inspector or "").strip()
    return Eligibility(
        in_scope=how is not None,
        eligible=not reasons,
        route=how,
        reasons=tuple(reasons),
        trigger_offence=next((o.key for o in facts.offences if o.is_trigger), None),
        condition=condition,
        flags=(Flag.AUTHORITY_UNRECORDED,) if unrecorded else (),
    )
