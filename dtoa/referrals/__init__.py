"""Required assessments (Drugs Act 2005 Part 3): serving the requirement at the custody desk or
from a custody system's extract, appointment booking, withdrawal, the desk's worklist, listings
and letters. Pipelines, the CLI, the web and the attendance branch call these."""

from dtoa.referrals.booking import book_appointment, booked_places
from dtoa.referrals.changes import set_appointment_state, set_referral_state
from dtoa.referrals.queries import ReferralRow, export_referrals, list_referrals
from dtoa.referrals.withdraw import (
    LabResultError,
    record_lab_result,
    withdraw,
    withdraw_unsupported,
)

__all__ = [
    "LabResultError",
    "ReferralRow",
    "book_appointment",
    "booked_places",
    "export_referrals",
    "list_referrals",
    "record_lab_result",
    "set_appointment_state",
    "set_referral_state",
    "withdraw",
    "withdraw_unsupported",
]
