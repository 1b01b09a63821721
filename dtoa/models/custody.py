"""Custody episodes, their offences and drug tests, and the ingest batches that brought them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from dtoa.models.columns import enum_column
from dtoa.rules.states import IngestKind, NotTestedReason, OffenceFinding, Route, TestOutcome


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
    )
    id: int | None = Field(default=None, primary_key=True)
    suite: str
    custody_ref: str
    person_ref: str
    person_name: str | None = None
    birth_date: date
    arrested_at: datetime  # UTC
    arrest_date: date  # Europe/London date of arrest: the date the law's conditions use
    offence_codes: str  # as given, ';'-separated
    inspector_authorised: bool = False
    authorising_inspector: str | None = None
    authorised_at: datetime | None = None
    authority_grounds: str | None = None
    home_area: str | None = None
    in_scope: bool = False
    eligible: bool = False
    under_age: bool = False
    ineligible_reason: str | None = None
    route: Route | None = Field(default=None, sa_column=enum_column(
        Route, "detention", "route", nullable=True))
    trigger_offence: str | None = None
    rules_version: str = Field(index=True)  # fingerprint of the settings eligibility used
    row_hash: str
    batch_id: int | None = Field(default=None, foreign_key="ingest_batch.id")
    updated_at: datetime


class DetentionOffence(SQLModel, table=True):
    """One offence on the custody record, as resolved against the catalogue on the arrest date."""

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
    """The one sample request of a detention and what came of it (PACE 1984 s.63B)."""

    __tablename__ = "drug_test"
    id: int | None = Field(default=None, primary_key=True)
    detention_id: int = Field(foreign_key="detention.id", unique=True)
    tested_at: datetime  # UTC
    outcome: TestOutcome = Field(sa_column=enum_column(TestOutcome, "drug_test", "outcome"))
    cocaine: bool | None = None
    opiates: bool | None = None
    result: str = Field(index=True)  # negative | positive_cocaine | ... | refused | ...
    not_tested_reason: NotTestedReason | None = Field(default=None, sa_column=enum_column(
        NotTestedReason, "drug_test", "not_tested_reason", nullable=True))
    officer_ref: str | None = None
    appropriate_adult: bool | None = None
    disputed: bool = False  # the person disputes a positive: confirmatory laboratory analysis
    lab_confirmed: bool | None = None  # None until the laboratory reports
    declared_medication: str | None = None
    row_hash: str
    batch_id: int | None = Field(default=None, foreign_key="ingest_batch.id")
    updated_at: datetime
