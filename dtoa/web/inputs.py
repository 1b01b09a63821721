"""What a request may carry before any of it reaches the database, checked in one place: no NUL
byte in any query, path or form value (PostgreSQL cannot store one in text), record ids within
the database's integers, ISO weeks and form times within the years the service covers
(2000 to 2999: at the calendar's ends a time zone's offset overflows). A bad value answers 404
(a path that names no record) or 422 with a plain message, never a server error."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Path, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from dtoa.ingest.csvfile import NO_UTC_INSTANT, FieldError, parse_instant
from dtoa.log import get_logger
from dtoa.reports.weekly import FIRST_YEAR, LAST_YEAR, week_bounds

log = get_logger("dtoa.web")
MAX_ID = 2**31 - 1  # INTEGER primary keys (PostgreSQL's int4; SQLite's are wider)
RecordId = Annotated[int, Path(ge=1, le=MAX_ID)]


class BadInput(HTTPException):
    """A value the application will not take, with what to do about it (422)."""

    def __init__(self, message: str) -> None:
        super().__init__(422, message)


async def refuse_nul_bytes(request: Request) -> None:
    """A NUL byte in any name or value of the query string, the path or a posted form is
    refused before the request goes further (no account is needed to send one)."""
    fields = [*request.query_params.multi_items(), *request.path_params.items()]
    if request.method == "POST":
        fields += [(k, v) for k, v in (await request.form()).multi_items() if isinstance(v, str)]
    for name, value in fields:
        if "\x00" in name or "\x00" in str(value):
            shown = name.replace("\x00", "")[:40] or "?"
            log.warning("web.input_refused", path=request.url.path.replace("\x00", "")[:200],
                        field=shown, reason="nul_byte")
            raise BadInput(f"The field “{shown}” contains a NUL byte (a zero character), "
                           "which no record can hold. Remove it and try again.")


def iso_week(text: str) -> tuple[date, date]:
    """Monday and Sunday of an ISO week written 2022-W52 (the form of <input type=week>), within
    the years the reports take (dtoa.reports.weekly.week_bounds)."""
    try:
        return week_bounds(text)
    except ValueError as exc:
        raise BadInput(str(exc)) from None


def instant(values: dict[str, str], column: str, tz: ZoneInfo, *,
            required: bool = True) -> datetime | None:
    """A form's date and time (`parse_instant`: ISO 8601, local time in `tz` without an
    offset), refused as a field error outside FIRST_YEAR..LAST_YEAR."""
    try:
        moment = parse_instant(values, column, tz, required=required)
        inside = moment is None or FIRST_YEAR <= moment.astimezone(tz).year <= LAST_YEAR
    except FieldError as exc:
        if exc.reason != NO_UTC_INSTANT:  # an offset pushed it past the calendar's ends
            raise
        inside = False
    if not inside:
        raise FieldError(column, values.get(column, ""),
                         f"give a date and time in the years {FIRST_YEAR} to {LAST_YEAR}")
    return moment


def invalid_request(exc: RequestValidationError) -> HTTPException:
    """FastAPI's own checks of declared parameters, as a page: a path that does not fit its
    route (an id out of range) names no record (404); a bad query or form value is 422."""
    errors = exc.errors()
    if any(error["loc"][:1] == ("path",) for error in errors):
        return HTTPException(404, "Not found.")
    problems = "; ".join(f"{error['loc'][-1]}: {error['msg'].lower()}" for error in errors)
    return BadInput(f"This page cannot be shown for these values ({problems}).")
