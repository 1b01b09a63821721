"""`dtoa audit show` prints the trail of a detention's file oldest first (who, what,
old -> new), and a change made by hand carries the reason given on the command line or in a
web form."""

from __future__ import annotations

import json
import re
from datetime import datetime

import pytest
from privacy_scenario import Desk, london
from sqlmodel import Session, select

from dtoa.accounts import add_user
from dtoa.clock import FixedClock
from dtoa.models import AuditEvent
from dtoa.runtime import Runtime
from dtoa.store import session_scope
from dtoa.web import create_app
from dtoa.web.testing import form_token, signed_in

STAMP = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) (BST|GMT)  ")


@pytest.fixture
def clock(monkeypatch):
    clock = FixedClock(london(2022, 10, 1, 9, 0))
    monkeypatch.setattr("dtoa.runtime.SystemClock", lambda: clock)
    return clock


@pytest.fixture
def desk(dtoa, clock, engine, tmp_path):
    return Desk(dtoa, clock, engine, tmp_path)


@pytest.fixture
def charged(desk):
    """A requirement served, not attended, the case charged with a reason."""
    reference = desk.positive_served("P0001", "BAS/22/X0001", london(2022, 10, 3, 14, 5))
    desk.letters()
    desk.failed_with_case(reference)
    desk.decide(reference, "charged", "failure admitted in interview")
    return reference


def test_the_trail_of_a_requirement_is_in_time_order_with_old_new_and_reasons(dtoa, charged):
    out = dtoa("audit", "show", "--reference", charged).output
    lines = out.splitlines()
    assert lines[0] == (f"Audit trail of detention BAS/22/X0001 at BASINGSTOKE (requirement "
                        f"{charged}): {sum(1 for x in lines if STAMP.match(x))} events, "
                        "oldest first")
    stamps = [STAMP.match(x).group(1) for x in lines if STAMP.match(x)]
    assert stamps == sorted(stamps) and len(stamps) >= 7
    heads = [x.split("  ", 1)[1] for x in lines if STAMP.match(x)]
    for expected in ("desk:PC 1234  drug_test", "desk:PC 1234  referral",
                     "desk:PC 1234  appointment", "pipeline:letters  letter",
                     "NHRS  appointment", "pipeline:sweep  prosecution_case",
                     "DS Clarke  prosecution_case"):
        assert any(h.startswith(expected) for h in heads), expected
    decided = out[out.index("DS Clarke  prosecution_case"):]
    assert "    state: open -> charged" in decided
    assert "    decided_by: (none) -> DS Clarke" in decided
    assert "    reason given: failure admitted in interview" in decided
    # the same trail by custody reference
    by_custody = dtoa("audit", "show", "--custody-ref", "BAS/22/X0001", "--suite",
                      "basingstoke").output
    assert by_custody == out


def test_the_trail_says_what_to_give_when_it_cannot_tell_which_record(dtoa, desk, charged):
    desk.arrest("P0002", "BAS/22/X0001", london(2023, 5, 2, 10, 0), suite="MILTON_KEYNES")
    both = dtoa("audit", "show", "--custody-ref", "BAS/22/X0001", ok=False)
    assert both.exit_code == 1
    assert "is used at BASINGSTOKE, MILTON_KEYNES: give --suite" in both.output
    assert "no referral BAS-2099-000001" in dtoa("audit", "show", "--reference",
                                                 "BAS-2099-000001", ok=False).output
    neither = dtoa("audit", "show", ok=False)
    assert neither.exit_code == 2 and "give --reference or --custody-ref" in neither.output


def test_reasons_given_on_the_command_line_are_kept_with_the_change(dtoa, desk, engine):
    reference = desk.positive_served("P0003", "BAS/22/X0003", london(2022, 10, 3, 14, 5))
    desk.report(reference, "attended", "assessor confirmed by phone")
    with Session(engine) as session:
        events = session.exec(select(AuditEvent).where(
            AuditEvent.actor == "NHRS")).all()
    assert events and {e.reason for e in events} == {"assessor confirmed by phone"}
    with Session(engine) as session:  # changes made with no reason carry none
        served = session.exec(select(AuditEvent).where(AuditEvent.action == "served")).one()
    assert served.reason is None


def test_a_reason_typed_in_a_web_form_is_kept_with_the_change(
        dtoa, desk, charged, settings, engine, clock):
    # a second failure case, open, for the inspector to decide on the web
    reference = desk.positive_served("P0004", "BAS/22/X0004", london(2022, 10, 10, 14, 5))
    desk.failed_with_case(reference)
    clock.set(london(2023, 3, 20, 9, 0))  # inside the case's warning window
    with session_scope(engine) as session:
        add_user(session, settings, clock, username="insp1", password="a long enough password",
                 role="inspector", actor="test")
    client = signed_in(create_app(Runtime(settings, clock)), "insp1", "a long enough password")
    page = client.get("/inspector/prosecutions")
    assert reference in page.text and 'name="reason"' in page.text
    response = client.post(f"/inspector/prosecutions/{reference}/decision", data={
        "decision": "summonsed", "reason": "did not answer two letters",
        "csrf_token": form_token(page.text)})
    assert response.status_code == 303
    trail = dtoa("audit", "show", "--reference", reference).output
    decided = trail[trail.index("insp1  prosecution_case"):]
    assert "state: open -> summonsed" in decided
    assert "reason given: did not answer two letters" in decided
    with Session(engine) as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.actor == "insp1",
                                                      AuditEvent.action == "decided")).one()
    assert json.loads(event.changes)["state"] == ["open", "summonsed"]
    assert isinstance(event.at, datetime)
