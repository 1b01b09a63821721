"""The shapes the API takes and gives, as pydantic models (they make the OpenAPI document).

A record sent in has the columns of the matching CSV extract, named the same, each a string
(numbers and true/false are read as their text, null as empty): what a value means and whether
it is acceptable is decided by the ingest checks, exactly as for a CSV row, not here."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, create_model

from dtoa.attendance.ingest import COLUMNS as ATTENDANCE_COLUMNS
from dtoa.ingest.detentions import INPUT_FIELDS as DETENTION_COLUMNS
from dtoa.ingest.tests import OPTIONAL as TEST_OPTIONAL
from dtoa.ingest.tests import REQUIRED as TEST_REQUIRED


def _text(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    raise ValueError("expected a string, a number, true/false or null")


Value = Annotated[str | None, BeforeValidator(_text)]


def _record(name: str, columns: tuple[str, ...], doc: str, *, extra: str) -> type[BaseModel]:
    fields: dict[str, Any] = {column: (Value, None) for column in columns}
    return create_model(name, __config__=ConfigDict(extra=extra), __doc__=doc, **fields)


DetentionIn = _record(
    "DetentionIn", DETENTION_COLUMNS,
    "One custody episode, as a row of the detentions extract. (suite, custody_ref) is the "
    "natural key: sending it again changes nothing, sending it changed updates it.",
    extra="forbid")
TestIn = _record(
    "TestIn", TEST_REQUIRED + TEST_OPTIONAL,
    "One sample, as a row of the tests extract: add one result field per drug on the test "
    "panel that day (`cocaine`, `opiates` as shipped), `positive` or `negative`. (suite, "
    "custody_ref, sample) is the natural key.",
    extra="allow")
AttendanceIn = _record(
    "AttendanceIn", ATTENDANCE_COLUMNS,
    "One assessment outcome, as a row of the attendance CSV; the referral by `reference` "
    "(or `suite` and `custody_ref`).",
    extra="forbid")


class DetentionBatch(BaseModel):
    records: list[DetentionIn] = Field(min_length=1)  # type: ignore[valid-type]


class TestBatch(BaseModel):
    __test__ = False
    records: list[TestIn] = Field(min_length=1)  # type: ignore[valid-type]


class AttendanceBatch(BaseModel):
    records: list[AttendanceIn] = Field(min_length=1)  # type: ignore[valid-type]


class FieldErrorOut(BaseModel):
    """One refused value: the record's position in the request (0 for a single record), the
    field, the value sent and why, in the words of the CSV's rejects."""

    index: int
    field: str
    value: str
    reason: str


class Taken(BaseModel):
    """One record taken in: `inserted`, `updated` or `unchanged`."""

    batch_id: int
    status: str


class BatchOut(BaseModel):
    """A batch, taken in as one transaction: the good records stored, the bad ones listed."""

    batch_id: int
    received: int
    inserted: int
    updated: int
    unchanged: int
    rejected: int
    errors: list[FieldErrorOut]


class TestOut(BaseModel):
    __test__ = False
    sample: int
    tested_at: datetime
    condition: str | None
    outcome: str
    result: str
    positive_for: list[str]
    disputed: bool
    lab_confirmed: bool | None


class RequirementOut(BaseModel):
    """The requirement served and its latest initial assessment: when, where, and its
    `setting` (`custody`: in the custody suite, before release; `community`: after release)."""

    reference: str
    state: str
    served_at: datetime | None
    provider: str
    appointment_at: datetime | None
    location: str | None
    setting: str | None


class DetentionOut(BaseModel):
    """A detention's eligibility (PACE 1984 s.63B, judged at its sample) and result."""

    suite: str
    custody_ref: str
    arrested_at: datetime
    charged_at: datetime | None
    in_scope: bool
    eligible: bool
    under_age: bool
    ineligible_reason: str | None
    route: str | None
    trigger_offence: str | None
    flags: list[str]
    test: TestOut | None
    requirement: RequirementOut | None


class PersonOut(BaseModel):
    """Who to expect, as on the referral letter: the person reference (or the name, where the
    force's letters use names) and the date of birth."""

    identifier: str
    birth_date: date


class ReferralOut(BaseModel):
    """A referral, who to expect, and the `setting` of its latest initial assessment
    (`custody` or `community`; null before one is booked)."""

    reference: str
    suite: str
    state: str
    state_reason: str | None
    no_capacity: bool
    served_at: datetime | None
    served_by: str | None
    deadline_at: datetime
    positive_for: list[str]
    person: PersonOut
    setting: str | None
    changed_at: datetime


class AppointmentOut(BaseModel):
    """One booked assessment: `setting` `custody` (held in `custody_suite`, before release) or
    `community` (at the provider's premises, after release)."""

    id: int
    reference: str
    kind: str
    scheduled_at: datetime
    location: str
    setting: str
    custody_suite: str | None
    state: str
    outcome_at: datetime | None
    replaces_id: int | None
    changed_at: datetime


class ReferralFeed(BaseModel):
    """Changes since the cursor, oldest first. Pass `next_cursor` as `since` next time; an item
    may come again (the cursor stays `[api] feed_overlap_minutes` back so that no change
    committed late is missed): apply items by `reference` and `changed_at`."""

    items: list[ReferralOut]
    next_cursor: str
    more: bool


class AppointmentFeed(BaseModel):
    """As ReferralFeed, for appointments (apply by `id` and `changed_at`)."""

    items: list[AppointmentOut]
    next_cursor: str
    more: bool


class Funnel(BaseModel):
    """The funnel as `dtoa report funnel --format json` prints it: `suite` (ALL for every
    suite), `from`, `to`, then every count and rate (null: suppressed, or a rate of 0)."""

    model_config = ConfigDict(extra="allow")
    suite: str
    from_: str = Field(alias="from")
    to: str


class ProblemOut(BaseModel):
    """An error (RFC 9457, `application/problem+json`); `errors` lists each field at fault."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    request_id: str | None
    errors: list[FieldErrorOut] | None = None


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for the problems a route can answer."""
    return {status: {"model": ProblemOut, "content": {"application/problem+json": {}},
                     "description": "A problem (RFC 9457)"} for status in statuses}


class ReturnUnit(BaseModel):
    """One column of the Home Office return: a suite, a force's total (`suite` ALL) or every
    force (`force` and `suite` ALL), with every measure (null: suppressed, or a rate of
    nothing)."""

    force: str
    suite: str
    figures: dict[str, int | float | None]


class HomeOfficeReturnOut(BaseModel):
    """The quarterly Home Office return, as `dtoa report home-office` writes it."""

    model_config = ConfigDict(populate_by_name=True)
    quarter: str
    from_: str = Field(alias="from")
    to: str
    force: str | None
    publish: bool
    definitions: dict[str, str]
    units: list[ReturnUnit]
