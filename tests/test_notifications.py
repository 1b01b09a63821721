"""Emails to providers and reminders to people, against a real local SMTP server and a local
server answering as GOV.UK Notify's API, on SQLite and PostgreSQL, through the CLI as the desk
and the provider type it: one message per event, no personal data in any email, reminders
only to a person who agreed, retries with back-off, contact details gone when the referral
closes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlmodel import Session

from dtoa.clock import FixedClock
from dtoa.models import AuditEvent, Message, PersonContact, Referral
from dtoa.notify.testing import (
    TEMPLATES,
    free_port,
)
from dtoa.referrals import withdraw
from dtoa.store import make_engine, session_scope
from dtoa.testing import detention_row, write_csv

LONDON = ZoneInfo("Europe/London")
PERSONAL = ("Alice", "Example", "1990-05-17", "17 May 1990", "17/05/1990", "PERSON-0001",
            "positive", "negative", "cocaine", "opiates", "07700")


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON).astimezone(UTC)


@pytest.fixture(autouse=True)
def cli_clock(monkeypatch):
    """Monday 3 October 2022 at 15:20, a quarter of an hour after the sample."""
    clock = FixedClock(london(2022, 10, 3, 15, 20))
    monkeypatch.setattr("dtoa.runtime.SystemClock", lambda: clock)
    return clock


@pytest.fixture
def positives(dtoa, tmp_path, servers):
    """Two people positive for cocaine at Basingstoke on Monday 3 October 2022."""
    rows = [detention_row(person_name="Alice Example", person_ref="PERSON-0001"),
            detention_row(custody_ref="BAS/22/0002", person_ref="PERSON-0002")]
    dtoa("ingest", "detentions", write_csv(tmp_path / "d.csv", rows))
    for ref in ("BAS/22/0001", "BAS/22/0002"):
        dtoa("record-test", "--suite", "BASINGSTOKE", "--custody-ref", ref, "--outcome",
             "tested", "--result", "cocaine=positive", "--result", "opiates=negative",
             "--tested-at", "2022-10-03T15:05", "--officer", "PC 1234")
    return servers


def serve(dtoa, custody_ref: str, *extra: str):  # noqa: ANN001, ANN201
    return dtoa("require-assessment", "--suite", "BASINGSTOKE", "--custody-ref", custody_ref,
                "--officer", "PC 1234", *extra)


def bodies(mailbox) -> list[str]:  # noqa: ANN001
    return [m["Subject"] + "\n" + m.get_content() for m in mailbox.messages]


def test_the_provider_is_emailed_at_the_desk_once_with_no_personal_data(dtoa, positives):
    mailbox, _ = positives
    serve(dtoa, "BAS/22/0001")
    assert len(mailbox.messages) == 1  # at once, from the desk
    email = mailbox.messages[0]
    assert email["To"] == "referrals@nhrs.example.org" or "@" in email["To"]
    text = email.get_content()
    assert "Reference: BAS-2022-000001" in text
    assert "Initial assessment: Wednesday 5 October 2022 at 14:00 (UK time)" in text
    assert "https://dtoa.force.test/provider/referral/BAS-2022-000001" in text
    for _ in range(2):
        dtoa("notifications", "send")
    assert len(mailbox.messages) == 1
    for body in bodies(mailbox):
        assert not [word for word in PERSONAL if word.lower() in body.lower()]


def test_a_change_of_time_and_a_withdrawal_are_each_emailed_once(dtoa, positives, cli_clock,
                                                                config_file):
    mailbox, _ = positives
    serve(dtoa, "BAS/22/0001")
    cli_clock.set(london(2022, 10, 4, 10, 30))
    dtoa("attendance", "record", "--reference", "BAS-2022-000001", "--assessment", "initial",
         "--outcome", "rescheduled", "--outcome-at", "2022-10-04T10:30",
         "--new-appointment-at", "2022-10-07T10:00", "--by", "NHRS")
    dtoa("notifications", "send")
    dtoa("notifications", "send")
    assert [m["Subject"] for m in mailbox.messages] == [
        "DToA referral BAS-2022-000001: new requirement to attend assessment",
        "DToA referral BAS-2022-000001: assessment moved"]
    moved = mailbox.messages[1].get_content()
    assert "Was: Wednesday 5 October 2022 at 14:00" in moved
    assert "Now: Friday 7 October 2022 at 10:00 (UK time)" in moved

    engine = make_engine(_url(config_file))
    with session_scope(engine) as session:
        referral = session.execute(select(Referral)).scalars().first()
        withdraw(session, referral, "lab_not_confirmed", now=cli_clock.now(), actor="test")
    dtoa("notifications", "send")
    dtoa("run", "nightly")
    assert len(mailbox.messages) == 3
    withdrawn = mailbox.messages[2].get_content()
    assert "withdrawn" in withdrawn and "Friday 7 October 2022 at 10:00" in withdrawn
    assert "lab" not in withdrawn.lower() and "confirm" not in withdrawn.lower()
    for body in bodies(mailbox):
        assert not [word for word in PERSONAL if word.lower() in body.lower()]
    engine.dispose()


def _url(config_file) -> str:  # noqa: ANN001
    from dtoa.config import load_settings

    return load_settings(config_file).database_url


def test_a_reminder_goes_the_day_before_only_to_the_person_who_agreed(dtoa, positives,
                                                                     cli_clock, config_file):
    _, notify = positives
    served = serve(dtoa, "BAS/22/0001", "--reminders", "--mobile", "07700 900123").output
    assert "reminders: agreed" in served
    serve(dtoa, "BAS/22/0002")  # no agreement: never reminded
    dtoa("notifications", "send")
    assert notify.sent == []  # Monday: not yet the day before
    cli_clock.set(london(2022, 10, 4, 9, 0))
    dtoa("notifications", "send")
    assert notify.sent == []  # the day before, but before reminder_at (10:00)
    cli_clock.set(london(2022, 10, 4, 10, 5))
    dtoa("notifications", "send")
    dtoa("notifications", "send")
    assert len(notify.sent) == 1
    [sms] = notify.sent
    assert (sms["type"], sms["phone_number"], sms["template_id"]) == (
        "sms", "07700900123", TEMPLATES["reminder_sms"])
    assert sms["personalisation"] == {"reference": "BAS-2022-000001",
                                      "date": "Wednesday 5 October 2022", "time": "14:00",
                                      "place": "12 Church Street, Basingstoke RG21 7QE"}
    assert sms["reference"] == "dtoa-person:reminder:1"

    cli_clock.set(london(2022, 10, 4, 10, 30))
    dtoa("attendance", "record", "--reference", "BAS-2022-000001", "--assessment", "initial",
         "--outcome", "rescheduled", "--outcome-at", "2022-10-04T10:30",
         "--new-appointment-at", "2022-10-07T10:00", "--by", "NHRS")
    cli_clock.set(london(2022, 10, 4, 22, 0))  # after `latest`: the notice waits till 08:00
    dtoa("notifications", "send")
    assert len(notify.sent) == 1
    cli_clock.set(london(2022, 10, 5, 8, 0))
    dtoa("notifications", "send")
    assert [(s["template_id"], s["personalisation"]["date"]) for s in notify.sent[1:]] == [
        (TEMPLATES["change_sms"], "Friday 7 October 2022")]
    assert all(s["personalisation"]["reference"] == "BAS-2022-000001" for s in notify.sent)


def test_contact_details_go_when_the_referral_closes_and_are_never_audited(dtoa, positives,
                                                                          cli_clock,
                                                                          config_file):
    serve(dtoa, "BAS/22/0001", "--reminders", "--email", "person@example.net")
    cli_clock.set(london(2022, 10, 5, 15, 0))
    dtoa("attendance", "record", "--reference", "BAS-2022-000001", "--assessment", "initial",
         "--outcome", "attended", "--outcome-at", "2022-10-05T14:10",
         "--no-follow-up-required", "--by", "NHRS")
    engine = make_engine(_url(config_file))
    with Session(engine) as session:  # closed by that outcome: gone at once, not at night
        assert session.execute(select(PersonContact)).first() is None
    dtoa("run", "nightly")
    with Session(engine) as session:
        assert session.execute(select(PersonContact)).first() is None
        trail = [e.changes for e in session.execute(select(AuditEvent).where(
            AuditEvent.entity == "person_contact")).scalars()]
    assert len(trail) == 2 and not any("example.net" in t for t in trail)
    engine.dispose()


def test_contact_details_stay_while_a_follow_up_is_still_to_come(dtoa, positives, cli_clock,
                                                                 config_file):
    serve(dtoa, "BAS/22/0001", "--reminders", "--email", "person@example.net")
    cli_clock.set(london(2022, 10, 5, 15, 0))
    dtoa("attendance", "record", "--reference", "BAS-2022-000001", "--assessment", "initial",
         "--outcome", "attended", "--outcome-at", "2022-10-05T14:10",
         "--follow-up-required", "--by", "NHRS")
    engine = make_engine(_url(config_file))
    with Session(engine) as session:
        assert session.execute(select(PersonContact)).scalar_one().email == "person@example.net"
    engine.dispose()


def test_details_without_agreement_are_refused_and_nothing_is_served(dtoa, positives):
    refused = dtoa("require-assessment", "--suite", "BASINGSTOKE", "--custody-ref",
                   "BAS/22/0001", "--officer", "PC 1234", "--mobile", "07700900123", ok=False)
    assert refused.exit_code == 2
    assert "did not agree to reminders" in refused.output
    bad = dtoa("require-assessment", "--suite", "BASINGSTOKE", "--custody-ref",
               "BAS/22/0001", "--officer", "PC 1234", "--reminders", "--mobile", "12345",
               ok=False)
    assert "not a UK mobile number" in bad.output
    assert "requirement served" not in refused.output + bad.output


def test_a_failed_send_is_retried_with_back_off(dtoa, positives, cli_clock, config_file):
    mailbox, notify = positives
    text = config_file.read_text()
    dead = free_port()
    config_file.write_text(text.replace(f"port = {mailbox.port}", f"port = {dead}"))
    serve(dtoa, "BAS/22/0001", "--reminders", "--mobile", "07700900123")
    engine = make_engine(_url(config_file))
    with Session(engine) as session:
        message = session.execute(select(Message)).scalar_one()
    assert (message.state, message.attempts) == ("pending", 1)
    assert message.last_error.startswith("smtp_")
    assert message.next_attempt_at == london(2022, 10, 3, 15, 25)
    cli_clock.set(london(2022, 10, 3, 15, 24))
    dtoa("notifications", "send")
    config_file.write_text(text)
    dtoa("notifications", "send")
    assert mailbox.messages == []  # not yet due
    cli_clock.set(london(2022, 10, 3, 15, 25))
    dtoa("notifications", "send")
    assert len(mailbox.messages) == 1

    notify.fail_with = [500, 400]
    cli_clock.set(london(2022, 10, 4, 10, 0))
    dtoa("notifications", "send")
    cli_clock.set(london(2022, 10, 4, 10, 5))
    dtoa("notifications", "send")
    with Session(engine) as session:
        reminder = session.execute(select(Message).where(Message.kind == "reminder")
                                   ).scalar_one()
    assert (reminder.state, reminder.attempts, reminder.last_error) == ("failed", 2,
                                                                        "notify_400")
    assert notify.sent == []
    listed = dtoa("notifications", "list", "--state", "failed").output
    assert "reminder" in listed and "07700" not in listed
    dtoa("notifications", "resend", str(reminder.id), "--by", "Sgt Lee")
    dtoa("notifications", "send")
    assert len(notify.sent) == 1
    assert json.dumps(notify.sent).count("07700900123") == 1
    engine.dispose()


def test_the_funnel_counts_failures_to_attend_with_and_without_a_reminder(dtoa, positives,
                                                                         cli_clock):
    _, notify = positives
    serve(dtoa, "BAS/22/0001", "--reminders", "--mobile", "07700900123")
    serve(dtoa, "BAS/22/0002")
    cli_clock.set(london(2022, 10, 4, 10, 0))
    dtoa("notifications", "send")
    assert len(notify.sent) == 1
    cli_clock.set(london(2022, 10, 5, 16, 0))
    for reference in ("BAS-2022-000001", "BAS-2022-000002"):
        dtoa("attendance", "record", "--reference", reference, "--assessment", "initial",
             "--outcome", "failed_to_attend", "--outcome-at", "2022-10-05T15:00", "--by",
             "NHRS")
    figures = json.loads(dtoa("report", "funnel", "--from", "2022-10-01", "--to",
                              "2022-10-31", "--format", "json").stdout)
    assert {k: figures[k] for k in ("referred", "reminded", "not_reminded",
                                    "failed_to_attend", "failed_to_attend_reminded",
                                    "failed_to_attend_unreminded", "fta_rate_reminded",
                                    "fta_rate_not_reminded")} == {
        "referred": 2, "reminded": 1, "not_reminded": 1, "failed_to_attend": 2,
        "failed_to_attend_reminded": 1, "failed_to_attend_unreminded": 1,
        "fta_rate_reminded": 1.0, "fta_rate_not_reminded": 1.0}


def test_subject_access_exports_the_contact_and_retention_removes_what_is_past_its_period(
        dtoa, positives, cli_clock, tmp_path, config_file):
    serve(dtoa, "BAS/22/0001", "--reminders", "--mobile", "07700900123")
    cli_clock.set(london(2022, 10, 4, 10, 0))
    dtoa("notifications", "send")
    out = dtoa("subject-access", "--person-ref", "PERSON-0001", "--into", tmp_path).stdout
    exported = json.loads(next(tmp_path.rglob("*.json")).read_text(encoding="utf-8"))
    text = json.dumps(exported)
    assert "07700900123" in text and "person:" not in out
    assert "reminder" in text
    cli_clock.set(london(2023, 11, 1, 12, 0))  # over a year on, still awaiting an outcome
    dtoa("retention")
    engine = make_engine(_url(config_file))
    with Session(engine) as session:
        assert session.execute(select(Message)).first() is None
        assert session.execute(select(PersonContact)).first() is None
    engine.dispose()
