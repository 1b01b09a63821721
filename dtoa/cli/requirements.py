"""Commands for the custody desk's requirement to attend assessment (Drugs Act 2005 ss.9-11):
serve it with its notice before release, and list the positives still without one."""

from __future__ import annotations

from datetime import datetime

import click

from dtoa.cli.common import pass_runtime
from dtoa.ingest.csvfile import FieldError, parse_instant
from dtoa.notify.contacts import Contact, ContactError
from dtoa.notify.desk import record_at_desk, send_after_serving
from dtoa.referrals.serve import Offer, RequirementError, Served, offer, serve
from dtoa.referrals.wording import long_instant
from dtoa.referrals.worklist import LOOK_BACK, unserved_requirements
from dtoa.runtime import Runtime
from dtoa.store import session_scope

FLAG_WORDS = {"after_deadline": "the assessment is after the usual deadline",
              "short_notice": "the assessment gives less than the usual notice"}


def _instant(runtime: Runtime, option: str, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_instant({option: value}, option, runtime.settings.tz)
    except FieldError as exc:
        raise click.BadParameter(exc.reason, param_hint=f"--{option}") from None


def _local(moment: datetime, runtime: Runtime) -> str:
    return moment.astimezone(runtime.settings.tz).strftime("%Y-%m-%dT%H:%M")


@click.command("require-assessment")
@click.option("--suite", required=True)
@click.option("--custody-ref", required=True)
@click.option("--officer", required=True, help="The officer serving the requirement.")
@click.option("--at", "served", help="When it was served: ISO 8601, local time when no "
                                     "offset. Default: now.")
@click.option("--session", "slot", help="The offered session to book (ISO 8601 local time, as "
                                        "--offer prints it). Default: the first free one.")
@click.option("--in-custody/--community", "in_custody", default=None,
              help="Book an in-custody session at the suite (before release), or a community "
                   "one. Default: the first offered, in custody when one is free.")
@click.option("--offer", "only_offer", is_flag=True,
              help="Print the sessions on offer and serve nothing.")
@click.option("--reminders", is_flag=True,
              help="The person agreed to reminders of their appointments (text or email).")
@click.option("--mobile", default="", help="Their UK mobile number, for reminders.")
@click.option("--email", default="", help="Their email address, for reminders.")
@pass_runtime
def require_assessment(runtime: Runtime, suite: str, custody_ref: str, officer: str,
                       served: str | None, slot: str | None, in_custody: bool | None,
                       only_offer: bool, reminders: bool, mobile: str, email: str) -> None:
    """Impose the requirement to attend assessment after a positive test, while the person is
    in police detention: book an offered session, record who served it and when, and write
    the notice (RA1) to print and hand over before release. With --reminders, the person's
    mobile number or email address is kept for reminders until the referral closes."""
    now = runtime.clock.now()
    contact = Contact(mobile=mobile, email=email, agreed=reminders)
    try:
        contact.checked()  # before anything is served or printed
    except ContactError as exc:
        raise click.BadParameter(exc.reason, param_hint=f"--{exc.field}") from None
    served_at = _instant(runtime, "at", served) or now
    try:
        with session_scope(runtime.engine) as session:
            if only_offer:
                _print_offer(runtime, offer(session, runtime.settings, suite=suite,
                                            custody_ref=custody_ref, at=served_at),
                             suite, custody_ref, officer)
                return
            result = serve(session, runtime.settings, suite=suite, custody_ref=custody_ref,
                           officer=officer, served_at=served_at, now=now,
                           slot=_instant(runtime, "session", slot), actor=f"desk:{officer}",
                           in_custody=in_custody)
            if not result.already or reminders:
                record_at_desk(session, result.reference, contact, now=now,
                               actor=f"desk:{officer}")
    except RequirementError as exc:
        raise click.ClickException(f"not served: {exc}") from None
    _print_served(runtime, result)
    if reminders:
        click.echo("reminders: agreed; the contact details are kept until the referral closes")
    send_after_serving(runtime.engine, runtime.settings, runtime.clock, result.reference)


def _print_offer(runtime: Runtime, offered: Offer, suite: str, custody_ref: str,
                 officer: str) -> None:
    provider, deadline = offered.provider, offered.window.latest
    click.echo(f"provider: {provider.code} {provider.name}, {provider.address}")
    click.echo(f"deadline: {long_instant(deadline, runtime.settings)}")
    if offered.in_custody:
        click.echo("in-custody sessions with a free place (assessed before release; the first "
                   "is booked unless you choose):")
        for place in offered.in_custody:
            click.echo(f"  {_local(place.at, runtime)}  {long_instant(place.at, runtime.settings)}"
                       f"  in custody at {place.suite.name} ({place.provider.code})")
        click.echo("community sessions (book one with --community):")
    if offered.sessions:
        click.echo("free sessions before the deadline (the first is booked unless you choose):")
    else:
        click.echo("no free session before the deadline; the first free ones after it "
                   "(choosing one serves it late, flagged):")
    for start in offered.sessions or offered.later:
        click.echo(f"  {_local(start, runtime)}  {long_instant(start, runtime.settings)}")
    if offered.in_custody:
        click.echo(f"serve with: dtoa require-assessment --suite {suite} --custody-ref "
                   f"{custody_ref} --officer {officer!r} --in-custody --session "
                   f"{_local(offered.in_custody[0].at, runtime)}")
    elif offered.sessions or offered.later:
        click.echo(f"serve with: dtoa require-assessment --suite {suite} --custody-ref "
                   f"{custody_ref} --officer {officer!r} --session "
                   f"{_local((offered.sessions or offered.later)[0], runtime)}")


def _print_served(runtime: Runtime, result: Served) -> None:
    settings = runtime.settings
    head = "already served" if result.already else "requirement served"
    click.echo(f"{head}: {result.reference}")
    click.echo(f"initial assessment: {long_instant(result.appointment_at, settings)} "
               f"(local time), {result.location}")
    click.echo("setting: " + ("in custody, before release" if result.setting == "custody"
                              else "in the community"))
    provider = result.provider
    click.echo(f"provider: {provider.code} {provider.name} (phone {provider.phone}, "
               f"email {provider.email})")
    click.echo(f"served by {result.served_by} on {long_instant(result.served_at, settings)}")
    for flag in result.flags:
        click.echo(f"flagged {flag}: {FLAG_WORDS.get(flag, flag)}")
    if result.notice is not None:
        click.echo(f"notice to print and hand over before release: {result.notice}")


@click.group()
def requirements() -> None:
    """Requirements to attend assessment at the custody desk."""


@requirements.command("unserved")
@click.option("--suite", help="Only this suite's positives.")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]),
              help=f"Tests taken from this date (default: the last {LOOK_BACK.days} days).")
@pass_runtime
def unserved(runtime: Runtime, suite: str | None, since: datetime | None) -> None:
    """Positive tests of people aged 18 or over with no requirement served, newest first: the
    custody desk's worklist. Times are local (Europe/London)."""
    now = runtime.clock.now()
    start = (since.replace(tzinfo=runtime.settings.tz) if since else now - LOOK_BACK)
    with session_scope(runtime.engine) as session:
        rows = unserved_requirements(session, runtime.settings,
                                     suites=[suite.upper()] if suite else None, since=start)
    click.echo("suite\tcustody_ref\ttested\tpositive_for\tprovider\tdeadline")
    for row in rows:
        late = " (passed)" if row.past_deadline(now) else ""
        click.echo(f"{row.suite}\t{row.custody_ref}\t{_local(row.tested_at, runtime)}\t"
                   f"{'+'.join(row.positive_for)}\t{row.provider}\t"
                   f"{_local(row.deadline_at, runtime)}{late}")
    click.echo(f"{len(rows)} positive tests with no requirement served", err=True)


def register(cli: click.Group) -> None:
    for command in (require_assessment, requirements):
        cli.add_command(command)
