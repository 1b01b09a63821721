"""The session and sign-in throttling rules (dtoa.rules.signin), with the time as an argument."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dtoa.rules.signin import Failures, SessionEnd, after_failure, session_end

T0 = datetime(2023, 4, 4, 9, 0, tzinfo=UTC)
IDLE, LIFETIME = timedelta(minutes=30), timedelta(hours=12)
LIMITS = {"limit": 5, "window": timedelta(minutes=15), "lockout": timedelta(minutes=15)}


def test_a_session_ends_after_its_idle_time_or_its_lifetime_whichever_comes_first():
    def end(last_seen: timedelta, now: timedelta) -> SessionEnd | None:
        return session_end(T0, T0 + last_seen, T0 + now, idle=IDLE, lifetime=LIFETIME)

    assert end(timedelta(0), timedelta(minutes=30)) is None
    assert end(timedelta(0), timedelta(minutes=31)) == SessionEnd.IDLE
    assert end(timedelta(hours=11, minutes=50), timedelta(hours=12)) is None
    assert end(timedelta(hours=11, minutes=50), timedelta(hours=12, minutes=1)) == \
        SessionEnd.LIFETIME


def test_the_limit_th_failure_in_the_window_locks_for_the_lockout():
    count = None
    for second in range(5):
        count = after_failure(count, T0 + timedelta(seconds=second), **LIMITS)
    assert count.count == 5
    assert count.locked_until == T0 + timedelta(seconds=4, minutes=15)
    assert count.locked(T0 + timedelta(minutes=15)) and not count.locked(count.locked_until)


def test_failures_spread_wider_than_the_window_never_lock():
    count = None
    for n in range(20):
        count = after_failure(count, T0 + n * timedelta(minutes=4), **LIMITS)
        assert count.locked_until is None
    assert count.count <= 4


def test_a_failure_after_a_lock_but_inside_a_longer_window_locks_again_at_once():
    limits = dict(LIMITS, window=timedelta(hours=1))
    locked = Failures(5, T0, T0 + timedelta(minutes=15))
    again = after_failure(locked, T0 + timedelta(minutes=20), **limits)
    assert again.count == 6 and again.locked_until == T0 + timedelta(minutes=35)


def test_a_count_is_forgotten_when_its_window_and_its_lock_are_over():
    assert Failures(2, T0).forget_at(timedelta(minutes=15)) == T0 + timedelta(minutes=15)
    assert Failures(5, T0, T0 + timedelta(hours=1)).forget_at(timedelta(minutes=15)) == \
        T0 + timedelta(hours=1)
