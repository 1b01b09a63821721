"""Commands for attendance, prosecutions and the scheduled runs: parse, call, print."""

from __future__ import annotations

import json
from datetime import time

import click

from dtoa import log
from dtoa.attendance import chase_list, record_outcome
from dtoa.cli.common import REASON, Invocation, ingest_command, pass_runtime
from dtoa.cli.failures import EXIT_UNEXPECTED, one_line
from dtoa.ingest.csvfile import FieldError, parse_instant
from dtoa.prosecution import cases_due, decide
from dtoa.rules.attendance import ASSESSMENTS, OUTCOMES
from dtoa.rules.prosecution import DECISIONS
from dtoa.runtime import Runtime
from dtoa.store import give_reason, session_scope

WHO = click.option("--by", "actor", required=True,
                   help="Who is recording this (a user name or provider code), for the audit.")


def _instant(runtime: Runtime, column: str, value: str | None):  # noqa: ANN202
    return parse_instant({column: value or ""}, column, runtime.settings.tz, required=False)


def _referral_options(command):  # noqa: ANN001, ANN202
    for option in reversed((
            click.option("--reference", help="The referral reference, e.g. BAS-2022-000157."),
            click.option("--suite", help="With --custody-ref, instead of --reference."),
            click.option("--custody-ref"))):
        command = option(command)
    return command


def _refused(exc: FieldError) -> None:
    click.echo(f"not recorded: {exc.column}: {exc.reason}", err=True)
    raise SystemExit(1)


@click.group()
def attendance() -> None:
    """Assessment outcomes reported by providers."""


attendance.add_command(ingest_command("attendance", "a provider's attendance CSV"))


@attendance.command("record")
@_referral_options
@click.option("--assessment", required=True, type=click.Choice(ASSESSMENTS))
@click.option("--outcome", required=True, type=click.Choice(OUTCOMES))
@click.option("--outcome-at", help="ISO 8601; local time when no offset. Default: now.")
@click.option("--new-appointment-at", help="A reschedule's new time (or a follow-up's).")
@click.option("--follow-up-required/--no-follow-up-required", default=None,
              help="After an attended initial assessment: the assessor's decision (s.10).")
@WHO
@REASON
@pass_runtime
def attendance_record(runtime: Runtime, reference: str | None, suite: str | None,
                      custody_ref: str | None, assessment: str, outcome: str,
                      outcome_at: str | None, new_appointment_at: str | None,
                      follow_up_required: bool | None, actor: str, reason: str | None) -> None:
    """Record one outcome, checked exactly as an attendance CSV row is."""
    try:
        with session_scope(runtime.engine) as session:
            give_reason(session, reason)
            result = record_outcome(
                session, runtime.settings, runtime.clock, reference=reference,
                suite=suite.upper() if suite else None, custody_ref=custody_ref,
                assessment=assessment, outcome=outcome,
                outcome_at=_instant(runtime, "outcome_at", outcome_at) or runtime.clock.now(),
                new_appointment_at=_instant(runtime, "new_appointment_at", new_appointment_at),
                follow_up_required=follow_up_required, actor=actor)
    except FieldError as exc:
        _refused(exc)
    if result.status == "unchanged":
        click.echo("already recorded; nothing changed")
        return
    click.echo(f"{result.referral_reference}: {assessment} {outcome} recorded; referral "
               f"{result.referral_state}")
    if result.booked is not None:
        local = result.booked.scheduled_at.astimezone(runtime.settings.tz)
        click.echo(f"  {result.booked.kind} assessment booked for {local:%Y-%m-%d %H:%M}")
    if result.no_capacity:
        click.echo("  no follow-up session free within the window: book it by hand", err=True)


