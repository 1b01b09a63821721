"""Apply the configured law (catalogue, suites, Class A specification) to one custody record."""

from __future__ import annotations

import hashlib
import json
from datetime import date

from dtoa.config import Settings, Suite
from dtoa.rules.eligibility import ArrestFacts, Eligibility, SuiteFacts, assess
from dtoa.rules.offences import OffenceFinding, classify_offences


def split_codes(offence_codes: str) -> list[str]:
    return [code.strip() for code in offence_codes.split(";") if code.strip()]


def evaluate(
    settings: Settings,
    suite: Suite,
    *,
    arrest_date: date,
    birth_date: date,
    offence_codes: str,
    inspector_authorised: bool,
    authorising_inspector: str | None,
) -> tuple[Eligibility, tuple[OffenceFinding, ...]]:
    findings = classify_offences(
        split_codes(offence_codes), arrest_date, settings.offences_by_code, settings.law
    )
    facts = ArrestFacts(
        arrest_date=arrest_date,
        birth_date=birth_date,
        offences=findings,
        inspector_authorised=inspector_authorised,
        authorising_inspector=authorising_inspector,
    )
    return assess(facts, SuiteFacts(suite.live_from, suite.min_age)), findings


def rules_fingerprint(settings: Settings) -> str:
    """A short hash of every setting eligibility depends on: when it changes, the eligibility
    step re-evaluates stored detentions."""
    relevant = {
        "offences": [o.model_dump(mode="json") for o in settings.offences],
        "law": settings.law.model_dump(mode="json"),
        "suites": [[s.code, s.live_from.isoformat(), s.min_age] for s in settings.suites],
    }
    return hashlib.sha256(json.dumps(relevant, sort_keys=True).encode()).hexdigest()[:16]
