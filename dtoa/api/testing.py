"""Test helpers for the partner API, shipped with it: a client on the whole web application
(the API is mounted in it, as in production) and a token made through the library call that
`dtoa tokens add` makes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dtoa.api.tokens import add_token
from dtoa.runtime import Runtime
from dtoa.store import session_scope

if TYPE_CHECKING:
    from fastapi.testclient import TestClient


def client(runtime: Runtime) -> TestClient:
    from fastapi.testclient import TestClient

    from dtoa.web import create_app

    return TestClient(create_app(runtime), base_url="http://testserver/api/v1")


def token(runtime: Runtime, name: str, kind: str, *, force: str | None = None,
          provider: str | None = None) -> dict[str, str]:
    """The Authorization header of a new token."""
    with session_scope(runtime.engine) as session:
        made = add_token(session, runtime.settings, runtime.clock, name=name, kind=kind,
                         force=force, provider=provider, actor="test")
    return {"Authorization": f"Bearer {made}"}


HAMPSHIRE = "Hampshire and Isle of Wight Constabulary"
THAMES_VALLEY = "Thames Valley Police"
