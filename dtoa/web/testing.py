"""Test helpers for the web application, shipped with it: a real server on a free loopback port
in a background thread, a headless Debian Chromium for Playwright (browsers cannot be
downloaded here, so Playwright drives /usr/bin/chromium through `executable_path`), and a
TestClient signed in through the sign-in form."""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import uvicorn
from fastapi import FastAPI

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

CHROMIUM_ARGS = ("--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run")


def chromium_path() -> str | None:
    """$DTOA_CHROMIUM, else Debian's chromium on the PATH."""
    return os.environ.get("DTOA_CHROMIUM") or shutil.which("chromium")


@contextmanager
def serve_in_thread(app: FastAPI, *, startup_timeout: float = 20) -> Iterator[str]:
    """Run `app` under uvicorn on 127.0.0.1 and a free port; yield its base URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, name="dtoa-web-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test web server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def form_token(html: str) -> str:
    """The CSRF token a page's forms carry."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    if match is None:
        raise AssertionError("the page has no form with a CSRF token")
    return match.group(1)


def signed_in(app: FastAPI, username: str, password: str, *,
              address: str = "testclient") -> TestClient:
    """A TestClient (redirects not followed) signed in through the sign-in form, as a browser
    at `address` would be."""
    from fastapi.testclient import TestClient

    client = TestClient(app, follow_redirects=False, client=(address, 50000))
    page = client.get("/login")
    response = client.post("/login", data={"username": username, "password": password,
                                           "csrf_token": form_token(page.text), "next": "/"})
    if response.status_code != 303:
        raise AssertionError(f"{username} could not sign in: {response.status_code}")
    return client
