"""`dtoa demo`: the Basingstoke quarter (October-December 2022) through the real pipeline.

A seeded synthetic population (`dtoa.synthetic.pilot_plan`) arrives as the custody system's
extracts of each day's arrests and tests. At the custody desk, an officer serves the
requirement to attend assessment on every positive test a quarter of an hour after the sample,
before release, through the same library call as `dtoa require-assessment` and the web desk
(`dtoa.referrals.serve.serve`): the first free session offered, the notice (RA1) written to
hand over. A FixedClock walks night by night from 1 October 2022 to the end of January 2023 (so
the last December referrals are assessed and their failures decided) and each night runs the
real nightly pipeline (ingest -> eligibility -> referrals -> letters -> sweep), which tells the
providers and imposes nothing; each Monday at 07:00 the weekly reports are written. The demo's
provider also runs in-custody assessment sessions at Basingstoke (weekdays at 12:00 and 18:00,
two places each): the desk books one when it is free within hours of the test, which is how the
evaluation report gets its two settings to compare (the split of failures between them is the
synthetic plan's, `Plan.failed_in_custody`: invented to exercise the report, not a finding).
At the end the Home Office return for 2022-Q4 and the evaluation report for the quarter are
written (`reports/home-office/`, `reports/evaluation/`). Two actors
outside the police are simulated from each person's `Behaviour`: the treatment provider, which
reports each assessment after it happens in the attendance CSV format, and the prosecutor, which
decides each failure case a week after it opens in the prosecutions CSV format. Both go through
the inbox like real files.

The funnel printed at the end is computed by `dtoa.store.funnel` from what the rules made of
those records; nothing here states a result.
"""

from __future__ import annotations

import csv
import shutil
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Engine

from dtoa.clock import FixedClock
from dtoa.config import DEFAULT_CONFIG, Settings, load_settings
from dtoa.evidence import build_evaluation, build_return, write_evaluation, write_return
from dtoa.models import Appointment, Detention, ProsecutionCase, Referral
from dtoa.referrals.serve import serve
from dtoa.reports.weekly import week_of
from dtoa.rules.calendar import WorkingCalendar
from dtoa.store import make_engine, session_scope, upgrade_schema
from dtoa.store.funnel import funnel
from dtoa.synthetic import QUARTER, Behaviour, Record, generate, pilot_plan
from dtoa.synthetic_people import DESK_DELAY

SUITE = "BASINGSTOKE"
WALK_UNTIL = date(2023, 1, 31)
DECIDE_AFTER = timedelta(days=7)
SERVED_AFTER = DESK_DELAY  # the desk serves the requirement after the sample
RETURN_QUARTER = "2022-Q4"
# The demo's in-custody sessions: North Hampshire's worker in the Basingstoke suite.
CUSTODY_SESSIONS = "".join(
    f'  {{ weekday = "{day}", time = "{at}", capacity = 2, setting = "custody", '
    f'suite = "BASINGSTOKE" }},\n' for day in ("mon", "tue", "wed", "thu", "fri")
    for at in ("12:00", "18:00"))
LAST_NHRS_SESSION = '  { weekday = "fri", time = "10:00", capacity = 6 },\n'
# The demo's providers run twice the shipped sessions' places: the pilot's 157 referrals (and
# their follow-ups and rearranged appointments) in a quarter need about 15 places a week at
# North Hampshire, which is the whole of the shipped configuration's capacity.
CAPACITY = {"capacity = 3 }": "capacity = 6 }", "capacity = 2 }": "capacity = 4 }"}
ATTENDANCE_COLUMNS = ("reference", "assessment", "outcome", "outcome_at", "new_appointment_at",
                      "follow_up_required")
PROSECUTION_COLUMNS = ("reference", "decision", "decided_at")
DEMO_FOLDERS = ("var", "inbox", "processed", "outbox", "reports")


@dataclass
class DemoResult:
    folder: Path
    config: Path
    funnel: dict
    letters: Path
    report: Path | None
    nights: int
    home_office: Path | None = None  # the return's PDF
    evaluation: Path | None = None  # the evaluation report's PDF (and its published one)
    evaluation_published: Path | None = None


def write_demo_config(folder: Path) -> Path:
    """The shipped configuration with the demo's provider capacity and in-custody sessions;
    its paths (database, inbox, outbox, reports) resolve inside `folder`."""
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    for old, new in CAPACITY.items():
        if old not in text:
            raise RuntimeError(f"the shipped config.toml no longer has {old!r}; update the demo")
        text = text.replace(old, new)
    if LAST_NHRS_SESSION not in text:
        raise RuntimeError("the shipped config.toml no longer ends North Hampshire's sessions "
                           f"with {LAST_NHRS_SESSION.strip()!r}; update the demo")
    text = text.replace(LAST_NHRS_SESSION, LAST_NHRS_SESSION + CUSTODY_SESSIONS, 1)
    path = folder / "config.toml"
    path.write_text("# Written by `dtoa demo`: the shipped config.toml with more assessment "
                    "places.\n" + text, encoding="utf-8")
    return path


