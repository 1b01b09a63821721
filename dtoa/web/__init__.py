"""The web application for custody staff, treatment providers, inspectors and administrators:
server-rendered pages on the same library and database as the CLI (FastAPI + Jinja2)."""

from __future__ import annotations

import os
import secrets

from fastapi import Depends, FastAPI, Request
from starlette.exceptions import HTTPException
from starlette.middleware.sessions import SessionMiddleware

from dtoa.runtime import Runtime
from dtoa.web import admin, auth, custody, health, inspector, provider
from dtoa.web.pages import render

SECRET_ENV = "DTOA_WEB_SECRET"


def create_app(runtime: Runtime, *, secret: str | None = None) -> FastAPI:
    """The application on `runtime`'s settings, database and clock. The session signing key is
    `secret`, else $DTOA_WEB_SECRET, else a new random key (sessions end when the server
    restarts)."""
    app = FastAPI(title="dtoa", docs_url=None, redoc_url=None, openapi_url=None,
                  dependencies=[Depends(auth.csrf_protect)])
    app.state.runtime = runtime
    web = runtime.settings.web
    app.add_middleware(SessionMiddleware,
                       secret_key=secret or os.environ.get(SECRET_ENV) or secrets.token_hex(32),
                       session_cookie="dtoa_session", max_age=None, same_site="strict",
                       https_only=web.secure_cookies)
    for module in (health, auth, custody, provider, inspector, admin):
        app.include_router(module.router)
    app.add_exception_handler(auth.SignInRequired, lambda _r, exc: auth.login_redirect(exc))
    app.add_exception_handler(HTTPException, _error_page)

    @app.middleware("http")
    async def _no_store(request: Request, call_next):  # noqa: ANN001, ANN202
        response = await call_next(request)
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
