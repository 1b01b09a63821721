"""Settings: config.toml read and validated once at start, then passed around as plain data.

`DTOA_CONFIG` (or the CLI's `--config`) selects the file; `DTOA_DATABASE_URL` overrides its
database URL so the same configuration serves SQLite on a laptop and PostgreSQL for a force.
"""

from __future__ import annotations

import os
import tomllib
from datetime import date, time
from functools import cached_property
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "config.toml"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class ConfigError(ValueError):
    """The configuration file is missing or does not describe a valid deployment."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Session(_Frozen):
    """A recurring assessment session a provider runs: weekday, start time, places."""

    weekday: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    time: time
    capacity: int = Field(gt=0)

    @property
    def weekday_index(self) -> int:
        return WEEKDAYS.index(self.weekday)


class Provider(_Frozen):
    code: str
    name: str
    address: str
    areas: tuple[str, ...] = ()
    sessions: tuple[Session, ...] = ()


class Suite(_Frozen):
    """A custody suite notified to the Home Office for testing (PACE 1984 s.63B(4A))."""

    code: str
    name: str
    force: str
    live_from: date
    min_age: Literal[14, 18] = 18
    default_provider: str
    reference_prefix: str


class Offence(_Frozen):
    """One entry of CJCSA 2000 Schedule 6, in force from `from_` to `until` (inclusive)."""

    key: str
    title: str
    statute: str
    aliases: tuple[str, ...] = ()
    class_a: bool = False
    from_: date | None = Field(default=None, alias="from")
    until: date | None = None


class SpecifiedClassA(_Frozen):
    """Which Class A drugs were "specified" over a period ("*" means every Class A drug)."""

    drugs: tuple[str, ...]
    from_: date | None = Field(default=None, alias="from")
    until: date | None = None


class ClassA(_Frozen):
    drugs: tuple[str, ...]


class Law(_Frozen):
    test_panel: tuple[Literal["cocaine", "opiates"], ...] = ("cocaine", "opiates")
    specified_class_a: tuple[SpecifiedClassA, ...]
    class_a: ClassA


class Referrals(_Frozen):
    notice_hours: int = Field(default=24, ge=0)
    deadline_working_days: int = Field(default=5, gt=0)
    lab_result_working_days: int = Field(default=5, ge=0)
    person_identifier: Literal["reference", "name"] = "reference"
    contact_officer: str = "DToA coordinator"


class Attendance(_Frozen):
    outcome_grace_hours: int = Field(default=48, ge=0)
    follow_up_window_working_days: int = Field(default=10, gt=0)


class Prosecution(_Frozen):
    time_limit_months: int = Field(default=6, gt=0)
    warn_days_before: int = Field(default=28, ge=0)


class Scheduler(_Frozen):
    nightly_at: time = time(2, 0)
    weekly_day: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = "mon"
    weekly_at: time = time(7, 0)


class Web(_Frozen):
    """The web application: how long a signed-in session may sit idle, and where it listens."""

    idle_minutes: int = Field(default=30, gt=0)
    host: str = "127.0.0.1"
    port: int = Field(default=8000, gt=0, lt=65536)
    secure_cookies: bool = False  # true behind HTTPS: the session cookie is never sent in clear


class Ingest(_Frozen):
    """Limits of the CSV reader, and how long an ingest waits for another of the same kind."""

    max_field_chars: int = Field(default=32_768, gt=0)  # a longer field rejects its row
    lock_wait_seconds: float = Field(default=600, ge=0)


class Database(_Frozen):
    url: str = "sqlite:///var/dtoa.sqlite"


class Paths(_Frozen):
    outbox: Path = Path("outbox")
    reports: Path = Path("reports")
    inbox: Path = Path("inbox")
    processed: Path = Path("processed")
    quarantine: Path = Path("quarantine")


class Settings(_Frozen):
    """Everything a deployment decides, checked for consistency once."""

    timezone: str = "Europe/London"
    database: Database = Database()
    paths: Paths = Paths()
    law: Law
    referrals: Referrals = Referrals()
    attendance: Attendance = Attendance()
    prosecution: Prosecution = Prosecution()
    scheduler: Scheduler = Scheduler()
    web: Web = Web()
    ingest: Ingest = Ingest()
    suites: tuple[Suite, ...]
    providers: tuple[Provider, ...]
    offences: tuple[Offence, ...]
    base_dir: Path = Path(".")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        ZoneInfo(value)
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        _unique("suite code", [s.code for s in self.suites])
        _unique("suite reference_prefix", [s.reference_prefix for s in self.suites])
        _unique("provider code", [p.code for p in self.providers])
        codes = [o.key for o in self.offences] + [a for o in self.offences for a in o.aliases]
        _unique("offence key or alias", [c.upper() for c in codes])
        providers = {p.code for p in self.providers}
        for suite in self.suites:
            if suite.default_provider not in providers:
                raise ValueError(
                    f"suite {suite.code}: default_provider {suite.default_provider!r} "
                    "is not a configured provider"
                )
        _unique("provider area", [a.casefold() for p in self.providers for a in p.areas])
        return self

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @cached_property
    def suites_by_code(self) -> dict[str, Suite]:
        return {s.code: s for s in self.suites}

    @cached_property
    def forces(self) -> tuple[str, ...]:
        """The forces that own the configured suites, in configuration order."""
        return tuple(dict.fromkeys(s.force for s in self.suites))

    @cached_property
    def providers_by_code(self) -> dict[str, Provider]:
        return {p.code: p for p in self.providers}

    @cached_property
    def offences_by_code(self) -> dict[str, Offence]:
        """Catalogue keys and force aliases, upper-cased, to their offence."""
        table = {}
        for offence in self.offences:
            for code in (offence.key, *offence.aliases):
                table[code.upper()] = offence
        return table

    def path(self, which: str) -> Path:
        """A configured folder, resolved against the configuration file's folder."""
        return (self.base_dir / getattr(self.paths, which)).resolve()

    @property
    def database_url(self) -> str:
        """The database URL with a relative SQLite path resolved against `base_dir`."""
        url = self.database.url
        prefix = "sqlite:///"
        if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
            return prefix + str((self.base_dir / url[len(prefix):]).resolve())
        return url


def _unique(what: str, values: list[str]) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"duplicate {what}: {value!r}")
        seen.add(value)


def load_settings(path: str | Path | None = None, **overrides: object) -> Settings:
    """Read and validate a configuration file; environment variables win over the file."""
    chosen = Path(path or os.environ.get("DTOA_CONFIG") or DEFAULT_CONFIG)
    try:
        raw = tomllib.loads(chosen.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"configuration file not found: {chosen}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{chosen}: {exc}") from exc
    raw["base_dir"] = chosen.resolve().parent
    if os.environ.get("DTOA_DATABASE_URL"):
        raw.setdefault("database", {})["url"] = os.environ["DTOA_DATABASE_URL"]
    raw.update(overrides)
    try:
        return Settings.model_validate(raw)
    except ValueError as exc:
        raise ConfigError(f"{chosen}: {exc}") from exc
