"""Ingest and export as a user runs them: `dtoa ingest ...` then `dtoa export detentions`."""

from __future__ import annotations

import csv
import json

import sqlalchemy as sa

from dtoa.ingest import ingest_file
from dtoa.models import AuditEvent, Detention, DrugTest, IngestBatch, RejectedRow
from dtoa.testing import detention_row, sample_row, write_csv


def exported(dtoa, tmp_path) -> dict[str, dict]:
    out = tmp_path / "export.csv"
    dtoa("export", "detentions", out)
    with out.open(encoding="utf-8") as handle:
        return {row["custody_ref"]: row for row in csv.DictReader(handle)}


def counts(engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {t.__tablename__: connection.execute(
            sa.select(sa.func.count()).select_from(t)).scalar_one()
            for t in (Detention, DrugTest, IngestBatch, RejectedRow, AuditEvent)}


def test_export_gives_eligibility_for_every_reason_and_edge(dtoa, tmp_path):
    rows = [
        detention_row(custody_ref="ELIGIBLE"),
        detention_row(custody_ref="NOT_LIVE", arrested_at="2022-09-30T23:30:00"),
        detention_row(custody_ref="UNDER_AGE", birth_date="2005-01-01"),
        detention_row(custody_ref="NO_TRIGGER", offence_codes="ASSAULT"),
        detention_row(custody_ref="NO_INSPECTOR", offence_codes="ASSAULT",
                      inspector_authorised="true"),
        detention_row(custody_ref="INSPECTOR", offence_codes="ASSAULT",
                      inspector_authorised="true", authorising_inspector="Insp 4021"),
        # born 29 February 2008: 18 on 1 March 2026 (a common year), not on 28 February
        detention_row(custody_ref="LEAP_28FEB", birth_date="2008-02-29",
                      arrested_at="2026-02-28T09:00:00"),
        detention_row(custody_ref="LEAP_1MAR", birth_date="2008-02-29",
                      arrested_at="2026-03-01T09:00:00"),
        # 23:30 UTC on 29 October 2022 is 00:30 BST on 30 October: the 18th birthday
        detention_row(custody_ref="DST_BIRTHDAY", birth_date="2004-10-30",
                      arrested_at="2022-10-29T23:30:00+00:00"),
        # 00:30 on 30 October 2022 local happens once (the clocks go back at 02:00)
        detention_row(custody_ref="DST_EVE", birth_date="2004-10-31",
                      arrested_at="2022-10-30T00:30:00"),
        detention_row(custody_ref="ALIAS", offence_codes="TWOC"),
        detention_row(custody_ref="MULTI", offence_codes="ASSAULT;CRIMINAL_DAMAGE;TH68024"),
    ]
    dtoa("ingest", "detentions", write_csv(tmp_path / "d.csv", rows))
    got = exported(dtoa, tmp_path)
    expect = {
        "ELIGIBLE": ("true", "true", ""),
        "NOT_LIVE": ("true", "false", "suite_not_live"),
        "UNDER_AGE": ("true", "false", "under_age"),
        "NO_TRIGGER": ("false", "false", "not_trigger_no_authority"),
        "NO_INSPECTOR": ("true", "true", ""),
        "INSPECTOR": ("true", "true", ""),
        "LEAP_28FEB": ("true", "false", "under_age"),
        "LEAP_1MAR": ("true", "true", ""),
        "DST_BIRTHDAY": ("true", "true", ""),
        "DST_EVE": ("true", "false", "under_age"),
        "ALIAS": ("true", "true", ""),
        "MULTI": ("true", "true", ""),
    }
    assert {ref: (r["in_scope"], r["eligible"], r["ineligible_reason"])
            for ref, r in got.items()} == expect
    assert {ref: r["flags"] for ref, r in got.items() if r["flags"]} == {
        "NO_INSPECTOR": "authority_unrecorded"}
    assert {r["condition"] for r in got.values()} == {""}  # no sample yet


def test_an_arrest_in_the_repeated_hour_when_the_clocks_go_back_is_kept_and_flagged(
        dtoa, tmp_path, engine):
    dtoa("ingest", "detentions", write_csv(tmp_path / "d.csv", [
        detention_row(custody_ref="AMBIGUOUS", arrested_at="2022-10-30T01:30:00"),
        detention_row(custody_ref="WITH_OFFSET", arrested_at="2022-10-30T01:30:00+00:00"),
        detention_row(custody_ref="GAP", arrested_at="2023-03-26T01:30:00")]))
    dtoa("ingest", "tests", write_csv(tmp_path / "t.csv", [
        sample_row(custody_ref="AMBIGUOUS", tested_at="2022-10-30T02:30:00")]))
    got = exported(dtoa, tmp_path)
    assert {ref: (r["eligible"], r["flags"]) for ref, r in got.items()} == {
        "AMBIGUOUS": ("true", "local_time_ambiguous"), "WITH_OFFSET": ("true", ""),
        "GAP": ("true", "local_time_ambiguous")}
    assert (got["AMBIGUOUS"]["test_outcome"], got["AMBIGUOUS"]["condition"]) == (
        "tested", "arrest")
    with engine.connect() as connection:
        arrested = dict(connection.execute(sa.select(Detention.custody_ref,
                                                     Detention.arrested_at)).all())
    # the first occurrence (fold=0): 01:30 BST, 00:30 UTC; the missing 01:30 is read as GMT
    assert arrested["AMBIGUOUS"].isoformat() == "2022-10-30T00:30:00+00:00"
    assert arrested["GAP"].isoformat() == "2023-03-26T01:30:00+00:00"


def test_test_outcomes_are_exported_with_results(dtoa, tmp_path):
    dtoa("ingest", "detentions", write_csv(tmp_path / "d.csv", [
        detention_row(custody_ref="A"), detention_row(custody_ref="B"),
        detention_row(custody_ref="C")]))
    dtoa("ingest", "tests", write_csv(tmp_path / "t.csv", [
        sample_row(custody_ref="A"),
        sample_row(custody_ref="B", outcome="refused", cocaine="", opiates=""),
        sample_row(custody_ref="C", outcome="not_tested", cocaine="", opiates="",
                   not_tested_reason="unfit")]))
    got = exported(dtoa, tmp_path)
    assert [(got[r]["test_outcome"], got[r]["cocaine"], got[r]["opiates"]) for r in "ABC"] == [
        ("tested", "positive", "negative"), ("refused", "", ""), ("not_tested", "", "")]


def test_ingesting_the_same_file_twice_leaves_the_database_unchanged(dtoa, tmp_path, engine):
    path = write_csv(tmp_path / "d.csv", [detention_row(custody_ref=f"R{i}") for i in range(5)]
                     + [detention_row(custody_ref="BAD", birth_date="yesterday")])
    dtoa("ingest", "detentions", path, ok=False)
    before = counts(engine)
    second = dtoa("ingest", "detentions", path, ok=False)
    assert "already taken in" in second.output
    assert counts(engine) == before
    # it ends as the first run did, and says why
    assert second.exit_code == 1
    assert "1 of its 6 rows were rejected then" in second.stderr


def test_an_overlapping_extract_changes_only_what_changed_and_audits_it(dtoa, tmp_path, engine):
    dtoa("ingest", "detentions", write_csv(tmp_path / "mon.csv", [
        detention_row(custody_ref="A"), detention_row(custody_ref="B")]))
    result = dtoa("ingest", "detentions", write_csv(tmp_path / "tue.csv", [
        detention_row(custody_ref="A"),
        detention_row(custody_ref="B", offence_codes="ASSAULT"),
        detention_row(custody_ref="C")]))
    assert "1 new, 1 updated, 1 unchanged, 0 rejected" in result.output
    with engine.connect() as connection:
        event = connection.execute(sa.select(AuditEvent)).one()
    changes = json.loads(event.changes)
    assert event.entity == "detention" and event.actor.startswith("batch:")
    assert changes["offence_codes"] == ["theft", "ASSAULT"]
    assert changes["eligible"] == [True, False]
    assert exported(dtoa, tmp_path)["B"]["ineligible_reason"] == "not_trigger_no_authority"


def test_malformed_rows_are_reported_kept_and_the_good_rows_go_in(dtoa, tmp_path, engine):
    detentions = write_csv(tmp_path / "d.csv", [
        detention_row(custody_ref="GOOD1"),
        detention_row(custody_ref="BADDATE", birth_date="1990-02-30"),
        detention_row(custody_ref="NOWHERE", suite="ATLANTIS"),
        detention_row(custody_ref=""),
        detention_row(custody_ref="CHILD", birth_date="2008-01-01"),
        detention_row(custody_ref="LATE", arrested_at="2099-03-26T01:30:00"),
        detention_row(custody_ref="GOOD2"),
    ])
    result = dtoa("ingest", "detentions", detentions, ok=False)
    assert result.exit_code == 1
    assert "line 3, column birth_date: expected a date as YYYY-MM-DD" in result.output
    assert "line 4, column suite: unknown custody suite" in result.output
    assert "line 5, column custody_ref: required" in result.output
    assert "line 7, column arrested_at: arrest time is in the future" in result.output
    tests = write_csv(tmp_path / "t.csv", [
        sample_row(custody_ref="GOOD1"),
        sample_row(custody_ref="GOOD2", outcome="refused"),          # result columns on a refusal
        sample_row(custody_ref="CHILD"),                             # ineligible: unlawful test
        sample_row(custody_ref="MISSING"),
        sample_row(custody_ref="GOOD1", tested_at="2022-10-03T15:06:00"),  # second, different
    ])
    result = dtoa("ingest", "tests", tests, ok=False)
    assert "line 3, column cocaine: no result can be recorded when the outcome is refused" in (
        result.output)
    assert "line 4, column outcome: unlawful test: the conditions for testing did not hold " \
           "when the sample was taken (under_age)" in result.output
    assert "line 5, column custody_ref: no detention BASINGSTOKE/MISSING" in result.output
    assert "line 6, column custody_ref: detention" not in result.output
    assert "line 6, column custody_ref: sample BASINGSTOKE/GOOD1 is already on line 2" in \
        result.output
    assert counts(engine)["detention"] == 3 and counts(engine)["drug_test"] == 1
    with engine.connect() as connection:
        kept = connection.execute(sa.select(RejectedRow.line, RejectedRow.column, RejectedRow.raw)
                                  .order_by(RejectedRow.id)).all()
    assert [(line, column) for line, column, _ in kept][:4] == [
        (3, "birth_date"), (4, "suite"), (5, "custody_ref"), (7, "arrested_at")]
    assert "1990-02-30" in kept[0].raw
    rejects = list(csv.DictReader((tmp_path / "t.rejects.csv").open(encoding="utf-8")))
    assert [r["line"] for r in rejects] == ["3", "4", "5", "6"]


def test_a_file_missing_a_required_column_is_refused_whole_with_one_message(dtoa, tmp_path,
                                                                            engine):
    rows = [detention_row(custody_ref="A"), detention_row(custody_ref="B")]
    path = write_csv(tmp_path / "d.csv", rows, columns=[c for c in rows[0] if c != "birth_date"])
    result = dtoa("ingest", "detentions", path, ok=False)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "Error: d.csv: refused: the header row has no birth_date column: the first line must "
        f"name the columns; nothing taken in (kept in {tmp_path / 'd.rejects.csv'})")
    assert counts(engine)["detention"] == 0 and counts(engine)["ingest_batch"] == 0
    rejects = list(csv.DictReader((tmp_path / "d.rejects.csv").open(encoding="utf-8")))
    assert [(r["line"], r["column"]) for r in rejects] == [("1", "birth_date")]


