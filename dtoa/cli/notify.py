"""`dtoa notifications send|list|resend`: the outbox of emails to providers and reminders to
people (dtoa.notify)."""

from __future__ import annotations

import click
from sqlalchemy import select

from dtoa.cli.common import pass_runtime
from dtoa.models import Message
from dtoa.notify.outbox import resend
from dtoa.pipelines.notifications import notifications
from dtoa.rules.states import MessageState
from dtoa.runtime import Runtime
from dtoa.store import session_scope


@click.group("notifications")
def notifications_group() -> None:
    """Emails to providers and reminders to people: the outbox."""


@notifications_group.command("send")
@pass_runtime
def send(runtime: Runtime) -> None:
    """Queue what is owed and send what is due now (for cron, between nightly runs)."""
    summary = notifications(runtime.engine, runtime.settings, runtime.clock)
    click.echo(", ".join(f"{k.replace('_', ' ')} {v}" for k, v in summary.items()))


@notifications_group.command("list")
@click.option("--state", type=click.Choice([s.value for s in MessageState]))
@click.option("--limit", default=50, show_default=True)
@pass_runtime
def list_messages(runtime: Runtime, state: str | None, limit: int) -> None:
    """Messages, newest first: id, kind, channel, recipient (a provider code, or "person"),
    state, attempts, last error. Never a number, an address or a message's text."""
    query = select(Message).order_by(Message.id.desc()).limit(limit)
    if state:
        query = query.where(Message.state == state)
    with session_scope(runtime.engine) as session:
        rows = session.execute(query).scalars().all()
        click.echo("id\tkind\tchannel\trecipient\tstate\tattempts\tlast_error\tcreated")
        for m in rows:
            click.echo(f"{m.id}\t{m.kind}\t{m.channel}\t{m.recipient}\t{m.state}\t"
                       f"{m.attempts}\t{m.last_error or ''}\t{m.created_at:%Y-%m-%d %H:%M}")


@notifications_group.command("resend")
@click.argument("message_id", type=int)
@click.option("--by", required=True, help="Who checked that it did not arrive (audited).")
@pass_runtime
def resend_command(runtime: Runtime, message_id: int, by: str) -> None:
    """Send an uncertain or failed message again, once a person has checked it did not arrive
    (an uncertain email's run was killed between sending it and recording that it went)."""
    try:
        resend(runtime.engine, runtime.clock, message_id, actor=f"cli:{by}")
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"message {message_id} queued again; it goes with the next send")


def register(cli: click.Group) -> None:
    cli.add_command(notifications_group)
