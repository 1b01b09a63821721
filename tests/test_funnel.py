"""The funnel, stage by stage, on a hand-made week whose right answers are worked out here.

ISO week 2022-W43 runs Monday 24 to Sunday 30 October 2022; British Summer Time ends at 02:00
on Sunday 30 October, so the week is 169 hours long and an arrest near midnight UTC belongs to
the local date the custody record shows.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from dtoa.ingest import ingest_file
from dtoa.models import Appointment, Detention, DrugTest, ProsecutionCase, Referral
from dtoa.rules.funnel import COUNTS, KEYS, RATES
from dtoa.store import session_scope
from dtoa.store.funnel import funnel
from dtoa.testing import detention_row, sample_row, write_csv

MONDAY, SUNDAY = date(2022, 10, 24), date(2022, 10, 30)
NOW = datetime(2022, 12, 31, 12, tzinfo=UTC)


def _detention(ref: str, **values: str) -> dict:
    return detention_row(custody_ref=ref, person_ref=f"P-{ref}",
                         arrested_at=values.pop("arrested_at", "2022-10-25T10:00:00"), **values)


def _test(ref: str, outcome: str = "tested", cocaine: str = "", opiates: str = "",
          **values: str) -> dict:
    arrested = values.pop("tested_at", "2022-10-31T12:00:00+00:00")
    return sample_row(custody_ref=ref, outcome=outcome, cocaine=cocaine, opiates=opiates,
                      tested_at=arrested, **values)


NEGATIVE = {"cocaine": "negative", "opiates": "negative"}
COCAINE = {"cocaine": "positive", "opiates": "negative"}
OPIATES = {"cocaine": "negative", "opiates": "positive"}
BOTH = {"cocaine": "positive", "opiates": "positive"}
INSPECTOR = {"offence_codes": "ASSAULT", "inspector_authorised": "true",
             "authorising_inspector": "Insp 4021"}

DETENTIONS = [
    _detention("ATTENDED"),
    _detention("FAILED", offence_codes="burglary"),
    _detention("RESCHEDULED", **INSPECTOR),
    _detention("BOTH_ROUTES", **dict(INSPECTOR, offence_codes="theft")),
    _detention("REFUSED"),
    _detention("NO_SAMPLE"),
    _detention("NOT_TESTED"),
    _detention("NO_TEST_ROW"),
    _detention("CHILD", birth_date="2006-03-01"),
    _detention("NOT_IN_SCOPE", offence_codes="ASSAULT"),
    _detention("WITHDRAWN"),
    _detention("GOOD_CAUSE"),
    _detention("OVERDUE"),
    _detention("NO_CAPACITY"),
    _detention("NFA"),
    _detention("NO_REQUIREMENT"),
    _detention("UNSERVED"),
    # 23:30 UTC on Sunday 23 October is 00:30 BST on Monday 24 October: in the week
    _detention("MONDAY_0030_BST", arrested_at="2022-10-23T23:30:00+00:00"),
    # 22:30 UTC on Sunday 23 October is 23:30 BST on the Sunday: the week before
    _detention("SUNDAY_2330_BST", arrested_at="2022-10-23T22:30:00+00:00"),
    # 00:30 UTC on Sunday 30 October is 01:30 BST, before the clocks go back: in the week
    _detention("CLOCKS_GO_BACK", arrested_at="2022-10-30T00:30:00+00:00"),
    # after the change UTC is local time: 23:30 UTC on the Sunday is still the Sunday ...
    _detention("SUNDAY_2330_GMT", arrested_at="2022-10-30T23:30:00+00:00"),
    # ... and 00:30 UTC on Monday 31 October is the next week
    _detention("MONDAY_0030_GMT", arrested_at="2022-10-31T00:30:00+00:00"),
    _detention("MILTON_KEYNES", suite="MILTON_KEYNES"),
]

TESTS = [
    _test("ATTENDED", **COCAINE),
    _test("FAILED", **BOTH),
    _test("RESCHEDULED", **OPIATES),
    _test("BOTH_ROUTES", **NEGATIVE),
    _test("REFUSED", "refused"),
    _test("NO_SAMPLE", "failed_to_provide"),
    _test("NOT_TESTED", "not_tested", not_tested_reason="no_indication"),
    _test("WITHDRAWN", **COCAINE),
    _test("GOOD_CAUSE", **COCAINE),
    _test("OVERDUE", **COCAINE),
    _test("NO_CAPACITY", **COCAINE),
    _test("NFA", **BOTH),
    _test("NO_REQUIREMENT", **COCAINE),
    _test("UNSERVED", **COCAINE),
    _test("MONDAY_0030_BST", **NEGATIVE),
    _test("SUNDAY_2330_BST", **COCAINE),
    _test("CLOCKS_GO_BACK", **NEGATIVE),
    _test("SUNDAY_2330_GMT", **NEGATIVE),
    _test("MONDAY_0030_GMT", **COCAINE),
]


class Factory:
    """Referrals, appointments and prosecution cases as the desk, the referral and attendance
    steps leave them, written directly so the funnel can be checked on its own. A referral is a
    requirement served at the desk unless `served_at=None` (made by an earlier build)."""

    def __init__(self, session) -> None:
        self.session = session
        self.n = 0

    def referral(self, ref: str, state: str = "awaiting_assessment", **values) -> Referral:
        detention = self.session.exec(select(Detention).where(
            Detention.custody_ref == ref)).one()[0]
        test = self.session.exec(select(DrugTest).where(
            DrugTest.detention_id == detention.id)).one()[0]
        self.n += 1
        referral = Referral(reference=f"BAS-2022-{self.n:06d}", detention_id=detention.id,
                            drug_test_id=test.id, suite=detention.suite, provider="NHRS",
                            state=state, deadline_at=NOW, created_at=NOW, updated_at=NOW,
                            **{"served_at": NOW, "served_by": "PC 1234", **values})
        return self._add(referral)

    def appointment(self, referral: Referral, state: str, kind: str = "initial",
                    replaces: Appointment | None = None) -> Appointment:
        return self._add(Appointment(
            referral_id=referral.id, kind=kind, provider="NHRS", location="12 Church Street",
            scheduled_at=NOW - timedelta(days=30), state=state,
            replaces_id=replaces.id if replaces else None, created_at=NOW, updated_at=NOW))

    def case(self, appointment: Appointment, state: str) -> ProsecutionCase:
        return self._add(ProsecutionCase(
            referral_id=appointment.referral_id, appointment_id=appointment.id,
            offence="Drugs Act 2005 s.12(3)", failure_on=date(2022, 11, 1),
            time_limit_on=date(2023, 5, 1), warn_from=date(2023, 4, 3), state=state,
            opened_at=NOW, updated_at=NOW))

    def _add(self, row):  # noqa: ANN001, ANN202
        self.session.add(row)
        self.session.flush()
        return row


@pytest.fixture
def week(engine, settings, clock, tmp_path):
    for kind, rows in (("detentions", DETENTIONS), ("tests", TESTS)):
        summary = ingest_file(engine, settings, clock, kind, write_csv(tmp_path / kind, rows))
        assert summary.rows_rejected == 0, summary.errors
    with session_scope(engine) as session:
        make = Factory(session)
        attended = make.referral("ATTENDED", "attended")
        make.appointment(attended, "attended")
        # the follow-up (s.10) was missed and charged: prosecuted, yet attended the initial
        make.case(make.appointment(attended, "failed_to_attend", kind="follow_up"), "charged")
        failed = make.referral("FAILED", "failed_to_attend")
        make.case(make.appointment(failed, "failed_to_attend"), "summonsed")
        moved = make.referral("RESCHEDULED")
        make.appointment(moved, "booked", replaces=make.appointment(moved, "rescheduled"))
        make.appointment(make.referral("WITHDRAWN", "withdrawn"), "failed_to_attend")
        good = make.referral("GOOD_CAUSE", "failed_to_remain")
        make.case(make.appointment(good, "failed_to_remain"), "good_cause_accepted")
        make.appointment(make.referral("OVERDUE"), "outcome_overdue")
        make.referral("NO_CAPACITY", no_capacity=True)
        nfa = make.referral("NFA", "failed_to_attend")
        make.case(make.appointment(nfa, "failed_to_attend"), "no_further_action")
        make.appointment(make.referral("SUNDAY_2330_BST"), "failed_to_attend")
        # the nightly batch of an earlier build referred it and posted the notice: never served
        make.appointment(make.referral("UNSERVED", served_at=None, served_by=None), "booked")
    return engine


def test_every_funnel_key_for_one_suite_in_a_week_the_clocks_go_back(week, settings):
    got = funnel(week, settings, MONDAY, SUNDAY, "BASINGSTOKE")
    # 20 Basingstoke arrests fall on 24-30 October local time: every row above except the
    # Sunday 23:30 BST arrest, the Monday 00:30 GMT arrest and Milton Keynes.
    tested = ["ATTENDED", "FAILED", "RESCHEDULED", "BOTH_ROUTES", "WITHDRAWN", "GOOD_CAUSE",
              "OVERDUE", "NO_CAPACITY", "NFA", "NO_REQUIREMENT", "UNSERVED", "MONDAY_0030_BST",
              "CLOCKS_GO_BACK", "SUNDAY_2330_GMT"]
    referred = ["ATTENDED", "FAILED", "RESCHEDULED", "GOOD_CAUSE", "OVERDUE", "NO_CAPACITY",
                "NFA"]
    expected = {
        "detentions": 20,
        "in_scope": 19,                       # all but NOT_IN_SCOPE; the child counts
        "eligible": 18,                       # less the child
        "under_age": 1,
        "tested": len(tested),                # 14
        "tested_trigger": 13,                 # BOTH_ROUTES counts as trigger
        "tested_inspector_authorised": 1,     # RESCHEDULED
        "refused": 1,
        "failed_to_provide": 1,
        "not_tested": 2,                      # NOT_TESTED and NO_TEST_ROW
        "positive": 10,
        "positive_cocaine_only": 7,           # ATTENDED WITHDRAWN GOOD_CAUSE OVERDUE NO_CAPACITY
                                              # NO_REQUIREMENT UNSERVED
        "positive_opiates_only": 1,           # RESCHEDULED
        "positive_both": 2,                   # FAILED NFA
        "positive_for_cocaine": 9,            # with or without opiates
        "positive_for_opiates": 3,
        "referred": len(referred),            # 7: WITHDRAWN and UNSERVED are not counted
        "positive_no_requirement": 2,         # NO_REQUIREMENT and UNSERVED (never served);
                                              # WITHDRAWN was served, then withdrawn
        "attended": 1,
        "failed_to_attend": 2,                # FAILED and NFA; GOOD_CAUSE had good cause
        "awaiting": 2,                        # RESCHEDULED (its new booking) and NO_CAPACITY
        "outcome_overdue": 1,
        "prosecuted": 2,                      # FAILED (initial) and ATTENDED (follow-up)
        "reminded": 0,                        # nobody agreed to reminders
        "not_reminded": 7,
        "failed_to_attend_reminded": 0,
        "failed_to_attend_unreminded": 2,
        "test_rate": round(14 / 19, 4),
        "eligible_test_rate": round(14 / 18, 4),
        "positivity": round(10 / 14, 4),
        "fta_rate": round(2 / 7, 4),
        "fta_rate_reminded": None,
        "fta_rate_not_reminded": round(2 / 7, 4),
    }
    assert list(got) == [*COUNTS, "positive_for_cocaine", "positive_for_opiates", *RATES]
    assert got == expected
    assert got["eligible"] == (got["tested"] + got["refused"] + got["failed_to_provide"]
                               + got["not_tested"])


def test_all_suites_add_milton_keynes_not_live_in_2022(week, settings):
    got = funnel(week, settings, MONDAY, SUNDAY)
    assert (got["detentions"], got["in_scope"], got["eligible"], got["under_age"]) == (
        21, 20, 18, 1)
    assert got["test_rate"] == round(14 / 20, 4)


def test_an_arrest_counts_on_its_local_date(week, settings):
    def day(d: date) -> int:
        return funnel(week, settings, d, d, "BASINGSTOKE")["detentions"]

    assert day(date(2022, 10, 23)) == 1   # SUNDAY_2330_BST (22:30 UTC)
    assert day(date(2022, 10, 24)) == 1   # MONDAY_0030_BST (23:30 UTC the day before)
    assert day(date(2022, 10, 30)) == 2   # CLOCKS_GO_BACK and SUNDAY_2330_GMT
    assert day(date(2022, 10, 31)) == 1   # MONDAY_0030_GMT


def test_rates_are_null_when_nothing_to_divide_by(week, settings):
    got = funnel(week, settings, date(2022, 1, 1), date(2022, 1, 7), "BASINGSTOKE")
    assert all(got[k] == 0 for k in KEYS[:-len(RATES)])
    assert [got[k] for k in RATES] == [None] * len(RATES)


def test_unknown_suite_and_backwards_period_are_refused(engine, settings):
    with pytest.raises(ValueError, match="unknown custody suite"):
        funnel(engine, settings, MONDAY, SUNDAY, "NOWHERE")
    with pytest.raises(ValueError, match="after it ends"):
        funnel(engine, settings, SUNDAY, MONDAY)


def test_cli_prints_the_funnel_as_json_csv_and_table(week, settings, dtoa):
    args = ("report", "funnel", "--from", "2022-10-24", "--to", "2022-10-30",
            "--suite", "basingstoke")
    as_json = json.loads(dtoa(*args, "--format", "json").stdout)
    assert as_json == {"suite": "BASINGSTOKE", "from": "2022-10-24", "to": "2022-10-30",
                       **funnel(week, settings, MONDAY, SUNDAY, "BASINGSTOKE")}
    header, values = dtoa(*args, "--format", "csv").stdout.strip().splitlines()
    as_csv = dict(zip(header.split(","), values.split(","), strict=True))
    assert as_csv["referred"] == "7"
    assert (as_csv["suite"], as_csv["from"], as_csv["to"]) == (
        "BASINGSTOKE", "2022-10-24", "2022-10-30")
    table = dtoa(*args, "--format", "table").stdout
    width = max(map(len, KEYS)) + 2
    assert table.splitlines()[:2] == [
        "suite".ljust(width) + "BASINGSTOKE",
        "period".ljust(width) + "arrests 2022-10-24 to 2022-10-30 (Europe/London)"]
    assert "test_rate".ljust(width) + "0.7368 (74%)" in table
    assert "failed_to_attend".ljust(width) + "2" in table


def test_cli_publish_hides_small_counts(week, dtoa):
    got = json.loads(dtoa("report", "funnel", "--from", "2022-10-24", "--to", "2022-10-30",
                          "--format", "json", "--publish").stdout)
    assert got["suite"] == "ALL"  # every suite
    assert got["referred"] == 7 and got["failed_to_attend"] is None and got["fta_rate"] is None
    # 18 eligible = 14 tested + 1 refused + 1 failed to provide + 2 not tested: the three small
    # ones are hidden, and with 14 shown they would add up to 4, pinning each to 1 or 2; so
    # tested is hidden too (their sum must not be small either)
    assert got["tested"] is None and got["in_scope"] == 20


def test_cli_refuses_an_unknown_suite(engine, dtoa):
    result = dtoa("report", "funnel", "--from", "2022-10-24", "--to", "2022-10-30",
                  "--suite", "NOWHERE", ok=False)
    assert result.exit_code == 2 and "unknown custody suite" in result.output


def test_every_figure_of_a_funnel_says_in_words_what_it_counts(week, settings):
    from dtoa.rules.funnel import definition

    got = funnel(week, settings, MONDAY, SUNDAY)
    words = {key: definition(key) for key in got}
    assert words["positive_for_cocaine"] == "tested positive for cocaine, with or without " \
                                            "other drugs"
    assert words["fta_rate"] == "failed to attend as a share of referred"
    assert words["in_scope"] == COUNTS["in_scope"]
    assert all(words.values())
    with pytest.raises(KeyError):
        definition("not_a_figure")
