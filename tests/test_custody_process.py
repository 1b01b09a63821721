"""The custody process as the law runs it, through the CLI as custody staff and force data loads
use it (PACE 1984 s.63B: every condition judged when the sample is taken)."""

from __future__ import annotations

import csv

from dtoa.config import DEFAULT_CONFIG
from dtoa.testing import detention_row, sample_row, with_2026_act, write_csv


def exported(dtoa, tmp_path) -> dict[str, dict]:
    out = tmp_path / "export.csv"
    dtoa("export", "detentions", out)
    with out.open(encoding="utf-8") as handle:
        return {row["custody_ref"]: row for row in csv.DictReader(handle)}


def take_in(dtoa, tmp_path, kind: str, rows: list[dict], name: str, ok: bool = True):
    columns = list(dict.fromkeys(column for row in rows for column in row))
    return dtoa("ingest", kind, write_csv(tmp_path / f"{name}.csv", rows, columns), ok=ok)


def child_at_milton_keynes(**values: str) -> dict:
    return detention_row(suite="MILTON_KEYNES", custody_ref="MK/1", birth_date="2008-01-01",
                         arrested_at="2023-06-01T10:00:00", **values)


def test_a_15_year_old_tested_before_charge_is_under_age_and_the_test_is_refused(dtoa,
                                                                                   tmp_path):
    take_in(dtoa, tmp_path, "detentions", [child_at_milton_keynes()], "d")
    assert exported(dtoa, tmp_path)["MK/1"]["ineligible_reason"] == "under_age"
    refused = take_in(dtoa, tmp_path, "tests", [sample_row(
        suite="MILTON_KEYNES", custody_ref="MK/1", tested_at="2023-06-01T11:00:00",
        appropriate_adult="true")], "t", ok=False)
    assert refused.exit_code == 1
    assert "line 2, column outcome: unlawful test" in refused.output
    assert "(under_age)" in refused.output
    assert exported(dtoa, tmp_path)["MK/1"]["test_outcome"] == ""


def test_the_same_child_tested_after_charge_with_an_appropriate_adult_is_eligible(dtoa,
                                                                                 tmp_path):
    take_in(dtoa, tmp_path, "detentions",
            [child_at_milton_keynes(charged_at="2023-06-01T15:00:00")], "d")
    before_charge = take_in(dtoa, tmp_path, "tests", [sample_row(
        suite="MILTON_KEYNES", custody_ref="MK/1", tested_at="2023-06-01T14:59:00",
        appropriate_adult="true")], "t1", ok=False)
    assert "unlawful test" in before_charge.output
    no_adult = take_in(dtoa, tmp_path, "tests", [sample_row(
        suite="MILTON_KEYNES", custody_ref="MK/1", tested_at="2023-06-01T15:30:00")], "t2",
        ok=False)
    assert "column appropriate_adult" in no_adult.output
    take_in(dtoa, tmp_path, "tests", [sample_row(
        suite="MILTON_KEYNES", custody_ref="MK/1", tested_at="2023-06-01T15:30:00",
        appropriate_adult="true")], "t3")
    row = exported(dtoa, tmp_path)["MK/1"]
    assert (row["eligible"], row["condition"], row["test_outcome"], row["cocaine"]) == (
        "true", "charge", "tested", "positive")


def test_a_17_year_old_arrested_at_2330_who_is_18_at_a_0030_sample_is_tested_lawfully(
        dtoa, tmp_path):
    take_in(dtoa, tmp_path, "detentions", [detention_row(
        custody_ref="BIRTHDAY", birth_date="2004-10-04", arrested_at="2022-10-03T23:30:00")],
        "d")
    assert exported(dtoa, tmp_path)["BIRTHDAY"]["ineligible_reason"] == "under_age"
    take_in(dtoa, tmp_path, "tests", [sample_row(custody_ref="BIRTHDAY",
                                                 tested_at="2022-10-04T00:30:00")], "t")
    row = exported(dtoa, tmp_path)["BIRTHDAY"]
    assert (row["eligible"], row["ineligible_reason"], row["test_outcome"], row["condition"]) \
        == ("true", "", "tested", "arrest")


def test_a_sample_after_midnight_on_the_live_date_from_an_arrest_the_day_before_is_kept(
        dtoa, tmp_path):
    take_in(dtoa, tmp_path, "detentions", [detention_row(
        custody_ref="EVE", arrested_at="2022-09-30T23:30:00")], "d")
    assert exported(dtoa, tmp_path)["EVE"]["ineligible_reason"] == "suite_not_live"
    take_in(dtoa, tmp_path, "tests", [sample_row(custody_ref="EVE",
                                                 tested_at="2022-10-01T00:30:00")], "t")
    assert exported(dtoa, tmp_path)["EVE"]["eligible"] == "true"


