"""End to end in a real headless Chromium against a real server on localhost: a custody user
enters a positive test and, in the same flow, serves the requirement to attend assessment and
prints its notice; the nightly pipeline tells the provider, who records a failure to attend;
the inspector sees it in the funnel and the prosecution list. A second journey signs in (a
wrong password first), changes a password, and signs out: the page behind the session is gone
even by the browser's Back button and its saved cookie. Screenshots of each page go to
test-artifacts/screenshots/."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright
from sqlmodel import Session, select

from dtoa.accounts import add_user
from dtoa.ingest import ingest_file
from dtoa.models import AuditEvent, ProsecutionCase, Referral
from dtoa.pipelines.nightly import run_nightly
from dtoa.store import session_scope
from dtoa.testing import detention_row, write_csv
from dtoa.web import create_app
from dtoa.web.testing import CHROMIUM_ARGS, chromium_path, serve_in_thread

SCREENSHOTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "screenshots"
PASSWORD = "correct horse battery"
NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def browser():
    if chromium_path() is None:
        pytest.fail("Chromium is not installed: run scripts/install-system-packages")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), headless=True,
                                             args=list(CHROMIUM_ARGS))
        yield browser
        browser.close()


@pytest.fixture
def site(runtime, tmp_path):
    """The app on the test database and clock, with one user per role and one detention."""
    runtime.clock.set(datetime(2022, 10, 3, 15, 30, tzinfo=UTC))  # Monday 16:30 local
    with session_scope(runtime.engine) as session:
        for name, role, scope in (
                ("desk", "custody", {"force": "Hampshire and Isle of Wight Constabulary"}),
                ("nhrs", "provider", {"provider": "NHRS"}),
                ("inspector", "inspector", {}), ("admin", "admin", {})):
            add_user(session, runtime.settings, runtime.clock, username=name,
                     password=PASSWORD, role=role, actor="test", **scope)
    path = write_csv(tmp_path / "detentions.csv", [
        detention_row(person_name="Jane Smith"),
        detention_row(custody_ref="BAS/22/0002", person_ref="P0002", birth_date="2006-01-10",
                      offence_codes="TH68001;ASSAULT")])
    ingest_file(runtime.engine, runtime.settings, runtime.clock, "detentions", path)
    with serve_in_thread(create_app(runtime)) as url:
        yield url


def pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(path).pages)


def tmp_notice(runtime) -> Path:  # noqa: ANN001
    return runtime.settings.path("outbox").parent / "printed-notice.pdf"


class Shots:
    def __init__(self, prefix: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.prefix, self.count = prefix, 0

    def __call__(self, page, name: str) -> None:  # noqa: ANN001
        self.count += 1
        page.screenshot(path=SCREENSHOTS / f"{self.prefix}-{self.count:02d}-{name}.png",
                        full_page=True)


def sign_in(browser, url: str, username: str, password: str = PASSWORD):  # noqa: ANN001, ANN201
    page = browser.new_context(viewport={"width": 1200, "height": 800},
                               locale="en-GB", timezone_id="Europe/London").new_page()
    page.goto(url + "/")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    return page


def test_positive_test_to_prosecution_list_through_the_browser(browser, site, runtime,
                                                              db_url):
    shot = Shots(db_url.split(":")[0].split("+")[0])
    admin = sign_in(browser, site, "admin")
    expect(admin.locator("#users")).to_contain_text("nhrs")
    shot(admin, "admin-users")
    admin.click("text=Sign out")
    expect(admin.locator("h1")).to_have_text("Sign in")
    shot(admin, "sign-in")
    # Custody desk: a child may not be tested here, and the page says why in words.
    desk = sign_in(browser, site, "desk")
    shot(desk, "custody-desk")
    desk.fill("#custody_ref", "BAS/22/0002")
    desk.click("text=Find detention")
    expect(desk.locator("#reason")).to_have_text(
        "Why: under 18: this suite is not notified for testing people under 18 (PACE 1984 "
        "s.63B(4B)).")
    expect(desk.locator("#offences")).to_contain_text("Theft, Theft Act 1968 s.1: trigger offence")
    expect(desk.locator("#offences")).to_contain_text("ASSAULT: not a trigger offence")
    shot(desk, "custody-under-18")
    # The adult: find the detention, enter the outcome; the officer is the signed-in user.
    desk.goto(site + "/custody")
    desk.fill("#custody_ref", "BAS/22/0001")
    desk.click("text=Find detention")
    expect(desk.locator("#eligibility")).to_have_text(
        "Yes: eligible for testing (arrested for a trigger offence).")
    expect(desk.locator("#officer_ref")).to_have_value("desk")
    desk.check("input[name=outcome][value=tested]")
    desk.check("input[name=opiates][value=negative]")
    desk.fill("#tested_at", "2022-10-03T15:05")
    desk.click("text=Record outcome")
    expect(desk.locator("#cocaine-error")).to_have_text(
        "a tested sample needs positive or negative")
    shot(desk, "custody-field-error")
    desk.check("input[name=cocaine][value=positive]")
    desk.click("text=Record outcome")
    # One flow: the positive result leads straight to the requirement, sessions offered.
    expect(desk.locator(".flash")).to_have_text("Test recorded: positive for cocaine.")
    expect(desk.locator("#recorded-result")).to_have_text("positive for cocaine")
    expect(desk.locator("#requirement-due")).to_be_visible()
    sessions = desk.locator("#require-form label.session")
    expect(sessions.first).to_have_text("Wednesday 5 October 2022 at 14:00 in the community")
    expect(desk.locator("#require-form input[name=slot]").first).to_be_checked()
    expect(desk.locator("#officer")).to_have_value("desk")
    shot(desk, "custody-requirement-offered")
    desk.goto(site + "/custody")  # the worklist shows it until it is served
    expect(desk.locator("#worklist")).to_contain_text("BAS/22/0001")
    shot(desk, "custody-worklist")
    desk.click("#worklist >> text=BAS/22/0001")
    desk.locator("#require-form input[name=slot]").nth(1).check()  # Thursday instead
    desk.fill("#officer", "PC 1234")
    desk.click("text=Serve requirement and print notice")
    expect(desk.locator(".flash")).to_contain_text("Requirement served: BAS-2022-000001.")
    expect(desk.locator("#served-appointment")).to_have_text("Thursday 6 October 2022 at 10:00")
    expect(desk.locator("#served-by")).to_have_text("PC 1234, Monday 3 October 2022 at 16:30")
    shot(desk, "custody-requirement-served")
    printed = desk.request.get(site + desk.locator("#print-notice").get_attribute("href"))
    assert printed.ok and printed.body().startswith(b"%PDF")
    notice = tmp_notice(runtime)
    notice.write_bytes(printed.body())
    text = pdf_text(notice)
    assert "To: Jane Smith" in text and "Thursday 6 October 2022 at 10:00" in text
    assert "you may be liable to prosecution" in text and "Served by PC 1234" in text
    desk.goto(site + "/custody")
    expect(desk.locator("#worklist")).to_contain_text("None: every positive test")

    run_nightly(runtime.engine, runtime.settings, runtime.clock)
    with Session(runtime.engine) as session:
        referral = session.exec(select(Referral)).one()

    # Provider: after the appointment, the referral is listed; the person did not come.
    runtime.clock.set(datetime(2022, 10, 7, 9, 0, tzinfo=UTC))
    provider = sign_in(browser, site, "nhrs")
    expect(provider.locator("#referrals")).to_contain_text(referral.reference)
    shot(provider, "provider-referrals")
    provider.click(f"text={referral.reference}")
    with provider.expect_download() as download:
        provider.click("text=referral letter")
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
    booked = provider.locator("table tbody tr").first.locator("td").first.inner_text()
    when = datetime.strptime(booked, "%a %d %b %Y %H:%M").strftime("%Y-%m-%dT%H:%M")
    provider.check("input[name=outcome][value=failed_to_attend]")
    provider.fill("#outcome_at", when)
    provider.click("text=Record outcome")
    expect(provider.locator(".flash")).to_contain_text("failed to attend recorded")
    expect(provider.locator("#referral-state")).to_have_text("failed to attend")
    shot(provider, "provider-outcome")

    run_nightly(runtime.engine, runtime.settings, runtime.clock)

    # Inspector: the failure is in the week's funnel and its case in the prosecution list.
    inspector = sign_in(browser, site, "inspector")
    inspector.goto(site + "/inspector?week=2022-W40&suite=BASINGSTOKE")
    for stage, count in (("tested", "1"), ("positive", "1"), ("referred", "1"),
                         ("positive_no_requirement", "0"), ("failed_to_attend", "1")):
        expect(inspector.locator(f"td[data-stage={stage}]")).to_have_text(count)
    for rate, shown in (("fta_rate", "100%"), ("fta_rate_not_reminded", "100%"),
                        ("fta_rate_reminded", "–")):  # every rate in per cent, 0 of 0 a dash
        expect(inspector.locator(f"td[data-figure={rate}]")).to_have_text(shown)
    shot(inspector, "inspector-funnel")
    inspector.goto(site + "/inspector/prosecutions?within=200")
    expect(inspector.locator("#cases")).to_contain_text(referral.reference)
    shot(inspector, "inspector-prosecutions")
    inspector.select_option(f"select[aria-label='Decision for {referral.reference}']",
                            "summonsed")
    inspector.click("#cases button[type=submit]")
    expect(inspector.locator(".flash")).to_contain_text("summonsed recorded")
    with Session(runtime.engine) as session:
        case = session.exec(select(ProsecutionCase)).one()
        actors = set(session.exec(select(AuditEvent.actor)).all())
    assert case.state == "summonsed"
    assert {"desk", "nhrs", "inspector"} <= actors
    outbox = runtime.settings.path("outbox")
    assert [p.name for p in (outbox / "NHRS").rglob("*.pdf")] == [
        "BAS-2022-000001-referral.pdf"]
    inspector.goto(site + "/inspector?week=2022-W40&suite=BASINGSTOKE")
    expect(inspector.locator("td[data-stage=prosecuted]")).to_have_text("1")
    inspector.goto(site + "/inspector/chase")
    shot(inspector, "inspector-chase")
    assert re.search(r"Nothing to chase", inspector.content())


def test_sign_in_password_change_and_sign_out_through_the_browser(browser, site, runtime,
                                                                  db_url):
    shot = Shots(db_url.split(":")[0].split("+")[0] + "-account")
    page = browser.new_context(viewport={"width": 1200, "height": 800}, locale="en-GB",
                               timezone_id="Europe/London").new_page()
    page.goto(site + "/inspector/chase")
    expect(page.locator("h1")).to_have_text("Sign in")
    page.fill("#username", "inspector")
    page.fill("#password", "not the password")
    page.click("button[type=submit]")
    expect(page.locator("[role=alert]")).to_have_text("User name or password not recognised.")
    shot(page, "sign-in-refused")
    page.fill("#username", "inspector")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_contain_text("Chase list")
    assert page.url == site + "/inspector/chase"

    page.click("header >> text=Change password")
    expect(page.locator("h1")).to_have_text("Change your password")
    shot(page, "password-page")
    page.fill("#current_password", PASSWORD)
    page.fill("#new_password", NEW_PASSWORD)
    page.fill("#confirm_password", "a different passphrase")
    page.click("main button[type=submit]")
    expect(page.locator("#confirm_password-error")).to_have_text("the two new passwords differ")
    shot(page, "password-mismatch")
    page.fill("#current_password", PASSWORD)
    page.fill("#new_password", NEW_PASSWORD)
    page.fill("#confirm_password", NEW_PASSWORD)
    page.click("main button[type=submit]")
    expect(page.locator(".flash")).to_contain_text("Password changed")
    shot(page, "password-changed")

    cookies = page.context.cookies()
    page.click("text=Sign out")
    expect(page.locator("h1")).to_have_text("Sign in")
    page.go_back()
    expect(page.locator("h1")).to_have_text("Sign in")
    replay = browser.new_context()
    replay.add_cookies(cookies)
    stale = replay.new_page()
    stale.goto(site + "/inspector/chase")
    expect(stale.locator("h1")).to_have_text("Sign in")
    shot(stale, "saved-cookie-after-sign-out")
    old = sign_in(browser, site, "inspector")
    expect(old.locator("[role=alert]")).to_have_text("User name or password not recognised.")
    new = sign_in(browser, site, "inspector", NEW_PASSWORD)
    expect(new.locator("h1")).to_contain_text("Funnel")

    guesser = sign_in(browser, site, "nobody", "guess 1")
    for number in range(2, runtime.settings.web.signin_failures_per_user + 1):
        guesser.fill("#username", "nobody")
        guesser.fill("#password", f"guess {number}")
        guesser.click("button[type=submit]")
    expect(guesser.locator("[role=alert]")).to_contain_text("signing in is paused until")
    shot(guesser, "sign-in-paused")
