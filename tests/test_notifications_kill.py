"""One message per event even when the sender is killed between sending a message and
recording that it went, then run again: a real `dtoa notifications send` process, killed by
the local SMTP or Notify-shaped server the moment a message has arrived and before it answers,
on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlmodel import Session

from dtoa.config import load_settings
from dtoa.models import Message, Referral
from dtoa.notify.contacts import Contact, record_contact
from dtoa.notify.testing import API_KEY, notifications_config, notify_server, smtp_server
from dtoa.store import make_engine, session_scope
from dtoa.testing import make_referral

LONDON = ZoneInfo("Europe/London")
REFERENCES = ("BAS-2030-000001", "BAS-2030-000002", "BAS-2030-000003")


@pytest.fixture
def servers(config_file):
    with smtp_server() as mailbox, notify_server() as notify:
        with config_file.open("a", encoding="utf-8") as handle:
            handle.write(notifications_config(smtp_port=mailbox.port, notify_url=notify.url,
                                              all_day=True))
        yield mailbox, notify


@pytest.fixture
def engine_of(config_file, servers):
    engine = make_engine(load_settings(config_file).database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def owed(engine_of):
    """Three requirements served, each with its appointment tomorrow (by the real clock: the
    sender runs as its own process) and a person who agreed to a text reminder: six messages
    owed, an email to the provider and a reminder to the person for each."""
    tomorrow = datetime.now(LONDON).date() + timedelta(days=1)
    at = datetime.combine(tomorrow, time(12, 0), tzinfo=LONDON).astimezone(UTC)
    with session_scope(engine_of) as session:
        for number, reference in enumerate(REFERENCES, start=1):
            referral, _ = make_referral(session, reference=reference, appointment_at=at,
                                        custody_ref=f"BAS/30/{number:04d}")
            record_contact(session, referral, Contact(mobile=f"0770090010{number}",
                                                      agreed=True),
                           now=datetime.now(UTC), actor="desk:PC 1234")


def _sender(config_file) -> subprocess.Popen:  # noqa: ANN001
    env = {**os.environ, "DTOA_NOTIFY_API_KEY": API_KEY}
    env.pop("DTOA_DATABASE_URL", None)
    return subprocess.Popen([sys.executable, "-c", "from dtoa.cli import main; main()",
                             "--config", str(config_file), "notifications", "send"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _states(engine) -> dict[str, str]:  # noqa: ANN001
    with Session(engine) as session:
        return {m.key: m.state for m in session.execute(select(Message)).scalars()}


def _references_in(texts: list[str]) -> list[str]:
    return sorted(r for text in texts for r in REFERENCES if r in text)


def test_an_email_interrupted_between_send_and_mark_is_never_sent_twice(
        config_file, servers, engine_of, owed):
    mailbox, notify = servers
    first = _sender(config_file)
    mailbox.killer.process, mailbox.killer.at = first, 1
    first.wait(timeout=120)
    assert first.returncode == -9  # killed by the server as the first email arrived
    assert sorted(_states(engine_of).values()).count("sending") == 1

    again = _sender(config_file)
    assert again.wait(timeout=120) == 0, again.stderr.read().decode()[-2000:]
    _sender(config_file).wait(timeout=120)  # and once more: nothing more goes

    subjects = [m["Subject"] for m in mailbox.messages]
    assert _references_in(subjects) == sorted(REFERENCES)  # one email per referral
    assert sorted(s["personalisation"]["reference"] for s in notify.sent) == sorted(REFERENCES)
    states = _states(engine_of)
    assert sorted(states.values()) == ["sent"] * 5 + ["uncertain"]
    [uncertain] = [k for k, v in states.items() if v == "uncertain"]
    assert uncertain.startswith("provider:served:")


def test_a_reminder_interrupted_between_send_and_mark_is_found_at_notify_not_resent(
        config_file, servers, engine_of, owed):
    mailbox, notify = servers
    first = _sender(config_file)
    notify.killer.process, notify.killer.at = first, 1
    first.wait(timeout=120)
    assert first.returncode == -9
    assert len(notify.sent) == 1

    again = _sender(config_file)
    assert again.wait(timeout=120) == 0, again.stderr.read().decode()[-2000:]
    _sender(config_file).wait(timeout=120)

    assert sorted(s["personalisation"]["reference"] for s in notify.sent) == sorted(REFERENCES)
    assert len(mailbox.messages) == 3
    assert sorted(_states(engine_of).values()) == ["sent"] * 6
    with Session(engine_of) as session:
        ids = {m.channel_ref for m in session.execute(select(Message).where(
            Message.kind == "reminder")).scalars()}
        assert session.execute(select(Referral)).scalars().first() is not None
    assert ids == {s["id"] for s in notify.sent}
