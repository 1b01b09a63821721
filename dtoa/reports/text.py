"""The funnel in words, as the pilot published it ("335 people were eligible to be tested; 261
were tested (78%) ..."). Pure: figures in, sentences out. A suppressed figure reads "*" (it may
be small, or hidden so a small one cannot be worked out) and its percentage is left out."""

from __future__ import annotations

from collections.abc import Mapping

from dtoa.rules.funnel import percent
from dtoa.rules.publish import MARK


def people(n: int | None, one: str = "person", many: str = "people") -> str:
    return f"{number(n)} {one if n == 1 else many}"


def number(n: int | None) -> str:
    return MARK if n is None else str(n)


def _was(n: int | None) -> str:
    return "was" if n == 1 else "were"


def _pct(value: float | None) -> str:
    return "" if value is None else f" ({percent(value)})"


def funnel_sentences(f: Mapping[str, int | float | None]) -> list[str]:
    """Four sentences: testing, results, assessments and prosecutions, reminders."""
    testing = (f"{people(f['in_scope'])} "
               f"{_was(f['in_scope'])} eligible to be tested; "
               f"{number(f['tested'])} {_was(f['tested'])} tested{_pct(f['test_rate'])}, "
               f"{number(f['tested_trigger'])} of them arrested for a trigger offence and "
               f"{number(f['tested_inspector_authorised'])} on an inspector's authority. "
               f"{number(f['refused'])} refused, {number(f['failed_to_provide'])} failed to "
               f"provide a sample and {number(f['under_age'])} "
               f"{_was(f['under_age'])} under age.")
    results = (f"{number(f['positive'])} tested positive{_pct(f['positivity'])}: "
               f"{number(f['positive_cocaine_only'])} for cocaine only, "
               f"{number(f['positive_both'])} for both cocaine and opiates and "
               f"{number(f['positive_opiates_only'])} for opiates only.")
    assessments = (f"{number(f['referred'])} {_was(f['referred'])} required to attend an "
                   f"assessment before release and {number(f['positive_no_requirement'])} "
                   f"{_was(f['positive_no_requirement'])} not; "
                   f"{number(f['attended'])} attended, "
                   f"{number(f['failed_to_attend'])} failed to attend"
                   f"{_pct(f['fta_rate'])} and {number(f['prosecuted'])} "
                   f"{_was(f['prosecuted'])} prosecuted. {number(f['awaiting'])} "
                   f"{_was(f['awaiting'])} awaiting an assessment and "
                   f"{number(f['outcome_overdue'])} outcomes are overdue from providers.")
    reminders = (f"{people(f['reminded'])} {_was(f['reminded'])} reminded of their "
                 f"assessment the day before: {number(f['failed_to_attend_reminded'])} of "
                 f"them failed to attend{_pct(f['fta_rate_reminded'])}, against "
                 f"{number(f['failed_to_attend_unreminded'])} of the "
                 f"{number(f['not_reminded'])} not reminded"
                 f"{_pct(f['fta_rate_not_reminded'])}.")
    return [testing, results, assessments, reminders]
