"""The funnel inspectors read: stage names, their order, what each counts, and the rates.

Pure: the counts come in (the store works them out in SQL, `dtoa.store.funnel`), the rates and
their rounding are worked out here. The pilot's published funnel (Basingstoke, October-December
2022) is in these terms: 335 `in_scope` (the pilot's "eligible to be tested"), 261 `tested`
(78%, our `test_rate`), 178 `tested_trigger`, 157 `referred`, 30 `failed_to_attend` (19%,
`fta_rate`), 26 `prosecuted`.
"""

from __future__ import annotations

from collections.abc import Mapping

# Every count of the funnel, in the order a reader meets it, with what it counts.
COUNTS: dict[str, str] = {
    "detentions": "custody episodes whose arrest date (Europe/London) falls in the period",
    "in_scope": "detentions for a trigger offence (CJCSA 2000 Sch 6) or with an inspector's "
                "authority (PACE 1984 s.63B(1A)(b)), at any age",
    "eligible": "in scope and every s.63B condition met (age, suite notified and live)",
    "under_age": "in scope but under the suite's minimum age (PACE 1984 s.63B(3))",
    "tested": "in scope and a sample gave a result",
    "tested_trigger": "tested, arrested for a trigger offence (trigger wins when both apply)",
    "tested_inspector_authorised": "tested on an inspector's authority, no trigger offence",
    "refused": "in scope and refused to give a sample (PACE 1984 s.63C offence)",
    "failed_to_provide": "in scope and failed to provide a usable sample",
    "not_tested": "eligible but no test outcome, recorded as not tested, or the sample was "
                  "unsuitable or insufficient",
    "positive": "tested positive for a drug on the panel",
    "positive_cocaine_only": "positive for cocaine and not opiates",
    "positive_opiates_only": "positive for opiates and not cocaine",
    "positive_both": "positive for cocaine and opiates",
    "referred": "requirements to attend assessment served in police detention (Drugs Act 2005 "
                "s.9(2), s.11) on tests in the period, not withdrawn",
    "positive_no_requirement": "positive, eligible, aged 18 or over on the date of the sample "
                               "(UTC), with no requirement served",
    "attended": "referred; the live initial assessment was attended and the person remained",
    "failed_to_attend": "referred; the live initial assessment was missed or left early "
                        "(Drugs Act 2005 s.12) and no good cause was accepted",
    "awaiting": "referred; the initial assessment is booked and not yet reported, or not yet "
                "booked",
    "outcome_overdue": "referred; the provider has not reported the initial assessment in time",
    "prosecuted": "referred people with a failure case charged or summonsed",
    "reminded": "referred; a reminder of the live initial assessment went to the person the "
                "day before (they agreed to reminders at the desk)",
    "not_reminded": "referred; no reminder of the live initial assessment went",
    "failed_to_attend_reminded": "failed to attend the live initial assessment after a "
                                 "reminder",
    "failed_to_attend_unreminded": "failed to attend the live initial assessment with no "
                                     "reminder",
}

# Rates: name -> (numerator, denominator). Fractions, 4 places, None when the denominator is 0.
RATES: dict[str, tuple[str, str]] = {
    "test_rate": ("tested", "in_scope"),
    "eligible_test_rate": ("tested", "eligible"),
    "positivity": ("positive", "tested"),
    "fta_rate": ("failed_to_attend", "referred"),
    "fta_rate_reminded": ("failed_to_attend_reminded", "reminded"),
    "fta_rate_not_reminded": ("failed_to_attend_unreminded", "not_reminded"),
}

KEYS: tuple[str, ...] = (*COUNTS, *RATES)

# Additive groups: (total, parts). Used by publication suppression so that a suppressed part
# cannot be recovered from the total and the other parts. Some are exact identities (the test
# routes, the drugs), some hold when every test was lawful or every referral has an outcome;
# treating them all as groups can only suppress more, never less.
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("tested", ("tested_trigger", "tested_inspector_authorised")),
    ("positive", ("positive_cocaine_only", "positive_opiates_only", "positive_both")),
    ("eligible", ("tested", "refused", "failed_to_provide", "not_tested")),
    ("referred", ("attended", "failed_to_attend", "awaiting", "outcome_overdue")),
    ("in_scope", ("eligible", "under_age")),
    ("referred", ("reminded", "not_reminded")),
    ("failed_to_attend", ("failed_to_attend_reminded", "failed_to_attend_unreminded")),
)


def rate(numerator: int | None, denominator: int | None) -> float | None:
    """numerator / denominator rounded to 4 places; None when either is unknown or the
    denominator is 0 (a rate of nothing is not 0%)."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return round(numerator / denominator, 4)


def with_rates(counts: Mapping[str, int | None]) -> dict[str, int | float | None]:
    """The full funnel: the counts in COUNTS order, positives per panel drug (in the order
    given), then every rate."""
    missing = [k for k in COUNTS if k not in counts]
    if missing:
        raise KeyError(f"funnel counts missing: {', '.join(missing)}")
    result: dict[str, int | float | None] = {k: counts[k] for k in COUNTS}
    result.update({k: v for k, v in counts.items() if k.startswith(DRUG_KEY_PREFIX)})
    for name, (top, bottom) in RATES.items():
        result[name] = rate(counts[top], counts[bottom])
    return result


def percent(value: float | None) -> str:
    """A rate as a reader says it: 0.7791 -> "78%"; unknown -> "not available"."""
    return "not available" if value is None else f"{round(value * 100)}%"


# A sample gave no result: counted in the not_tested stage.
NO_RESULT = ("not_tested", "unsuitable", "insufficient")
DRUG_KEY_PREFIX = "positive_for_"


def drug_key(drug: str) -> str:
    """The funnel key counting positives for one panel drug (with or without others)."""
    return DRUG_KEY_PREFIX + drug


def drug_definition(drug: str) -> str:
    return f"tested positive for {drug}, with or without other drugs"


def definition(key: str) -> str:
    """What a funnel key counts, in words: a count's definition, a panel drug's positives, or
    a rate as its numerator's share of its denominator."""
    if key in COUNTS:
        return COUNTS[key]
    if key.startswith(DRUG_KEY_PREFIX):
        return drug_definition(key.removeprefix(DRUG_KEY_PREFIX))
    if key in RATES:
        top, bottom = RATES[key]
        return f"{top.replace('_', ' ')} as a share of {bottom.replace('_', ' ')}"
    raise KeyError(key)


def drug_parts(funnel: Mapping[str, object]) -> dict[str, tuple[str, ...]]:
    """A funnel's positives per panel drug, each with the published counts it is the sum of
    (cocaine = cocaine only + both; opiates = opiates only + both; none for other drugs)."""
    return {key: ((f"positive_{key[len(DRUG_KEY_PREFIX):]}_only", "positive_both")
                  if key in (drug_key("cocaine"), drug_key("opiates")) else ())
            for key in funnel if key.startswith(DRUG_KEY_PREFIX)}
