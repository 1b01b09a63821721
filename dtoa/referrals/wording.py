"""How letters and notices say things: dates and times as a person reads them, who a letter is
addressed to, how to reach the provider and the custody contact, and, on an amended letter,
what changed. Shared by the provider's referral letter and the person's notices."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime

from dtoa.config import Settings
from dtoa.models import Detention

# What a changed field is called when an amended letter says what changed.
LABELS = {
    "appointment_place": "place",
    "provider_name": "provider",
    "provider_address": "provider's address",
    "provider_phone": "provider's phone",
    "provider_email": "provider's email",
    "contact_officer": "custody contact",
    "contact_phone": "custody contact's phone",
    "person": "name or reference",
    "person_label": "how the person is identified",
    "birth_date": "date of birth",
    "suite": "custody suite",
    "test_date": "date of test",
    "positive_for": "drugs found",
    "grounds": "grounds for the test",
}
# Fields that are how a letter is laid out, not what it states.
NOT_STATED = frozenset({"appointment_at", "appointment_when", "issued_on", "amended",
                        "replaces_issued_on", "changes"})


def long_date(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def long_instant(moment: datetime, settings: Settings) -> str:
    """A local (Europe/London) wall-clock time as a person reads it."""
    local = moment.astimezone(settings.tz)
    return f"{long_date(local.date())} at {local:%H:%M}"


def short_instant(moment: datetime, settings: Settings) -> str:
    """A local time in few words, as an amendment states it: "Wed 5 Oct 14:00"."""
    local = moment.astimezone(settings.tz)
    return f"{local:%a} {local.day} {local:%b} {local:%H:%M}"


def addressed_to(detention: Detention) -> str:
    """A notice to the person is addressed by name where the custody record has it, else by the
    person reference."""
    return detention.person_name or detention.person_ref


def contacts(settings: Settings, provider_code: str) -> dict[str, str]:
    """How to reach the provider and the custody contact: printed on every letter."""
    provider = settings.providers_by_code[provider_code]
    return {"provider_name": provider.name, "provider_address": provider.address,
            "provider_phone": provider.phone, "provider_email": provider.email,
            "contact_officer": settings.referrals.contact_officer,
            "contact_phone": settings.referrals.contact_phone}


def appointment(moment: datetime, place: str, settings: Settings) -> dict[str, str]:
    """The initial assessment as a letter states it (the instant is kept for amendments)."""
    return {"appointment_at": moment.isoformat(),
            "appointment_when": long_instant(moment, settings), "appointment_place": place}


def content_key(context: dict) -> str:
    return hashlib.sha256(json.dumps(context, sort_keys=True).encode()).hexdigest()


def what_changed(before: dict | None, after: dict, settings: Settings) -> list[str]:
    """What an amended letter changes, in words: "appointment moved from Wed 5 Oct 14:00 to
    Wed 12 Oct 14:00", "place changed from ... to ...". `before` is what the last letter
    stated (None when it was not kept: a letter from an earlier build)."""
    if before is None:
        return ["the details below replace those of the earlier letter"]
    changes = []
    if before.get("appointment_at") != after.get("appointment_at") and after.get(
            "appointment_at"):
        was = before.get("appointment_at")
        now = short_instant(datetime.fromisoformat(after["appointment_at"]), settings)
        changes.append(f"appointment moved from "
                       f"{short_instant(datetime.fromisoformat(was), settings)} to {now}"
                       if was else f"appointment set for {now}")
    for key, value in after.items():
        if key in NOT_STATED or before.get(key) == value:
            continue
        label = LABELS.get(key, key.replace("_", " "))
        changes.append(f"{label} changed from {before[key]} to {value}" if before.get(key)
                       else f"{label}: {value}")
    return changes
