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


def test_a_suite_notified_earlier_makes_its_earlier_arrests_eligible(settings, engine, clock,
                                                                      tmp_path, db_url):
    ingest_file(engine, settings, clock, "detentions", write_csv(tmp_path / "d.csv", [
        detention_row(custody_ref="SEPT", arrested_at="2022-09-20T10:00:00"),
        detention_row(custody_ref="OCT", arrested_at="2022-10-20T10:00:00")]))
    assert eligibility(engine, settings, clock) == {"checked": 0, "changed": 0}

    suites = [s.model_dump() for s in settings.suites]
    suites[0]["live_from"] = date(2022, 9, 1)
    earlier = load_settings(DEFAULT_CONFIG, base_dir=tmp_path, database={"url": db_url},
                            suites=suites)
    assert eligibility(engine, earlier, clock) == {"checked": 2, "changed": 1}
    assert eligibility(engine, earlier, clock) == {"checked": 0, "changed": 0}
    with engine.connect() as connection:
        assert connection.execute(sa.select(Detention.eligible).where(
            Detention.custody_ref == "SEPT")).scalar_one() is True
        event = connection.execute(sa.select(AuditEvent)).one()
    assert event.actor == "pipeline:eligibility"
    assert json.loads(event.changes)["ineligible_reason"] == ["suite_not_live", None]
