"""`dtoa report evaluation`: the evaluation report as HTML, PDF and CSV under
`reports/evaluation/`, for every suite or one. The figures are `dtoa.evidence.evaluation`; this
module reads the tests, words the findings, draws the charts and writes the files."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy.engine import Engine

from dtoa.config import Settings
from dtoa.evidence import charts
from dtoa.evidence.evaluation import ALL, Evaluation, evaluate
from dtoa.evidence.records import test_records
from dtoa.evidence.returns import panel_in
from dtoa.evidence.stats import Proportion
from dtoa.render import html_to_pdf, render_html, write_atomically
from dtoa.reports.text import MARKING, PUBLISHED


@dataclass
class EvaluationReport:
    figures: Evaluation
    title: str

    @property
    def stem(self) -> str:
        f = self.figures
        return f"evaluation-{f.start}-{f.end}-{f.scope}" + ("-published" if f.publish else "")


def build_evaluation(engine: Engine, settings: Settings, start: date, end: date,
                     suite: str | None = None, *, publish: bool = False) -> EvaluationReport:
    if suite is not None and suite.upper() not in settings.suites_by_code:
        raise ValueError(f"unknown custody suite {suite!r}; configured: "
                         + ", ".join(settings.suites_by_code))
    chosen = [s for s in settings.suites if suite is None or s.code == suite.upper()]
    suites = [(s.force, s.code) for s in chosen]
    records = test_records(engine, settings, start, end, [code for _, code in suites])
    figures = evaluate(records, start=start, end=end, scope=suite.upper() if suite else ALL,
                       suites=suites, drugs=panel_in(settings, start, end), tz=settings.tz,
                       publish=publish)
    title = chosen[0].name if suite else "All custody suites (" + "; ".join(
        dict.fromkeys(s.force for s in chosen)) + ")"
    return EvaluationReport(figures, title)


def _n(value: int | None) -> str:
    return "*" if value is None else str(value)


def rate_text(p: Proportion | None) -> str:
    """'7.5% (2.6% to 19.9%)'; '*' when hidden; 'no outcome known' when nothing to divide."""
    if p is None:
        return "*"
    if p.rate is None:
        return "no outcome known"
    return f"{charts.pct(p.rate, 1)} ({charts.pct(p.low, 1)} to {charts.pct(p.high, 1)})"


def _rate_words(p: Proportion) -> str:
    if p.rate is None:
        return "no outcome known yet"
    return (f"{charts.pct(p.rate, 1)} (95% interval {charts.pct(p.low, 1)} to "
            f"{charts.pct(p.high, 1)})")


def findings(f: Evaluation) -> list[str]:
    """The report's opening in words."""
    custody, community, total = f.by_setting
    words = [f"{_n(total.counts['referred'])} requirements to attend assessment were served on "
             f"tests taken in the period: {_n(custody.counts['referred'])} booked for an "
             f"assessment in custody, before release, and {_n(community.counts['referred'])} "
             "in the community."]
    if custody.fta is not None and community.fta is not None:
        words.append(
            f"Of those booked in custody whose outcome is known, {_n(custody.counts['failed'])} "
            f"of {_n(custody.counts['known'])} failed to attend: {_rate_words(custody.fta)}; "
            f"in the community, {_n(community.counts['failed'])} of "
            f"{_n(community.counts['known'])}: {_rate_words(community.fta)}.")
    d = f.difference
    if d.estimate is not None:
        words.append(f"The difference, in custody less community, is "
                     f"{d.estimate * 100:+.1f} percentage points (95% interval "
                     f"{d.low * 100:+.1f} to {d.high * 100:+.1f}). It compares the settings as "
                     "they were used, not as a trial would: see the method.")
    return words


def render_html_report(report: EvaluationReport) -> str:
    f = report.figures
    setting_chart = charts.interval_bars([(row.label, row.fta) for row in f.by_setting])
    days_chart = charts.interval_bars([(row.label, row.fta) for row in f.by_days])
    months = [row for row in f.positivity if row.month != ALL]
    month_chart = charts.month_lines(
        [row.month for row in months],
        [(drug, [row.rates[drug].rate if row.rates[drug] else None for row in months])
         for drug in (*f.drugs, "any")])
    return render_html("reports/evaluation.html.j2", {
        "r": report, "f": f, "findings": findings(f), "n": _n, "rate": rate_text,
        "pct": charts.pct, "setting_chart": setting_chart, "days_chart": days_chart,
        "difference": charts.difference_axis(f.difference), "month_chart": month_chart,
        "days": lambda v: "*" if v is None else f"{v:.1f}",
        "marking": PUBLISHED if f.publish else MARKING,
        "day": lambda d: d.strftime("%-d %B %Y")})


def _r(value: float | None) -> str | float:
    return "" if value is None else round(value, 4)


def render_csv(report: EvaluationReport) -> str:
    """Long format: section, group, measure, value. Rates are fractions to 4 places; a
    suppressed figure is *, one that cannot be worked out (nothing to divide) is empty."""
    f = report.figures
    rows: list[tuple] = []

    def proportion(section: str, group: str, name: str, p: Proportion | None) -> None:
        for suffix, value in (("", "rate"), ("_low", "low"), ("_high", "high")):
            rows.append((section, group, name + suffix,
                         "*" if p is None else _r(getattr(p, value))))

    for section, table in (("fta_by_setting", f.by_setting), ("fta_by_days", f.by_days)):
        for row in table:
            rows += [(section, row.key, k, _n(v)) for k, v in row.counts.items()]
            proportion(section, row.key, "fta_rate", row.fta)
    d = f.difference
    rows += [("fta_difference", "custody_minus_community", k, _r(getattr(d, k)))
             for k in ("estimate", "low", "high")]
    for row in f.repeat:
        rows += [("repeat_testers", row.key, k, _n(getattr(row, k)))
                 for k in ("people", "repeat", "at_risk", "positive_again")]
        proportion("repeat_testers", row.key, "repeat_share", row.share)
        proportion("repeat_testers", row.key, "positive_again_rate", row.again)
        hidden = f.publish and row.median_days is None and row.gaps > 0
        rows.append(("repeat_testers", row.key, "median_days_between_tests",
                     "*" if hidden else _r(row.median_days)))
    for row in f.to_assessment:
        hidden = f.publish and row.median_days is None
        rows += [("time_to_assessment", row.key, k, "*" if v is None and (f.publish and (
            k == "attended" or hidden)) else _r(v))
                 for k, v in (("attended", row.n), ("median_days", row.median_days),
                              ("p90_days", row.p90_days))]
    for row in f.positivity:
        rows.append(("positivity", row.month, "tests", _n(row.tests)))
        for drug, count in row.positives.items():
            rows.append(("positivity", row.month, f"positive_{drug}", _n(count)))
            proportion("positivity", row.month, f"positive_{drug}_rate", row.rates[drug])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["from", "to", "scope", "section", "group", "measure", "value"])
    for row in rows:
        writer.writerow([f.start, f.end, f.scope, *row])
    return out.getvalue()


def write_evaluation(report: EvaluationReport, settings: Settings) -> dict[str, Path]:
    """Write <stem>.html, .csv and .pdf under reports/evaluation/."""
    folder = settings.path("reports") / "evaluation"
    paths = {ext: folder / f"{report.stem}.{ext}" for ext in ("html", "csv", "pdf")}
    html = render_html_report(report)
    write_atomically(paths["csv"], render_csv(report).encode())
    write_atomically(paths["pdf"], html_to_pdf(html))
    write_atomically(paths["html"], html.encode())
    return paths
