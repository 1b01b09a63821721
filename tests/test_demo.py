"""`dtoa demo` reproduces the Basingstoke pilot's published funnel through the real pipeline,
with every requirement served at the custody desk.

Slow (a quarter of nightly runs with real letters and reports, about two minutes), and part of
`make test`: it is the product's main job.
"""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from dtoa.cli import cli
from dtoa.config import load_settings
from dtoa.synthetic import generate, pilot_plan

PILOT = {"in_scope": 335, "tested": 261, "tested_trigger": 178, "referred": 157,
         "failed_to_attend": 30, "prosecuted": 26}


@pytest.mark.slow
def test_demo_prints_the_pilot_funnel_and_leaves_letters_and_a_report(tmp_path, monkeypatch):
    monkeypatch.delenv("DTOA_DATABASE_URL", raising=False)
    result = CliRunner().invoke(cli, ["demo", "--dir", str(tmp_path / "demo")],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    printed = dict(line.split(None, 1) for line in result.output.splitlines()
                   if line.split() and line.split()[0] in PILOT)
    assert {k: int(v) for k, v in printed.items()} == PILOT
    assert "test_rate                    0.7791 (78%)" in result.output
    assert "fta_rate                     0.1911 (19%)" in result.output
    outbox = tmp_path / "demo" / "outbox"
    letters = sorted(outbox.rglob("*-referral.pdf"))
    assert len(letters) >= PILOT["referred"]
    # every requirement was served at the desk with its notice; none went to a provider
    notices = sorted(outbox.glob("BASINGSTOKE/notices/*/*-notice.pdf"))
    assert len(notices) == PILOT["referred"]
    assert not [p for p in outbox.rglob("*notice*.pdf") if "notices" not in p.parts]
    assert "positive_no_requirement      0" in result.output
    report = next(line.split(": ", 1)[1].strip() for line in result.output.splitlines()
                  if line.startswith("Weekly report:"))
    text = " ".join(page.extract_text() for page in PdfReader(report).pages)
    assert "were in scope for testing" in " ".join(text.split())

    check_evidence(result.output, tmp_path / "demo")


def _csv(path: Path, *key: str) -> dict:
    with path.open(encoding="utf-8") as handle:
        return {tuple(r[k] for k in key): r["value"] for r in csv.DictReader(handle)}


def check_evidence(output: str, folder: Path) -> None:
    """The Home Office return and the evaluation report the demo wrote agree with the records
    the synthetic generator made (counted here from the records, not from the database)."""
    paths = {line.split(":", 1)[0].strip(): Path(line.split(":", 1)[1].strip())
             for line in output.splitlines()
             if line.startswith(("Home Office:", "Evaluation:", "  published:"))}
    settings = load_settings(folder / "config.toml")
    in_custody = {s.code: [x for p in settings.providers for x in p.custody_sessions(s.code)]
                  for s in settings.suites}
    records = list(generate(pilot_plan(), custody_sessions=in_custody))
    london = ZoneInfo("Europe/London")
    tested = [r for r in records if r.test and r.test["outcome"] == "tested" and date(
        2022, 10, 1) <= datetime.fromisoformat(r.test["tested_at"]).astimezone(london).date()
        <= date(2022, 12, 31)]
    positive = [r for r in tested if r.setting]
    returned = _csv(paths["Home Office"].with_suffix(".csv"), "suite", "measure")
    assert returned[("BASINGSTOKE", "tests")] == str(len(tested))
    assert returned[("BASINGSTOKE", "positive")] == str(len(positive))
    assert returned[("BASINGSTOKE", "referred")] == str(len(positive))
    assert returned[("BASINGSTOKE", "not_stated")] == "0"
    evaluation = _csv(paths["Evaluation"].with_suffix(".csv"), "section", "group", "measure")
    for setting in ("custody", "community"):
        mine = [r for r in positive if r.setting == setting]
        failed = [r for r in mine if r.behaviour.initial in ("failed_to_attend",
                                                             "failed_to_remain")
                  and r.behaviour.decision != "good_cause_accepted"]
        assert evaluation[("fta_by_setting", setting, "referred")] == str(len(mine))
        assert evaluation[("fta_by_setting", setting, "failed")] == str(len(failed))
    assert int(evaluation[("fta_by_setting", "custody", "referred")]) >= 40
    people = Counter(r.detention["person_ref"] for r in tested)
    assert evaluation[("repeat_testers", "BASINGSTOKE", "people")] == str(len(people))
    assert evaluation[("repeat_testers", "BASINGSTOKE", "repeat")] == str(
        sum(n >= 2 for n in people.values()))
    assert int(evaluation[("repeat_testers", "BASINGSTOKE", "repeat")]) >= 10
    text = " ".join(" ".join(p.extract_text().split())
                    for p in PdfReader(paths["Evaluation"]).pages)
    assert "nobody was randomised to a setting" in text
    published = _csv(paths["published"].with_suffix(".csv"), "section", "group", "measure")
    assert published[("fta_by_setting", "ALL", "failed")] == "30"
    assert published[("fta_difference", "custody_minus_community", "estimate")] != ""
