"""The custody desk's worklist: positive tests of people aged 18 or over, on a lawful test,
with no requirement to attend assessment served (Drugs Act 2005 s.9). Each is a requirement the
officer may still impose while the person is in police detention; once they are released it can
no longer be (a notice posted later imposes nothing), and the inspector sees how many were
missed (`positive_no_requirement` in the funnel). The desk looks back `LOOK_BACK` days: a person
is not held longer than that, so an older positive can no longer be served."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from dtoa.clock import as_utc
from dtoa.config import Settings
from dtoa.referrals.create import facts_of, unserved_positives, window_for
from dtoa.referrals.letters import results_of
from dtoa.rules.calendar import WorkingCalendar
from dtoa.rules.referrals import no_referral_reason, positive_drugs, route_provider

LOOK_BACK = timedelta(days=14)


@dataclass(frozen=True)
class Unserved:
    """One positive with no requirement served: references and times only, no personal data."""

    suite: str
    custody_ref: str
    tested_at: datetime  # UTC
    positive_for: tuple[str, ...]
    provider: str
    deadline_at: datetime  # UTC: the last moment the initial assessment may be booked for

    def past_deadline(self, now: datetime) -> bool:
        return as_utc(now) > self.deadline_at


def unserved_requirements(session: Session, settings: Settings, *,
                          suites: Sequence[str] | None = None,
                          since: datetime | None = None) -> list[Unserved]:
    """Every positive that supports a requirement (`no_referral_reason(facts_of(...))` is
    None) with none served, newest test first, optionally for some suites only and for tests
    taken since a time (the desk passes now less `LOOK_BACK`)."""
    calendar, found = WorkingCalendar(), []
    for test, detention, _ in unserved_positives(session, suites, since):
        suite = settings.suites_by_code.get(detention.suite)
        if suite is None or no_referral_reason(facts_of(test, detention, settings)):
            continue
        window = window_for(test, settings, calendar, test.tested_at)
        found.append(Unserved(
            detention.suite, detention.custody_ref, as_utc(test.tested_at),
            positive_drugs(results_of(test), [p.drug for p in settings.law.panel]),
            route_provider(detention.home_area, settings.providers, suite.default_provider),
            as_utc(window.latest)))
    return sorted(found, key=lambda u: (u.tested_at, u.custody_ref), reverse=True)
