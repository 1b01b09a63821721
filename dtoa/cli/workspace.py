"""`dtoa init [DIR]`: a working folder with its configuration, database and folders; `dtoa
status`: how that installation is doing."""

from __future__ import annotations

import os
from pathlib import Path

import click
from sqlalchemy.exc import SQLAlchemyError

from dtoa.cli.common import Invocation, pass_runtime
from dtoa.config import CONFIG_ENV, ConfigChoice
from dtoa.ingest.quarantine import Quarantined
from dtoa.pipelines.ingest import INBOX_KINDS
from dtoa.runtime import Runtime
from dtoa.status import LastRun, gather, unreachable_reason
from dtoa.workspace import config_in, make_folders, prepare_database, write_default_config


@click.command()
@click.argument("folder", required=False, type=click.Path(file_okay=False))
@click.pass_context
def init(ctx: click.Context, folder: str | None) -> None:
    """Make a working folder (FOLDER, else the one --config or DTOA_CONFIG names, else the
    current folder): config.toml copied from the shipped default, the database, and inbox/,
    outbox/, processed/, reports/ and quarantine/ beside it. Safe to run again: an existing
    config.toml is kept and nothing is overwritten."""
    invocation = ctx.find_object(Invocation)
    if folder and invocation.config:
        raise click.UsageError("give a FOLDER or --config, not both")
    choice = (ConfigChoice(config_in(Path(folder)), "FOLDER") if folder
              else invocation.choice())
    try:
        created = write_default_config(choice.path)
        settings = invocation.settings(choice, announce=False)
        folders = make_folders(settings)
        database = prepare_database(settings)
    except OSError as exc:
        raise click.ClickException(f"cannot make {exc.filename}: {exc.strerror}") from None
    except SQLAlchemyError as exc:
        raise click.ClickException(f"the database cannot be reached or made: "
                                   f"{unreachable_reason(exc)}") from None
    click.echo(f"configuration: {choice.path.resolve()} "
               + ("(new: the shipped default; edit it for your force)" if created else "(kept)"))
    click.echo(f"database ready: {database}")
    click.echo("folders ready: " + ", ".join(_shown(f, settings.base_dir) for f in folders)
               + f" (inbox/: {', '.join(INBOX_KINDS)})")
    elsewhere = os.environ.get(CONFIG_ENV)
    if folder and elsewhere and Path(elsewhere).resolve() != choice.path.resolve():
        click.echo(f"note: {CONFIG_ENV} is set ({elsewhere}): commands will read that file, "
                   f"not {choice.path}", err=True)


def _shown(path: Path, base: Path) -> str:
    return f"{path.relative_to(base)}/" if path.is_relative_to(base) else f"{path}/"


@click.command()
@pass_runtime
@click.pass_context
def status(ctx: click.Context, runtime: Runtime) -> None:
    """The database and its schema revision, the last nightly and weekly runs and how they
    ended, files waiting in the inbox, and each file in quarantine with when and why it was
    set aside. Exits 1 when the database cannot be reached, 3 when its schema is not this
    version's."""
    settings = runtime.settings
    found = gather(settings, runtime.unchecked_engine)
    health = found.health
    invocation = ctx.find_object(Invocation)
    if invocation:
        click.echo(f"configuration: {invocation.choice().path.resolve()}")
    if health.database == "ok":
        click.echo(f"database: {found.database} (reachable)")
        click.echo(f"schema: {health.current or 'none'}; this version: {health.head} "
                   f"({health.schema})")
    else:
        click.echo(f"database: {found.database}: unreachable ({health.error})")
        click.echo("schema: unknown (the database cannot be reached)")
    for job, run in found.runs.items():
        click.echo(f"last {job} run: " + (_run(run, settings.tz) if run else "none recorded"))
        for line in _summary(run.summary if run else None):
            click.echo(f"  {line}")
    click.echo("inbox: " + ", ".join(
        f"{kind} {count}" + (f" (+{found.inbox_other[kind]} not .csv)"
                             if found.inbox_other[kind] else "")
        for kind, count in found.inbox.items()) + " files waiting")
    click.echo(f"quarantine: {len(found.quarantine)} files")
    for waiting in found.quarantine:
        click.echo(f"  {_quarantined(waiting, settings.tz)}")
    if health.database != "ok":
        raise SystemExit(1)
    if health.schema != "current":
        click.echo("run `dtoa init`" if health.schema == "empty" else "run `dtoa db upgrade`",
                   err=True)
        raise SystemExit(3)


def _run(run: LastRun, tz) -> str:  # noqa: ANN001
    started = run.started_at.astimezone(tz)
    text = f"{run.status}, started {started:%Y-%m-%d %H:%M} ({tz.key})"
    if run.finished_at:
        text += f", took {(run.finished_at - run.started_at).total_seconds():.1f} s"
    return text


def _quarantined(waiting: Quarantined, tz) -> str:  # noqa: ANN001
    """One line: kind/name, when, why; never the file's contents."""
    when = (f"quarantined {waiting.quarantined_at.astimezone(tz):%Y-%m-%d %H:%M} ({tz.key})"
            if waiting.quarantined_at else "quarantined at an unknown time")
    return f"{waiting.kind}/{waiting.name}, {when}: {waiting.reason}"


def _summary(summary: object) -> list[str]:
    """A run's summary as lines: one per step of a pipeline run, one per key otherwise."""
    if isinstance(summary, list):
        return [f"{step}: " + ", ".join(f"{k} {v}" for k, v in counts.items())
                for step, counts in summary]
    if isinstance(summary, dict):
        return [f"{key}: {len(value) if isinstance(value, list) else value}"
                for key, value in summary.items()]
    return []


def register(cli: click.Group) -> None:
    cli.add_command(init)
    cli.add_command(status)
