"""Is an offence a trigger offence on a given date? (CJCSA 2000 Schedule 6, as amended.)"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from dtoa.config import Law, Offence

TRIGGER = "trigger"
NOT_IN_CATALOGUE = "not_in_catalogue"
NOT_IN_FORCE = "not_in_force"
DRUG_NOT_SPECIFIED = "drug_not_specified"


@dataclass(frozen=True)
class OffenceFinding:
    """What one offence code on a custody record means on the arrest date."""

    code: str
    key: str | None
    is_trigger: bool
    reason: str
    drug: str | None = None


def in_force(offence: Offence, on: date) -> bool:
    """Schedule 6 changes over time: the Fraud Act 2006 entries apply from 15 January 2007,
    and the Vagrancy Act 1824 entries end when their repeal is commenced."""
    if offence.from_ and on < offence.from_:
        return False
    return not (offence.until and on > offence.until)


def specified_class_a(law: Law, drug: str, on: date) -> bool:
    """Was `drug` a specified Class A drug on `on`?

    SI 2001/1816 specified cocaine and diamorphine; SI 2023/784 specifies every Class A drug from
    2 August 2023. A period listing "*" covers every drug in the configured Class A list.
    """
    drug = drug.casefold()
    for period in law.specified_class_a:
        if period.from_ and on < period.from_:
            continue
        if period.until and on > period.until:
            continue
        if "*" in period.drugs:
            return drug in {d.casefold() for d in law.class_a.drugs}
        return drug in {d.casefold() for d in period.drugs}
    return False


def classify_offence(
    code: str, on: date, catalogue: Mapping[str, Offence], law: Law
) -> OffenceFinding:
    """Resolve a custody-system code (a catalogue key or a force alias, optionally followed by
    `:drug` for a drug offence) to a trigger offence, or say why it is not one.

    The Misuse of Drugs Act 1971 entries are trigger offences only "in respect of a specified
    Class A drug": a code that names a drug is checked against the specification in force on the
    date; a code that names none is taken to be the force's Class A code, as the alias says.
    """
    base, _, drug = code.strip().partition(":")
    offence = catalogue.get(base.strip().upper())
    drug = drug.strip().casefold() or None
    if offence is None:
        return OffenceFinding(code, None, False, NOT_IN_CATALOGUE, drug)
    if not in_force(offence, on):
        return OffenceFinding(code, offence.key, False, NOT_IN_FORCE, drug)
    if offence.class_a and drug is not None and not specified_class_a(law, drug, on):
        return OffenceFinding(code, offence.key, False, DRUG_NOT_SPECIFIED, drug)
    return OffenceFinding(code, offence.key, True, TRIGGER, drug)


def classify_offences(
    codes: Iterable[str], on: date, catalogue: Mapping[str, Offence], law: Law
) -> tuple[OffenceFinding, ...]:
    return tuple(classify_offence(code, on, catalogue, law) for code in codes)


def change_dates(offences: Iterable[Offence], law: Law) -> tuple[date, ...]:
    """Every date on which what an offence code means can change: a Schedule 6 entry coming
    into or going out of force, or the Class A specification changing (SI 2023/784). Between
    two of these dates `classify_offence` answers the same for the same code, so a bulk reader
    may judge a combination of codes once per period instead of once per row. A new
    date-dependent rule in this module must add its dates here."""
    dates: set[date] = set()
    for item in (*offences, *law.specified_class_a):
        if item.from_:
            dates.add(item.from_)
        if item.until:
            dates.add(item.until + timedelta(days=1))
    return tuple(sorted(dates))
