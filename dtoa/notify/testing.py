"""Test helpers for notifications, shipped with them: a real SMTP server (aiosmtpd, a test
dependency) and a local HTTP server that answers as GOV.UK Notify's documented API does
(`POST /v2/notifications/sms|email`, `GET /v2/notifications?reference=`), checking the
client's signed token. Both keep what they received, and either can kill a process the moment
a message has arrived and before it answers: a sender killed between send and mark."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

SERVICE_ID = "2f6a6d4c-58a4-4a3e-9d43-7c52b51f2c11"
SECRET = "9b1f3f5e-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
API_KEY = f"dtoa_test-{SERVICE_ID}-{SECRET}"  # the shape Notify's keys have


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Killer:
    """Kill `process` when the `at`-th message arrives (1-based), before answering it."""

    process: subprocess.Popen | None = None
    at: int = 0

    def maybe_kill(self, count: int) -> None:
        if self.process is not None and count == self.at:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)


@dataclass
class Mailbox:
    messages: list[EmailMessage] = field(default_factory=list)
    killer: Killer = field(default_factory=Killer)
    port: int = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        self.killer.maybe_kill(len(self.messages))
        return "250 Message accepted for delivery"


@contextmanager
def smtp_server() -> Iterator[Mailbox]:
    """A real SMTP server on a free loopback port; yields its mailbox."""
    from aiosmtpd.controller import Controller

    box = Mailbox(port=free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


@dataclass
class NotifyService:
    """What the Notify-shaped server received, and how it should answer next."""

    sent: list[dict] = field(default_factory=list)  # each POST: type, path, body
    fail_with: list[int] = field(default_factory=list)  # statuses to answer next, in order
    killer: Killer = field(default_factory=Killer)
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)


def _handler(service: NotifyService) -> type[BaseHTTPRequestHandler]:
    import jwt

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _answer(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _authorised(self) -> bool:
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            try:
                claims = jwt.decode(token, SECRET, algorithms=["HS256"],
                                    options={"require": ["iss", "iat"]})
            except jwt.PyJWTError:
                claims = {}
            if claims.get("iss") != SERVICE_ID:
                self._answer(403, {"status_code": 403, "errors": [
                    {"error": "AuthError", "message": "Invalid token: signature"}]})
                return False
            return True

        def do_POST(self) -> None:  # noqa: N802
            if not self._authorised():
                return
            kind = self.path.rsplit("/", 1)[-1]
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with service.lock:
                if service.fail_with:
                    status = service.fail_with.pop(0)
                    self._answer(status, {"status_code": status, "errors": [
                        {"error": "BadRequestError" if status == 400 else "Exception",
                         "message": "refused by the test"}]})
                    return
                record = {"id": str(uuid.uuid4()), "type": kind, "path": self.path, **body}
                service.sent.append(record)
                count = len(service.sent)
            service.killer.maybe_kill(count)
            content = {"body": f"reminder {body.get('reference')}"}
            content.update({"from_number": "GOVUK"} if kind == "sms" else
                           {"subject": "Your appointment", "from_email": "dtoa@notify.test"})
            self._answer(201, {"id": record["id"], "reference": body.get("reference"),
                               "content": content, "uri": f"{service.url}/v2/notifications/"
                                                          f"{record['id']}",
                               "template": {"id": body["template_id"], "version": 1,
                                            "uri": f"{service.url}/v2/template/"
                                                   f"{body['template_id']}"}})

        def do_GET(self) -> None:  # noqa: N802
            if not self._authorised():
                return
            query = parse_qs(urlparse(self.path).query)
            wanted = (query.get("reference") or [None])[0]
            with service.lock:
                found = [{"id": r["id"], "reference": r.get("reference"), "type": r["type"],
                          "status": "delivered"} for r in service.sent
                         if wanted is None or r.get("reference") == wanted]
            self._answer(200, {"notifications": found,
                               "links": {"current": f"{service.url}/v2/notifications"}})

    return Handler


@contextmanager
def notify_server() -> Iterator[NotifyService]:
    """A local HTTP server answering as GOV.UK Notify's API; yields what it received."""
    service = NotifyService()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(service))
    service.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield service
    finally:
        server.shutdown()
        server.server_close()


TEMPLATES = {"reminder_sms": "0b6f8e44-0001-4c2a-9d1e-5a3b2c1d0e01",
             "reminder_email": "0b6f8e44-0002-4c2a-9d1e-5a3b2c1d0e02",
             "change_sms": "0b6f8e44-0003-4c2a-9d1e-5a3b2c1d0e03",
             "change_email": "0b6f8e44-0004-4c2a-9d1e-5a3b2c1d0e04"}


def notifications_config(*, smtp_port: int | None = None, notify_url: str | None = None,
                         all_day: bool = False) -> str:
    """A `[notifications]` section for config.toml pointing at the local servers."""
    lines = ["[notifications]"]
    if all_day:  # a process on the system clock may run at any hour
        lines += ["reminder_at = 00:00:00", "earliest = 00:00:00",
                  "latest = 23:59:59.999999"]
    if smtp_port is not None:
        lines += ["[notifications.email]", "enabled = true", 'host = "127.0.0.1"',
                  f"port = {smtp_port}", 'security = "none"',
                  'from_address = "dtoa@force.test"',
                  'portal_url = "https://dtoa.force.test"', "timeout_seconds = 10"]
    if notify_url is not None:
        lines += ["[notifications.notify]", "enabled = true", f'base_url = "{notify_url}"',
                  "timeout_seconds = 10", "[notifications.notify.templates]",
                  *[f'{name} = "{value}"' for name, value in TEMPLATES.items()]]
    return "\n" + "\n".join(lines) + "\n"
