"""Small pieces every command module shares."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import click
from tqdm import tqdm

from dtoa import log
from dtoa.config import ConfigChoice, ConfigError, Settings, choose_config, load_settings
from dtoa.ingest import ingest_file
from dtoa.runtime import Runtime, open_runtime


@dataclass
class Invocation:
    """What `dtoa [--config PATH] [--verbose]` was given. The configuration is read when a
    command first needs it, so `--help`, `init` and `demo` work in a folder that has none."""

    config: str | None
    verbose: bool
    runtime: Runtime | None = None

    def choice(self) -> ConfigChoice:
        return choose_config(self.config)

    def settings(self, choice: ConfigChoice | None = None, *, announce: bool = True
                 ) -> Settings:
        """Read the chosen configuration (one line on stderr when it is not this folder's
        config.toml) and send the log to its log file."""
        choice = choice or self.choice()
        try:
            settings = load_settings(choice)
        except ConfigError as exc:
            raise click.ClickException(str(exc)) from None
        if announce and not choice.is_here:
            click.echo(f"configuration: {choice.path} (from {choice.source})", err=True)
        try:
            log.configure(path=settings.path("log"), echo=self.verbose)
        except OSError as exc:
            raise click.ClickException(f"cannot write the log file {settings.path('log')}: "
                                       f"{exc.strerror}; choose another in [paths] log") from None
        return settings

    def open(self) -> Runtime:
        if self.runtime is None:
            self.runtime = open_runtime(self.settings())
        return self.runtime


def pass_runtime(command: Callable) -> Callable:
    """Call the command with the runtime as its first argument: the one a test passed as the
    context object, else the one opened from the chosen configuration."""

    @click.pass_context
    def with_runtime(ctx: click.Context, /, *args: object, **kwargs: object) -> object:
        runtime = ctx.find_object(Runtime) or ctx.find_object(Invocation).open()
        return command(runtime, *args, **kwargs)

    return functools.update_wrapper(with_runtime, command)


# A change made by hand may say why: `dtoa audit show` prints it with the change.
REASON = click.option("--reason", help="Why this change is made (optional; shown in the audit "
                                       "trail, so no more personal detail than needed).")


@click.group()
def export() -> None:
    """Write CSV exports."""


def print_batch(summary) -> None:  # noqa: ANN001
    """A batch's outcome for a person at a terminal: counts, then every rejected row."""
    if summary.already_ingested:
        click.echo(f"{summary.source}: already taken in (batch {summary.batch_id}); "
                   "nothing changed")
        return
    click.echo(f"{summary.source}: batch {summary.batch_id}: {summary.rows_read} rows read, "
               f"{summary.rows_inserted} new, {summary.rows_updated} updated, "
               f"{summary.rows_unchanged} unchanged, {summary.rows_rejected} rejected")
    for error in summary.errors:
        click.echo(f"  rejected {error}", err=True)
    if summary.rejects_path:
        click.echo(f"  rejected rows kept in {summary.rejects_path}", err=True)


def ingest_command(kind: str, what: str) -> click.Command:
    """`... ingest PATH [--quiet]` for one ingest kind: a progress bar on a terminal, the batch's
    counts and every rejected row printed, exit 1 when any row was rejected."""

    @click.command("ingest", help=f"Take in {what}; exits 1 when any row was rejected.")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--quiet", is_flag=True, help="No progress bar.")
    @pass_runtime
    def command(runtime: Runtime, path: str, quiet: bool) -> None:
        with tqdm(unit=" rows", desc=kind, disable=quiet or None, leave=False) as bar:
            summary = ingest_file(runtime.engine, runtime.settings, runtime.clock, kind, path,
                                  progress=bar.update)
        print_batch(summary)
        if summary.rows_rejected:
            raise SystemExit(1)

    return command
