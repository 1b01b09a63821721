"""What every hostile test asserts of a command's output, and real `dtoa` processes to race.

The promise: no traceback; on stderr nothing but the command's own message lines and JSON log
lines; and no personal data (names, person references, birth dates) in either.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The personal values the hostile rows carry: none may reach a terminal or a log.
SECRET_NAME = "Jane Secretperson"
SECRET_REF = "PSECRET77"
SECRET_BIRTH = "1961-07-13"
PERSONAL = (SECRET_NAME, SECRET_REF, SECRET_BIRTH)


def log_events(stderr: str) -> list[dict]:
    events = []
    for line in stderr.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict) and "event" in event:
            events.append(event)
    return events


def messages(stderr: str) -> list[str]:
    """The lines of stderr that are not JSON log lines, nor the line naming the configuration
    file in use: what a person reads about what the command did."""
    return [line for line in stderr.splitlines()
            if line.strip() and not _is_log(line) and not line.startswith("configuration: ")]


def _is_log(line: str) -> bool:
    try:
        return "event" in json.loads(line)
    except (ValueError, TypeError):
        return False


def assert_clean(stdout: str, stderr: str) -> None:
    """No traceback anywhere, no personal value anywhere."""
    for stream in (stdout, stderr):
        assert "Traceback" not in stream, stream
        for value in PERSONAL:
            assert value not in stream, (value, stream)


class Dtoa:
    """A real `dtoa` process, its stderr read line by line as it runs, so a test can wait for
    an event (e.g. "lock.waiting") instead of sleeping."""

    def __init__(self, config_file: Path | None, *args: str, python: str | None = None) -> None:
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        env.pop("DTOA_DATABASE_URL", None)
        command = ([sys.executable, "-c", python, *map(str, args)] if python else
                   [sys.executable, "-m", "dtoa", "--config", str(config_file), "--verbose",
                    *map(str, args)])
        self.process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True)
        self.stderr_lines: list[str] = []
        self._seen = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stderr:
            with self._seen:
                self.stderr_lines.append(line)
                self._seen.notify_all()
        with self._seen:
            self._seen.notify_all()

    def wait_for(self, *events: str, timeout: float = 300, **fields: str) -> bool:
        """Block until the process logs one of `events` (with `fields`) or ends; True if it
        logged one. The timeout only bounds a broken run: the test waits for the event."""
        def logged() -> bool:
            return any(e["event"] in events and all(e.get(k) == v for k, v in fields.items())
                       for e in log_events("".join(self.stderr_lines)))

        with self._seen:
            self._seen.wait_for(lambda: logged() or not self._reader.is_alive(), timeout)
            return logged()

    def events(self) -> list[str]:
        return [e["event"] for e in log_events("".join(self.stderr_lines))]

    def finish(self, timeout: float = 300) -> tuple[int, str, str]:
        stdout = self.process.stdout.read()
        self.process.wait(timeout)
        self._reader.join(timeout)
        return self.process.returncode, stdout, "".join(self.stderr_lines)
