"""Files the nightly run could not read at all, set aside so that the rest of the night runs.

A refused file (dtoa.ingest.reader.FileRefused: not a regular file, empty, an unusable header)
is moved from `inbox/<kind>/` to `quarantine/<kind>/`, its rejects file with it, and
`<name>.reason.txt` is written beside it: the kind, when, and why, in words with no personal
data (the reasons name columns, never values). To take it in, correct it and put it back in
the inbox. `quarantined()` lists what waits there (for `dtoa status` and the admin pages).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from dtoa.config import Settings

REASON_SUFFIX = ".reason.txt"


@dataclass(frozen=True)
class Quarantined:
    kind: str
    name: str
    path: Path
    reason: str
    quarantined_at: datetime | None


def quarantine(settings: Settings, kind: str, path: Path, reason: str, now: datetime) -> Path:
    """Move `path` (and its rejects file) into quarantine/<kind>/ under a name not yet used
    there, and write the reason file beside it; returns where the file went."""
    folder = settings.path("quarantine") / kind
    folder.mkdir(parents=True, exist_ok=True)
    target = _free_name(folder, path.name)
    _move(path, target)
    rejects = path.with_name(path.stem + ".rejects.csv")
    if rejects.is_file():
        _move(rejects, target.with_name(target.stem + ".rejects.csv"))
    target.with_name(target.name + REASON_SUFFIX).write_text(
        f"file: {path.name}\nkind: {kind}\nquarantined_at: {now.isoformat()}\n"
        f"reason: {reason}\n"
        f"to take it in: correct the file and put it back in the inbox folder {kind}/\n",
        encoding="utf-8")
    return target


def quarantined(settings: Settings) -> list[Quarantined]:
    """Every file waiting in quarantine, oldest first."""
    found = []
    root = settings.path("quarantine")
    for note in root.glob(f"*/*{REASON_SUFFIX}"):
        fields = _fields(note)
        path = note.with_name(note.name.removesuffix(REASON_SUFFIX))
        found.append(Quarantined(note.parent.name, path.name, path, fields.get("reason", ""),
                                 _when(fields.get("quarantined_at", ""))))
    return sorted(found, key=lambda q: (q.quarantined_at is None, q.quarantined_at or 0,
                                        q.name))


def _fields(note: Path) -> dict[str, str]:
    fields = {}
    for line in note.read_text(encoding="utf-8", errors="replace").splitlines():
        key, _, value = line.partition(": ")
        fields[key] = value
    return fields


def _when(text: str) -> datetime | None:
    """The note's time; None when it is missing or was edited into something else (the listing
    goes on). A time without a zone is taken as UTC."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _free_name(folder: Path, name: str) -> Path:
    target, n = folder / name, 1
    while target.exists() or target.is_symlink():
        stem, dot, suffix = name.partition(".")
        target = folder / f"{stem}.{n}{dot}{suffix}"
        n += 1
    return target


def _move(source: Path, target: Path) -> None:
    """A rename (a pipe or a device is never opened); a regular file may be copied across
    file systems."""
    try:
        os.rename(source, target)
    except OSError:
        if not source.is_file():
            raise
        shutil.move(str(source), target)
