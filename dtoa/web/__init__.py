"""The web application for custody staff, treatment providers, inspectors and administrators:
server-rendered pages on the same library and database as the CLI (FastAPI + Jinja2)."""

from __future__ import annotations

import traceback

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import PlainTextResponse
from starlette.exceptions import HTTPException

from dtoa.api.app import PREFIX as API_PREFIX
from dtoa.api.app import create_api
from dtoa.log import get_logger
from dtoa.runtime import Runtime
from dtoa.store.locks import LockTimeout
from dtoa.web import account, admin, auth, custody, health, inspector, provider
from dtoa.web.inputs import invalid_request, refuse_nul_bytes
from dtoa.web.pages import render
from dtoa.web.session import load_session

log = get_logger("dtoa.web")


def create_app(runtime: Runtime) -> FastAPI:
    """The application on `runtime`'s settings, database and clock. Sessions are kept in the
    database, so every server process on it agrees and a restart signs nobody out. The
    partner API is mounted under /api/v1 (`dtoa.api.app`)."""
    app = FastAPI(title="dtoa", docs_url=None, redoc_url=None, openapi_url=None,
                  dependencies=[Depends(load_session), Depends(refuse_nul_bytes),
                                Depends(auth.csrf_protect)])
    app.state.runtime = runtime
    for module in (health, auth, account, custody, provider, inspector, admin):
        app.include_router(module.router)
    app.mount(API_PREFIX, create_api(runtime))  # bearer tokens, no cookies: dtoa.api
    app.add_exception_handler(auth.SignInRequired, auth.login_redirect)
    app.add_exception_handler(HTTPException, _error_page)
    app.add_exception_handler(RequestValidationError,
                              lambda request, exc: _error_page(request, invalid_request(exc)))
    app.add_exception_handler(LockTimeout, _busy_page)

    @app.middleware("http")
    async def _headers_and_faults(request: Request, call_next):  # noqa: ANN001, ANN202
        try:
            response = await call_next(request)
        except Exception as exc:  # noqa: BLE001  (one line in the log, never a traceback)
            response = _fault_page(request, exc)
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "form-action 'self'; frame-ancestors 'none'")
        return response

    return app


def _error_page(request: Request, exc: HTTPException):  # noqa: ANN202
    return render(request, "error.html", status=exc.status_code, message=exc.detail)


def _busy_page(request: Request, exc: LockTimeout):  # noqa: ANN202
    """A long file import (or the nightly run) held the records this entry writes for longer
    than `[ingest] lock_wait_seconds`: nothing was saved, and the person is told so."""
    log.warning("web.busy", path=request.url.path, lock=exc.name)
    response = render(request, "error.html", status=503, message=(
        "Nothing was saved: a file import is writing these records just now. Try again in a "
        "few minutes."))
    response.headers["Retry-After"] = "60"
    return response


def _fault_page(request: Request, exc: Exception):  # noqa: ANN202
    """An unexpected error: the log gets its type and where it happened, never its message
    (a database error's message can carry the statement's values, personal data among them);
    the browser gets a plain page."""
    frame = traceback.extract_tb(exc.__traceback__)[-1]
    log.error("web.unexpected_error", path=request.url.path, method=request.method,
              error=type(exc).__name__, at=f"{frame.filename}:{frame.lineno} in {frame.name}")
    message = ("Something went wrong. The error is in the server's log; try again, or tell "
               "an administrator.")
    try:
        return render(request, "error.html", status=500, message=message)
    except Exception:  # noqa: BLE001  (the database itself may be what failed)
        return PlainTextResponse(message, status_code=500)
