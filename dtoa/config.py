"""Settings: config.toml read and validated once at start, then passed around as plain data.

Which file: the CLI's `--config`, else `DTOA_CONFIG`, else `config.toml` in the current folder
(`choose_config`); `dtoa init` makes one from the shipped default. `DTOA_DATABASE_URL`
overrides its database URL so the same configuration serves SQLite on a laptop and PostgreSQL
for a force.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from datetime import date, time
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from dtoa.api.settings import ApiSettings
from dtoa.notify.settings import Notifications

# The shipped default (dtoa/shipped/config.toml; in a checkout, a link to the top-level
# config.toml): what `dtoa init` copies into a new working folder.
DEFAULT_CONFIG = Path(str(resources.files("dtoa") / "shipped" / "config.toml"))
CONFIG_ENV = "DTOA_CONFIG"
CONFIG_NAME = "config.toml"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class ConfigError(ValueError):
    """The configuration file is missing or does not describe a valid deployment."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Session(_Frozen):
    """A recurring assessment session a provider runs: weekday, start time, places, and its
    setting: `community` (the provider's premises, after release) or `custody` (in the custody
    suite named by `suite`, while the person is still detained: an in-custody assessment)."""

    weekday: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    time: time
    capacity: int = Field(gt=0)
    setting: Literal["community", "custody"] = "community"
    suite: str | None = None

    @model_validator(mode="after")
    def _suite_for_custody(self) -> Session:
        if self.setting == "custody" and not self.suite:
            raise ValueError("an in-custody session (setting = \"custody\") names its suite")
        if self.setting == "community" and self.suite:
            raise ValueError("a community session names no suite: set setting = \"custody\" "
                             "for an in-custody session")
        return self

    @property
    def weekday_index(self) -> int:
        return WEEKDAYS.index(self.weekday)


class Provider(_Frozen):
    """A treatment provider. Its phone and email are on every letter, so a person with good
    cause can rearrange (Drugs Act 2005 s.11 notice)."""

    code: str
    name: str
    address: str
    phone: str = Field(min_length=1)
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")
    areas: tuple[str, ...] = ()
    sessions: tuple[Session, ...] = ()

    @property
    def community_sessions(self) -> tuple[Session, ...]:
        return tuple(s for s in self.sessions if s.setting == "community")

    def custody_sessions(self, suite: str) -> tuple[Session, ...]:
        """The provider's in-custody sessions at `suite`."""
        return tuple(s for s in self.sessions if s.setting == "custody" and s.suite == suite)


class Notification(_Frozen):
    """A Home Office notice to the chief officer that testing arrangements are in place at a
    suite (PACE 1984 s.63B(4A)-(4B)): separately for arrest cases, charge cases and persons
    under 18 (the charge condition only). In force from `from` to `until` inclusive (a notice
    can be withdrawn)."""

    condition: Literal["arrest", "charge", "under_18"]
    from_: date = Field(alias="from")
    until: date | None = None

    def covers(self, on: date) -> bool:
        return self.from_ <= on and (self.until is None or on <= self.until)


class Suite(_Frozen):
    """A custody suite and its notifications for testing."""

    code: str
    name: str
    force: str
    notifications: tuple[Notification, ...] = ()
    default_provider: str
    reference_prefix: str

    @model_validator(mode="before")
    @classmethod
    def _from_live_from(cls, data: object) -> object:
        """Configurations written before notifications were per condition said `live_from`
        (and `min_age = 14` for a suite notified for 14 to 17 year olds): read them as arrest
        and charge notifications from that date (and under-18s from it when min_age is 14)."""
        if not isinstance(data, dict) or "live_from" not in data:
            return data
        data = dict(data)
        live_from, min_age = data.pop("live_from"), data.pop("min_age", 18)
        conditions = ["arrest", "charge"] + (["under_18"] if min_age == 14 else [])
        data.setdefault("notifications", [{"condition": c, "from": live_from}
                                          for c in conditions])
        return data

    def notified(self, condition: str, on: date) -> bool:
        return any(n.condition == condition and n.covers(on) for n in self.notifications)


