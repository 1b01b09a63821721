"""Evidence for commissioners and the Home Office: `dtoa report home-office` (the quarterly
return) and `dtoa report evaluation` (in-custody assessment against the community, repeat
testers)."""

from __future__ import annotations

import click

from dtoa.cli.common import pass_runtime
from dtoa.cli.reports import report
from dtoa.evidence.evaluation_report import build_evaluation, write_evaluation
from dtoa.evidence.returns import build_return, write_return
from dtoa.runtime import Runtime


@report.command("home-office")
@click.option("--quarter", required=True, help="Calendar quarter, e.g. 2026-Q3 (July to "
                                               "September), by the date of the sample.")
@click.option("--force", help="One force, by its name in config.toml (default: every force).")
@click.option("--publish", is_flag=True,
              help="Suppress counts of 1 to 4 and whatever would let them be worked out.")
@pass_runtime
def home_office_command(runtime: Runtime, quarter: str, force: str | None,
                        publish: bool) -> None:
    """Write the Home Office return for a quarter (CSV and PDF) under
    reports/home-office/<quarter>/: tests, positives and the positive rate, tests by route,
    positives by substance, referrals to assessment, by force and by suite, each measure
    with its definition."""
    try:
        built = build_return(runtime.engine, runtime.settings, quarter, force, publish=publish)
    except ValueError as exc:
        hint = "--force" if "force" in str(exc) else "--quarter"
        raise click.BadParameter(str(exc), param_hint=hint) from None
    paths = write_return(built, runtime.settings)
    total = next(iter(built.table.values()))
    click.echo(f"Home Office return {built.quarter} ({built.force or 'every force'}): "
               f"{_shown(total['tests'])} tests, {_shown(total['positive'])} positive, "
               f"{_shown(total['referred'])} referred")
    for path in paths.values():
        click.echo(f"  {path}")


@report.command("evaluation")
@click.option("--from", "start", required=True, type=click.DateTime(["%Y-%m-%d"]),
              help="First sample date (Europe/London), YYYY-MM-DD.")
@click.option("--to", "end", required=True, type=click.DateTime(["%Y-%m-%d"]),
              help="Last sample date, inclusive.")
@click.option("--suite", help="One custody suite (default: every suite).")
@click.option("--publish", is_flag=True,
              help="Suppress counts of 1 to 4 and whatever would let them be worked out.")
@pass_runtime
def evaluation_command(runtime: Runtime, start, end, suite: str | None,  # noqa: ANN001
                       publish: bool) -> None:
    """Write the evaluation report (HTML, PDF, CSV) under reports/evaluation/: failure to
    attend in custody against the community and by days to the appointment, with 95%
    intervals; repeat testers; time to initial assessment; positivity by drug and month."""
    if start > end:
        raise click.BadParameter(f"the period starts ({start:%Y-%m-%d}) after it ends "
                                 f"({end:%Y-%m-%d})", param_hint="--from")
    try:
        built = build_evaluation(runtime.engine, runtime.settings, start.date(), end.date(),
                                 suite, publish=publish)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--suite") from None
    paths = write_evaluation(built, runtime.settings)
    total = built.figures.by_setting[-1]
    click.echo(f"Evaluation {built.figures.start} to {built.figures.end} "
               f"({built.figures.scope}): {_shown(total.counts['referred'])} referred, "
               f"{_shown(total.counts['failed'])} failed to attend")
    for path in paths.values():
        click.echo(f"  {path}")


def _shown(value: int | None) -> str:
    return "*" if value is None else str(value)


def register(cli: click.Group) -> None:
    """The commands join `dtoa report` (registered by dtoa.cli.reports)."""
