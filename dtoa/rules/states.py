"""Every state and closed set of values the records take, as StrEnums.

Each is stored as text with a CHECK constraint naming its values (`dtoa.models.columns`), on
SQLite and PostgreSQL alike, so a typo in code or in hand-written SQL cannot invent a state.
A StrEnum member equals its text, so rules may compare with either. Adding a value is a
migration (the CHECK constraint changes).
"""

from __future__ import annotations

from enum import StrEnum


class ReferralState(StrEnum):
    """A requirement to attend assessment (Drugs Act 2005 ss.9-10); see rules/attendance.py."""

    AWAITING_ASSESSMENT = "awaiting_assessment"
    ATTENDED = "attended"
    FAILED_TO_ATTEND = "failed_to_attend"
    FAILED_TO_REMAIN = "failed_to_remain"
    RESCHEDULED = "rescheduled"
    REQUIREMENT_CEASED = "requirement_ceased"
    WITHDRAWN = "withdrawn"


class AppointmentKind(StrEnum):
    INITIAL = "initial"  # Drugs Act 2005 s.9
    FOLLOW_UP = "follow_up"  # s.10


class AppointmentState(StrEnum):
    BOOKED = "booked"
    ATTENDED = "attended"
    FAILED_TO_ATTEND = "failed_to_attend"
    FAILED_TO_REMAIN = "failed_to_remain"
    RESCHEDULED = "rescheduled"
    GOOD_CAUSE = "good_cause"
    OUTCOME_OVERDUE = "outcome_overdue"
    NOT_REQUIRED = "not_required"
    CANCELLED = "cancelled"  # the requirement fell (e.g. the laboratory did not confirm)


class AssessmentSetting(StrEnum):
    """Where an assessment is held: in the custody suite where the person is detained (an
    in-custody assessment, possibly at once, before release) or at the provider's premises in
    the community, after release."""

    COMMUNITY = "community"
    CUSTODY = "custody"


class CaseState(StrEnum):
    """A failure-to-attend prosecution case (Drugs Act 2005 ss.12, 14)."""

    OPEN = "open"
    CHARGED = "charged"
    SUMMONSED = "summonsed"
    NO_FURTHER_ACTION = "no_further_action"
    GOOD_CAUSE_ACCEPTED = "good_cause_accepted"


class JobStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class Role(StrEnum):
    CUSTODY = "custody"
    PROVIDER = "provider"
    INSPECTOR = "inspector"
    ADMIN = "admin"


class ThrottleScope(StrEnum):
    """What failed sign-ins are counted against (dtoa.rules.signin)."""

    USER_NAME = "user_name"
    ADDRESS = "address"


class TestOutcome(StrEnum):
    """What came of a request for a sample (PACE 1984 ss.63B-63C)."""

    __test__ = False  # not a pytest test class

    TESTED = "tested"
    REFUSED = "refused"
    FAILED_TO_PROVIDE = "failed_to_provide"
    NOT_TESTED = "not_tested"
    # A sample given but of no use: under the Crime and Policing Act 2026 a further sample may
    # then be taken (two at most), where a force has that provision in force.
    UNSUITABLE = "unsuitable"
    INSUFFICIENT = "insufficient"


class TestResult(StrEnum):
    """One word for a sample: negative, positive (for some drug on the panel; which drugs is
    kept per drug), or why there is no result."""

    __test__ = False

    NEGATIVE = "negative"
    POSITIVE = "positive"
    REFUSED = "refused"
    FAILED_TO_PROVIDE = "failed_to_provide"
    NOT_TESTED = "not_tested"
    UNSUITABLE = "unsuitable"
    INSUFFICIENT = "insufficient"


class FurtherSampleReason(StrEnum):
    """Why a further sample was taken (Crime and Policing Act 2026)."""

    UNSUITABLE = "unsuitable"
    INSUFFICIENT = "insufficient"


