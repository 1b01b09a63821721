"""Commands for custody staff and force data loads: ingest, record-test, export."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

import click

from dtoa.cli.common import export, ingest_command, pass_runtime
from dtoa.cli.failures import EXIT_REFUSED, one_line
from dtoa.ingest import ingest_rows
from dtoa.ingest.csvfile import desk_record, printable
from dtoa.ingest.tests import input_fields
from dtoa.rules.outcomes import FURTHER_SAMPLE_REASONS, NOT_TESTED_REASONS, OUTCOMES
from dtoa.runtime import Runtime
from dtoa.store.exports import export_detentions


@click.group()
def ingest() -> None:
    """Take in CSV extracts (detentions, tests)."""


ingest.add_command(ingest_command("detentions", "a detentions CSV"), "detentions")
ingest.add_command(ingest_command("tests", "a drug tests CSV"), "tests")


@click.command("record-test")
@click.option("--suite", required=True)
@click.option("--custody-ref", required=True)
@click.option("--outcome", required=True, type=click.Choice(OUTCOMES))
@click.option("--result", "results", multiple=True, metavar="DRUG=positive|negative",
              help="The result for one drug on the test panel, e.g. --result cocaine=positive; "
                   "once per panel drug.")
@click.option("--tested-at", help="ISO 8601; local time when no offset. Default: now.")
@click.option("--sample", type=click.IntRange(1, 9), default=1, show_default=True,
              help="2 for a further sample (Crime and Policing Act 2026, where in force).")
@click.option("--further-sample-reason", type=click.Choice(FURTHER_SAMPLE_REASONS))
@click.option("--not-tested-reason", type=click.Choice(NOT_TESTED_REASONS))
@click.option("--officer", "officer_ref", required=True, help="The officer's reference.")
@click.option("--appropriate-adult", is_flag=True, default=None,
              help="An appropriate adult was present (needed under 18).")
@click.option("--disputed", is_flag=True, default=None, help="The person disputes a positive.")
@click.option("--declared-medication")
@pass_runtime
def record_test(runtime: Runtime, results: tuple[str, ...], **options: str | bool | None) -> None:
    """Record one test outcome at the custody desk, checked exactly as an extract row is."""
    fields = input_fields(runtime.settings)
    panel = {p.drug for p in runtime.settings.law.panel}
    for given in results:
        drug, _, value = (part.strip() for part in given.partition("="))
        if drug not in panel:
            raise click.BadParameter(f"{drug!r} is not a drug on the configured test panel "
                                     f"({', '.join(sorted(panel))})", param_hint="--result")
        options[drug] = value
    values = {key: _text(options.get(key)) for key in fields}
    values["tested_at"] = values["tested_at"] or runtime.clock.now().isoformat()
    record = desk_record(values, max_field_chars=runtime.settings.ingest.max_field_chars)
    digest = hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()
    desk = f"desk:{printable(values['officer_ref'])}"
    summary = ingest_rows(runtime.engine, runtime.settings, runtime.clock, "tests", [record],
                          header=list(values), source=desk, digest=digest, actor=desk,
                          entered_by=desk)
    if summary.errors:
        for error in summary.errors:
            click.echo(f"not recorded: {error.column}: {error.reason}", err=True)
        raise SystemExit(1)
    if summary.rows_unchanged:
        click.echo("already recorded; nothing changed")
    elif summary.rows_updated:
        click.echo("test corrected; the change is in the audit trail")
    else:
        click.echo("test recorded")


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


@export.command("detentions")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@pass_runtime
def export_detentions_command(runtime: Runtime, path: str) -> None:
    """One row per detention: suite, custody_ref, in_scope, eligible, ineligible_reason,
    test_outcome, a result column per panel drug, condition (arrest/charge) and flags."""
    try:
        count = export_detentions(runtime.engine, runtime.settings, path)
    except OSError as exc:
        raise one_line(f"cannot write {path}: {exc.strerror or type(exc).__name__}",
                       EXIT_REFUSED) from None
    click.echo(f"{count} detentions written to {path}")


def register(cli: click.Group) -> None:
    for command in (ingest, record_test, export):
        cli.add_command(command)
