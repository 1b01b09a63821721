"""Bringing a synthetic history to the state a real one would be in on the night measured.

A year of history ingested in one go has never been through a nightly run. The benchmark runs
the history's referrals and sweep the night before (untimed), and records the referral letters
of the history's served requirements still booked as already sent, with the content key the
letters step itself computes, without rendering them: a year of PDFs is not part of one night's
work. The night measured then renders only its own new letters. (The national extracts carry no
requirements served by a custody system, and the nightly run serves none: requirements are
served at the custody desk.)
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Engine

from dtoa.config import Settings
from dtoa.models import Letter
from dtoa.referrals.letters import _due, referral_context
from dtoa.referrals.wording import content_key
from dtoa.store import session_scope


def letters_already_sent(engine: Engine, settings: Settings, now: datetime) -> int:
    """Letter rows (version 1, not rendered) for every letter the letters step would issue."""
    rows = []
    with session_scope(engine) as session:
        for referral, detention, test, initial in _due(session):
            context = referral_context(settings, referral, detention, test, initial)
            rows.append(Letter(referral_id=referral.id, kind="referral", version=1,
                               content_key=content_key(context),
                               path="history/not-rendered", sha256="", issued_at=now))
        session.add_all(rows)
    return len(rows)
