"""The bulk ingest path gives each row the answer the rules give it alone, and a key repeated
across chunks of one file is caught like one repeated within a chunk."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from dtoa.ingest import ingest_file
from dtoa.ingest.batch import CHUNK
from dtoa.models import Detention, DetentionOffence
from dtoa.rules.detention import CustodyRecord, judge_without_sample
from dtoa.testing import detention_row, write_csv


def test_rows_sharing_codes_and_date_are_each_judged_on_their_own_facts(settings, clock, engine,
                                                                        tmp_path):
    variants = [
        {"birth_date": "1990-05-17"},
        {"birth_date": "2005-01-01"},
        {"offence_codes": "ASSAULT", "inspector_authorised": "true"},
        {"offence_codes": "ASSAULT", "inspector_authorised": "true",
         "authorising_inspector": "Insp 1"},
        {"offence_codes": "ASSAULT;theft", "birth_date": "2004-10-03"},
        {"offence_codes": "ASSAULT;theft", "birth_date": "2004-10-04"},
        {"suite": "MILTON_KEYNES"},
        {"suite": "MILTON_KEYNES", "arrested_at": "2023-05-02T10:00:00",
         "birth_date": "2008-01-01"},
        {"suite": "MILTON_KEYNES", "arrested_at": "2023-05-02T10:00:00",
         "charged_at": "2023-05-02T14:00:00", "birth_date": "2008-01-01"},
        {"arrested_at": "2023-05-02T10:00:00", "charged_at": "2023-05-02T14:00:00",
         "birth_date": "2008-01-01"},
    ]
    rows = [detention_row(custody_ref=f"R{n}", **variants[n % len(variants)]) for n in range(50)]
    clock.set(datetime(2024, 1, 1, tzinfo=UTC))
    summary = ingest_file(engine, settings, clock, "detentions", write_csv(tmp_path / "d.csv",
                                                                          rows))
    assert summary.rows_inserted == 50
    with engine.connect() as connection:
        stored = {d.custody_ref: d for d in connection.execute(sa.select(Detention))}
    for row in rows:
        d = stored[row["custody_ref"]]
        expected = judge_without_sample(settings, CustodyRecord(
            settings.suites_by_code[d.suite], d.birth_date, d.arrested_at, d.charged_at,
            row["offence_codes"], d.inspector_authorised, d.authorising_inspector)).eligibility
        assert (d.in_scope, d.eligible, d.ineligible_reason, d.route, d.trigger_offence) == (
            expected.in_scope, expected.eligible, expected.reason, expected.route,
            expected.trigger_offence), row


def test_a_repeat_in_a_later_chunk_is_refused_or_ignored_like_any_repeat(settings, clock, engine,
                                                                         tmp_path):
    rows = [detention_row(custody_ref=f"C{n}") for n in range(CHUNK + 1)]
    rows.append(detention_row(custody_ref="C0", offence_codes="ASSAULT"))  # differs from line 2
    rows.append(detention_row(custody_ref="C1"))  # identical to line 3: harmless
    summary = ingest_file(engine, settings, clock, "detentions", write_csv(tmp_path / "d.csv",
                                                                          rows))
    assert summary.rows_inserted == CHUNK + 1 and summary.rows_updated == 0
    assert [(e.line, e.column) for e in summary.errors] == [(CHUNK + 3, "custody_ref")]
    assert "is already on line 2 of this file with different values" in summary.errors[0].reason
    with engine.connect() as connection:
        offences = connection.execute(sa.select(sa.func.count()).select_from(DetentionOffence)
                                      ).scalar()
        linked = connection.execute(
            sa.select(sa.func.count()).select_from(DetentionOffence)
            .join(Detention, Detention.id == DetentionOffence.detention_id)
            .where(Detention.offence_codes == DetentionOffence.code)).scalar()
    assert offences == linked == CHUNK + 1
