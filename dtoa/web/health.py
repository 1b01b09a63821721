"""`GET /healthz` for a load balancer: 200 when the database answers and its schema is this
version's, else 503. No sign-in, and nothing in the answer but those two facts (no personal
data, no revision names or error text for a stranger to read)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from dtoa.status import health
from dtoa.web.pages import runtime_of

router = APIRouter()


@router.get("/healthz")
def healthz(request: Request) -> JSONResponse:
    state = health(runtime_of(request).unchecked_engine)
    return JSONResponse({"database": state.database, "schema": state.schema},
                        status_code=200 if state.ok else 503)
