"""Data protection commands: `dtoa retention`, `dtoa subject-access`, `dtoa audit show`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from dtoa.cli.common import pass_runtime
from dtoa.privacy.access import SubjectAccessError, subject_access
from dtoa.privacy.retention import KindResult, apply_retention, plan_retention
from dtoa.privacy.trail import TrailError, trail
from dtoa.runtime import Runtime
from dtoa.store import session_scope


def _table(results: list[KindResult], applied: bool) -> None:
    head = ("kind", "period", "before", "action", "removed" if applied else "would go")
    rows = [head] + [(r.kind, r.period, r.cutoff.isoformat(), r.action, str(r.found))
                     for r in results]
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    for row in rows:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))
                   .rstrip())
    for r in results:
        if r.removed:
            click.echo(f"  {r.kind}: " + ", ".join(f"{k} {n}" for k, n in r.removed.items()))


@click.command("retention")
@click.option("--dry-run", is_flag=True, help="List what would go, by kind and count; change "
                                              "nothing.")
@pass_runtime
def retention_command(runtime: Runtime, dry_run: bool) -> None:
    """Delete or anonymise what is past its retention period ([retention] in config.toml;
    DPA 2018 s.39), as the nightly run does; each kind is audited with counts only."""
    if dry_run:
        results = plan_retention(runtime.engine, runtime.settings, runtime.clock)
    else:
        results = apply_retention(runtime.engine, runtime.settings, runtime.clock,
                                  actor="cli:retention")
    _table(results, applied=not dry_run)
    total = sum(r.found for r in results)
    click.echo(f"{total} records past their period" + (" (dry run: nothing changed)"
                                                       if dry_run else "; done"), err=True)


@click.command("subject-access")
@click.option("--person-ref", required=True, help="The person's reference in the force's "
                                                 "custody records.")
@click.option("--force", "force", help="The force whose reference it is (needed when the "
                                       "reference is held at more than one force's suites).")
@click.option("--into", type=click.Path(file_okay=False), help="Parent folder (default: "
              "subject-access/ beside the configuration).")
@pass_runtime
def subject_access_command(runtime: Runtime, person_ref: str, force: str | None,
                           into: str | None) -> None:
    """Everything held about one person (DPA 2018 s.45), as JSON and a readable PDF, in a new
    folder that this command names."""
    try:
        export = subject_access(runtime.engine, runtime.settings, runtime.clock,
                                person_ref=person_ref, force=force,
                                into=Path(into) if into else None)
    except SubjectAccessError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"written to {export.folder}")
    click.echo(f"  {export.json_path.name}, {export.pdf_path.name}: "
               + ", ".join(f"{k.replace('_', ' ')} {n}" for k, n in export.counts.items()))


@click.group()
def audit() -> None:
    """The audit trail."""


def _value(value: Any) -> str:
    return "(none)" if value is None else str(value)


@audit.command("show")
@click.option("--reference", help="A referral reference, e.g. BAS-2022-000157.")
@click.option("--custody-ref", help="A custody reference (with --suite when two suites use it).")
@click.option("--suite")
@pass_runtime
def audit_show(runtime: Runtime, reference: str | None, custody_ref: str | None,
               suite: str | None) -> None:
    """The trail of a detention's file (the detention, its samples, requirement, appointments,
    letters and cases), oldest first: when, who, what, old -> new, and the reason given."""
    if bool(reference) == bool(custody_ref):
        raise click.UsageError("give --reference or --custody-ref (one of them)")
    try:
        with session_scope(runtime.engine) as session:
            found = trail(session, reference=reference, custody_ref=custody_ref, suite=suite)
    except TrailError as exc:
        raise click.ClickException(str(exc)) from None
    tz = runtime.settings.tz
    also = f" (requirement {', '.join(found.references)})" if found.references else ""
    click.echo(f"Audit trail of detention {found.custody_ref} at {found.suite}{also}: "
               f"{len(found.entries)} events, oldest first")
    for e in found.entries:
        click.echo(f"{e.at.astimezone(tz):%Y-%m-%d %H:%M:%S %Z}  {e.actor}  "
                   f"{e.entity} {e.entity_id}  {e.action}")
        for field, pair in sorted(e.changes.items()):
            old, new = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)
            click.echo(f"    {field}: {_value(old)} -> {_value(new)}")
        if e.reason:
            click.echo(f"    reason given: {e.reason}")


def register(cli: click.Group) -> None:
    for command in (retention_command, subject_access_command, audit):
        cli.add_command(command)
