"""The weekly report: one ISO week (Monday to Sunday, Europe/London arrest dates), force-wide
or for one suite, as HTML, PDF and CSV under `reports/<week>/`.

Built in two halves: `build_weekly` gathers the figures (funnel SQL, 12-week trend, inspector
lists) into a `WeeklyReport`; `write_weekly` renders it with the Jinja2 templates in
`templates/reports/` (autoescaped) and WeasyPrint. The content depends only on the data and the
week (lists are "as at" the week's Sunday), so a rerun writes the same HTML; when the HTML on
disk is already that, nothing is rewritten.
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy.engine import Engine

from dtoa import csvout
from dtoa.config import Settings
from dtoa.render import TEMPLATES as SHIPPED_TEMPLATES
from dtoa.reports import charts, lists
from dtoa.reports.text import (
    LABELS,
    MARKING,
    NOT_YET_KNOWN,
    PUBLISHED,
    funnel_sentences,
    rate_text,
)
from dtoa.rules.funnel import KEYS, RATES, percent
from dtoa.rules.publish import publish_funnel, publish_table, shown
from dtoa.store.funnel import funnel

TEMPLATES = SHIPPED_TEMPLATES / "reports"
FORCE = "ALL"
TREND_WEEKS = 12
TESTING_COLUMNS = ("in_scope", "eligible", "under_age", "tested", "tested_trigger",
                   "tested_inspector_authorised", "refused", "failed_to_provide", "not_tested",
                   "test_rate")
RESULT_COLUMNS = ("positive", "positive_cocaine_only", "positive_opiates_only", "positive_both",
                  "positivity", "referred", "positive_no_requirement")
ASSESSMENT_COLUMNS = ("referred", "attended", "failed_to_attend", "awaiting",
                      "outcome_overdue", "prosecuted", "fta_rate", "reminded",
                      "fta_rate_reminded", "fta_rate_not_reminded")


WEEK = re.compile(r"([0-9]{4})-W([0-9]{2})", re.IGNORECASE)
FIRST_YEAR, LAST_YEAR = 2000, 2999


def week_bounds(week: str) -> tuple[date, date]:
    """'2022-W43' -> (Monday 24 October, Sunday 30 October 2022). Anything else, or a year
    outside FIRST_YEAR..LAST_YEAR (the trends reach weeks back, and a calendar ends), is a
    ValueError saying what to give instead."""
    match = WEEK.fullmatch(week.strip())
    if match is None:
        raise ValueError("Choose a week as YYYY-Www, e.g. 2022-W52.")
    year, number = int(match.group(1)), int(match.group(2))
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"Choose a week from {FIRST_YEAR}-W01 to {LAST_YEAR}-W52.")
    try:
        monday = date.fromisocalendar(year, number, 1)
    except ValueError:
        raise ValueError(f"{year} has no week {number}: choose one from 01 to "
                         f"{date(year, 12, 28).isocalendar().week}.") from None
    return monday, monday + timedelta(days=6)


def week_of(day: date) -> str:
    year, number, _ = day.isocalendar()
    return f"{year}-W{number:02d}"


def previous_week(today: date) -> str:
    """The last whole ISO week before `today` (a Monday run reports the week just ended)."""
    return week_of(today - timedelta(days=today.isoweekday()))


@dataclass
class WeeklyReport:
    week: str
    start: date
    end: date
    scope: str                          # a suite code, or ALL for the force
    title: str
    publish: bool
    funnel: dict                        # the scope's funnel for the week
    table: dict[str, dict]              # per suite (and ALL), for the tables and CSV
    trend: list[tuple[str, dict]]       # (week, funnel), oldest first, ending with this week
    cases_due: list[dict] = field(default_factory=list)
    overdue: list[dict] = field(default_factory=list)
    no_capacity: list[dict] = field(default_factory=list)

    @property
    def stem(self) -> str:
        return f"{self.week}-{self.scope}"


def build_weekly(engine: Engine, settings: Settings, week: str, suite: str | None = None,
                 *, publish: bool = False) -> WeeklyReport:
    start, end = week_bounds(week)
    suites = [suite.upper()] if suite else [s.code for s in settings.suites]
    table = {code: funnel(engine, settings, start, end, code) for code in suites}
    if suite is None:
        table[FORCE] = funnel(engine, settings, start, end)
    trend = [(week_of(start - timedelta(weeks=n)),
              funnel(engine, settings, start - timedelta(weeks=n), end - timedelta(weeks=n),
                     suite)) for n in range(TREND_WEEKS - 1, -1, -1)]
    if publish:
        table = publish_table(table, total=FORCE)
        trend = [(name, publish_funnel(f)) for name, f in trend]
    scope = suite.upper() if suite else FORCE
    title = (settings.suites_by_code[scope].name if suite else "All custody suites ("
             + "; ".join(sorted({s.force for s in settings.suites})) + ")")
    code = suite.upper() if suite else None
    return WeeklyReport(
        week=week, start=start, end=end, scope=scope, title=title, publish=publish,
        funnel=table[scope], table=table, trend=trend,
        cases_due=lists.cases_near_time_limit(engine, settings, end, code),
        overdue=lists.overdue_outcomes(engine, settings, code),
        no_capacity=lists.no_capacity(engine, settings, code))


def render_html(report: WeeklyReport) -> str:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(
        default=True, default_for_string=True), undefined=StrictUndefined,
        trim_blocks=True, lstrip_blocks=True)
    env.filters["shown"] = shown
    env.filters["percent"] = lambda v: "*" if v is None else percent(v)
    return env.get_template("weekly.html.j2").render(
        r=report, sentences=funnel_sentences(report.funnel),
        bars=charts.funnel_bars(report.funnel), trend=charts.trend(report.trend),
        testing=TESTING_COLUMNS, results=RESULT_COLUMNS, assessments=ASSESSMENT_COLUMNS,
        rates=RATES, labels=LABELS, rate_text=rate_text,
        marking=PUBLISHED if report.publish else MARKING,
        day=lambda d: d.strftime("%a %d %b %Y"))


def render_csv(report: WeeklyReport) -> str:
    out = io.StringIO()
    writer = csvout.writer(out, lineterminator="\n")
    writer.writerow(["week", "suite", *KEYS])
    for code, figures in report.table.items():
        writer.writerow([report.week, code, *(_csv_value(figures, k) for k in KEYS)])
    return out.getvalue()


def _csv_value(figures: dict, key: str) -> object:
    """A figure as the CSV gives it: the failure to attend rate is empty while it is not yet
    known (outcomes awaited), as it is for a rate of nothing."""
    if key in RATES and rate_text(figures, key) == NOT_YET_KNOWN:
        return ""
    if key in RATES and figures[key] is None and rate_text(figures, key) != "*":
        return ""
    return shown(figures[key])


def write_weekly(report: WeeklyReport, folder: Path) -> dict[str, object]:
    """Write <week>-<scope>.html/.pdf/.csv into `folder`; skip when the same report is there.
    Returns the paths and whether anything was written."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = report.stem + ("-published" if report.publish else "")
    paths = {ext: folder / f"{stem}.{ext}" for ext in ("html", "pdf", "csv")}
    html = render_html(report)
    if all(p.exists() for p in paths.values()) and \
            paths["html"].read_text(encoding="utf-8") == html:
        return {"written": False, **{k: str(v) for k, v in paths.items()}}
    from weasyprint import HTML  # imported here: loading pango costs a second at CLI start

    _replace(paths["csv"], render_csv(report).encode())
    _replace(paths["pdf"], HTML(string=html, base_url=str(TEMPLATES)).write_pdf())
    _replace(paths["html"], html.encode())  # last: its presence marks a complete report
    return {"written": True, **{k: str(v) for k, v in paths.items()}}


def _replace(path: Path, data: bytes) -> None:
    """Write whole then move into place: a reader never sees half a report."""
    temporary = path.with_name(path.name + ".part")
    temporary.write_bytes(data)
    os.replace(temporary, path)