class Offence(_Frozen):
    """One entry of CJCSA 2000 Schedule 6, in force from `from_` to `until` (inclusive).

    `drug_class` marks a Misuse of Drugs Act 1971 offence, a trigger offence only in respect of
    a specified drug ([law.specified]). `commenced = false` marks an offence added by an Act
    whose commencement is not known: never in force until a force sets `from` (and removes the
    flag)."""

    key: str
    title: str
    statute: str
    aliases: tuple[str, ...] = ()
    drug_class: Literal["A", "B", "C"] | None = None
    from_: date | None = Field(default=None, alias="from")
    until: date | None = None
    commenced: bool = True

    @model_validator(mode="before")
    @classmethod
    def _class_a_flag(cls, data: object) -> object:
        """`class_a = true` (configurations before Class B and C drugs could be specified)."""
        if isinstance(data, dict) and "class_a" in data:
            data = dict(data)
            if data.pop("class_a"):
                data.setdefault("drug_class", "A")
        return data

    @model_validator(mode="after")
    def _commenced_or_dated(self) -> Offence:
        if not self.commenced and self.from_ is not None:
            raise ValueError(f"offence {self.key}: remove `commenced = false` when you set "
                             "`from` (the date it came into force)")
        return self


class Specified(_Frozen):
    """Which controlled drugs of a class are "specified" over a period, for the drug trigger
    offences, inspector authorisations and required assessments ("*": every drug of the class
    in [law.controlled])."""

    drug_class: Literal["A", "B", "C"] = Field(alias="class")
    drugs: tuple[str, ...]
    from_: date | None = Field(default=None, alias="from")
    until: date | None = None
    source: str


class PanelDrug(_Frozen):
    """A drug the testing devices report: `drug` names its result column in the tests CSV,
    `detects` the controlled drug a positive shows (checked against [law.specified] on the
    sample's date)."""

    drug: str
    detects: str
    from_: date | None = Field(default=None, alias="from")
    until: date | None = None

    def on_panel(self, on: date) -> bool:
        return (self.from_ is None or self.from_ <= on) and (self.until is None
                                                             or on <= self.until)


class Law(_Frozen):
    """The law as dated data: the panel, the specified drugs, the controlled drugs by class and
    when a further sample is allowed (Crime and Policing Act 2026; None: one sample only)."""

    panel: tuple[PanelDrug, ...]
    specified: tuple[Specified, ...]
    controlled: dict[Literal["A", "B", "C"], tuple[str, ...]]
    further_sample_from: date | None = None
    max_samples: int = Field(default=2, ge=1, le=2)

    @model_validator(mode="before")
    @classmethod
    def _before_classes(cls, data: object) -> object:
        """Read a configuration written when only Class A drugs could be specified
        (`test_panel`, `specified_class_a`, `[law.class_a]`)."""
        if not isinstance(data, dict) or "specified_class_a" not in data:
            return data
        data = dict(data)
        detects = {"cocaine": "cocaine", "opiates": "heroin"}
        data.setdefault("panel", [{"drug": d, "detects": detects[d]}
                                  for d in data.pop("test_panel", ("cocaine", "opiates"))])
        data.setdefault("specified", [dict(period, **{"class": "A", "source": "Class A"})
                                      for period in data.pop("specified_class_a")])
        data.setdefault("controlled", {"A": data.pop("class_a", {}).get("drugs", ())})
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Law:
        _unique("panel drug", [p.drug for p in self.panel])
        for period in self.specified:
            known = self.controlled.get(period.drug_class, ())
            for drug in period.drugs:
                if drug != "*" and drug not in known:
                    raise ValueError(f"[law.specified] {period.source}: {drug!r} is not a "
                                     f"Class {period.drug_class} drug in [law.controlled]")
        return self

    @cached_property
    def classes(self) -> dict[str, str]:
        """Controlled drug (case-folded) -> its class."""
        return {drug.casefold(): cls for cls, drugs in self.controlled.items() for drug in drugs}

    def panel_on(self, on: date) -> tuple[PanelDrug, ...]:
        return tuple(p for p in self.panel if p.on_panel(on))


