"""Issue 12, nothing lost: every file the nightly run set aside in quarantine is listed, by
`dtoa status` and on the admin web page, with its name, when it was set aside and why (from
the reason note beside it), and never its contents; SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dtoa.accounts import add_user
from dtoa.ingest.quarantine import quarantine
from dtoa.store import session_scope
from dtoa.testing import detention_row, write_csv
from dtoa.web import create_app
from dtoa.web.testing import signed_in

PASSWORD = "correct horse battery"
SECRET = "Josephine Quarantine-Secret"  # in a file's contents: never shown
BINARY_REASON = "the header row cannot be read (column 1: a NUL byte (0x00) is not allowed)"
TWICE_REASON = ("the header row names birth_date twice (columns 4 and 9): which one is meant "
                "is unclear")


def unreadable_inbox(folder) -> None:  # noqa: ANN001
    """Two detentions files the nightly run cannot read at all, one it can."""
    inbox = folder / "inbox" / "detentions"
    inbox.mkdir(parents=True, exist_ok=True)
    write_csv(inbox / "a-good.csv", [detention_row()])
    (inbox / "c-binary.csv").write_bytes(b"PK\x03\x04" + bytes(range(256)) * 8)
    twice = write_csv(inbox / "d-twice.csv", [detention_row(person_name=SECRET)])
    twice.write_text(twice.read_text().replace("home_area", "birth_date"))


def set_aside(settings, kind: str, name: str, reason: str, when: datetime) -> None:  # noqa: ANN001
    """A file quarantined as the nightly run does it, at a known time."""
    inbox = settings.path("inbox") / kind
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / name).write_text(f"suite,custody_ref\n{SECRET},X/1\n", encoding="utf-8")
    quarantine(settings, kind, inbox / name, reason, when)


def quarantine_lines(stdout: str) -> list[str]:
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("quarantine: "))
    return lines[start:]


def test_status_lists_each_file_the_nightly_run_quarantined_with_its_reason(dtoa,
                                                                           config_file):
    unreadable_inbox(config_file.parent)
    dtoa("run", "nightly", "--quiet")
    listed = quarantine_lines(dtoa("status").stdout)
    assert listed[0] == "quarantine: 2 files"
    assert [line.split(", quarantined ")[0] for line in listed[1:]] == [
        "  detentions/c-binary.csv", "  detentions/d-twice.csv"]
    assert listed[1].endswith(f" (Europe/London): {BINARY_REASON}")
    assert listed[2].endswith(f" (Europe/London): {TWICE_REASON}")
    assert SECRET not in "\n".join(listed)


def test_status_shows_when_each_file_was_quarantined_in_local_time_oldest_first(
        dtoa, settings):
    set_aside(settings, "tests", "late.csv", "not a regular file (a named pipe)",
              datetime(2026, 7, 2, 1, 30, tzinfo=UTC))
    set_aside(settings, "detentions", "early.csv", "the file is empty",
              datetime(2026, 1, 5, 1, 30, tzinfo=UTC))
    assert quarantine_lines(dtoa("status").stdout) == [
        "quarantine: 2 files",
        "  detentions/early.csv, quarantined 2026-01-05 01:30 (Europe/London): "
        "the file is empty",
        "  tests/late.csv, quarantined 2026-07-02 02:30 (Europe/London): "
        "not a regular file (a named pipe)"]


def test_status_lists_a_file_put_in_quarantine_by_hand_as_having_no_reason(dtoa, settings):
    folder = settings.path("quarantine") / "attendance"
    folder.mkdir(parents=True)
    (folder / "by-hand.csv").write_text(SECRET)
    listed = quarantine_lines(dtoa("status").stdout)
    assert listed == ["quarantine: 1 files",
                      "  attendance/by-hand.csv, quarantined at an unknown time: "
                      "no reason recorded (not set aside by the nightly run)"]


def test_status_shows_a_hostile_file_name_without_its_terminal_controls(dtoa, settings):
    set_aside(settings, "detentions", "evil\x1b[2J.csv", "the file is empty",
              datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
    stdout = dtoa("status").stdout
    assert "\x1b" not in stdout
    assert "  detentions/evil?[2J.csv, quarantined 2026-01-05 09:00 (Europe/London): " \
           "the file is empty" in stdout.splitlines()


@pytest.fixture
def admin(runtime):
    with session_scope(runtime.engine) as session:
        add_user(session, runtime.settings, runtime.clock, username="admin",
                 password=PASSWORD, role="admin", actor="test")
    return signed_in(create_app(runtime), "admin", PASSWORD)


def quarantine_table(html: str) -> str:
    start = html.index("<h2>Quarantined files</h2>")
    return html[start:html.index("</table>", start)]


def test_admin_page_lists_quarantined_files_with_when_and_why(admin, settings):
    set_aside(settings, "detentions", "c-binary.csv", BINARY_REASON,
              datetime(2026, 1, 5, 1, 30, tzinfo=UTC))
    set_aside(settings, "tests", "d-twice.csv", TWICE_REASON,
              datetime(2026, 7, 2, 1, 30, tzinfo=UTC))
    page = admin.get("/admin/users")
    assert page.status_code == 200
    table = quarantine_table(page.text)
    rows = [row.split("</tr>")[0] for row in table.split("<tr>")[2:]]
    assert [r.split("</td>")[0].removeprefix("<td>") for r in rows] == ["c-binary.csv",
                                                                      "d-twice.csv"]
    assert "05 Jan 2026 01:30" in rows[0] and BINARY_REASON in rows[0]
    assert "02 Jul 2026 02:30" in rows[1] and TWICE_REASON in rows[1]
    assert SECRET not in page.text


def test_admin_page_escapes_a_quarantined_file_name_that_looks_like_html(admin, settings):
    set_aside(settings, "detentions", "<img src=x onerror=alert(1)>.csv", "the file is empty",
              datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
    table = quarantine_table(admin.get("/admin/users").text)
    assert "&lt;img src=x onerror=alert(1)&gt;.csv" in table
    assert "<img" not in table
    assert "the file is empty" in table


def test_admin_page_says_when_nothing_is_in_quarantine(admin):
    page = admin.get("/admin/users").text
    assert "No files are in quarantine" in page
