"""Test helpers for the web application, shipped with it: a real server on a free loopback port
in a background thread, and a headless Debian Chromium for Playwright (browsers cannot be
downloaded here, so Playwright drives /usr/bin/chromium through `executable_path`)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI

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
