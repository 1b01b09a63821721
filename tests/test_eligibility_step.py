"""The eligibility step re-judges stored detentions when the law's settings change."""

from __future__ import annotations

import json
from datetime import date

import sqlalchemy as sa

from dtoa.config import DEFAULT_CONFIG, load_settings
from dtoa.ingest import ingest_file
from dtoa.models import AuditEvent, Detention
from dtoa.pipelines.eligibility import eligibility
from dtoa.testing import detention_row, write_csv

NOTHING = {"checked": 0, "changed": 0, "samples_changed": 0}


def test_a_suite_notified_earlier_makes_its_earlier_arrests_eligible(settings, engine, clock,
                                                                      tmp_path, db_url):
    ingest_file(engine, settings, clock, "detentions", write_csv(tmp_path / "d.csv", [
        detention_row(custody_ref="SEPT", arrested_at="2022-09-20T10:00:00"),
        detention_row(custody_ref="OCT", arrested_at="2022-10-20T10:00:00")]))
    assert eligibility(engine, settings, clock) == NOTHING

    suites = [s.model_dump() for s in settings.suites]
    for notification in suites[0]["notifications"]:
        notification["from_"] = date(2022, 9, 1)
    earlier = load_settings(DEFAULT_CONFIG, base_dir=tmp_path, database={"url": db_url},
                            suites=suites)
    assert eligibility(engine, earlier, clock) == {"checked": 2, "changed": 1,
                                                   "samples_changed": 0}
    assert eligibility(engine, earlier, clock) == NOTHING
    with engine.connect() as connection:
        assert connection.execute(sa.select(Detention.eligible).where(
            Detention.custody_ref == "SEPT")).scalar_one() is True
        event = connection.execute(sa.select(AuditEvent)).one()
    assert event.actor == "pipeline:eligibility"
    assert json.loads(event.changes)["ineligible_reason"] == ["suite_not_live", None]


def test_specifying_a_drug_makes_its_stored_positives_grounds_for_assessment(settings, engine,
                                                                            clock, tmp_path):
    """A force adds cannabis to the panel before its regulations are in force: a cannabis
    positive is recorded but supports no requirement until cannabis is specified."""
    from dtoa.models import DrugTest
    from dtoa.testing import sample_row, settings_from_text, with_2026_act

    text = with_2026_act(DEFAULT_CONFIG.read_text(encoding="utf-8"), "2022-10-01")
    on_panel_only = settings_from_text(text.replace(
        'drugs = ["cannabis"]\nfrom = 2022-10-01', 'drugs = ["cannabis"]\nfrom = 2030-01-01'),
        base_dir=tmp_path, database={"url": settings.database_url})
    ingest_file(engine, on_panel_only, clock, "detentions", write_csv(tmp_path / "d.csv", [
        detention_row(custody_ref="C1")]))
    ingest_file(engine, on_panel_only, clock, "tests", write_csv(tmp_path / "t.csv", [
        sample_row(custody_ref="C1", cocaine="negative", cannabis="positive")]))
    with engine.connect() as connection:
        assert connection.execute(sa.select(DrugTest.result, DrugTest.positive_specified)
                                  ).one() == ("positive", False)
    specified = settings_from_text(text, base_dir=tmp_path,
                                   database={"url": settings.database_url})
    assert eligibility(engine, specified, clock)["samples_changed"] == 1
    with engine.connect() as connection:
        assert connection.execute(sa.select(DrugTest.positive_specified)).scalar_one() is True
