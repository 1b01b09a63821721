"""What the configured law is on a date: trigger offences, specified drugs, the test panel,
samples allowed and each suite's notifications, each with its source. Pure: for `dtoa law`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dtoa.config import Law, Notification, Offence, Settings
from dtoa.rules.offences import class_specified, in_force


@dataclass(frozen=True)
class OffenceEntry:
    key: str
    title: str
    statute: str
    drug_class: str | None
    in_force: bool
    why_not: str | None  # "not commenced", "from 2007-08-01", "until 2026-06-28"


@dataclass(frozen=True)
class SuiteNotices:
    code: str
    name: str
    force: str
    arrest: Notification | None
    charge: Notification | None
    under_18: Notification | None


@dataclass(frozen=True)
class LawOnDate:
    on: date
    offences: tuple[OffenceEntry, ...]
    specified: tuple[str, ...]  # "Class A: every drug (SI 2023/784 ...)"
    panel: tuple[str, ...]  # "opiates (detects heroin)"
    samples: str
    suites: tuple[SuiteNotices, ...]


def _offence(offence: Offence, on: date, law: Law) -> OffenceEntry:
    ok = in_force(offence, on)
    why = None
    if ok and offence.drug_class and not class_specified(law, offence.drug_class, on):
        ok, why = False, f"no Class {offence.drug_class} drug is specified"
    elif not offence.commenced:
        why = "not commenced (set `from` once in force)"
    elif offence.from_ and on < offence.from_:
        why = f"in force from {offence.from_}"
    elif offence.until and on > offence.until:
        why = f"in force until {offence.until}"
    return OffenceEntry(offence.key, offence.title, offence.statute, offence.drug_class, ok, why)


def _notice(notices: tuple[Notification, ...], condition: str, on: date) -> Notification | None:
    return next((n for n in notices if n.condition == condition and n.covers(on)), None)


def law_on(settings: Settings, on: date) -> LawOnDate:
    law = settings.law
    specified = tuple(
        f"Class {p.drug_class}: "
        + ("every drug of the class" if "*" in p.drugs else ", ".join(p.drugs))
        + f" ({p.source})"
        for p in law.specified
        if not (p.from_ and on < p.from_) and not (p.until and on > p.until))
    panel = tuple(f"{p.drug} (detects {p.detects})" for p in law.panel_on(on))
    if law.further_sample_from is not None and on >= law.further_sample_from:
        samples = (f"up to {law.max_samples} per detention: a further sample when the first is "
                   f"unsuitable or insufficient (Crime and Policing Act 2026, in force from "
                   f"{law.further_sample_from})")
    else:
        samples = "one per detention (PACE 1984 s.63B(5B)); a further sample (Crime and " \
                  "Policing Act 2026) is " + (f"allowed from {law.further_sample_from}"
                                               if law.further_sample_from else "not in force")
    suites = tuple(SuiteNotices(s.code, s.name, s.force,
                                *(_notice(s.notifications, c, on)
                                  for c in ("arrest", "charge", "under_18")))
                   for s in settings.suites)
    return LawOnDate(on, tuple(_offence(o, on, law) for o in settings.offences), specified, panel,
                     samples, suites)
