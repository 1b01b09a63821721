"""`dtoa report home-office`: the quarter's Home Office return as CSV and PDF under
`reports/home-office/<quarter>/`, for every force or one (`--force`), with `--publish`
disclosure control. The figures are `dtoa.evidence.home_office`; this module reads the tests,
lays the figures out with their definitions and writes the files."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy.engine import Engine

from dtoa.config import Settings
from dtoa.evidence import home_office as ho
from dtoa.evidence.periods import quarter_bounds
from dtoa.evidence.records import test_records
from dtoa.render import html_to_pdf, render_html, write_atomically
from dtoa.reports.text import MARKING, PUBLISHED

LABELS = {
    "tests": "Tests", "positive": "Positive tests",
    "after_trigger": "Tests after a trigger offence",
    "after_inspector_authority": "Tests after a non-trigger offence (inspector's authority)",
    "not_stated": "Tests, route not stated",
    "positive_cocaine_only": "Positive for cocaine only",
    "positive_opiates_only": "Positive for opiates only",
    "positive_both": "Positive for both cocaine and opiates",
    "referred": "Referrals to assessment", "positive_rate": "Positive rate",
    "referred_share": "Referrals per positive test",
}


@dataclass
class HomeOfficeReturn:
    quarter: str
    start: date
    end: date
    force: str | None  # None: every configured force
    publish: bool
    definitions: dict[str, str]  # measure -> definition, in the order printed
    table: dict[ho.Unit, dict]

    @property
    def scope(self) -> str:
        return "ALL" if self.force is None else slug(self.force)

    @property
    def stem(self) -> str:
        return f"home-office-{self.quarter}-{self.scope}" + ("-published" if self.publish
                                                             else "")


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def choose_force(settings: Settings, force: str | None) -> str | None:
    """The configured force named (case and spacing ignored), or ValueError listing them."""
    if force is None:
        return None
    wanted = " ".join(force.split()).casefold()
    for name in settings.forces:
        if name.casefold() == wanted or slug(name) == slug(force):
            return name
    raise ValueError(f"unknown force {force!r}; configured: " + "; ".join(settings.forces))


def panel_in(settings: Settings, start: date, end: date) -> list[str]:
    """The drugs on the test panel on some day of the period."""
    return [p.drug for p in settings.law.panel
            if (p.from_ is None or p.from_ <= end) and (p.until is None or p.until >= start)]


def build_return(engine: Engine, settings: Settings, quarter: str, force: str | None = None,
                 *, publish: bool = False) -> HomeOfficeReturn:
    start, end = quarter_bounds(quarter)
    force = choose_force(settings, force)
    suites = [(s.force, s.code) for s in settings.suites if force in (None, s.force)]
    records = test_records(engine, settings, start, end, [code for _, code in suites])
    panel = panel_in(settings, start, end)
    return HomeOfficeReturn(quarter.upper(), start, end, force, publish, ho.measures(panel),
                            ho.compute(records, suites, panel, publish=publish))


def label(measure: str) -> str:
    if measure.startswith(ho.DRUG_PREFIX):
        return f"Positive for {measure[len(ho.DRUG_PREFIX):]}"
    return LABELS[measure]


def shown(measure: str, value: int | float | None, publish: bool) -> str:
    """A figure as printed: a count, a rate in per cent to one place, "*" when hidden, "-"
    for a rate of nothing."""
    if measure in ho.RATES:
        if value is None:
            return "*" if publish else "-"
        return f"{value * 100:.1f}%"
    return "*" if value is None else str(value)


def render_csv(r: HomeOfficeReturn) -> str:
    """Long format: one row per unit and measure, with its definition. Rates are fractions to
    4 places; a suppressed figure is *, a rate of nothing is empty."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["quarter", "force", "suite", "measure", "value", "definition"])
    for unit, figures in r.table.items():
        for measure, definition in r.definitions.items():
            value = figures[measure]
            text = ("*" if r.publish else "") if value is None else value
            writer.writerow([r.quarter, unit.force, unit.suite, measure, text, definition])
    return out.getvalue()


def render(r: HomeOfficeReturn, settings: Settings) -> str:
    forces = list(dict.fromkeys(u.force for u in r.table if u.force != ho.ALL))
    sections = []
    if any(u.force == ho.ALL for u in r.table):
        sections.append(("All forces", [u for u in r.table if u.suite == ho.ALL]))
    for force in forces:
        sections.append((force, [u for u in r.table if u.force == force]))
    return render_html("reports/home_office.html.j2", {
        "r": r, "sections": sections, "label": label,
        "shown": lambda m, v: shown(m, v, r.publish),
        "unit_label": lambda u, section: _unit_label(u, settings, section),
        "marking": PUBLISHED if r.publish else MARKING,
        "day": lambda d: d.strftime("%-d %B %Y")})


def _unit_label(unit: ho.Unit, settings: Settings, section: str) -> str:
    """A column's heading: in the all-forces table each force by name, in a force's table its
    total and then each suite by name."""
    if unit.force == ho.ALL:
        return "All forces"
    if unit.suite == ho.ALL:
        return unit.force if section == "All forces" else "Force total"
    suite = settings.suites_by_code.get(unit.suite)
    return suite.name if suite else unit.suite


def write_return(r: HomeOfficeReturn, settings: Settings) -> dict[str, Path]:
    """Write <stem>.csv and <stem>.pdf under reports/home-office/<quarter>/."""
    folder = settings.path("reports") / "home-office" / r.quarter
    paths = {ext: folder / f"{r.stem}.{ext}" for ext in ("csv", "pdf")}
    write_atomically(paths["csv"], render_csv(r).encode())
    write_atomically(paths["pdf"], html_to_pdf(render(r, settings)))
    return paths
