"""The channels a message goes out on, each answering Sent, Retry or Failed:

- **email** (SMTP, stdlib smtplib): STARTTLS or implicit TLS with the server's certificate
  checked (against `ca_file` when given), or none on a trusted host; the password from the
  environment variable the config names. A 4xx answer or a dropped connection is worth
  retrying; a 5xx refusal is not.
- **GOV.UK Notify** (its official client, `notifications-python-client`): a text message or
  an email from a template named in config, with our message's key as Notify's `reference`,
  which is how an interrupted send is found again (`lookup`). A 400 (the number or template is
  wrong) is not worth retrying; anything else is.

Error codes kept and logged are codes and statuses only, never a recipient or a message."""

from __future__ import annotations

import json
import os
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate

from notifications_python_client.errors import HTTPError
from notifications_python_client.notifications import NotificationsAPIClient

from dtoa.config import Settings
from dtoa.models import Message
from dtoa.notify.messages import template_for
from dtoa.rules.states import MessageChannel


@dataclass(frozen=True)
class Sent:
    channel_ref: str


@dataclass(frozen=True)
class Retry:
    error: str


@dataclass(frozen=True)
class Failed:
    error: str


Outcome = Sent | Retry | Failed


def notify_reference(message: Message) -> str:
    return f"dtoa-{message.key}"


class Channels:
    """Sends messages with the configured channels (made once per sending run)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._notify: NotificationsAPIClient | None = None

    def send(self, message: Message, address: str) -> Outcome:
        if message.channel == MessageChannel.EMAIL:
            return self._smtp(message, address)
        return self._govuk(message, address)

    def _smtp(self, message: Message, address: str) -> Outcome:
        plan = self.settings.notifications.email
        email = EmailMessage()
        email["From"], email["To"] = plan.from_address, address
        email["Subject"], email["Date"] = message.subject or "", formatdate(localtime=False)
        domain = plan.from_address.rsplit("@", 1)[1]
        email["Message-ID"] = f"<dtoa.{message.key.replace(':', '.')}@{domain}>"
        email.set_content(message.body)
        context = ssl.create_default_context(cafile=plan.ca_file) if plan.ca_file \
            else ssl.create_default_context()
        try:
            if plan.security == "tls":
                server = smtplib.SMTP_SSL(plan.host, plan.port, timeout=plan.timeout_seconds,
                                          context=context)
            else:
                server = smtplib.SMTP(plan.host, plan.port, timeout=plan.timeout_seconds)
            with server:
                if plan.security == "starttls":
                    server.starttls(context=context)
                if plan.username:
                    server.login(plan.username, os.environ.get(plan.password_env, ""))
                server.send_message(email)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = {code for code, _ in exc.recipients.values()}
            return Failed(f"smtp_refused_{max(codes)}") if min(codes) >= 500 \
                else Retry(f"smtp_refused_{min(codes)}")
        except smtplib.SMTPResponseException as exc:
            error = f"smtp_{exc.smtp_code}"
            return Failed(error) if 500 <= exc.smtp_code < 600 and exc.smtp_code != 535 \
                else Retry(error)
        except (OSError, smtplib.SMTPException) as exc:
            return Retry(f"smtp_{type(exc).__name__}")
        return Sent(email["Message-ID"])

    def _client(self) -> NotificationsAPIClient | None:
        plan = self.settings.notifications.notify
        key = os.environ.get(plan.api_key_env, "")
        if len(key) < 74:
            return None
        if self._notify is None:
            self._notify = NotificationsAPIClient(key, base_url=plan.base_url,
                                                  timeout=plan.timeout_seconds)
        return self._notify

    def _govuk(self, message: Message, address: str) -> Outcome:
        client = self._client()
        if client is None:
            return Retry("notify_no_api_key")
        sms = message.channel == MessageChannel.NOTIFY_SMS
        template = template_for(self.settings, message.kind, sms)
        values = json.loads(message.body)
        try:
            if sms:
                answer = client.send_sms_notification(
                    phone_number=address, template_id=template, personalisation=values,
                    reference=notify_reference(message))
            else:
                answer = client.send_email_notification(
                    email_address=address, template_id=template, personalisation=values,
                    reference=notify_reference(message))
        except HTTPError as exc:
            error = f"notify_{exc.status_code}"
            return Failed(error) if exc.status_code == 400 else Retry(error)
        return Sent(str(answer["id"]))

    def lookup(self, message: Message) -> Outcome | None:
        """Did Notify take this message before a run was interrupted? Sent (with its id) when
        it did, None when it did not (safe to send), Retry when Notify cannot say now. SMTP
        cannot be asked: always Retry("smtp_unknowable")."""
        if message.channel == MessageChannel.EMAIL:
            return Retry("smtp_unknowable")
        client = self._client()
        if client is None:
            return Retry("notify_no_api_key")
        try:
            found = client.get_all_notifications(reference=notify_reference(message))
        except HTTPError as exc:
            return Retry(f"notify_{exc.status_code}")
        items = found.get("notifications") or []
        return Sent(str(items[0]["id"])) if items else None
