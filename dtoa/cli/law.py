"""`dtoa law` (what the configured law is on a date) and `dtoa authorities` (inspectors'
authorities to complete on the custody record)."""

from __future__ import annotations

import click

from dtoa.cli.common import REASON, pass_runtime
from dtoa.config import Notification
from dtoa.custody import AuthorityError, complete_authority, incomplete_authorities
from dtoa.rules.law import law_on
from dtoa.runtime import Runtime
from dtoa.store import give_reason, session_scope


def _notice(which: str, notice: Notification | None) -> str:
    if notice is None:
        return f"{which}: not notified"
    until = f" until {notice.until}" if notice.until else ""
    return f"{which}: from {notice.from_}{until}"


@click.command("law")
@click.option("--on", "on", type=click.DateTime(["%Y-%m-%d"]),
              help="The date (default: today, Europe/London).")
@pass_runtime
def law_command(runtime: Runtime, on) -> None:  # noqa: ANN001
    """What is in force on a date: trigger offences, specified drugs, the test panel, samples
    allowed, and each suite's notifications (PACE 1984 s.63B), with their sources."""
    day = on.date() if on else runtime.clock.now().astimezone(runtime.settings.tz).date()
    law = law_on(runtime.settings, day)
    echo = click.echo
    echo(f"The law as configured on {day:%A %d %B %Y}\n")
    echo("Trigger offences (Criminal Justice and Court Services Act 2000, Schedule 6):")
    for o in (o for o in law.offences if o.in_force):
        drug = f" (in respect of a specified Class {o.drug_class} drug)" if o.drug_class else ""
        echo(f"  {o.key:34} {o.title}{drug}; {o.statute}")
    echo("Not trigger offences on that date:")
    for o in (o for o in law.offences if not o.in_force):
        echo(f"  {o.key:34} {o.title}; {o.statute}: {o.why_not}")
    echo("Specified drugs:")
    for line in law.specified or ("none",):
        echo(f"  {line}")
    echo("Test panel: " + ("; ".join(law.panel) or "none"))
    echo(f"Samples: {law.samples}")
    echo("Suites (notifications, PACE 1984 s.63B(4A)-(4B)):")
    for s in law.suites:
        notices = "; ".join(_notice(w, n) for w, n in (("arrest", s.arrest),
                                                        ("charge", s.charge),
                                                        ("under 18s", s.under_18)))
        echo(f"  {s.code} ({s.force}): {notices}")


@click.group()
def authorities() -> None:
    """Inspectors' authorities recorded without the inspector's name (PACE 1984 s.63C)."""


@authorities.command("list")
@click.option("--suite", help="One custody suite (default: every suite).")
@pass_runtime
def list_command(runtime: Runtime, suite: str | None) -> None:
    """Authorised detentions whose inspector is not yet named, oldest first (local times)."""
    with session_scope(runtime.engine) as session:
        rows = incomplete_authorities(session, [suite.upper()] if suite else None)
    tz = runtime.settings.tz
    click.echo("suite\tcustody_ref\tarrested\tauthorised")
    for r in rows:
        authorised = r.authorised_at.astimezone(tz).strftime("%Y-%m-%d %H:%M") \
            if r.authorised_at else "-"
        click.echo(f"{r.suite}\t{r.custody_ref}\t"
                   f"{r.arrested_at.astimezone(tz):%Y-%m-%d %H:%M}\t{authorised}")
    click.echo(f"{len(rows)} authorities to complete", err=True)


@authorities.command("complete")
@click.option("--suite", required=True)
@click.option("--custody-ref", required=True)
@click.option("--inspector", required=True, help="The inspector who gave the authority.")
@click.option("--grounds", help="The grounds for the authority, if not yet recorded.")
@click.option("--by", "by", required=True, help="Who completes the record (audited).")
@REASON
@pass_runtime
def complete_command(runtime: Runtime, suite: str, custody_ref: str, inspector: str,
                     grounds: str | None, by: str, reason: str | None) -> None:
    """Name the inspector on an incomplete authority (an audited change)."""
    try:
        with session_scope(runtime.engine) as session:
            give_reason(session, reason)
            complete_authority(session, suite=suite, custody_ref=custody_ref,
                               inspector=inspector, grounds=grounds, at=runtime.clock.now(),
                               actor=by)
    except AuthorityError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"authority recorded for {suite.upper()}/{custody_ref}")


def register(cli: click.Group) -> None:
    cli.add_command(law_command)
    cli.add_command(authorities)