class Condition(StrEnum):
    """PACE 1984 s.63B: a sample is taken under the arrest condition before charge, under the
    charge condition at or after it."""

    ARREST = "arrest"
    CHARGE = "charge"


class IneligibleReason(StrEnum):
    """Why a detention may not be tested, most fundamental first (PACE 1984 s.63B)."""

    NOT_TRIGGER_NO_AUTHORITY = "not_trigger_no_authority"  # s.63B(1A)/(2)
    SUITE_NOT_LIVE = "suite_not_live"  # s.63B(4A)-(4B): no notification in force
    UNDER_AGE = "under_age"  # s.63B(3)


class Flag(StrEnum):
    """Something a person should look at, that does not stop the record going in."""

    AUTHORITY_UNRECORDED = "authority_unrecorded"  # s.63C(3)-(4): complete the record
    LOCAL_TIME_AMBIGUOUS = "local_time_ambiguous"  # a clock-change hour: first occurrence used


class NotTestedReason(StrEnum):
    NO_INDICATION = "no_indication"
    UNFIT = "unfit"
    RELEASED = "released"
    OTHER = "other"


class Route(StrEnum):
    """How a detention came in scope (PACE 1984 s.63B(1A)): trigger wins when both apply."""

    TRIGGER = "trigger"
    INSPECTOR = "inspector"


class OffenceFinding(StrEnum):
    """What one offence code on a custody record meant on the date it was judged."""

    TRIGGER = "trigger"
    NOT_IN_CATALOGUE = "not_in_catalogue"
    NOT_IN_FORCE = "not_in_force"
    DRUG_NOT_SPECIFIED = "drug_not_specified"


class IngestKind(StrEnum):
    DETENTIONS = "detentions"
    TESTS = "tests"
    ATTENDANCE = "attendance"
    PROSECUTIONS = "prosecutions"


class LetterKind(StrEnum):
    REFERRAL = "referral"  # to the provider
    NOTICE = "notice"  # to the person: the requirement, served at the custody desk (RA1)
    CHANGE_NOTICE = "change_notice"  # to the person: a new time or place (RA2)


class RequirementFlag(StrEnum):
    """Facts about a served requirement that are kept, not refused, and shown for review."""

    AFTER_DEADLINE = "after_deadline"  # the initial assessment is after the usual deadline
    SHORT_NOTICE = "short_notice"  # less than the usual notice between serving and assessment


class TokenKind(StrEnum):
    """Whose system an API token belongs to, which decides what it may do (dtoa.api)."""

    CUSTODY = "custody"  # a force's custody system: that force's suites, read and write
    PROVIDER = "provider"  # a treatment provider's case system: its referrals only
    REPORTING = "reporting"  # an inspectorate's reporting system: the funnel, read only


class MessageChannel(StrEnum):
    """How a notification goes out (dtoa.notify)."""

    EMAIL = "email"  # SMTP, to a provider's referrals address
    NOTIFY_SMS = "notify_sms"  # GOV.UK Notify text message, to the person
    NOTIFY_EMAIL = "notify_email"  # GOV.UK Notify email, to the person


class MessageKind(StrEnum):
    REFERRAL_SERVED = "referral_served"  # to the provider: a new requirement served
    APPOINTMENT_CHANGED = "appointment_changed"  # to the provider: a new time
    REFERRAL_WITHDRAWN = "referral_withdrawn"  # to the provider: the requirement fell
    REMINDER = "reminder"  # to the person: the day before an appointment
    CHANGE_NOTICE = "change_notice"  # to the person: an appointment moved


class MessageState(StrEnum):
    """A message in the outbox: claimed (`sending`) before it is sent, marked after. A message
    found `sending` by a later run was interrupted between the two: `uncertain` when the
    channel cannot say whether it went (SMTP), never sent again without a person's say."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    UNCERTAIN = "uncertain"
    FAILED = "failed"
    CANCELLED = "cancelled"
