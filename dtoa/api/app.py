"""The partner API, version 1: a FastAPI application of its own, mounted at /api/v1 in the web
application (`dtoa.web.create_app`), so none of the web pages' session, cookie and CSRF
machinery applies to it and none of its bearer tokens opens a web page.

Every request gets an id (the caller's `X-Request-ID` when it is a plain token of up to 64
characters, else a new one), sent back in `X-Request-ID` and in every problem, and bound to
every log line written while it is handled. Each call with a known token is audited with the
token's name (entity `api_call`): route, path and query parameters (codes and references),
status and request id. Logs get codes and ids only, never a value sent in."""

from __future__ import annotations

import json
import re
import time
import traceback
import uuid

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import Response

from dtoa.api import custody, docs, provider, reporting
from dtoa.api.problems import Problem, from_http, from_validation, respond
from dtoa.api.tokens import Caller
from dtoa.clock import as_utc
from dtoa.log import get_logger
from dtoa.runtime import Runtime
from dtoa.store import record_change, session_scope
from dtoa.store.locks import LockTimeout

PREFIX = "/api/v1"
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
log = get_logger("dtoa.api")
DESCRIPTION = """Drug testing on arrest: custody systems send detentions and tests and read a
detention's eligibility and result; provider systems read their referrals and appointments
and send attendance outcomes; reporting systems read the funnel.

Authenticate with `Authorization: Bearer <token>` (tokens are made with `dtoa tokens add`).
Errors are `application/problem+json` (RFC 9457) with one entry per field at fault. POSTs
accept an `Idempotency-Key` header. Each token may make `[api] requests_per_minute` requests a
minute (429 with `Retry-After` beyond)."""


def create_api(runtime: Runtime) -> FastAPI:
    api = FastAPI(title="dtoa partner API", version="1", description=DESCRIPTION,
                  openapi_url="/openapi.json", docs_url=None, redoc_url=None)
    api.state.runtime = runtime
    for module in (custody, provider, reporting, docs):
        api.include_router(module.router)
    api.add_exception_handler(Problem, respond)
    api.add_exception_handler(HTTPException, from_http)
    api.add_exception_handler(RequestValidationError, from_validation)
    api.add_exception_handler(LockTimeout, lambda request, exc: respond(request, Problem(
        503, "Nothing was stored: a file import is writing these records just now; try again "
             "later.", headers={"Retry-After": "60"})))

    @api.middleware("http")
    async def _each_request(request: Request, call_next):  # noqa: ANN001, ANN202
        sent = request.headers.get("x-request-id", "")
        request_id = sent if REQUEST_ID.match(sent) else uuid.uuid4().hex
        request.state.request_id = request_id
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        try:
            if "\x00" in request.url.path or "%00" in str(request.url.query):
                response = respond(request, Problem(422, "A NUL character is in the path or "
                                                         "query; no record can hold one."))
            else:
                try:
                    response = await call_next(request)
                except Exception as exc:  # noqa: BLE001  (one line in the log, no traceback)
                    response = _fault(request, exc)
            response.headers["X-Request-ID"] = request_id
            caller = getattr(request.state, "caller", None)
            route = _route(request)
            log.info("api.request", method=request.method, route=route,
                     status=response.status_code, token=caller.name if caller else None,
                     duration_ms=round((time.perf_counter() - started) * 1000, 1))
            if caller is not None:
                await run_in_threadpool(_audit, runtime, caller, request, route,
                                        response.status_code, request_id)
            return response
        finally:
            structlog.contextvars.unbind_contextvars("request_id")

    return api


def _route(request: Request) -> str:
    route = request.scope.get("route")
    return PREFIX + (getattr(route, "path", None) or request.url.path.removeprefix(PREFIX))


def _audit(runtime: Runtime, caller: Caller, request: Request, route: str, status: int,
           request_id: str) -> None:
    """One audit row per call, in its own transaction (the changes a call makes are audited
    with them, under the same token name)."""
    parameters = {**request.path_params, **dict(request.query_params)}
    with session_scope(runtime.engine) as session:
        record_change(session, at=as_utc(runtime.clock.now()), actor=caller.actor,
                      entity="api_call", entity_id=caller.token_id,
                      action=f"{request.method} {route}"[:200],
                      changes={"status": [None, status], "request_id": [None, request_id],
                               "parameters": [None, json.dumps(parameters, sort_keys=True)]})


def _fault(request: Request, exc: Exception) -> Response:
    """An unexpected error: its type and where in the log, never its message (a database
    error's message can carry the statement's values, personal data among them)."""
    frame = traceback.extract_tb(exc.__traceback__)[-1]
    log.error("api.unexpected_error", path=request.url.path, method=request.method,
              error=type(exc).__name__, at=f"{frame.filename}:{frame.lineno} in {frame.name}")
    return respond(request, Problem(500, "Something went wrong; the error is in the server's "
                                         "log under this request's id."))
