"""The funnel in words, in the pilot's order ("335 people were in scope for testing, ...; 261
were tested (78%) ..."). Pure: figures in, sentences out. A suppressed figure reads "*" (it may
be small, or hidden so a small one cannot be worked out) and its percentage is left out.

One meaning of each word: "in scope" is the pilot's "eligible to be tested" (a trigger offence
or an inspector's authority, any age); "eligible" is in scope with every condition of PACE 1984
s.63B met. A failure to attend rate is "not yet known" while any referral's initial assessment
is awaited or overdue: failures out of referrals would count every awaited one as a success."""

from __future__ import annotations

from collections.abc import Mapping

from dtoa.rules.funnel import RATES, percent
from dtoa.rules.publish import MARK


def people(n: int | None, one: str = "person", many: str = "people") -> str:
    return f"{number(n)} {one if n == 1 else many}"


def number(n: int | None) -> str:
    return MARK if n is None else str(n)


def _was(n: int | None) -> str:
    return "was" if n == 1 else "were"


def _pct(value: float | None) -> str:
    return "" if value is None else f" ({percent(value)})"


def _fta(f: Mapping[str, int | float | None]) -> str:
    if f["referred"] != 0 and outcomes_awaited(f):
        return " (the rate is not yet known: outcomes are awaited)"
    return _pct(f["fta_rate"])


NOT_YET_KNOWN = "not yet known"
NOTHING = "–"  # a rate of 0 out of 0: nothing to count
# The security marking at the top and foot of every page of a printed report.
MARKING = "OFFICIAL-SENSITIVE: not for publication"
PUBLISHED = "OFFICIAL: published figures (counts of 1 to 4 suppressed)"
# Column headings in words that wrap between words, never inside one.
LABELS = {
    "in_scope": "In scope", "eligible": "Eligible", "under_age": "Under age",
    "tested": "Tested", "tested_trigger": "Tested: trigger offence",
    "tested_inspector_authorised": "Tested: inspector's authority", "refused": "Refused",
    "failed_to_provide": "Failed to provide", "not_tested": "Not tested",
    "test_rate": "Tested of in scope", "positive": "Positive",
    "positive_cocaine_only": "Cocaine only", "positive_opiates_only": "Opiates only",
    "positive_both": "Cocaine and opiates", "referred": "Referred",
    "positive_no_requirement": "Positive, no requirement", "attended": "Attended",
    "failed_to_attend": "Failed to attend", "awaiting": "Awaiting",
    "outcome_overdue": "Outcome overdue", "prosecuted": "Prosecuted",
    "fta_rate": "Failed to attend rate", "positivity": "Positive of tested",
    "eligible_test_rate": "Tested of eligible", "detentions": "Detentions",
    "reminded": "Reminded the day before", "fta_rate_reminded": "Failed to attend: reminded",
    "fta_rate_not_reminded": "Failed to attend: not reminded",
}


def outcomes_awaited(f: Mapping[str, int | float | None]) -> bool:
    """Some referral's initial assessment is still awaited or overdue (a hidden count is one
    of 1 to 4: some)."""
    return any(f[k] is None or f[k] > 0 for k in ("awaiting", "outcome_overdue"))


def rate_text(f: Mapping[str, int | float | None], key: str) -> str:
    """A rate of the funnel as a reader sees it: "19%", "*" when hidden, "not yet known" for
    the failure to attend rate while outcomes are awaited, NOTHING ("–") for 0 of 0."""
    if key == "fta_rate" and f["referred"] != 0 and outcomes_awaited(f):
        return NOT_YET_KNOWN
    value = f[key]
    if value is None:
        return NOTHING if _zero_denominator(f, key) else MARK
    return percent(value)


def _zero_denominator(f: Mapping[str, int | float | None], key: str) -> bool:
    bottom = RATES[key][1]
    return f[bottom] == 0


def funnel_sentences(f: Mapping[str, int | float | None]) -> list[str]:
    """Four sentences: testing, results, assessments and prosecutions, reminders."""
    testing = (f"{people(f['in_scope'])} "
               f"{_was(f['in_scope'])} in scope for testing (arrested for a trigger offence, "
               f"or an inspector authorised a test), {number(f['eligible'])} of them eligible "
               f"(every condition of PACE 1984 s.63B met); "
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
                   f"{_fta(f)} and {number(f['prosecuted'])} "
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
