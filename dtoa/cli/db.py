"""`dtoa db upgrade` and `dtoa db current`: the schema's version (Alembic migrations)."""

from __future__ import annotations

import click

from dtoa.cli.common import pass_runtime
from dtoa.runtime import Runtime
from dtoa.store.schema import schema_state, upgrade


@click.group()
def db() -> None:
    """The database schema: which revision it is at, and bringing it to this version's."""


@db.command("upgrade")
@pass_runtime
def upgrade_command(runtime: Runtime) -> None:
    """Apply every migration this version has and the database lacks (back it up first). Safe
    to run twice, or from two processes at once: the second finds nothing to do."""
    before, after = upgrade(runtime.unchecked_engine)
    if before == after:
        click.echo(f"schema already at {after}; nothing to do")
    else:
        click.echo(f"schema upgraded from {before or 'an empty database'} to {after}")


@db.command("current")
@pass_runtime
def current_command(runtime: Runtime) -> None:
    """The database's schema revision and this version's; exits 3 when they differ."""
    state = schema_state(runtime.unchecked_engine)
    current = state.current or ("made before migrations" if state.legacy else "empty")
    click.echo(f"database: {current}\nthis version: {state.head}")
    if not state.up_to_date:
        click.echo("run `dtoa db upgrade`", err=True)
        raise SystemExit(3)


def register(cli: click.Group) -> None:
    cli.add_command(db)
