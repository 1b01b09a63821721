"""Small pieces every command module shares."""

from __future__ import annotations

import click
from tqdm import tqdm

from dtoa.ingest import ingest_file
from dtoa.runtime import Runtime

pass_runtime = click.make_pass_decorator(Runtime)


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
