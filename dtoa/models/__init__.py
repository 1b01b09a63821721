"""SQLModel tables. All datetimes are aware and stored in UTC; dates are Europe/London local dates.

Split by the part of the process that owns them; everything is re-exported here so callers
import from `dtoa.models`.
"""

from dtoa.models.audit import AuditEvent, JobRun, StepWatermark
from dtoa.models.custody import (
    Detention,
    DetentionOffence,
    DrugTest,
    IngestBatch,
    RejectedRow,
    SampleResult,
)
from dtoa.models.partners import (
    ApiIdempotencyKey,
    ApiRateWindow,
    ApiToken,
    Message,
    PersonContact,
)
from dtoa.models.referrals import Appointment, Letter, ProsecutionCase, Referral
from dtoa.models.rollup import FunnelStaleDay, FunnelWeek
from dtoa.models.users import SignInThrottle, User, WebSession

__all__ = [
    "ApiIdempotencyKey",
    "ApiRateWindow",
    "ApiToken",
    "Appointment",
    "AuditEvent",
    "Detention",
    "DetentionOffence",
    "DrugTest",
    "FunnelStaleDay",
    "FunnelWeek",
    "IngestBatch",
    "JobRun",
    "Letter",
    "Message",
    "PersonContact",
    "ProsecutionCase",
    "Referral",
    "RejectedRow",
    "SampleResult",
    "SignInThrottle",
    "StepWatermark",
    "User",
    "WebSession",
]