def test_begging_after_its_repeal_and_attempted_fraud_before_august_2007_trigger_nothing(
        dtoa, tmp_path):
    take_in(dtoa, tmp_path, "detentions", [
        detention_row(custody_ref="BEG_JUNE", offence_codes="BEG",
                      arrested_at="2026-06-28T12:00:00"),
        detention_row(custody_ref="BEG_JULY", offence_codes="BEG",
                      arrested_at="2026-07-15T12:00:00"),
        detention_row(custody_ref="ATTEMPT_2007", offence_codes="attempt_fraud",
                      arrested_at="2007-03-01T12:00:00", birth_date="1980-01-01")], "d")
    got = exported(dtoa, tmp_path)
    assert (got["BEG_JUNE"]["in_scope"], got["BEG_JULY"]["in_scope"]) == ("true", "false")
    assert got["BEG_JULY"]["ineligible_reason"] == "not_trigger_no_authority"
    assert (got["ATTEMPT_2007"]["in_scope"], got["ATTEMPT_2007"]["ineligible_reason"]) == (
        "false", "not_trigger_no_authority")


def test_an_authority_without_the_inspector_named_is_eligible_listed_and_completed(
        dtoa, tmp_path, engine):
    take_in(dtoa, tmp_path, "detentions", [detention_row(
        custody_ref="AUTH", offence_codes="ASSAULT", inspector_authorised="true")], "d")
    row = exported(dtoa, tmp_path)["AUTH"]
    assert (row["in_scope"], row["eligible"], row["flags"]) == ("true", "true",
                                                                "authority_unrecorded")
    listed = dtoa("authorities", "list")
    assert "BASINGSTOKE\tAUTH\t2022-10-03 14:05" in listed.output
    refused = dtoa("authorities", "complete", "--suite", "BASINGSTOKE", "--custody-ref", "AUTH",
                   "--inspector", " ", "--by", "Sgt Lee", ok=False)
    assert refused.exit_code == 1 and "name the inspector" in refused.output
    dtoa("authorities", "complete", "--suite", "basingstoke", "--custody-ref", "AUTH",
         "--inspector", "Insp 4021 Hale", "--grounds", "suspected cocaine use", "--by",
         "Sgt Lee")
    assert "AUTH" not in dtoa("authorities", "list").output
    assert exported(dtoa, tmp_path)["AUTH"]["flags"] == ""
    import json

    import sqlalchemy as sa

    from dtoa.models import AuditEvent
    with engine.connect() as connection:
        event = connection.execute(sa.select(AuditEvent).where(
            AuditEvent.action == "authority_completed")).one()
    assert event.actor == "Sgt Lee"
    assert json.loads(event.changes)["authorising_inspector"] == [None, "Insp 4021 Hale"]


def test_an_arrest_at_0130_on_the_night_the_clocks_go_back_is_kept_and_flagged(dtoa, tmp_path):
    take_in(dtoa, tmp_path, "detentions", [detention_row(
        custody_ref="FOLD", arrested_at="2022-10-30T01:30:00")], "d")
    take_in(dtoa, tmp_path, "tests", [sample_row(custody_ref="FOLD",
                                                 tested_at="2022-10-30T01:45:00")], "t")
    row = exported(dtoa, tmp_path)["FOLD"]
    assert (row["eligible"], row["test_outcome"], row["flags"]) == (
        "true", "tested", "local_time_ambiguous")


def test_law_prints_what_is_in_force_on_a_date(dtoa):
    july = dtoa("law", "--on", "2026-07-15").output
    assert "begging" in july.split("Not trigger offences on that date:")[1]
    assert "Class A: every drug of the class (SI 2023/784" in july
    assert "MILTON_KEYNES (Thames Valley Police): arrest: from 2023-04-03; charge: from " \
           "2023-04-03; under 18s: from 2023-04-03" in july
    assert "a further sample (Crime and Policing Act 2026) is not in force" in july
    before = dtoa("law", "--on", "2023-08-01").output
    assert "Class A: cocaine, crack, heroin, diamorphine (Criminal Justice" in before


