"""The synthetic population's people and settings (used by `dtoa.synthetic.generate`): which
positives the desk will book in custody, what those people then do, and who is tested again.

- **Settings.** The custody desk books the first session offered, and an in-custody session
  is offered first when one is free at the suite within `in_custody_hours` of serving
  (`dtoa.referrals.in_custody`). Given the suites' in-custody sessions, the positives are
  walked in the order the demo's desk serves them (day by day, then by sample time), with the
  same session calendar (`dtoa.rules.scheduling.session_instants`) and places, so each
  record's `setting` says where the desk will book it. Then the plan's failures are shared
  out: `failed_in_custody` of them (at most as many as were booked in custody) go to people
  booked in custody, never one the prosecutor finds had good cause; the rest, and every
  "rearranged first", to people booked in the community.
- **Repeat testers.** `repeat_testers` people are tested two (or, for `tested_three_times` of
  them, three) times in the period: the later detentions take the first one's person
  reference, birth date, home area and name. Three in four are drawn from the positive tests.

A random generator of its own (from the seed) decides these, so the records the rest of
`generate` makes, and the pilot's funnel, are the same with or without them.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from dtoa.config import Session
from dtoa.rules.calendar import WorkingCalendar
from dtoa.rules.scheduling import session_instants

DESK_DELAY = timedelta(minutes=15)  # the desk serves the requirement after the sample
LONDON = ZoneInfo("Europe/London")
IDENTITY = ("person_ref", "birth_date", "home_area", "person_name")


def _positive(record) -> bool:  # noqa: ANN001
    return record.test is not None and "positive" in (record.test.get("cocaine"),
                                                     record.test.get("opiates"))


def _tested_at(record) -> datetime:  # noqa: ANN001
    return datetime.fromisoformat(record.test["tested_at"])


def settings_for(records: Sequence, sessions: Sequence[Session], hours: int,
                 calendar: WorkingCalendar) -> dict[int, str]:
    """Index of each positive record -> the setting the desk will book: custody when an
    in-custody place is free from serving to `hours` later, else community."""
    taken: Counter = Counter()
    out = {}
    order = sorted((i for i, r in enumerate(records) if _positive(r)),
                   key=lambda i: (records[i].arrest_date, _tested_at(records[i])))
    for i in order:
        served = _tested_at(records[i]) + DESK_DELAY
        out[i] = "community"
        for start, capacity in session_instants(sessions, served, served + timedelta(
                hours=hours), LONDON, calendar):
            if taken[start] < capacity:
                taken[start] += 1
                out[i] = "custody"
                break
    return out


def assign_settings(records: list, plan, sessions: Sequence[Session], hours: int,  # noqa: ANN001
                    rng: random.Random) -> list:
    """The records with each positive's `setting`, and the positives' behaviours shared out
    between the settings as the module says."""
    settings = settings_for(records, sessions, hours, WorkingCalendar())
    custody = [i for i, s in settings.items() if s == "custody"]
    community = [i for i, s in settings.items() if s == "community"]
    behaviours = [records[i].behaviour for i in settings]
    failures = [b for b in behaviours if b.initial and b.initial != "attended"]
    quiet = [b for b in failures if b.decision != "good_cause_accepted"]
    rng.shuffle(quiet)
    to_custody = quiet[:min(plan.failed_in_custody, len(custody))]
    chosen = {id(b) for b in to_custody}
    rest = [b for b in behaviours if id(b) not in chosen]
    plain = [b for b in rest if not b.rescheduled_first and b.initial == "attended"]
    rng.shuffle(plain)
    fill = plain[:max(0, len(custody) - len(to_custody))]
    chosen |= {id(b) for b in fill}
    custody_behaviours = to_custody + fill
    community_behaviours = [b for b in behaviours if id(b) not in chosen]
    if len(custody_behaviours) != len(custody):
        raise ValueError("too few plain attenders for the in-custody bookings")
    rng.shuffle(custody_behaviours)
    rng.shuffle(community_behaviours)
    out = list(records)
    for indexes, given, setting in ((custody, custody_behaviours, "custody"),
                                    (community, community_behaviours, "community")):
        for i, behaviour in zip(indexes, given, strict=True):
            out[i] = replace(records[i], behaviour=behaviour, setting=setting)
    return out


def make_repeat_testers(records: list, plan, rng: random.Random) -> list:  # noqa: ANN001
    """The records with `plan.repeat_testers` people tested more than once (distinct days).
    Each source of detentions is shuffled once and walked, so a national population (hundreds
    of repeat testers a suite) costs one pass."""
    tested = [i for i, r in enumerate(records)
              if r.test is not None and r.test["outcome"] == "tested"]
    sources = {True: [i for i in tested if _positive(records[i])], False: tested}
    for order in sources.values():
        rng.shuffle(order)
    cursors = {True: 0, False: 0}
    used: set[int] = set()
    out = list(records)
    for person in range(plan.repeat_testers):
        size = 3 if person < plan.tested_three_times else 2
        which = rng.random() < 0.75
        group, cursors[which] = _take(records, sources[which], cursors[which], size, used)
        if group is None:
            continue
        used.update(group)
        first = records[group[0]].detention
        for i in group[1:]:
            detention = {**records[i].detention, **{k: first.get(k, "") for k in IDENTITY}}
            out[i] = replace(records[i], detention=detention)
    return out


def _take(records: list, order: list[int], cursor: int, size: int,
          used: set[int]) -> tuple[list[int] | None, int]:
    """The next `size` unused records of `order` arrested on different days, in arrest order,
    and where the walk stopped."""
    group: list[int] = []
    days: set = set()
    while cursor < len(order) and len(group) < size:
        i = order[cursor]
        cursor += 1
        if i not in used and records[i].arrest_date not in days:
            group.append(i)
            days.add(records[i].arrest_date)
    if len(group) < size:
        return None, cursor
    return sorted(group, key=lambda i: records[i].detention["arrested_at"]), cursor


def people_and_settings(records: list, plan, custody_sessions: Mapping[str, Sequence[Session]],  # noqa: ANN001
                        hours: int, suite: str, rng: random.Random) -> list:
    """Both steps for one suite's records."""
    records = assign_settings(records, plan, custody_sessions.get(suite, ()), hours, rng)
    return make_repeat_testers(records, plan, rng)
