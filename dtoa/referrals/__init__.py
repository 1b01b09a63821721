"""Required assessments (Drugs Act 2005 Part 3): referrals, appointment booking, withdrawal,
listings and letters. Pipelines, the CLI and the attendance branch call these."""

from dtoa.referrals.booking import book_appointment, booked_places
from dtoa.referrals.changes import set_appointment_state, set_referral_state
from dtoa.referrals.create import create_referrals, retry_no_capacity
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
    "create_referrals",
    "export_referrals",
    "list_referrals",
    "record_lab_result",
    "retry_no_capacity",
    "set_appointment_state",
    "set_referral_state",
    "withdraw",
    "withdraw_unsupported",
]
