"""Is an offence a trigger offence on a given date, and is a drug "specified" on it?
(CJCSA 2000 Schedule 6, as amended; PACE 1984 s.63B; Crime and Policing Act 2026.)"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from dtoa.config import Law, Offence
from dtoa.rules.states import OffenceFinding

TRIGGER = OffenceFinding.TRIGGER
NOT_IN_CATALOGUE = OffenceFinding.NOT_IN_CATALOGUE
NOT_IN_FORCE = OffenceFinding.NOT_IN_FORCE
DRUG_NOT_SPECIFIED = OffenceFinding.DRUG_NOT_SPECIFIED


@dataclass(frozen=True)
class Finding:
    """What one offence code on a custody record means on the date it is judged."""

    code: str
    key: str | None
    is_trigger: bool
    reason: OffenceFinding
    drug: str | None = None


def in_force(offence: Offence, on: date) -> bool:
    """Schedule 6 changes over time: the Fraud Act 2006 entries apply from 15 January 2007
    (attempted fraud from 1 August 2007), the Vagrancy Act 1824 entries end with their repeal,
    and an offence added by an Act not yet commenced is never in force."""
    if not offence.commenced:
        return False
    if offence.from_ and on < offence.from_:
        return False
    return not (offence.until and on > offence.until)


def _periods_on(law: Law, on: date):  # noqa: ANN202
    return (p for p in law.specified
            if not (p.from_ and on < p.from_) and not (p.until and on > p.until))


def specified(law: Law, drug: str, on: date) -> bool:
    """Was `drug` a specified drug on `on`? SI 2001/1816 specified cocaine and diamorphine;
    SI 2023/784 every Class A drug from 2 August 2023; Class B and C drugs only once a force
    configures the regulations under the Crime and Policing Act 2026. A period listing "*"
    covers every drug of its class in [law.controlled]."""
    drug = drug.casefold()
    drug_class = law.classes.get(drug)
    for period in _periods_on(law, on):
        if "*" in period.drugs and period.drug_class == drug_class:
            return True
        if drug in {d.casefold() for d in period.drugs}:
            return True
    return False


def class_specified(law: Law, drug_class: str, on: date) -> bool:
    """Was any drug of `drug_class` specified on `on`?"""
    return any(p.drug_class == drug_class for p in _periods_on(law, on))


def classify_offence(code: str, on: date, catalogue: Mapping[str, Offence], law: Law
                     ) -> Finding:
    """Resolve a custody-system code (a catalogue key or a force alias, optionally followed by
    `:drug` for a drug offence) to a trigger offence, or say why it is not one.

    The Misuse of Drugs Act 1971 entries are trigger offences only "in respect of a specified"
    drug: a code that names a drug is checked against the specification in force on the date;
    a code that names none is taken to be about a drug of its entry's class (POSS-A, POSS-B),
    a trigger offence when any drug of that class is specified."""
    base, _, drug = code.strip().partition(":")
    offence = catalogue.get(base.strip().upper())
    drug = drug.strip().casefold() or None
    if offence is None:
        return Finding(code, None, False, NOT_IN_CATALOGUE, drug)
    if not in_force(offence, on):
        return Finding(code, offence.key, False, NOT_IN_FORCE, drug)
    if offence.drug_class is not None:
        covered = (specified(law, drug, on) if drug is not None
                   else class_specified(law, offence.drug_class, on))
        if not covered:
            return Finding(code, offence.key, False, DRUG_NOT_SPECIFIED, drug)
    return Finding(code, offence.key, True, TRIGGER, drug)


def classify_offences(codes: Iterable[str], on: date, catalogue: Mapping[str, Offence],
                      law: Law) -> tuple[Finding, ...]:
    return tuple(classify_offence(code, on, catalogue, law) for code in codes)


def change_dates(offences: Iterable[Offence], law: Law) -> tuple[date, ...]:
    """Every date on which what an offence code or a drug means can change: a Schedule 6 entry
    coming into or going out of force, the specification changing, the panel changing. Between
    two of these dates `classify_offence` and `specified` answer the same for the same input,
    so a bulk reader may judge a combination once per period instead of once per row. A new
    date-dependent rule in this module must add its dates here."""
    dates: set[date] = set()
    for item in (*offences, *law.specified, *law.panel):
        if item.from_:
            dates.add(item.from_)
        if item.until:
            dates.add(item.until + timedelta(days=1))
    return tuple(sorted(dates))
