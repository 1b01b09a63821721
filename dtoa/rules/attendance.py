"""Assessment outcomes reported by providers, and which outcome may follow which state.

Drugs Act 2005 Part 3: a person required to attend an initial assessment (s.9) must also attend
a follow-up assessment (s.10) unless the initial assessor says it is not needed; the assessor
tells the police of a failure to attend or to remain (ss.12, 14). Failing without good cause is
an offence (s.12 initial, s.14 follow-up).

The state machine (appointment states on the left; the referral state each outcome leads to):

    booked ──(time + outcome_grace_hours passes, sweep)──► outcome_overdue
    booked | outcome_overdue ──attended──► attended
        initial, follow-up required  → a follow-up is booked; referral awaiting_assessment
        initial, follow-up not required (s.10 requirement ceases) → referral attended
        follow-up                    → referral attended
    booked | outcome_overdue ──failed_to_attend | failed_to_remain──► same; referral same
        (the sweep then opens a prosecution case: s.12 initial, s.14 follow-up)
    booked | outcome_overdue ──rescheduled (new time)──► rescheduled; a replacement appointment
        is booked at the new time; referral rescheduled
    booked | outcome_overdue | failed_to_attend | failed_to_remain ──good_cause──► good_cause
        no offence, so no prosecution case (an open one closes as good_cause_accepted);
        with a new time a replacement is booked (referral rescheduled); without one the
        requirement is spent (referral requirement_ceased)

attended, rescheduled and good_cause are final. A withdrawn referral takes no outcomes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

ATTENDED = "attended"
FAILED_TO_ATTEND = "failed_to_attend"
FAILED_TO_REMAIN = "failed_to_remain"
RESCHEDULED = "rescheduled"
GOOD_CAUSE = "good_cause"
OUTCOMES = (ATTENDED, FAILED_TO_ATTEND, FAILED_TO_REMAIN, RESCHEDULED, GOOD_CAUSE)
INITIAL, FOLLOW_UP = "initial", "follow_up"
ASSESSMENTS = (INITIAL, FOLLOW_UP)
FAILURES = frozenset({FAILED_TO_ATTEND, FAILED_TO_REMAIN})
BOOKED, OUTCOME_OVERDUE = "booked", "outcome_overdue"
AWAITING_OUTCOME = frozenset({BOOKED, OUTCOME_OVERDUE})

# Which reported outcome may follow which appointment state.
ALLOWED = {
    BOOKED: frozenset(OUTCOMES),
    OUTCOME_OVERDUE: frozenset(OUTCOMES),
    FAILED_TO_ATTEND: frozenset({GOOD_CAUSE}),
    FAILED_TO_REMAIN: frozenset({GOOD_CAUSE}),
}


@dataclass(frozen=True)
class Refusal:
    """Why a report cannot be applied: a reason code, the input column at fault, and words a
    provider or clerk can act on."""

    code: str
    column: str
    reason: str


def check_report(assessment: str, outcome: str, *, outcome_at: datetime,
                 new_appointment_at: datetime | None,
                 follow_up_required: bool | None) -> Refusal | None:
    """A report must be complete on its own: a reschedule says when (an RA2 notice needs a new
    time); an attended initial assessment says whether a follow-up is required (s.10; s.13
    requires the assessor to say so before the initial assessment ends). A `false` on any other
    outcome is redundant and accepted; only `true` there contradicts the outcome."""
    if outcome == RESCHEDULED and new_appointment_at is None:
        return Refusal("new_time_missing", "new_appointment_at",
                       "a rescheduled assessment needs new_appointment_at")
    initial_attended = assessment == INITIAL and outcome == ATTENDED
    if new_appointment_at is not None:
        if outcome not in (RESCHEDULED, GOOD_CAUSE) and not (
                initial_attended and follow_up_required):
            return Refusal("new_time_unexpected", "new_appointment_at",
                           "a new appointment time only goes with rescheduled, good_cause, or "
                           "an attended initial assessment that requires a follow-up")
        if new_appointment_at <= outcome_at:
            return Refusal("new_time_not_after_outcome", "new_appointment_at",
                           "the new appointment must be after outcome_at")
    if initial_attended and follow_up_required is None:
        return Refusal("follow_up_unknown", "follow_up_required",
                       "an attended initial assessment must say whether a follow-up is "
                       "required (true or false; Drugs Act 2005 s.10)")
    if not initial_attended and follow_up_required:
        return Refusal("follow_up_unexpected", "follow_up_required",
                       "follow_up_required=true only goes with an attended initial assessment")
    return None


def follow_up_decision(assessment: str, outcome: str, follow_up_required: bool | None
                       ) -> bool | None:
    """The assessor's s.10 decision as it applies: only an attended initial assessment has one.
    A provider's export may fill the column on every row; `false` (or empty) on any other
    outcome says nothing and is dropped, so it is never read as "follow-up not required"."""
    return follow_up_required if assessment == INITIAL and outcome == ATTENDED else None


def check_transition(state: str, outcome: str, *, scheduled_at: datetime, outcome_at: datetime,
                     scheduled_on: date, outcome_on: date) -> Refusal | None:
    """Whether `outcome` may be reported for an appointment now in `state`. Nobody fails to
    attend before the appointment time, and nobody attends, leaves or shows good cause on a day
    before the appointment's (local) day."""
    if outcome not in ALLOWED.get(state, frozenset()):
        return Refusal("not_allowed_in_state", "outcome",
                       f"the appointment is already {state}; {outcome} cannot follow it")
    if outcome == FAILED_TO_ATTEND and outcome_at < scheduled_at:
        return Refusal("before_appointment", "outcome_at",
                       "a failure to attend cannot be reported before the appointment time")
    if outcome in (ATTENDED, FAILED_TO_REMAIN, GOOD_CAUSE) and outcome_on < scheduled_on:
        return Refusal("before_appointment", "outcome_at",
                       f"{outcome} is dated before the appointment's day")
    return None


def check_referral(state: str) -> Refusal | None:
    """A withdrawn referral (e.g. a disputed result the laboratory did not confirm) is over."""
    if state == "withdrawn":
        return Refusal("referral_withdrawn", "reference", "the referral was withdrawn")
    return None


def referral_state_after(assessment: str, outcome: str, *, follow_up_required: bool | None,
                         new_appointment: bool) -> str:
    """Where the whole requirement stands after an outcome (see the module docstring)."""
    if outcome == RESCHEDULED or (outcome == GOOD_CAUSE and new_appointment):
        return "rescheduled"
    if outcome == GOOD_CAUSE:
        return "requirement_ceased"
    if outcome in FAILURES:
        return outcome
    if assessment == INITIAL and follow_up_required:
        return "awaiting_assessment"
    return "attended"


def is_overdue(state: str, scheduled_at: datetime, now: datetime, grace_hours: int) -> bool:
    """No outcome reported once the appointment time plus the provider's grace period has
    passed: the police chase the provider."""
    return state == BOOKED and scheduled_at + timedelta(hours=grace_hours) <= now
