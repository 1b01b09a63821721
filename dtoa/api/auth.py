"""Who is calling: the bearer token in `Authorization`, looked up on every request (a revoked
token is refused at once, in every process), counted against the token's rate limit, then
checked against what its kind may do. Cookies are never read here: a browser's web session
opens nothing under /api/v1, and the web pages' CSRF protection is untouched."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from dtoa.api.limits import count_request
from dtoa.api.problems import Problem
from dtoa.api.tokens import Caller, caller_for
from dtoa.clock import as_utc
from dtoa.log import get_logger
from dtoa.rules.states import TokenKind

log = get_logger("dtoa.api")
bearer = HTTPBearer(auto_error=False, description="An API token made with `dtoa tokens add`.")
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="dtoa"'}


def authenticated(request: Request,
                  credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
                  ) -> Caller:
    runtime = request.app.state.runtime
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Problem(401, "Send the token as 'Authorization: Bearer <token>'.",
                      headers=CHALLENGE)
    now = as_utc(runtime.clock.now())
    caller = caller_for(runtime.engine, runtime.settings, credentials.credentials, now)
    if caller is None:
        log.warning("api.token_refused", path=request.url.path)
        raise Problem(401, "The token is not recognised or has been revoked.",
                      headers={**CHALLENGE, "WWW-Authenticate":
                               'Bearer realm="dtoa", error="invalid_token"'})
    request.state.caller = caller
    wait = count_request(runtime.engine, caller.token_id, now,
                         runtime.settings.api.requests_per_minute)
    if wait is not None:
        log.warning("api.rate_limited", token=caller.name, retry_after=wait)
        raise Problem(429, f"More than {runtime.settings.api.requests_per_minute} requests a "
                           f"minute with this token; try again in {wait} seconds.",
                      headers={"Retry-After": str(wait)})
    return caller


def allow(kind: TokenKind) -> Callable[..., Caller]:
    """A dependency admitting only tokens of `kind`; others are refused (403) and logged."""

    def check(request: Request, caller: Annotated[Caller, Depends(authenticated)]) -> Caller:
        if caller.kind != kind:
            log.warning("api.access_refused", token=caller.name, kind=caller.kind.value,
                        path=request.url.path)
            raise Problem(403, f"A {caller.kind.value} token may not use this; it needs a "
                               f"{kind.value} token.")
        return caller

    return check


CustodyCaller = Annotated[Caller, Depends(allow(TokenKind.CUSTODY))]
ProviderCaller = Annotated[Caller, Depends(allow(TokenKind.PROVIDER))]
ReportingCaller = Annotated[Caller, Depends(allow(TokenKind.REPORTING))]
