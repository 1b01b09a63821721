"""Between two of the catalogue's change dates an offence code means the same thing, which is
what lets ingest judge each combination of codes once per period (CJCSA 2000 Sch 6 as amended;
SI 2023/784)."""

from __future__ import annotations

from bisect import bisect_right
from datetime import date, timedelta

from dtoa.config import DEFAULT_CONFIG, load_settings
from dtoa.rules.offences import change_dates, classify_offence


def test_change_dates_include_the_fraud_act_start_and_the_class_a_respecification():
    settings = load_settings(DEFAULT_CONFIG)
    dates = change_dates(settings.offences, settings.law)
    assert date(2007, 1, 15) in dates  # Fraud Act 2006 entries apply from here
    assert date(2023, 8, 2) in dates   # every Class A drug specified from here
    assert list(dates) == sorted(set(dates))


def test_every_code_means_the_same_throughout_each_period():
    settings = load_settings(DEFAULT_CONFIG)
    dates = change_dates(settings.offences, settings.law)
    codes = [*settings.offences_by_code, "class_a_possession:mdma", "POSS-A:cocaine", "ASSAULT"]
    first_of_period: dict[tuple[str, int], object] = {}
    day = date(2006, 1, 1)
    while day <= date(2025, 12, 31):
        period = bisect_right(dates, day)
        for code in codes:
            finding = classify_offence(code, day, settings.offences_by_code, settings.law)
            assert first_of_period.setdefault((code, period), finding) == finding, (code, day)
        day += timedelta(days=3)
