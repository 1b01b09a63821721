"""Commands for inspectors: `dtoa report funnel` and `dtoa report weekly`."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import click
from tqdm import tqdm

from dtoa import log
from dtoa.cli.common import pass_runtime
from dtoa.pipelines.reports import write_week
from dtoa.reports.weekly import FORCE, previous_week, week_bounds
from dtoa.rules.funnel import COUNTS, RATES, percent
from dtoa.rules.publish import publish_funnel, shown
from dtoa.runtime import Runtime
from dtoa.store.funnel import funnel as funnel_of


@click.group()
def report() -> None:
    """Funnel figures and weekly reports for inspectors."""


@report.command("funnel")
@click.option("--from", "start", required=True, type=click.DateTime(["%Y-%m-%d"]),
              help="First arrest date (Europe/London), YYYY-MM-DD.")
@click.option("--to", "end", required=True, type=click.DateTime(["%Y-%m-%d"]),
              help="Last arrest date, inclusive.")
@click.option("--suite", help="One custody suite (default: every suite).")
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "table"]), default="table",
              show_default=True)
@click.option("--publish", is_flag=True,
              help="Suppress counts of 1 to 4 and whatever would let them be worked out.")
@pass_runtime
def funnel_command(runtime: Runtime, start, end, suite: str | None, fmt: str,  # noqa: ANN001
                   publish: bool) -> None:
    """Print the funnel for arrests from --from to --to."""
    try:
        figures = funnel_of(runtime.engine, runtime.settings, start.date(), end.date(), suite)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc
    if publish:
        figures = publish_funnel(figures)
    click.echo(render_funnel(figures, fmt, start.date(), end.date(), suite),
               nl=fmt != "csv")


def render_funnel(figures: dict, fmt: str, start: date, end: date, suite: str | None) -> str:
    """The funnel, naming its suite (ALL: every suite) and arrest dates, as JSON (suppressed
    -> null), one-row CSV (suppressed -> *) or a table."""
    named = {"suite": suite.upper() if suite else FORCE, "from": start.isoformat(),
             "to": end.isoformat()}
    if fmt == "json":
        return json.dumps({**named, **figures}, indent=2)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([*named, *figures])
        writer.writerow([*named.values(), *(shown(v) for v in figures.values())])
        return out.getvalue()
    width = max(map(len, figures))
    lines = [f"{'suite':<{width}}  {named['suite']}" + ("" if suite else " (every suite)"),
             f"{'period':<{width}}  arrests {start} to {end} (Europe/London)"]
    lines += [f"{k:<{width}}  {shown(figures[k])}" for k in COUNTS]
    lines += [f"{k:<{width}}  {_rate(figures[k])}" for k in RATES]
    return "\n".join(lines)


def _rate(value: float | None) -> str:
    return "*" if value is None else f"{value:.4f} ({percent(value)})"


@report.command("weekly")
@click.option("--week", help="ISO week, e.g. 2022-W41 (default: the last whole week).")
@click.option("--suite", help="One custody suite (default: force-wide and every suite).")
@click.option("--publish", is_flag=True,
              help="Suppress counts of 1 to 4 and whatever would let them be worked out.")
@pass_runtime
def weekly_command(runtime: Runtime, week: str | None, suite: str | None,
                   publish: bool) -> None:
    """Write the weekly report (HTML, PDF, CSV) under reports/<week>/."""
    settings = runtime.settings
    week = _week(week) if week else previous_week(
        runtime.clock.now().astimezone(settings.tz).date())
    if suite and suite.upper() not in settings.suites_by_code:
        raise click.BadParameter(f"unknown custody suite {suite!r}", param_hint="--suite")
    summary = write_week(runtime.engine, settings, week, suite.upper() if suite else None,
                         publish=publish)
    click.echo(f"week {summary['week']}: {summary['written']} reports written, "
               f"{summary['skipped']} unchanged, in {summary['folder']}")
    for pdf in summary["pdfs"]:
        click.echo(f"  {pdf}")


def _week(value: str) -> str:
    """Check an ISO week such as 2022-W41 and give it back in that form."""
    try:
        week_bounds(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r}: expected an ISO week such as 2022-W41",
                                 param_hint="--week") from exc
    return value.upper()


@click.command()
@click.option("--dir", "folder", default="demo", show_default=True,
              type=click.Path(file_okay=False),
              help="The demo's own folder: database, inbox, letters, reports (replaced).")
@click.option("--seed", default=2022, show_default=True, help="Synthetic population seed.")
def demo(folder: str, seed: int) -> None:
    """The Basingstoke pilot quarter (Oct-Dec 2022) through the real pipeline, night by night,
    on a synthetic population; prints the funnel and where the letters and reports are."""
    from dtoa.demo import SUITE, run_demo
    from dtoa.synthetic import QUARTER

    log_path = Path(folder).resolve() / "dtoa.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w", encoding="utf-8") as log_file, tqdm(
            total=(date(2023, 1, 31) - QUARTER[0]).days + 1, unit=" nights", desc="demo",
            leave=False) as bar:
        log.configure(stream=log_file)
        result = run_demo(Path(folder), seed=seed, progress=lambda _day: bar.update())
        log.configure()
    click.echo(f"The pilot quarter, after {result.nights} nightly runs:")
    click.echo(render_funnel(result.funnel, "table", QUARTER[0], QUARTER[1], SUITE))
    click.echo(f"\nLetters:       {result.letters}")
    click.echo(f"Weekly report: {result.report}")
    click.echo(f"Home Office:   {result.home_office}")
    click.echo(f"Evaluation:    {result.evaluation}")
    click.echo(f"  published:   {result.evaluation_published}")
    click.echo(f"Log:           {log_path}")
    click.echo(f"Explore:       dtoa --config {result.config} report funnel "
               f"--from {QUARTER[0]} --to {QUARTER[1]} --suite {SUITE}")


def register(cli: click.Group) -> None:
    cli.add_command(report)
    cli.add_command(demo)
