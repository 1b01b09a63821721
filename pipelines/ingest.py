"""Take in the files waiting in the inbox folders, oldest first, moving each to `processed/`."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy.engine import Engine

from dtoa.clock import Clock
from dtoa.config import Settings
from dtoa.ingest import ingest_file

# Detentions before tests (a test row needs its detention); attendance after them (an outcome
# needs its referral) and prosecution decisions last (a decision needs its case).
INBOX_KINDS = ("detentions", "tests", "attendance", "prosecutions")


def ingest_inbox(engine: Engine, settings: Settings, clock: Clock,
                 kinds: tuple[str, ...] = INBOX_KINDS) -> dict:
    summary: dict[str, int] = {"files": 0, "rows_inserted": 0, "rows_updated": 0,
                               "rows_rejected": 0, "already_ingested": 0}
    for kind in kinds:
        folder = settings.path("inbox") / kind
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.csv"), key=lambda p: (p.stat().st_mtime, p.name)):
            if path.name.endswith(".rejects.csv"):
                continue
            result = ingest_file(engine, settings, clock, kind, path, actor="pipeline:inbox")
            summary["files"] += 1
            summary["rows_inserted"] += result.rows_inserted
            summary["rows_updated"] += result.rows_updated
            summary["rows_rejected"] += result.rows_rejected
            summary["already_ingested"] += int(result.already_ingested)
            _move_done(path, settings.path("processed") / kind)
    return summary


def _move_done(path: Path, folder: Path) -> None:
    """Move the file and its rejects beside it; never overwrite an earlier file of that name."""
    folder.mkdir(parents=True, exist_ok=True)
    for source in (path, path.with_name(path.stem + ".rejects.csv")):
        if source.exists():
            target = folder / source.name
            n = 1
            while target.exists():
                target = folder / f"{source.stem}.{n}{source.suffix}"
                n += 1
            shutil.move(str(source), target)
