"""Records sent to the API go in through `dtoa.ingest.ingest_rows`, exactly as a CSV file's
rows: the same parsers, checks, reasons, rejected-row table and batch semantics (one
transaction; good records stored, bad ones refused with field, value and reason). The only
addition is the token's scope: a record for a suite outside a custody token's force, or a
referral of another provider, is refused as its own row, and says nothing of what exists."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import select
from sqlmodel import Session

from dtoa.api.problems import Problem, respond
from dtoa.api.tokens import Caller
from dtoa.ingest import BatchSummary, ingest_rows
from dtoa.ingest.csvfile import FieldError, Record
from dtoa.ingest.reader import FileRefused
from dtoa.models import Detention, Referral
from dtoa.rules.states import TokenKind


def _values(record: BaseModel) -> dict[str, str]:
    data = record.model_dump()
    data.update(record.model_extra or {})
    return {key.lower(): "" if value is None else str(value) for key, value in data.items()}


def _admit(request: Request, caller: Caller) -> Callable[[Record], None]:
    engine = request.app.state.runtime.engine
    if caller.kind == TokenKind.CUSTODY:
        def own_suite(record: Record) -> None:
            suite = record.values.get("suite", "").strip().upper()
            if suite and suite not in caller.suites:
                raise FieldError("suite", record.values["suite"],
                                 "not a suite of this token's force; its suites: "
                                 + ", ".join(sorted(caller.suites)))
        return own_suite

    def own_referral(record: Record) -> None:
        values = record.values
        reference = values.get("reference", "").strip()
        suite = values.get("suite", "").strip().upper()
        custody_ref = values.get("custody_ref", "").strip()
        with Session(engine) as session:
            if reference:
                owner = session.execute(select(Referral.provider).where(
                    Referral.reference == reference)).scalar_one_or_none()
                if owner is not None and owner != caller.provider:
                    raise FieldError("reference", reference, f"no referral {reference}")
            elif suite and custody_ref:
                owner = session.execute(
                    select(Referral.provider).join(Detention,
                                                   Detention.id == Referral.detention_id)
                    .where(Detention.suite == suite, Detention.custody_ref == custody_ref)
                ).scalar_one_or_none()
                if owner is not None and owner != caller.provider:
                    raise FieldError("custody_ref", custody_ref,
                                     f"no referral for detention {suite}/{custody_ref}")
    return own_referral


def take_in(request: Request, caller: Caller, kind: str, records: list[BaseModel]
            ) -> BatchSummary:
    """One ingest batch of `kind` from the request's records."""
    runtime = request.app.state.runtime
    if len(records) > runtime.settings.api.max_batch:
        raise Problem(413, f"At most {runtime.settings.api.max_batch} records in one batch; "
                           f"this one has {len(records)}.")
    rows = [_values(r) for r in records]
    header = sorted({key for row in rows for key in row})
    batch = [Record(i + 1, row, json.dumps(row, sort_keys=True)) for i, row in enumerate(rows)]
    request_id = request.state.request_id
    digest = hashlib.sha256(f"api:{caller.token_id}:{request_id}:{kind}".encode()).hexdigest()
    try:
        return ingest_rows(runtime.engine, runtime.settings, runtime.clock, kind, batch,
                           header=header, source=f"api:{caller.name}", digest=digest,
                           actor=caller.actor, entered_by=caller.actor,
                           admit=_admit(request, caller), keep_refused=True)
    except FileRefused as refused:
        raise Problem(422, f"The records were refused: {refused.reason}.") from None


def errors_of(summary: BatchSummary) -> list[dict]:
    return [{"index": e.line - 1, "field": e.column, "value": e.value, "reason": e.reason}
            for e in summary.errors]


def one(request: Request, summary: BatchSummary) -> JSONResponse:
    """A single record's answer: 201 inserted, 200 updated or unchanged, else 422 with the
    field at fault (an answer, not an exception: it is kept for an Idempotency-Key replay)."""
    if summary.errors:
        return respond(request, Problem(422, "The record was refused: "
                                        + summary.errors[0].reason, errors=errors_of(summary)))
    status = ("inserted" if summary.rows_inserted else
              "updated" if summary.rows_updated else "unchanged")
    return JSONResponse({"batch_id": summary.batch_id, "status": status},
                        status_code=201 if status == "inserted" else 200)


def many(summary: BatchSummary) -> JSONResponse:
    """A batch's answer, 200 whenever it was processed: what was stored and what was refused."""
    return JSONResponse({
        "batch_id": summary.batch_id, "received": summary.rows_read,
        "inserted": summary.rows_inserted, "updated": summary.rows_updated,
        "unchanged": summary.rows_unchanged, "rejected": summary.rows_rejected,
        "errors": errors_of(summary)})
