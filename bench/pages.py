"""HTTP latency of three web pages against the real server, on the benchmark's database: the
inspector's funnel for all suites (a week and its eight-week trend), the custody desk's
detention lookup, and a provider's list of appointments.

The server is uvicorn in a process of its own, started as `dtoa web` starts it
(`uvicorn.run(create_app(runtime), ...)`, no access log), with the national settings and the
clock at the morning after the night measured. Requests are made one at a time by a signed-in
browser session (`requests`), after a few untimed warm-up requests; p50 and p95 are of the
wall time from request to the whole body read.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

import requests
from sqlalchemy import select

from bench import national
from bench.night_scale import night_clock
from dtoa.models import Detention, Referral
from dtoa.store import make_engine, session_scope

PASSWORD = "bench horse battery staple"
WARM_UP, REQUESTS = 5, 60
SUITE = national.suite_code(7)


def serve(args: dict) -> None:
    """The server process: as `dtoa web` runs it, on the benchmark's settings and clock."""
    import uvicorn

    from dtoa.runtime import Runtime
    from dtoa.web import create_app

    settings = national.national_settings(Path(args["folder"]), args["url"])
    runtime = Runtime(settings, night_clock())
    runtime.engine  # noqa: B018  (the schema is current)
    uvicorn.run(create_app(runtime), host="127.0.0.1", port=args["port"], log_level="warning",
                access_log=False)


def _users(folder: Path, url: str) -> tuple[str, str]:
    """An inspector, a custody officer of SUITE's force and its provider's user; a detention
    of SUITE with a requirement served, near the night, to look up."""
    from dtoa.accounts import add_user

    settings = national.national_settings(folder, url)
    suite = settings.suites_by_code[SUITE]
    with session_scope(make_engine(url)) as session:
        for username, role, extra in (("inspector", "inspector", {}),
                                      ("officer", "custody", {"force": suite.force}),
                                      ("provider", "provider",
                                       {"provider": suite.default_provider})):
            add_user(session, settings, night_clock(), username=f"bench-{username}",
                     password=PASSWORD, role=role, actor="bench", **extra)
        custody_ref = session.execute(
            select(Detention.custody_ref).join(Referral, Referral.detention_id == Detention.id)
            .where(Detention.suite == SUITE).order_by(Detention.arrested_at.desc())
            .limit(1)).scalar_one()
    return SUITE, custody_ref


def _signed_in(base: str, username: str) -> requests.Session:
    from dtoa.web.testing import form_token

    browser = requests.Session()
    page = browser.get(f"{base}/login")
    response = browser.post(f"{base}/login", allow_redirects=False, data={
        "username": username, "password": PASSWORD, "csrf_token": form_token(page.text),
        "next": "/"})
    if response.status_code != 303:
        raise RuntimeError(f"{username} could not sign in: {response.status_code}")
    return browser


def _timed(browser: requests.Session, url: str) -> dict:
    for _ in range(WARM_UP):
        browser.get(url).raise_for_status()
    times = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        response = browser.get(url)
        response.raise_for_status()
        times.append(time.perf_counter() - started)
    cuts = statistics.quantiles(times, n=20)
    return {"p50_ms": statistics.median(times) * 1000, "p95_ms": cuts[18] * 1000,
            "requests": len(times), "bytes": len(response.content)}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def latency(folder: Path, url: str, week: date) -> dict:
    """Start the server, sign in three users, time the three pages."""
    suite, custody_ref = _users(folder, url)
    port = _free_port()
    root = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]))
    server = subprocess.Popen([sys.executable, "-m", "bench.night_scale", "serve",
                               json.dumps({"folder": str(folder), "url": url, "port": port})],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(base, server)
        iso = week.isocalendar()
        pages = {
            "inspector_funnel_all_suites": ("bench-inspector",
                                            f"/inspector?week={iso.year}-W{iso.week:02d}"),
            "custody_detention_lookup": ("bench-officer", "/custody/detention?" + urlencode(
                {"suite": suite, "custody_ref": custody_ref})),
            "provider_list": ("bench-provider", "/provider"),
        }
        return {name: _timed(_signed_in(base, user), base + path)
                for name, (user, path) in pages.items()}
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait(base: str, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the web server stopped: {server.stderr.read()[-2000:]!r}")
        try:
            if requests.get(f"{base}/healthz", timeout=2).ok:
                return
        except requests.ConnectionError:
            time.sleep(0.2)
    raise RuntimeError("the web server did not start")

