"""Small pieces every command module shares."""

from __future__ import annotations

import click

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
