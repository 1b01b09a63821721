"""May this detained person be tested for specified Class A drugs? PACE 1984 s.63B.

Pure functions: the suite, the catalogue and the arrest facts come in as arguments.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dtoa.rules.ages import age_on
from dtoa.rules.offences import OffenceFinding

# Reason codes for a detention that is not eligible, in the order they are reported.
NOT_TRIGGER_NO_AUTHORITY = "not_trigger_no_authority"
AUTHORITY_WITHOUT_INSPECTOR = "authority_without_inspector"
SUITE_NOT_LIVE = "suite_not_live"
UNDER_AGE = "under_age"
INELIGIBLE_REASONS = (
    NOT_TRIGGER_NO_AUTHORITY,
    AUTHORITY_WITHOUT_INSPECTOR,
    SUITE_NOT_LIVE,
    UNDER_AGE,
)

ROUTE_TRIGGER = "trigger"
ROUTE_INSPECTOR = "inspector"


@dataclass(frozen=True)
class ArrestFacts:
    """What the custody record says, already resolved against the offence catalogue."""

    arrest_date: date  # local (Europe/London) date of arrest
    birth_date: date
    offences: tuple[OffenceFinding, ...]
    inspector_authorised: bool = False
    authorising_inspector: str | None = None


@dataclass(frozen=True)
class SuiteFacts:
    live_from: date
    min_age: int


@dataclass(frozen=True)
class Eligibility:
    in_scope: bool
    eligible: bool
    route: str | None  # "trigger" wins over "inspector" when both apply
    reasons: tuple[str, ...]  # every condition that fails, most fundamental first
    trigger_offence: str | None  # the first trigger offence's catalogue key

    @property
    def reason(self) -> str | None:
        return self.reasons[0] if self.reasons else None


def route(facts: ArrestFacts) -> tuple[str | None, str | None]:
    """The arrest condition (s.63B(1A)): arrested for a trigger offence, or an inspector or above
    authorised the test because they suspect Class A misuse caused or contributed to the offence.

    Returns (route, reason-if-none). An authorisation with no inspector named is no authority:
    s.63B(5C) requires the authorisation and its grounds on the custody record.
    """
    if any(o.is_trigger for o in facts.offences):
        return ROUTE_TRIGGER, None
    if facts.inspector_authorised and (facts.authorising_inspector or "").strip():
        return ROUTE_INSPECTOR, None
    if facts.inspector_authorised:
        return None, AUTHORITY_WITHOUT_INSPECTOR
    return None, NOT_TRIGGER_NO_AUTHORITY


def suite_live(suite: SuiteFacts, arrest_date: date) -> bool:
    """The notification condition (s.63B(4A)): the suite's testing arrangements were notified
    and in force on the arrest date."""
    return arrest_date >= suite.live_from


def old_enough(suite: SuiteFacts, facts: ArrestFacts) -> bool:
    """The age condition (s.63B(3)): the person has attained the minimum age (18 after arrest;
    14 where the suite is notified for 14 to 17 year olds) on the arrest date."""
    return age_on(facts.birth_date, facts.arrest_date) >= suite.min_age


def assess(facts: ArrestFacts, suite: SuiteFacts) -> Eligibility:
    """In scope: a trigger offence or a valid inspector's authority, at any age.
    Eligible: in scope, the suite live on the arrest date and the age condition met."""
    how, no_route = route(facts)
    reasons = [no_route] if no_route else []
    if not suite_live(suite, facts.arrest_date):
        reasons.append(SUITE_NOT_LIVE)
    if not old_enough(suite, facts):
        reasons.append(UNDER_AGE)
    trigger = next((o.key for o in facts.offences if o.is_trigger), None)
    return Eligibility(
        in_scope=how is not None,
        eligible=not reasons,
        route=how,
        reasons=tuple(reasons),
        trigger_offence=trigger,
    )