def test_ingest_logs_counts_but_never_personal_data(settings, clock, engine, tmp_path, capsys):
    from dtoa import log
    log.configure()
    path = write_csv(tmp_path / "d.csv", [
        detention_row(person_ref="PERSON-XYZ", birth_date="1977-07-07", home_area="Tadley"),
        detention_row(custody_ref="X2", person_ref="PERSON-XYZ", birth_date="1977-07-77")])
    ingest_file(engine, settings, clock, "detentions", path)
    logged = capsys.readouterr().err
    assert '"rows_inserted": 1' in logged and '"rows_rejected": 1' in logged
    for secret in ("PERSON-XYZ", "1977-07-07", "1977-07-77", "Tadley"):
        assert secret not in logged


def test_desk_entry_is_checked_like_an_extract_row(dtoa, tmp_path, engine):
    dtoa("ingest", "detentions", write_csv(tmp_path / "d.csv", [
        detention_row(custody_ref="A"), detention_row(custody_ref="KID", birth_date="2007-01-01")]))
    base = ("record-test", "--suite", "BASINGSTOKE", "--officer", "PC 99",
            "--tested-at", "2022-10-03T16:00:00")
    refused = dtoa(*base, "--custody-ref", "KID", "--outcome", "tested", "--result",
                   "cocaine=negative", "--result", "opiates=negative", ok=False)
    assert refused.exit_code == 1 and "unlawful test" in refused.output
    missing = dtoa(*base, "--custody-ref", "A", "--outcome", "tested", "--result",
                   "cocaine=positive", ok=False)
    assert "opiates: a tested sample needs positive or negative" in missing.output
    unknown = dtoa(*base, "--custody-ref", "A", "--outcome", "tested", "--result",
                   "cannabis=positive", ok=False)
    assert unknown.exit_code == 2 and "'cannabis' is not a drug on the configured test panel" \
        in unknown.output
    ok = dtoa(*base, "--custody-ref", "A", "--outcome", "tested", "--result", "cocaine=positive",
              "--result", "opiates=negative")
    assert "test recorded" in ok.output
    again = dtoa(*base, "--custody-ref", "A", "--outcome", "tested", "--result",
                 "cocaine=positive", "--result", "opiates=negative")
    assert "nothing changed" in again.output
    corrected = dtoa(*base, "--custody-ref", "A", "--outcome", "tested", "--result",
                     "cocaine=positive", "--result", "opiates=positive")
    assert "corrected" in corrected.output
    with engine.connect() as connection:
        assert connection.execute(sa.select(DrugTest.result)).scalar_one() == "positive"
        events = connection.execute(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.entity, e.action, e.actor) for e in events] == [
        ("drug_test", "created", "desk:PC 99"), ("drug_test", "updated", "desk:PC 99")]
    assert json.loads(events[1].changes)["results"] == [
        {"cocaine": True, "opiates": False}, {"cocaine": True, "opiates": True}]
