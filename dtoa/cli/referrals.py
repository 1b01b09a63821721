"""Commands for referrals: list, letters, laboratory results, export. Requirements are served
at the custody desk (`dtoa require-assessment`, dtoa/cli/requirements.py)."""

from __future__ import annotations

from datetime import datetime

import click

from dtoa.cli.common import REASON, export, pass_runtime
from dtoa.cli.failures import EXIT_REFUSED, one_line
from dtoa.models.referrals import REFERRAL_STATES
from dtoa.pipelines.letters import letters as letters_step
from dtoa.referrals import LabResultError, export_referrals, list_referrals, record_lab_result
from dtoa.runtime import Runtime
from dtoa.store import give_reason, session_scope


@click.group()
def referrals() -> None:
    """Referrals: requirements to attend assessment served (Drugs Act 2005 ss.9-10)."""


def _local(moment: datetime | None, runtime: Runtime) -> str:
    return moment.astimezone(runtime.settings.tz).strftime("%Y-%m-%d %H:%M") if moment else "-"


@referrals.command("list")
@click.option("--provider", help="Only this provider's referrals (provider code).")
@click.option("--state", type=click.Choice(REFERRAL_STATES))
@click.option("--no-capacity", is_flag=True,
              help="Only referrals with no free place before their deadline.")
@pass_runtime
def list_command(runtime: Runtime, provider: str | None, state: str | None,
                 no_capacity: bool) -> None:
    """List referrals; times are local (Europe/London)."""
    with session_scope(runtime.engine) as session:
        rows = list_referrals(session, provider=provider, state=state,
                              no_capacity=True if no_capacity else None)
    click.echo("reference\tsuite\tcustody_ref\tprovider\tstate\tappointment\tdeadline\t"
               "setting")
    for r in rows:
        state_text = r.state + (f" ({r.state_reason})" if r.state_reason else "") + (
            " NO CAPACITY" if r.no_capacity else "") + (
            f" FLAGGED {','.join(r.flags)}" if r.flags else "")
        click.echo(f"{r.reference}\t{r.suite}\t{r.custody_ref}\t{r.provider}\t{state_text}\t"
                   f"{_local(r.appointment_at, runtime)}\t{_local(r.deadline_at, runtime)}\t"
                   f"{_setting(r)}")
    click.echo(f"{len(rows)} referrals", err=True)


def _setting(row) -> str:  # noqa: ANN001
    """Where the booked initial assessment is held: in custody at a suite, or community."""
    if row.setting == "custody":
        return f"custody {row.custody_suite}"
    return row.setting or "-"


@click.group()
def letters() -> None:
    """Referral letters to providers and change notices (RA2) to people."""


@letters.command("render")
@pass_runtime
def render(runtime: Runtime) -> None:
    """Render new and amended referral letters and change notices into the outbox, with a
    manifest per folder."""
    summary = letters_step(runtime.engine, runtime.settings, runtime.clock)
    click.echo(f"{summary['issued']} letters issued ({summary['amended']} amended) into "
               f"{runtime.settings.path('outbox')}")


@click.group()
def tests() -> None:
    """Drug test follow-up: confirmatory laboratory results."""


@tests.command("lab-result")
@click.option("--suite", required=True)
@click.option("--custody-ref", required=True)
@click.option("--confirmed/--not-confirmed", required=True,
              help="Whether the laboratory confirmed the disputed positive.")
@click.option("--by", "actor", required=True, help="Who records the result (audited).")
@REASON
@pass_runtime
def lab_result(runtime: Runtime, suite: str, custody_ref: str, confirmed: bool,
               actor: str, reason: str | None) -> None:
    """Record the laboratory's result on a disputed test; not confirmed withdraws the referral
    and cancels its appointment."""
    try:
        with session_scope(runtime.engine) as session:
            give_reason(session, reason)
            referral = record_lab_result(session, runtime.settings, runtime.clock.now(),
                                         suite=suite, custody_ref=custody_ref,
                                         confirmed=confirmed, actor=actor)
    except LabResultError as exc:
        raise click.ClickException(str(exc)) from exc
    outcome = "confirmed" if confirmed else "not confirmed"
    tail = f"; referral {referral.reference} is {referral.state}" if referral else ""
    click.echo(f"laboratory result recorded: {outcome}{tail}")


@click.command("referrals")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@pass_runtime
def export_referrals_command(runtime: Runtime, path: str) -> None:
    """One row per referral: reference, suite, custody_ref, provider, state, no_capacity
    (true: no free place before the deadline), appointment_at (the booked initial assessment),
    deadline_at, setting (community or custody) and custody_suite of that assessment,
    served_at and served_by (empty: never served at the desk); instants in ISO 8601, UTC."""
    try:
        count = export_referrals(runtime.engine, path)
    except OSError as exc:
        raise one_line(f"cannot write {path}: {exc.strerror or type(exc).__name__}",
                       EXIT_REFUSED) from None
    click.echo(f"{count} referrals written to {path} (times in UTC)")


def register(cli: click.Group) -> None:
    for command in (referrals, letters, tests):
        cli.add_command(command)
    export.add_command(export_referrals_command)