class Referrals(_Frozen):
    notice_hours: int = Field(default=24, ge=0)
    deadline_working_days: int = Field(default=5, gt=0)
    lab_result_working_days: int = Field(default=5, ge=0)
    person_identifier: Literal["reference", "name"] = "reference"
    contact_officer: str = "DToA coordinator"
    contact_phone: str = ""  # the custody contact's number, on the person's notices
    # An in-custody session is offered only if it starts within this many hours of the time
    # the requirement is served: the person must still be detained (no statute fixes it).
    in_custody_hours: int = Field(default=6, gt=0)


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
    """The web application: how long a signed-in session lasts, how failed sign-ins lock a user
    name or an address out (dtoa.rules.signin), and where it listens."""

    idle_minutes: int = Field(default=30, gt=0)
    session_hours: int = Field(default=12, gt=0)  # absolute lifetime, however active
    signin_failures_per_user: int = Field(default=5, gt=0)
    signin_failures_per_address: int = Field(default=20, gt=0)
    signin_window_minutes: int = Field(default=15, gt=0)  # failures are counted over this
    signin_lockout_minutes: int = Field(default=15, gt=0)
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
    log: Path = Path("dtoa.log")


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
    api: ApiSettings = ApiSettings()
    notifications: Notifications = Notifications()
    # Retention period per kind of record ("1 year"); a kind not named keeps its default
    # (dtoa.privacy.catalogue: the kinds, defaults and sources).
    retention: dict[str, str] = {}
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

    @field_validator("retention")
    @classmethod
    def _known_kinds(cls, value: dict[str, str]) -> dict[str, str]:
        from dtoa.privacy.catalogue import KINDS
        from dtoa.privacy.registry import check_periods

        check_periods(value, KINDS)
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
        suites = {s.code for s in self.suites}
        for provider in self.providers:
            for session in provider.sessions:
                if session.suite is not None and session.suite not in suites:
                    raise ValueError(f"provider {provider.code}: in-custody session at "
                                     f"{session.suite!r}, which is not a configured suite")
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


@dataclass(frozen=True)
class ConfigChoice:
    """The configuration file a command uses and what chose it."""

    path: Path
    source: str  # "--config", "DTOA_CONFIG" or "the current folder"

    @property
    def is_here(self) -> bool:
        """The file is the current folder's config.toml (then nobody needs telling)."""
        return self.path.resolve() == (Path.cwd() / CONFIG_NAME).resolve()


def choose_config(explicit: str | Path | None = None) -> ConfigChoice:
    """`explicit` (the CLI's --config), else $DTOA_CONFIG, else config.toml in the current
    folder. The file need not exist yet (`dtoa init` makes it)."""
    if explicit:
        return ConfigChoice(Path(explicit), "--config")
    if os.environ.get(CONFIG_ENV):
        return ConfigChoice(Path(os.environ[CONFIG_ENV]), CONFIG_ENV)
    return ConfigChoice(Path.cwd() / CONFIG_NAME, "the current folder")


def load_settings(path: str | Path | ConfigChoice | None = None, **overrides: object
                  ) -> Settings:
    """Read and validate a configuration file (`choose_config` picks it when `path` is None);
    environment variables win over the file."""
    choice = path if isinstance(path, ConfigChoice) else choose_config(path)
    chosen = choice.path
    try:
        raw = tomllib.loads(chosen.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        where = (f"no {CONFIG_NAME} in {chosen.parent}" if choice.source == "the current folder"
                 else f"configuration file {chosen} (from {choice.source}) not found")
        raise ConfigError(f"{where}: run `dtoa init` to make a working folder, or give "
                          f"--config PATH or {CONFIG_ENV}") from exc
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
