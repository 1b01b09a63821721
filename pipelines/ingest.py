"""Take in the files waiting in the inbox folders, oldest first, moving each to `processed/`;
a file that cannot be read at all goes to `quarantine/` with its reason, and the night goes on."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy.engine import Engine

from dtoa.clock import Clock
from dtoa.config import Settings
from dtoa.ingest import ingest_file
from dtoa.ingest.quarantine import quarantine
from dtoa.ingest.reader import FileRefused
from dtoa.log import get_logger

# Detentions before tests (a test row needs its detention); attendance after them (an outcome
# needs its referral) and prosecution decisions last (a decision needs its case).
INBOX_KINDS = ("detentions", "tests", "attendance", "prosecutions")
log = get_logger("dtoa.pipeline")


def ingest_inbox(engine: Engine, settings: Settings, clock: Clock,
                 kinds: tuple[str, ...] = INBOX_KINDS) -> dict:
    summary: dict[str, int] = {"files": 0, "rows_inserted": 0, "rows_updated": 0,
                               "rows_rejected": 0, "already_ingested": 0, "quarantined": 0}
    for kind in kinds:
        folder = settings.path("inbox") / kind
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.csv"), key=_oldest_first):
            if path.name.endswith(".rejects.csv"):
                continue
            summary["files"] += 1
            try:
                result = ingest_file(engine, settings, clock, kind, path, actor="pipeline:inbox")
            except FileRefused as refused:
                moved = quarantine(settings, kind, path, refused.reason, clock.now())
                log.warning("inbox.quarantined", kind=kind, file=path.name, to=str(moved),
                            reason=refused.reason)
                summary["quarantined"] += 1
                continue
            summary["rows_inserted"] += result.rows_inserted
            summary["rows_updated"] += result.rows_updated
            if result.already_ingested:
                summary["already_ingested"] += 1
            else:
                summary["rows_rejected"] += result.rows_rejected
            _move_done(path, settings.path("processed") / kind)
    return summary


def _oldest_first(path: Path) -> tuple[float, str]:
    try:
        return path.lstat().st_mtime, path.name
    except OSError:  # gone meanwhile: taken in (and refused) in its turn
        return 0.0, path.name


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
