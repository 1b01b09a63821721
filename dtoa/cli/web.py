"""Commands for the web application: `dtoa serve` and `dtoa users add`."""

from __future__ import annotations

import sys

import click

from dtoa.accounts import AccountError, add_user
from dtoa.cli.common import pass_runtime
from dtoa.models.users import ROLES
from dtoa.runtime import Runtime
from dtoa.store import session_scope


@click.command()
@click.option("--host", default=None, help="Address to listen on (default from [web]).")
@click.option("--port", type=int, default=None, help="Port (default from [web]).")
@pass_runtime
def serve(runtime: Runtime, host: str | None, port: int | None) -> None:
    """Run the web application on the configured database."""
    import uvicorn

    from dtoa.web import create_app

    web = runtime.settings.web
    runtime.engine  # noqa: B018  (stops here, in one line, when the schema is not current)
    uvicorn.run(create_app(runtime), host=host or web.host, port=port or web.port,
                log_level="info", access_log=False)


@click.group()
def users() -> None:
    """Web accounts."""


@users.command("add")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--force", help="A custody user's force, as in config.toml [[suites]].force.")
@click.option("--provider", help="A provider user's provider code.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@pass_runtime
def users_add(runtime: Runtime, username: str, role: str, force: str | None,
              provider: str | None, password_stdin: bool) -> None:
    """Create an account (the password is prompted for unless --password-stdin)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        with session_scope(runtime.engine) as session:
            add_user(session, runtime.settings, runtime.clock, username=username,
                     password=password, role=role, force=force, provider=provider,
                     actor="cli:users-add")
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"user {username} added ({role})")


def register(cli: click.Group) -> None:
    for command in (serve, users):
        cli.add_command(command)
