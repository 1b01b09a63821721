"""A working folder: the configuration, the database and the folders the nightly run reads and
writes, made by `dtoa init` wherever the force wants them (never inside the installed code).

```
DIR/config.toml     a copy of the shipped default, edited by the force
DIR/var/            the SQLite database ([database] url; PostgreSQL needs none)
DIR/inbox/<kind>/   extracts waiting for the nightly run (detentions, tests, ...)
DIR/processed/      ... moved here once taken in
DIR/quarantine/     inbox files that could not be read at all
DIR/outbox/         letters;  DIR/reports/  weekly reports;  DIR/dtoa.log  the JSON log
```
"""

from __future__ import annotations

import shutil
from pathlib import Path

from dtoa.config import CONFIG_NAME, DEFAULT_CONFIG, Settings
from dtoa.pipelines.ingest import INBOX_KINDS
from dtoa.store import make_engine, upgrade_schema

FOLDERS = ("inbox", "outbox", "processed", "reports", "quarantine")


def write_default_config(path: Path) -> bool:
    """Copy the shipped config.toml to `path` unless a file is there already (a force's own
    configuration is never overwritten). True when it was written."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(DEFAULT_CONFIG, path)
    return True


def config_in(folder: Path) -> Path:
    return folder / CONFIG_NAME


def make_folders(settings: Settings) -> tuple[Path, ...]:
    """The configured folders, and one inbox folder per kind the nightly run takes in."""
    made = []
    for which in FOLDERS:
        folder = settings.path(which)
        folder.mkdir(parents=True, exist_ok=True)
        made.append(folder)
    for kind in INBOX_KINDS:
        (settings.path("inbox") / kind).mkdir(exist_ok=True)
    return tuple(made)


def prepare_database(settings: Settings) -> str:
    """Bring the database to this version's schema (a new one is made; an older one is
    migrated, as `dtoa db upgrade` does); returns its URL without the password."""
    engine = make_engine(settings.database_url)
    try:
        upgrade_schema(engine)
        return engine.url.render_as_string(hide_password=True)
    finally:
        engine.dispose()
