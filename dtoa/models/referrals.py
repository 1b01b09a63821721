"""Required assessments (Drugs Act 2005 Part 3): referrals, appointments, letters, prosecutions."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from dtoa.models.columns import enum_column
from dtoa.rules.states import (
    AppointmentKind,
    AppointmentState,
    AssessmentSetting,
    CaseState,
    LetterKind,
    ReferralState,
)

REFERRAL_STATES = tuple(s.value for s in ReferralState)
APPOINTMENT_KINDS = tuple(k.value for k in AppointmentKind)
APPOINTMENT_STATES = tuple(s.value for s in AppointmentState)
# States that take a place in a provider's session.
LIVE_APPOINTMENT_STATES = (AppointmentState.BOOKED,)
PROSECUTION_STATES = tuple(s.value for s in CaseState)


class Referral(SQLModel, table=True):
    """A requirement to attend an initial (s.9) and a follow-up (s.10) assessment.

    The requirement exists in law only once an officer has imposed it in police detention and
    given it in writing before release (s.9(2), s.11): `served_at` and `served_by` record that.
    A referral with no `served_at` (made by a build before requirements were served at the
    desk) imposed nothing: it is not counted as referred and founds no prosecution."""

    __tablename__ = "referral"
    __table_args__ = (Index("ix_referral_retry", "no_capacity", "state", "deadline_at"),)
    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(unique=True)  # e.g. BAS-2022-000157
    detention_id: int = Field(foreign_key="detention.id", unique=True)
    drug_test_id: int = Field(foreign_key="drug_test.id", unique=True)
    suite: str = Field(index=True)
    provider: str = Field(index=True)
    state: ReferralState = Field(default=ReferralState.AWAITING_ASSESSMENT, sa_column=enum_column(
        ReferralState, "referral", "state", index=True))
    no_capacity: bool = False
    state_reason: str | None = None  # reason code for the current state, e.g. lab_not_confirmed
    deadline_at: datetime  # UTC: the initial assessment must be no later than this
    served_at: datetime | None = None  # UTC: when the officer imposed it and gave the notice
    served_by: str | None = None  # the officer who served it
    flags: str | None = None  # ';'-separated RequirementFlag values, kept for review
    created_at: datetime
    updated_at: datetime


class Appointment(SQLModel, table=True):
    """One booked assessment. A reschedule keeps the old row and books a new one."""

    __tablename__ = "appointment"
    __table_args__ = (Index("ix_appointment_provider_slot", "provider", "scheduled_at"),
                      # the sweep reads only the booked appointments whose time has passed
                      Index("ix_appointment_state_scheduled_at", "state", "scheduled_at"))
    id: int | None = Field(default=None, primary_key=True)
    referral_id: int = Field(foreign_key="referral.id", index=True)
    kind: AppointmentKind = Field(sa_column=enum_column(AppointmentKind, "appointment", "kind"))
    provider: str
    scheduled_at: datetime  # UTC
    location: str
    # In a custody suite (before release) or in the community; custody_suite names the suite.
    setting: AssessmentSetting = Field(default=AssessmentSetting.COMMUNITY, sa_column=enum_column(
        AssessmentSetting, "appointment", "setting", server_default="community"))
    custody_suite: str | None = None
    state: AppointmentState = Field(default=AppointmentState.BOOKED, sa_column=enum_column(
        AppointmentState, "appointment", "state", index=True))
    outcome_at: datetime | None = None
    # indexed: the funnel looks up whether an appointment was replaced, per referral
    replaces_id: int | None = Field(default=None, foreign_key="appointment.id", index=True)
    created_at: datetime
    updated_at: datetime


class Letter(SQLModel, table=True):
    """A rendered letter. A changed appointment issues a new version marked amended; earlier
    versions are kept."""

    __tablename__ = "letter"
    __table_args__ = (UniqueConstraint("referral_id", "kind", "version", name="uq_letter_version"),)
    id: int | None = Field(default=None, primary_key=True)
    referral_id: int = Field(foreign_key="referral.id", index=True)
    kind: LetterKind = Field(sa_column=enum_column(LetterKind, "letter", "kind"))
    version: int = 1
    amended: bool = False
    content_key: str  # hash of what the letter says; a new version only when it changes
    stated: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # JSON
    path: str
    sha256: str
    issued_at: datetime


class ProsecutionCase(SQLModel, table=True):
    """A failure to attend or remain (Drugs Act 2005 s.12 or s.14) for a prosecutor's decision,
    with the six-month time limit of the Magistrates' Courts Act 1980 s.127."""

    __tablename__ = "prosecution_case"
    # the sweep reads only the open cases not yet warned whose warning date has come
    __table_args__ = (Index("ix_prosecution_case_due_warning", "state", "warned_at",
                            "warn_from"),)
    id: int | None = Field(default=None, primary_key=True)
    referral_id: int = Field(foreign_key="referral.id", index=True)
    appointment_id: int = Field(foreign_key="appointment.id", unique=True)
    offence: str  # "Drugs Act 2005 s.12" (initial) or "Drugs Act 2005 s.14" (follow-up)
    failure_on: date
    time_limit_on: date
    warn_from: date
    state: CaseState = Field(default=CaseState.OPEN, sa_column=enum_column(
        CaseState, "prosecution_case", "state", index=True))
    decided_at: datetime | None = None
    decided_by: str | None = None
    warned_at: datetime | None = None  # when the sweep first listed it as near its time limit
    opened_at: datetime
    updated_at: datetime