@click.command("sweep")
@pass_runtime
def sweep_command(runtime: Runtime) -> None:
    """Mark overdue outcomes, open prosecution cases for failures, flag cases near their limit."""
    from dtoa.pipelines.sweep import sweep

    summary = sweep(runtime.engine, runtime.settings, runtime.clock)
    click.echo(", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in summary.items()))


@click.command("chase-list")
@click.option("--provider", help="Only this provider's overdue outcomes.")
@pass_runtime
def chase_list_command(runtime: Runtime, provider: str | None) -> None:
    """Appointments whose outcome the provider has not reported in time, by provider."""
    with session_scope(runtime.engine) as session:
        items = chase_list(session, provider)
    if not items:
        click.echo("no outcomes overdue")
    for item in items:
        local = item.scheduled_at.astimezone(runtime.settings.tz)
        click.echo(f"{item.provider}\t{item.reference}\t{item.assessment}\t"
                   f"{local:%Y-%m-%d %H:%M}")


@click.group()
def prosecutions() -> None:
    """Prosecution cases for failing to attend or remain (Drugs Act 2005 ss.12, 14)."""


@prosecutions.command("list")
@click.option("--due-within", type=click.IntRange(min=0),
              help="Cases whose time limit is within DAYS (default: those in their warning "
                   "window).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@pass_runtime
def prosecutions_list(runtime: Runtime, due_within: int | None, as_json: bool) -> None:
    """Open cases near their six-month time limit (MCA 1980 s.127), soonest first."""
    today = runtime.clock.now().astimezone(runtime.settings.tz).date()
    with session_scope(runtime.engine) as session:
        cases = cases_due(session, today, due_within)
    if not cases and not as_json:
        click.echo("no prosecution cases due")
    for case in cases:
        if as_json:
            click.echo(json.dumps(case.__dict__, default=str, sort_keys=True))
        else:
            click.echo(f"{case.reference}\t{case.offence}\tfailed {case.failure_on}\t"
                       f"time limit {case.time_limit_on}\t{case.days_left} days left")


@prosecutions.command("decide")
@_referral_options
@click.option("--decision", required=True, type=click.Choice(DECISIONS))
@click.option("--decided-at", help="ISO 8601; local time when no offset. Default: now.")
@WHO
@REASON
@pass_runtime
def prosecutions_decide(runtime: Runtime, reference: str | None, suite: str | None,
                        custody_ref: str | None, decision: str, decided_at: str | None,
                        actor: str, reason: str | None) -> None:
    """Record a decision on the referral's open prosecution case."""
    try:
        with session_scope(runtime.engine) as session:
            give_reason(session, reason)
            status = decide(session, runtime.settings, runtime.clock, reference=reference,
                            suite=suite.upper() if suite else None, custody_ref=custody_ref,
                            decision=decision,
                            decided_at=_instant(runtime, "decided_at", decided_at)
                            or runtime.clock.now(), actor=actor)
    except FieldError as exc:
        _refused(exc)
    click.echo("already recorded; nothing changed" if status == "unchanged"
               else f"decision recorded: {decision}")


prosecutions.add_command(ingest_command("prosecutions", "a CSV of prosecution decisions"))


@click.group("run")
def run() -> None:
    """Run a scheduled pipeline once (for cron users)."""


@run.command("nightly")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@pass_runtime
def run_nightly_command(runtime: Runtime, quiet: bool) -> None:
    """Inbox, eligibility, referrals, letters and sweep, once, in that order; recorded as a
    nightly run (`dtoa status` shows the last one)."""
    from dtoa.clock import as_utc
    from dtoa.pipelines.nightly import one_night, run_nightly
    from dtoa.scheduler import NIGHTLY, fire

    results: list[tuple[str, dict]] = []

    def work(rt: Runtime) -> list[tuple[str, dict]]:
        results.extend(run_nightly(rt.engine, rt.settings, rt.clock,
                                   progress=False if quiet else None))
        return results

    with one_night(runtime.engine):  # a second run stops here: exit 4, nothing done
        status = fire(runtime, NIGHTLY, as_utc(runtime.clock.now()), work)
    if status == "skipped":
        raise click.ClickException("another nightly run started at this very moment")
    if status == "failed":
        raise one_line(f"the nightly run failed; the details are in the log "
                       f"({log.destination()})", EXIT_UNEXPECTED)
    for step, summary in results:
        click.echo(f"{step}: " + ", ".join(f"{k} {v}" for k, v in summary.items()))


@run.command("funnel")
@pass_runtime
def run_funnel_command(runtime: Runtime) -> None:
    """Recount the funnel's weeks changed since the last run, as the nightly run does: after a
    daytime load, the inspector's page then reads counted weeks again instead of counting
    the changed ones on every view."""
    from dtoa.pipelines.funnel import funnel

    summary = funnel(runtime.engine, runtime.settings, runtime.clock)
    passes = summary["passes"]
    click.echo(f"funnel: {summary['weeks_counted']} suite-weeks recounted in "
               f"{passes} pass{'' if passes == 1 else 'es'}"
               + (" (the whole history, for a changed definition)"
                  if summary["recounted_history"] else ""))


@click.command("scheduler")
@click.option("--nightly-at", type=time.fromisoformat,
              help="HH:MM[:SS] Europe/London, instead of [scheduler].nightly_at.")
@click.option("--exit-after", type=click.FloatRange(min=0),
              help="Stop after SECONDS (default: run until interrupted).")
@pass_runtime
@click.pass_context
def scheduler_command(ctx: click.Context, runtime: Runtime, nightly_at: time | None,
                      exit_after: float | None) -> None:
    """Run the nightly and weekly jobs on schedule until stopped."""
    from dtoa.scheduler import run_scheduler

    invocation = ctx.find_object(Invocation)
    config = str(invocation.choice().path.resolve()) if invocation else None
    plan = runtime.settings.scheduler
    click.echo(f"scheduler running: nightly at {nightly_at or plan.nightly_at}, weekly on "
               f"{plan.weekly_day} at {plan.weekly_at} ({runtime.settings.timezone}); log in "
               f"{runtime.settings.path('log')}; Ctrl-C stops it")
    run_scheduler(runtime, config, nightly_at=nightly_at, exit_after=exit_after)


def register(cli: click.Group) -> None:
    for command in (attendance, sweep_command, chase_list_command, prosecutions, run,
                    scheduler_command):
        cli.add_command(command)
