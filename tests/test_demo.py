"""`dtoa demo` reproduces the Basingstoke pilot's published funnel through the real pipeline,
with every requirement served at the custody desk.

Slow (a quarter of nightly runs with real letters and reports, about two minutes), and part of
`make test`: it is the product's main job.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from dtoa.cli import cli

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
    assert "were eligible to be tested" in " ".join(text.split())