def run_demo(folder: Path, *, seed: int = 2022,
             progress: Callable[[date], None] | None = None) -> DemoResult:
    """Start afresh in `folder` (the demo's own database and folders) and walk the quarter."""
    from dtoa.pipelines.nightly import run_nightly
    from dtoa.pipelines.reports import weekly_reports

    folder = Path(folder).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    for name in DEMO_FOLDERS:
        shutil.rmtree(folder / name, ignore_errors=True)
    config = write_demo_config(folder)
    settings = load_settings(config)
    engine = make_engine(settings.database_url)
    upgrade_schema(engine)
    in_custody = {s.code: [session for p in settings.providers
                           for session in p.custody_sessions(s.code)] for s in settings.suites}
    records = list(generate(pilot_plan(), seed=seed, custody_sessions=in_custody,
                            in_custody_hours=settings.referrals.in_custody_hours))
    arrivals: dict[date, list[Record]] = defaultdict(list)
    for record in records:
        arrivals[record.arrest_date].append(record)
    behaviour = {r.detention["custody_ref"]: r.behaviour for r in records}
    clock = FixedClock(_local(QUARTER[0], time(1), settings))
    day, nights, report = QUARTER[0], 0, None
    while day <= WALK_UNTIL:
        clock.set(_local(day + timedelta(days=1), time(1), settings))
        _deliver_extracts(settings, day, arrivals.get(day, []))
        _custody_desk(engine, settings, clock, arrivals.get(day, []))
        clock.set(_local(day + timedelta(days=1), time(1, 30), settings))
        _provider_reports(engine, settings, clock.now(), behaviour)
        _prosecutor_decides(engine, settings, clock.now(), behaviour)
        clock.set(_local(day + timedelta(days=1), time(2), settings))
        run_nightly(engine, settings, clock, progress=False)
        nights += 1
        if clock.now().astimezone(settings.tz).weekday() == 0:
            clock.set(_local(day + timedelta(days=1), time(7), settings))
            written = weekly_reports(engine, settings, clock)
            if written["week"] <= week_of(QUARTER[1]):  # the suite's last week of the quarter
                report = Path(written["pdfs"][1 + _suite_index(settings)])
        if progress:
            progress(day)
        day += timedelta(days=1)
    figures = funnel(engine, settings, QUARTER[0], QUARTER[1], SUITE)
    returned = write_return(build_return(engine, settings, RETURN_QUARTER), settings)
    evaluation = [write_evaluation(build_evaluation(engine, settings, QUARTER[0], QUARTER[1],
                                                    SUITE, publish=publish), settings)
                  for publish in (False, True)]
    engine.dispose()
    return DemoResult(folder, config, figures, settings.path("outbox"), report, nights,
                      returned["pdf"], evaluation[0]["pdf"], evaluation[1]["pdf"])


def _suite_index(settings: Settings) -> int:
    return [s.code for s in settings.suites].index(SUITE)


def _local(day: date, at: time, settings: Settings) -> datetime:
    return datetime.combine(day, at, tzinfo=settings.tz).astimezone(UTC)


def _write(path: Path, columns: tuple[str, ...], rows: list[dict]) -> None:
    if not rows:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, columns)
        writer.writeheader()
        writer.writerows(rows)


def _deliver_extracts(settings: Settings, day: date, records: list[Record]) -> None:
    """The custody system's extract of the day's arrests and tests, as two inbox files."""
    inbox = settings.path("inbox")
    from dtoa.ingest.detentions import INPUT_FIELDS as DETENTION_FIELDS
    from dtoa.synthetic import TEST_FIELDS

    _write(inbox / "detentions" / f"custody-{day}.csv", DETENTION_FIELDS,
           [r.detention for r in records])
    _write(inbox / "tests" / f"tests-{day}.csv", TEST_FIELDS,
           [r.test for r in records if r.test is not None])


