"""The append-only audit trail and the scheduler's once-only run ledger."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from dtoa.models.columns import enum_column
from dtoa.rules.states import JobStatus


class AuditEvent(SQLModel, table=True):
    """Who or which batch changed what, from what to what. Rows are only ever inserted."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_entity", "entity", "entity_id"),)
    id: int | None = Field(default=None, primary_key=True)
    at: datetime
    actor: str  # a user name, or "batch:<id>", or "pipeline:<step>"
    entity: str  # detention | drug_test | referral | appointment | prosecution_case | ...
    entity_id: int
    action: str  # created | updated | state_changed | ...
    changes: str = Field(sa_column=Column(Text, nullable=False))  # JSON {field: [old, new]}
    reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # why, if given


class JobRun(SQLModel, table=True):
    """One claimed firing of a scheduled job: the unique key makes a second claim fail."""

    __tablename__ = "job_run"
    __table_args__ = (UniqueConstraint("job_id", "scheduled_for", name="uq_job_run_firing"),)
    id: int | None = Field(default=None, primary_key=True)
    job_id: str
    scheduled_for: datetime  # UTC
    started_at: datetime
    finished_at: datetime | None = None
    status: JobStatus = Field(default=JobStatus.RUNNING, sa_column=enum_column(
        JobStatus, "job_run", "status"))
    summary: str | None = Field(default=None, sa_column=Column(Text))


class StepWatermark(SQLModel, table=True):
    """How far a nightly step has read the change signals, so that each night it works only on
    what changed since its last successful run. Moved in the same transaction as the step's
    work: a failed night leaves it where it was, and the next night picks those changes up."""

    __tablename__ = "step_watermark"
    step: str = Field(primary_key=True)  # e.g. "referrals.withdraw"
    audit_event_id: int  # every audit event up to this id has been acted on
    drug_test_id: int  # every drug test up to this id has been seen
    updated_at: datetime
