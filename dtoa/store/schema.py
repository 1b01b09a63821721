"""The database schema's version: Alembic migrations (dtoa/migrations) applied under a lock.

Every command but `dtoa init` and `dtoa db ...` first checks that the database is at the
code's revision (`require_current`), so a database made by an older build stops with one line
naming `dtoa db upgrade` instead of failing half-way through a night. A database made before
migrations existed (commit a67dc29, tables and no `alembic_version`) is recognised and stamped
as the baseline it equals, then upgraded like any other.
"""

from __future__ import annotations

from dataclasses import dataclass

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection, Engine

from dtoa.store.locks import exclusive

BASELINE = "0001_baseline"
LEGACY_MARKER_TABLE = "detention"  # a table every build before migrations created
UPGRADE_LOCK = "schema-upgrade"


class SchemaNotCurrent(RuntimeError):
    """The database is not at the revision this code needs; the message says what to run."""


@dataclass(frozen=True)
class SchemaState:
    current: str | None  # None: an empty database, or one made before migrations
    head: str
    legacy: bool  # tables made before migrations, not yet stamped

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", "dtoa:migrations")
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    return ScriptDirectory.from_config(_config()).get_current_head()


def _current(connection: Connection) -> tuple[str | None, bool]:
    current = MigrationContext.configure(connection).get_current_revision()
    legacy = current is None and inspect(connection).has_table(LEGACY_MARKER_TABLE)
    return current, legacy


def schema_state(engine: Engine) -> SchemaState:
    with engine.connect() as connection:
        current, legacy = _current(connection)
    return SchemaState(current, head_revision(), legacy)


def require_current(engine: Engine) -> None:
    """Raise SchemaNotCurrent unless the database is at this code's revision."""
    state = schema_state(engine)
    if state.up_to_date:
        return
    if state.current is None and not state.legacy:
        raise SchemaNotCurrent("the database has no dtoa tables yet: run `dtoa init` "
                               "(or `dtoa db upgrade`)")
    found = "made before migrations" if state.legacy else f"at revision {state.current}"
    raise SchemaNotCurrent(f"the database schema is {found}; this version of dtoa needs "
                           f"{state.head}: run `dtoa db upgrade` (back up the database first)")


def upgrade(engine: Engine, *, timeout_s: float = 600) -> tuple[str | None, str]:
    """Bring the database to head; returns (revision before, revision after). Two processes
    starting at once are safe: the second waits for the first's lock, then finds nothing to
    do. A database from before migrations is stamped as the baseline first."""
    with exclusive(engine, UPGRADE_LOCK, timeout_s=timeout_s), engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:  # a table rebuilt by a migration must not cascade through foreign keys
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        with connection.begin():
            before, legacy = _current(connection)
            config = _config(connection)
            if legacy:
                command.stamp(config, BASELINE)
            command.upgrade(config, "head")
            after, _ = _current(connection)
            if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first():
                raise RuntimeError("the upgrade would leave rows pointing at nothing; "
                                   "nothing was changed")
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()
    return ("legacy" if legacy else before), after
