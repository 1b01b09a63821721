"""What every entry point (CLI, web, scheduler) builds once: settings, engine and clock."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from sqlalchemy.engine import Engine

from dtoa.clock import Clock, SystemClock
from dtoa.config import Settings, load_settings
from dtoa.store import make_engine, require_current


@dataclass
class Runtime:
    settings: Settings
    clock: Clock

    @cached_property
    def engine(self) -> Engine:
        """The database, checked to be at this code's schema revision (SchemaNotCurrent names
        `dtoa db upgrade` otherwise). `dtoa init` and `dtoa db` use `unchecked_engine`."""
        engine = self.unchecked_engine
        require_current(engine)
        return engine

    @cached_property
    def unchecked_engine(self) -> Engine:
        return make_engine(self.settings.database_url)


def open_runtime(config: str | Path | Settings | None = None, clock: Clock | None = None
                 ) -> Runtime:
    settings = config if isinstance(config, Settings) else load_settings(config)
    return Runtime(settings, clock or SystemClock())
