"""`Idempotency-Key`: a POST sent again with the same key gets the first response again and
changes nothing (the response is kept with the key), whatever happened between.

The key is claimed before the work starts (a row with no response yet), so two copies of a
request sent at once do the work once: the second is answered 409 while the first runs. The
same key with a different request (method, path or body) is refused 422. A claim left by a
process that died mid-request is taken over after `STALE`; the work itself is idempotent on
the natural key, so doing it again is safe. Keys are kept `[api] idempotency_hours`."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from datetime import timedelta

from fastapi import Request
from fastapi.responses import JSONResponse
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from dtoa.api.problems import Problem
from dtoa.api.tokens import Caller
from dtoa.clock import as_utc
from dtoa.models import ApiIdempotencyKey
from dtoa.store import session_scope

HEADER = "Idempotency-Key"
STALE = timedelta(minutes=5)
KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


def request_hash(request: Request, payload: object) -> str:
    text = json.dumps([request.method, request.url.path, str(request.url.query), payload],
                      sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def idempotent(request: Request, caller: Caller, payload: object,
               work: Callable[[], JSONResponse]) -> JSONResponse:
    """Run `work` once per (token, key); replay its response for the same key."""
    key = request.headers.get(HEADER)
    if key is None:
        return work()
    if not KEY.match(key):
        raise Problem(400, f"{HEADER} is 1 to 255 printable ASCII characters without spaces.")
    runtime = request.app.state.runtime
    digest = request_hash(request, payload)
    stored = _claim(runtime, caller, key, digest)
    if stored is not None:
        return stored
    try:
        response = work()
    except BaseException:
        with session_scope(runtime.engine) as session:  # let the caller try again
            session.execute(delete(ApiIdempotencyKey).where(
                ApiIdempotencyKey.token_id == caller.token_id, ApiIdempotencyKey.key == key))
        raise
    with session_scope(runtime.engine) as session:
        session.execute(update(ApiIdempotencyKey).where(
            ApiIdempotencyKey.token_id == caller.token_id, ApiIdempotencyKey.key == key)
            .values(status_code=response.status_code, response=json.dumps(
                {"media_type": response.media_type, "body": response.body.decode()})))
    return response


def _claim(runtime, caller: Caller, key: str, digest: str  # noqa: ANN001
           ) -> JSONResponse | None:
    """None when this request now holds the key; else the response to give instead."""
    now = as_utc(runtime.clock.now())
    expired_before = now - timedelta(hours=runtime.settings.api.idempotency_hours)
    for _ in range(3):
        try:
            with session_scope(runtime.engine) as session:
                session.add(ApiIdempotencyKey(token_id=caller.token_id, key=key,
                                              request_hash=digest, created_at=now))
            return None
        except IntegrityError:
            pass
        with session_scope(runtime.engine) as session:
            held = session.execute(select(ApiIdempotencyKey).where(
                ApiIdempotencyKey.token_id == caller.token_id,
                ApiIdempotencyKey.key == key)).scalar_one_or_none()
            if held is None:
                continue
            created = as_utc(held.created_at)
            stale = held.status_code is None and created < now - STALE
            if created < expired_before or stale:
                session.delete(held)
                continue
            if held.request_hash != digest:
                raise Problem(422, f"This {HEADER} was used for a different request; use a "
                                   "new key for a new request.")
            if held.status_code is None:
                raise Problem(409, f"A request with this {HEADER} is still being handled; "
                                   "send it again shortly.", headers={"Retry-After": "1"})
            kept = json.loads(held.response)
            return JSONResponse(json.loads(kept["body"]), status_code=held.status_code,
                                media_type=kept["media_type"],
                                headers={"Idempotent-Replayed": "true"})
    raise Problem(409, f"The {HEADER} could not be claimed; send the request again.")
