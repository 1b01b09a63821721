"""`dtoa tokens add|list|revoke`: API tokens for partner systems (dtoa.api). A token is
printed once, when made; only its hash is kept."""

from __future__ import annotations

import click

from dtoa.api.tokens import TokenError, add_token, list_tokens, revoke_token
from dtoa.cli.common import pass_runtime
from dtoa.rules.states import TokenKind
from dtoa.runtime import Runtime
from dtoa.store import session_scope


@click.group()
def tokens() -> None:
    """API tokens for custody, provider and reporting systems."""


@tokens.command("add")
@click.argument("name")
@click.option("--kind", required=True, type=click.Choice([k.value for k in TokenKind]),
              help="custody (a force's suites), provider (one provider) or reporting "
                   "(the funnel, read only).")
@click.option("--force", help="A custody token's force, as in config.toml [[suites]].force.")
@click.option("--provider", help="A provider token's provider code.")
@pass_runtime
def tokens_add(runtime: Runtime, name: str, kind: str, force: str | None,
               provider: str | None) -> None:
    """Make a token for a partner system and print it (once: it cannot be shown again)."""
    try:
        with session_scope(runtime.engine) as session:
            token = add_token(session, runtime.settings, runtime.clock, name=name, kind=kind,
                              force=force, provider=provider, actor="cli:tokens-add")
    except TokenError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"token {name} added ({kind}); give it to the system now, it is not shown "
               "again:", err=True)
    click.echo(token)


@tokens.command("list")
@pass_runtime
def tokens_list(runtime: Runtime) -> None:
    """The tokens: name, kind, scope, made, last used, revoked (never the token)."""
    with session_scope(runtime.engine) as session:
        rows = [("name", "kind", "scope", "created", "last_used", "status")] + [
            (t.name, t.kind, t.force or t.provider or "all suites",
             f"{t.created_at:%Y-%m-%d}",
             f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "never",
             f"revoked {t.revoked_at:%Y-%m-%d %H:%M}" if t.revoked_at else "live")
            for t in list_tokens(session)]
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(str(cell).ljust(width)
                             for cell, width in zip(row, widths, strict=True)).rstrip())


@tokens.command("revoke")
@click.argument("name")
@pass_runtime
def tokens_revoke(runtime: Runtime, name: str) -> None:
    """Revoke a token: every request with it is refused from now on, in every server."""
    try:
        with session_scope(runtime.engine) as session:
            revoke_token(session, runtime.clock, name=name, actor="cli:tokens-revoke")
    except TokenError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"token {name} revoked")


def register(cli: click.Group) -> None:
    cli.add_command(tokens)