def _custody_desk(engine: Engine, settings: Settings, clock: FixedClock,
                  records: list[Record]) -> None:
    """The day's arrests and tests are taken in as the custody system sends them; then, for
    every positive test, the desk officer serves the requirement a quarter of an hour after
    the sample, before release, in the first session offered."""
    from dtoa.pipelines.ingest import ingest_inbox

    ingest_inbox(engine, settings, clock, kinds=("detentions", "tests"))
    positives = sorted((r.test for r in records if r.test is not None and "positive" in (
        r.test["cocaine"], r.test["opiates"])), key=lambda t: t["tested_at"])
    for test in positives:
        served_at = datetime.fromisoformat(test["tested_at"]) + SERVED_AFTER
        with session_scope(engine) as session:
            serve(session, settings, suite=test["suite"], custody_ref=test["custody_ref"],
                  officer=test["officer_ref"], served_at=served_at, now=clock.now(),
                  actor=f"desk:{test['officer_ref']}")


def _provider_reports(engine: Engine, settings: Settings, now: datetime,
                      behaviour: dict[str, Behaviour]) -> None:
    """The provider reports each booked assessment that has happened, as the person behaves;
    a person who rearranges with good cause does so the day before their first appointment."""
    a, r, d = Appointment.__table__.c, Referral.__table__.c, Detention.__table__.c
    query = (select(a.id, a.kind, a.scheduled_at, a.replaces_id, r.reference, d.custody_ref)
             .select_from(Appointment.__table__.join(Referral.__table__, r.id == a.referral_id)
                          .join(Detention.__table__, d.id == r.detention_id))
             .where(a.state == "booked", a.scheduled_at <= now + timedelta(days=1))
             .order_by(a.scheduled_at, a.id))
    with engine.connect() as connection:
        booked = connection.execute(query).all()
    rows = []
    for row in booked:
        scheduled = _aware(row.scheduled_at)
        plan = behaviour.get(row.custody_ref, Behaviour())
        if row.kind == "initial" and plan.rescheduled_first and row.replaces_id is None:
            rows.append(_report(row.reference, "initial", "rescheduled", now - timedelta(
                minutes=5), new_appointment_at=_a_week_later(scheduled, settings)))
        elif scheduled + timedelta(hours=1) <= now:
            rows.append(_outcome(row.reference, row.kind, scheduled, plan))
    _write(settings.path("inbox") / "attendance" / f"attendance-{now:%Y%m%d}.csv",
           ATTENDANCE_COLUMNS, rows)


def _outcome(reference: str, kind: str, scheduled: datetime, plan: Behaviour) -> dict:
    if kind == "follow_up" or plan.initial == "attended":
        return _report(reference, kind, "attended", scheduled + timedelta(hours=1),
                       follow_up_required=plan.follow_up_required if kind == "initial" else None)
    return _report(reference, kind, plan.initial or "attended",
                   scheduled + timedelta(minutes=30))


def _report(reference: str, assessment: str, outcome: str, at: datetime, *,
            new_appointment_at: datetime | None = None,
            follow_up_required: bool | None = None) -> dict:
    return {"reference": reference, "assessment": assessment, "outcome": outcome,
            "outcome_at": at.isoformat(),
            "new_appointment_at": new_appointment_at.isoformat() if new_appointment_at else "",
            "follow_up_required": "" if follow_up_required is None
            else str(follow_up_required).lower()}


def _a_week_later(scheduled: datetime, settings: Settings) -> datetime:
    """The same session (local wall-clock time) a week on, or the week after if that day is a
    bank holiday."""
    local = scheduled.astimezone(settings.tz)
    calendar = WorkingCalendar()
    later = local.date() + timedelta(days=7)
    while not calendar.is_working_day(later):
        later += timedelta(days=7)
    return datetime.combine(later, local.time(), tzinfo=settings.tz).astimezone(UTC)


def _prosecutor_decides(engine: Engine, settings: Settings, now: datetime,
                        behaviour: dict[str, Behaviour]) -> None:
    """A week after a failure case opens, the prosecutor's decision arrives."""
    p, r, d = ProsecutionCase.__table__.c, Referral.__table__.c, Detention.__table__.c
    query = (select(r.reference, d.custody_ref)
             .select_from(ProsecutionCase.__table__.join(Referral.__table__,
                                                         r.id == p.referral_id)
                          .join(Detention.__table__, d.id == r.detention_id))
             .where(p.state == "open", p.opened_at <= now - DECIDE_AFTER)
             .order_by(p.id))
    with engine.connect() as connection:
        cases = connection.execute(query).all()
    rows = [{"reference": c.reference, "decision": behaviour[c.custody_ref].decision,
             "decided_at": (now - timedelta(minutes=5)).isoformat()}
            for c in cases if c.custody_ref in behaviour and behaviour[c.custody_ref].decision]
    _write(settings.path("inbox") / "prosecutions" / f"decisions-{now:%Y%m%d}.csv",
           PROSECUTION_COLUMNS, rows)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
