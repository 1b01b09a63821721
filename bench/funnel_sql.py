"""The weekly funnel's detention and test figures computed by one hand-written SQL query: the
yardstick the library's funnel (issue 5) is checked and timed against. Arrest dates are
Europe/London local dates already (the `arrest_date` column), so the range is a plain date range
and the (arrest_date, suite) index serves it. A detention's result is its current sample (a
further sample supersedes the first); the drug breakdown reads each sample's per-drug rows."""

from __future__ import annotations

from datetime import date

from sqlalchemy import text
from sqlalchemy.engine import Engine

QUERY = """
SELECT
  count(*) AS detentions,
  sum(CASE WHEN d.in_scope THEN 1 ELSE 0 END) AS in_scope,
  sum(CASE WHEN d.eligible THEN 1 ELSE 0 END) AS eligible,
  sum(CASE WHEN d.in_scope AND d.under_age THEN 1 ELSE 0 END) AS under_age,
  sum(CASE WHEN t.outcome = 'tested' THEN 1 ELSE 0 END) AS tested,
  sum(CASE WHEN t.outcome = 'tested' AND d.route = 'trigger' THEN 1 ELSE 0 END)
    AS tested_trigger,
  sum(CASE WHEN t.outcome = 'tested' AND d.route = 'inspector' THEN 1 ELSE 0 END)
    AS tested_inspector_authorised,
  sum(CASE WHEN t.outcome = 'refused' THEN 1 ELSE 0 END) AS refused,
  sum(CASE WHEN t.outcome = 'failed_to_provide' THEN 1 ELSE 0 END) AS failed_to_provide,
  sum(CASE WHEN d.eligible AND (t.id IS NULL OR t.outcome = 'not_tested') THEN 1 ELSE 0 END)
    AS not_tested,
  sum(CASE WHEN t.result = 'positive' THEN 1 ELSE 0 END) AS positive,
  sum(CASE WHEN t.result = 'positive' AND c.positive AND NOT coalesce(o.positive, false)
      THEN 1 ELSE 0 END) AS positive_cocaine_only,
  sum(CASE WHEN t.result = 'positive' AND o.positive AND NOT coalesce(c.positive, false)
      THEN 1 ELSE 0 END) AS positive_opiates_only,
  sum(CASE WHEN t.result = 'positive' AND c.positive AND o.positive THEN 1 ELSE 0 END)
    AS positive_both,
  sum(CASE WHEN r.served_at IS NOT NULL AND r.state <> 'withdrawn' THEN 1 ELSE 0 END)
    AS referred
FROM detention d
LEFT JOIN drug_test t ON t.detention_id = d.id AND NOT t.superseded
LEFT JOIN sample_result c ON c.drug_test_id = t.id AND c.drug = 'cocaine'
LEFT JOIN sample_result o ON o.drug_test_id = t.id AND o.drug = 'opiates'
LEFT JOIN referral r ON r.detention_id = d.id
WHERE d.arrest_date BETWEEN :start AND :end
"""


def hand_written_funnel(engine: Engine, start: date, end: date, suite: str | None) -> dict:
    """Counts for arrests from `start` to `end` inclusive, for one suite or all."""
    with engine.connect() as connection:
        query = QUERY + (" AND d.suite = :suite" if suite else "")
        row = connection.execute(text(query), {"start": start, "end": end, "suite": suite}
                                 ).mappings().one()
    return {key: int(value or 0) for key, value in row.items()}
