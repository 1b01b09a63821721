"""The retention registry, the shipped `[retention]` table and the README's table agree; periods
and age bands as the rules count them."""

from __future__ import annotations

import re
import tomllib
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from dtoa.config import DEFAULT_CONFIG
from dtoa.privacy.catalogue import KINDS
from dtoa.rules.retention import Period, age_band, latest_arrest_date, parse_period

README = Path(__file__).resolve().parent.parent / "README.md"


def test_every_kind_has_its_default_in_the_shipped_config_and_the_readme():
    shipped = tomllib.loads(DEFAULT_CONFIG.read_text(encoding="utf-8"))["retention"]
    assert shipped == {kind.name: kind.default for kind in KINDS}
    rows = dict(re.findall(r"^\| `(\w+)` \|[^|]+\| ([^|]+) \|", README.read_text(
        encoding="utf-8"), flags=re.MULTILINE))
    assert {name: rows.get(name, "").strip() for name in shipped} == shipped
    assert len({kind.name for kind in KINDS}) == len(KINDS)


def test_every_kind_says_where_its_period_comes_from():
    for kind in KINDS:
        assert kind.source and kind.what and kind.action in ("delete", "anonymise")
        if kind.floor:
            assert parse_period(kind.default).cutoff_date(date(2024, 1, 1)) <= \
                parse_period(kind.floor).cutoff_date(date(2024, 1, 1)), kind.name


@pytest.mark.parametrize(("text", "period"), [
    ("90 days", Period(90, "days")), ("1 year", Period(1, "years")),
    ("18 Months", Period(18, "months")), (" 6 years ", Period(6, "years")),
    ("0 days", Period(0, "days"))])
def test_a_period_is_a_whole_number_of_days_months_or_years(text, period):
    assert parse_period(text) == period


@pytest.mark.parametrize("text", ["6", "six years", "1.5 years", "2 weeks", "-1 year", ""])
def test_anything_else_is_not_a_period(text):
    with pytest.raises(ValueError, match="is not a period"):
        parse_period(text)


def test_a_record_is_kept_for_the_whole_period_and_goes_the_day_after():
    year = parse_period("1 year")
    # dated 3 March 2023: kept through 3 March 2024, past the period from 4 March
    assert not date(2023, 3, 3) < year.cutoff_date(date(2024, 3, 3))
    assert date(2023, 3, 3) < year.cutoff_date(date(2024, 3, 4))
    # months count as the calendar does: six months before 29 February 2024 is 29 August
    assert parse_period("6 months").cutoff_date(date(2024, 2, 29)) == date(2023, 8, 29)
    now = datetime(2024, 6, 1, 1, 0, tzinfo=UTC)
    assert parse_period("90 days").cutoff(now) == datetime(2024, 3, 3, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize(("recorded_before", "arrested_by"), [
    # British Summer Time: 23:30 UTC is already the next day in London
    (datetime(2024, 7, 1, 23, 30, tzinfo=UTC), date(2024, 7, 2)),
    (datetime(2024, 7, 1, 22, 59, tzinfo=UTC), date(2024, 7, 1)),
    # Greenwich Mean Time: the same date
    (datetime(2024, 1, 1, 23, 30, tzinfo=UTC), date(2024, 1, 1)),
    # the night the clocks go back: 00:30 UTC is 01:30 BST, 23:00 UTC the night before is
    # midnight BST, both 27 October
    (datetime(2024, 10, 27, 0, 30, tzinfo=UTC), date(2024, 10, 27)),
    (datetime(2024, 10, 26, 23, 0, tzinfo=UTC), date(2024, 10, 27))])
def test_a_file_with_anything_recorded_before_an_instant_was_arrested_by_its_local_date(
        recorded_before, arrested_by):
    assert latest_arrest_date(recorded_before, ZoneInfo("Europe/London")) == arrested_by


@pytest.mark.parametrize(("born", "on", "band"), [
    (date(2006, 5, 17), date(2022, 10, 3), "14-17"),
    (date(2004, 10, 3), date(2022, 10, 3), "18-20"),
    (date(2004, 10, 4), date(2022, 10, 3), "14-17"),
    (date(1997, 10, 3), date(2022, 10, 3), "25-29"),
    (date(1962, 1, 1), date(2022, 10, 3), "60+"),
    (date(2010, 1, 1), date(2022, 10, 3), "under 14")])
def test_an_anonymised_detention_keeps_the_age_band_at_arrest(born, on, band):
    assert age_band(born, on) == band