def test_once_a_force_switches_the_2026_act_on_cannabis_and_a_second_sample_count_from_then(
        dtoa, config_file, tmp_path):
    config_file.write_text(with_2026_act(config_file.read_text(encoding="utf-8"),
                                         "2026-01-01"), encoding="utf-8")
    assert DEFAULT_CONFIG.read_text(encoding="utf-8") != config_file.read_text()
    take_in(dtoa, tmp_path, "detentions", [
        detention_row(custody_ref="CANNABIS_2025", offence_codes="class_b_possession:cannabis",
                      arrested_at="2025-12-31T10:00:00"),
        detention_row(custody_ref="CANNABIS_2026", offence_codes="class_b_possession:cannabis",
                      arrested_at="2026-01-02T10:00:00"),
        detention_row(custody_ref="INSUFFICIENT_2025", arrested_at="2025-12-31T10:00:00"),
    ], "d")
    got = exported(dtoa, tmp_path)
    assert (got["CANNABIS_2025"]["in_scope"], got["CANNABIS_2026"]["in_scope"]) == (
        "false", "true")
    # before the date: no cannabis result, no further sample
    early = take_in(dtoa, tmp_path, "tests", [
        sample_row(custody_ref="INSUFFICIENT_2025", outcome="insufficient", cocaine="",
                   opiates="", tested_at="2025-12-31T11:00:00"),
        sample_row(custody_ref="INSUFFICIENT_2025", sample="2",
                   further_sample_reason="insufficient", tested_at="2025-12-31T11:30:00",
                   cannabis="negative")], "t1", ok=False)
    assert "line 3, column cannabis: cannabis is not on this force's test panel on " \
           "2025-12-31" in early.output
    without_cannabis = take_in(dtoa, tmp_path, "tests", [
        sample_row(custody_ref="INSUFFICIENT_2025", sample="2",
                   further_sample_reason="insufficient", tested_at="2025-12-31T11:30:00",
                   cocaine="negative", opiates="negative", cannabis="")], "t1b", ok=False)
    assert ("line 2, column sample: a further sample (Crime and Policing Act 2026) is "
            "allowed only from 2026-01-01") in without_cannabis.output
    assert exported(dtoa, tmp_path)["INSUFFICIENT_2025"]["test_outcome"] == "insufficient"
    take_in(dtoa, tmp_path, "tests", [
        sample_row(custody_ref="CANNABIS_2026", outcome="insufficient", cocaine="", opiates="",
                   tested_at="2026-01-02T11:00:00"),
        sample_row(custody_ref="CANNABIS_2026", sample="2", further_sample_reason="insufficient",
                   cocaine="negative", opiates="negative", cannabis="positive",
                   tested_at="2026-01-02T11:30:00")], "t2")
    third = take_in(dtoa, tmp_path, "tests", [
        sample_row(custody_ref="CANNABIS_2026", sample="3", further_sample_reason="unsuitable",
                   cocaine="negative", opiates="negative", cannabis="negative",
                   tested_at="2026-01-02T12:00:00")], "t3", ok=False)
    assert "column sample: at most 2 samples may be taken in one detention" in third.output
    row = exported(dtoa, tmp_path)["CANNABIS_2026"]
    assert (row["test_outcome"], row["cannabis"], row["cocaine"]) == (
        "tested", "positive", "negative")
    funnel = dtoa("report", "funnel", "--from", "2026-01-01", "--to", "2026-01-31",
                  "--format", "json").output
    assert '"positive_for_cannabis": 1' in funnel and '"tested": 1' in funnel
    # a cannabis-positive sample can be required to assessment, at the desk
    served = dtoa("require-assessment", "--suite", "BASINGSTOKE", "--custody-ref",
                  "CANNABIS_2026", "--officer", "PC 1", "--at", "2026-01-02T11:45").output
    assert "requirement served: BAS-2026-000001" in served


def test_a_positive_at_0030_summer_time_on_the_18th_birthday_awaits_a_requirement(dtoa,
                                                                                  tmp_path):
    """00:30 BST on 1 July is 23:30 UTC on 30 June: the person is 18 on the sample's local
    date, so the positive is one a requirement could follow (Drugs Act 2005 s.9(1)(b))."""
    take_in(dtoa, tmp_path, "detentions", [detention_row(
        custody_ref="SUMMER", birth_date="2005-07-01", arrested_at="2023-06-30T23:30:00")], "d")
    take_in(dtoa, tmp_path, "tests", [sample_row(custody_ref="SUMMER",
                                                 tested_at="2023-07-01T00:30:00")], "t")
    funnel = dtoa("report", "funnel", "--from", "2023-06-30", "--to", "2023-06-30",
                  "--format", "json").output
    assert '"positive_no_requirement": 1' in funnel
