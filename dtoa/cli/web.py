"""Commands for the web application: `dtoa serve` and `dtoa users add|list|disable|enable|
reset-password`. Passwords are never arguments (they would sit in the shell's history and the
process list): they are prompted for, or read from standard input."""

from __future__ import annotations

import sys

import click

from dtoa.accounts import AccountError, add_user, list_users, set_active, set_password
from dtoa.cli.common import REASON, pass_runtime
from dtoa.models.users import ROLES
from dtoa.runtime import Runtime
from dtoa.store import give_reason, session_scope


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
    password = _password(password_stdin)
    try:
        with session_scope(runtime.engine) as session:
            add_user(session, runtime.settings, runtime.clock, username=username,
                     password=password, role=role, force=force, provider=provider,
                     actor="cli:users-add")
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"user {username} added ({role})")


@users.command("list")
@pass_runtime
def users_list(runtime: Runtime) -> None:
    """The accounts: name, role, scope, whether switched on (never a password hash)."""
    with session_scope(runtime.engine) as session:
        accounts = list_users(session)
    rows = [("user", "role", "scope", "status")] + [
        (a.username, a.role, a.force or a.provider or "all", "active" if a.active else "off")
        for a in accounts]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(cell.ljust(width)
                             for cell, width in zip(row, widths, strict=True)).rstrip())


def _switch(runtime: Runtime, username: str, active: bool, reason: str | None) -> None:
    try:
        with session_scope(runtime.engine) as session:
            give_reason(session, reason)
            set_active(session, runtime.clock, username=username, active=active,
                       actor=f"cli:users-{'enable' if active else 'disable'}")
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc


@users.command("disable")
@click.argument("username")
@REASON
@pass_runtime
def users_disable(runtime: Runtime, username: str, reason: str | None) -> None:
    """Switch an account off: it cannot sign in, and its web sessions end at once. The last
    active admin cannot be switched off."""
    _switch(runtime, username, False, reason)
    click.echo(f"user {username} switched off; their sessions have ended")


@users.command("enable")
@click.argument("username")
@REASON
@pass_runtime
def users_enable(runtime: Runtime, username: str, reason: str | None) -> None:
    """Switch an account back on."""
    _switch(runtime, username, True, reason)
    click.echo(f"user {username} switched on")


@users.command("reset-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@REASON
@pass_runtime
def users_reset_password(runtime: Runtime, username: str, password_stdin: bool,
                         reason: str | None) -> None:
    """Give an account a new password (prompted for unless --password-stdin); its web
    sessions end."""
    password = _password(password_stdin)
    try:
        with session_scope(runtime.engine) as session:
            give_reason(session, reason)
            set_password(session, runtime.clock, username=username, password=password,
                         actor="cli:users-reset-password")
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"password of {username} replaced; their sessions have ended")


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


def register(cli: click.Group) -> None:
    for command in (serve, users):
        cli.add_command(command)
