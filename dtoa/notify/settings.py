"""`[notifications]` in config.toml: the channels (SMTP email to providers, GOV.UK Notify to
people), when reminders go, and how failed sends are retried. Secrets never sit in the file:
it names the environment variables that hold them."""

from __future__ import annotations

from datetime import time
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class EmailChannel(_Section):
    """Email to providers over SMTP: a new referral, a change of time, a withdrawal."""

    enabled: bool = False
    host: str = "localhost"
    port: int = Field(default=587, gt=0, lt=65536)
    security: Literal["starttls", "tls", "none"] = "starttls"  # "none" only on a trusted host
    ca_file: str | None = None  # a CA bundle to check the server's certificate against
    username: str | None = None
    password_env: str = "DTOA_SMTP_PASSWORD"  # the environment variable holding the password
    from_address: str = Field(default="dtoa@localhost", pattern=r"^[^@\s]+@[^@\s]+$")
    portal_url: str = "http://127.0.0.1:8000"  # links go to <portal_url>/provider/referral/<ref>
    timeout_seconds: float = Field(default=30, gt=0)
    to: dict[str, str] = {}  # provider code -> referrals address (default: the provider's email)


class NotifyTemplates(_Section):
    """GOV.UK Notify template ids. Each gets the personalisation `reference`, `date`, `time`
    and `place`, and nothing else."""

    reminder_sms: str = ""
    reminder_email: str = ""
    change_sms: str = ""
    change_email: str = ""


class NotifyChannel(_Section):
    """Reminders and change notices to the person through GOV.UK Notify's official client."""

    enabled: bool = False
    base_url: str = "https://api.notifications.service.gov.uk"
    api_key_env: str = "DTOA_NOTIFY_API_KEY"
    timeout_seconds: float = Field(default=30, gt=0)
    templates: NotifyTemplates = NotifyTemplates()

    @model_validator(mode="after")
    def _templates_named(self) -> NotifyChannel:
        if self.enabled:
            missing = [k for k, v in self.templates.model_dump().items() if not v]
            if missing:
                raise ValueError("[notifications.notify] is enabled: name its templates "
                                 + ", ".join(missing))
        return self


class Notifications(_Section):
    reminder_at: time = time(10, 0)  # local time, the day before the appointment
    earliest: time = time(8, 0)  # no message to a person before this local time...
    latest: time = time(20, 0)  # ...or after this one
    send_every_minutes: int = Field(default=15, gt=0)  # the scheduler's sending job
    retry_minutes: int = Field(default=5, gt=0)  # first retry; doubled each time
    retry_max_minutes: int = Field(default=360, gt=0)
    max_attempts: int = Field(default=8, gt=0)
    email: EmailChannel = EmailChannel()
    notify: NotifyChannel = NotifyChannel()

    @model_validator(mode="after")
    def _window(self) -> Notifications:
        if not self.earliest < self.latest:
            raise ValueError("[notifications] earliest must be before latest")
        return self
