"""Custody episodes, their offences and drug tests, and the ingest batches that brought them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from dtoa.models.columns import enum_column
from dtoa.rules.states import (
    Condition,
    FurtherSampleReason,
    IneligibleReason,
    IngestKind,
    NotTestedReason,
    OffenceFinding,
    Route,
    TestOutcome,
    TestResult,
)


class IngestBatch(SQLModel, table=True):
    """One file (or one desk entry) taken in whole or not at all."""

    __tablename__ = "ingest_batch"
    id: int | None = Field(default=None, primary_key=True)
    kind: IngestKind = Field(sa_column=enum_column(IngestKind, "ingest_batch", "kind",
                                                   index=True))
    source: str
    sha256: str = Field(index=True)
    actor: str
    started_at: datetime
    finished_at: datetime | None = None
    rows_read: int = 0
    rows_inserted: int = 0
    rows_updated: int = 0
    rows_unchanged: int = 0
    rows_rejected: int = 0


class RejectedRow(SQLModel, table=True):
    """A row that could not go in, kept with where it was and why."""

    __tablename__ = "rejected_row"
    id: int | None = Field(default=None, primary_key=True)
    batch_id: int = Field(foreign_key="ingest_batch.id", index=True)
    line: int
    column: str
    value: str
    reason: str
    raw: str = Field(sa_column=Column(Text, nullable=False))


class Detention(SQLModel, table=True):
    """A custody episode: one person's continuous period of police detention after arrest."""

    __tablename__ = "detention"
    __table_args__ = (
        UniqueConstraint("suite", "custody_ref", name="uq_detention_suite_ref"),
        Index("ix_detention_arrest_date_suite", "arrest_date", "suite"),
        # retention finds the files not yet anonymised, oldest first, without reading the rest
        Index("ix_detention_held_arrest_date", "anonymised_at", "arrest_date"),
    )
    id: int | None = Field(default=None, primary_key=True)
    suite: str
    custody_ref: str
    person_ref: str
    person_name: str | None = None
    birth_date: date | None  # None once anonymised (`age_band` keeps the age at arrest)
    arrested_at: datetime  # UTC
    arrest_date: date  # Europe/London date of arrest: the funnel's period
    charged_at: datetime | None = None  # UTC; samples from then on are under the charge condition
    offence_codes: str  # as given, ';'-separated
    inspector_authorised: bool = False
    authorising_inspector: str | None = None
    authorised_at: datetime | None = None
    authority_grounds: str | None = None
    home_area: str | None = None
    # The judgement (PACE 1984 s.63B) at the current sample, or at arrest/charge with none.
    in_scope: bool = False
    eligible: bool = False
    under_age: bool = False
    ineligible_reason: IneligibleReason | None = Field(default=None, sa_column=enum_column(
        IneligibleReason, "detention", "ineligible_reason", nullable=True))
    route: Route | None = Field(default=None, sa_column=enum_column(
        Route, "detention", "route", nullable=True))
    trigger_offence: str | None = None
    authority_unrecorded: bool = False  # authorised, no inspector named yet (s.63C(3)-(4))
    local_time_ambiguous: bool = False  # a local time in a clock-change hour (fold=0 used)
    rules_version: str = Field(index=True)  # fingerprint of the settings eligibility used
    row_hash: str
    batch_id: int | None = Field(default=None, foreign_key="ingest_batch.id")
    updated_at: datetime
    # Past its retention period (dtoa.privacy): stripped of who the person was, kept for the
    # figures. An anonymised detention is never judged again.
    anonymised_at: datetime | None = None
    age_band: str | None = None  # e.g. "25-29": the age at arrest, once the birth date is gone


class DetentionOffence(SQLModel, table=True):
    """One offence on the custody record, as resolved against the catalogue on the date of the
    detention's judgement."""

    __tablename__ = "detention_offence"
    id: int | None = Field(default=None, primary_key=True)
    detention_id: int = Field(foreign_key="detention.id", index=True)
    position: int
    code: str
    offence_key: str | None = None
    is_trigger: bool = False
    finding: OffenceFinding = Field(sa_column=enum_column(
        OffenceFinding, "detention_offence", "finding"))


class DrugTest(SQLModel, table=True):
    """One sample requested of a detained person and what came of it (PACE 1984 s.63B). One per
    continuous detention; from the date a force sets, a further sample when the first was
    unsuitable or insufficient, two at most (Crime and Policing Act 2026). The detention's
    result is its last sample: earlier ones are `superseded`."""

    __tablename__ = "drug_test"
    __table_args__ = (UniqueConstraint("detention_id", "sample", name="uq_drug_test_sample"),
                      Index("ix_drug_test_tested_at", "tested_at"))  # returns by sample date
    id: int | None = Field(default=None, primary_key=True)
    detention_id: int = Field(foreign_key="detention.id", index=True)
    sample: int = 1
    further_sample_reason: FurtherSampleReason | None = Field(default=None, sa_column=enum_column(
        FurtherSampleReason, "drug_test", "further_sample_reason", nullable=True))
    superseded: bool = False
    tested_at: datetime  # UTC
    condition: Condition | None = Field(default=None, sa_column=enum_column(
        Condition, "drug_test", "condition", nullable=True))  # None when no sample was requested
    outcome: TestOutcome = Field(sa_column=enum_column(TestOutcome, "drug_test", "outcome"))
    result: TestResult = Field(sa_column=enum_column(TestResult, "drug_test", "result",
                                                     index=True))
    positive_specified: bool = False  # positive for a specified drug: grounds for s.9
    adult_at_sample: bool = False  # 18 or over on the sample's local date (s.9(1)(b))
    not_tested_reason: NotTestedReason | None = Field(default=None, sa_column=enum_column(
        NotTestedReason, "drug_test", "not_tested_reason", nullable=True))
    officer_ref: str | None = None
    appropriate_adult: bool | None = None
    disputed: bool = False  # the person disputes a positive: confirmatory laboratory analysis
    lab_confirmed: bool | None = None  # None until the laboratory reports
    declared_medication: str | None = None
    local_time_ambiguous: bool = False
    row_hash: str
    batch_id: int | None = Field(default=None, foreign_key="ingest_batch.id")
    updated_at: datetime


class SampleResult(SQLModel, table=True):
    """A sample's result for one drug on the panel that day."""

    __tablename__ = "sample_result"
    __table_args__ = (UniqueConstraint("drug_test_id", "drug", name="uq_sample_result_drug"),)
    id: int | None = Field(default=None, primary_key=True)
    drug_test_id: int = Field(foreign_key="drug_test.id", index=True)
    drug: str  # a [[law.panel]] drug
    positive: bool
