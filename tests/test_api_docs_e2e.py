"""The API's browsable documentation in a real headless Chromium: Swagger UI draws every
operation from the served OpenAPI document, under the web application's Content-Security-
Policy, and the page fetches nothing from any other host."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from dtoa.web import create_app
from dtoa.web.testing import CHROMIUM_ARGS, chromium_path, serve_in_thread

SHOTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"


@pytest.fixture(params=["sqlite"])
def db_url(request, tmp_path, sqlite_template):  # the page reads no records: one backend
    import shutil

    path = tmp_path / "dtoa.sqlite"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


def test_the_docs_page_draws_every_operation_offline(runtime):
    if chromium_path() is None:
        pytest.skip("no Chromium")
    hosts, problems = set(), []
    with serve_in_thread(create_app(runtime)) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), headless=True,
                                             args=list(CHROMIUM_ARGS))
        page = browser.new_page()
        page.on("request", lambda r: hosts.add(r.url.split("/")[2]))
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.goto(f"{base}/api/v1/docs")
        expect(page.locator(".opblock").first).to_be_visible(timeout=20000)
        paths = page.locator(".opblock-summary-path").all_inner_texts()
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "api-docs.png"), full_page=True)
        browser.close()
    assert {"/detentions", "/detentions/batch", "/referrals", "/attendance", "/funnel"} <= {
        p.replace("\u200b", "") for p in paths}
    assert hosts == {base.split("/")[2]}
    assert problems == []
