"""Errors as `application/problem+json` (RFC 9457): a type, a title, the status, a detail in
words, the request's id, and for input that could not be taken in, one entry per field at
fault (`index` of the record in a batch, `field`, `reason`)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

MEDIA_TYPE = "application/problem+json"
TYPES = {  # status -> (type, title) for problems raised without their own
    400: ("urn:dtoa:problem:bad-request", "Bad request"),
    401: ("urn:dtoa:problem:unauthorised", "A valid API token is needed"),
    403: ("urn:dtoa:problem:forbidden", "This token may not do that"),
    404: ("urn:dtoa:problem:not-found", "Not found"),
    405: ("urn:dtoa:problem:method-not-allowed", "Method not allowed"),
    409: ("urn:dtoa:problem:conflict", "Conflict"),
    413: ("urn:dtoa:problem:too-large", "Request too large"),
    422: ("urn:dtoa:problem:invalid", "The request could not be taken in"),
    429: ("urn:dtoa:problem:rate-limited", "Too many requests"),
    500: ("urn:dtoa:problem:server-error", "Server error"),
}


class Problem(Exception):
    """A request refused: raised anywhere under /api/v1, answered as problem+json."""

    def __init__(self, status: int, detail: str, *, type_: str | None = None,
                 title: str | None = None, errors: list[dict] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        default_type, default_title = TYPES.get(status, TYPES[400 if status < 500 else 500])
        self.status, self.detail = status, detail
        self.type, self.title = type_ or default_type, title or default_title
        self.errors, self.headers = errors, headers or {}

    def body(self, request: Request) -> dict[str, Any]:
        body: dict[str, Any] = {"type": self.type, "title": self.title, "status": self.status,
                                "detail": self.detail, "instance": request.url.path,
                                "request_id": getattr(request.state, "request_id", None)}
        if self.errors is not None:
            body["errors"] = self.errors
        return body


def respond(request: Request, problem: Problem) -> JSONResponse:
    return JSONResponse(problem.body(request), status_code=problem.status,
                        media_type=MEDIA_TYPE, headers=problem.headers)


def from_http(request: Request, exc: HTTPException) -> JSONResponse:
    """Starlette's own refusals (unknown path, wrong method) in the same shape."""
    detail = exc.detail if isinstance(exc.detail, str) else "refused"
    return respond(request, Problem(exc.status_code, detail, headers=exc.headers))


def from_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    """A body or parameter of the wrong shape: one error per field, never the value sent
    (which may be personal data and is the caller's own anyway)."""
    errors = []
    for error in exc.errors():
        location = [str(part) for part in error.get("loc", ()) if part != "body"]
        index = next((int(p) for p in location if p.isdigit()), None)
        field = next((p for p in reversed(location) if not p.isdigit()), "")
        errors.append({"index": index, "field": field if field != "records" else "",
                       "reason": error.get("msg", "invalid")})
    return respond(request, Problem(422, "The request does not have the documented shape.",
                                    errors=errors))
