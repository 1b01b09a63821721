"""The retention run: find what is past its period, kind by kind, and delete or anonymise it.

Each kind is one transaction: its rows, the audit event that records the run of that kind
(counts only: never a person, a reference or a value; a last event records the whole run, even
one that found nothing), and its files (deleted just before the
commit: if the commit then fails, the rows stay and the next run finds them again, so nothing
is left pointing at a file that is gone for good, and no file outlives its row). A kind that
fails leaves the kinds before it done; running again carries on. Re-running removes nothing
more: anonymised files and deleted rows are no longer found.

The dry run finds and counts, and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session

from dtoa.clock import Clock, as_utc
from dtoa.config import Settings
from dtoa.log import get_logger
from dtoa.privacy.catalogue import KINDS
from dtoa.privacy.registry import Kind, Window
from dtoa.store import record_change, session_scope

log = get_logger("dtoa.retention")
AUDIT_ENTITY = "retention"  # audit events of retention runs: entity_id 0, counts only
LAW = "storage limitation, DPA 2018 s.39"


@dataclass(frozen=True)
class KindResult:
    """One kind in one run: its period and cutoff, how many were past it, and (applied) what
    removing them took, as counts."""

    kind: str
    action: str
    period: str
    cutoff: date
    found: int
    removed: dict[str, int] = field(default_factory=dict)


def window_for(settings: Settings, clock: Clock) -> Window:
    now = as_utc(clock.now())
    return Window(now=now, today=now.astimezone(settings.tz).date(), settings=settings,
                  periods={kind.name: kind.period(settings) for kind in KINDS})


def plan_retention(engine: Engine, settings: Settings, clock: Clock) -> list[KindResult]:
    """What a run would remove now, by kind and count (nothing is changed)."""
    window = window_for(settings, clock)
    with Session(engine) as session:
        return [_result(kind, window, len(kind.find(session, window))) for kind in KINDS]


def apply_retention(engine: Engine, settings: Settings, clock: Clock, *,
                    actor: str) -> list[KindResult]:
    """Remove everything past its period, one transaction per kind, each audited by counts."""
    window = window_for(settings, clock)
    results = []
    for kind in KINDS:
        with session_scope(engine) as session:
            keys = kind.find(session, window)
            if not keys:
                results.append(_result(kind, window, 0))
                continue
            removal = kind.remove(session, keys, window)
            counts = removal.counts()
            session.flush()
            files = _delete_files(removal.files, settings)
            if files:
                counts["deleted files"] = files
            record_change(session, at=window.now, actor=actor, entity=AUDIT_ENTITY,
                          entity_id=0, action=f"{kind.action}d",
                          changes={"kind": [None, kind.name], "found": [None, len(keys)],
                                   **{k: [None, n] for k, n in counts.items()}},
                          reason=f"{LAW}: past {window.periods[kind.name]}")
        results.append(_result(kind, window, len(keys), counts))
        log.info("retention.applied", kind=kind.name, found=len(keys),
                 **{k.replace(" ", "_"): n for k, n in counts.items()})
    with session_scope(engine) as session:
        record_change(session, at=window.now, actor=actor, entity=AUDIT_ENTITY, entity_id=0,
                      action="run", changes={"kinds checked": [None, len(results)],
                                             **{r.kind: [None, r.found] for r in results
                                                if r.found}},
                      reason=LAW)
    return results


def _result(kind: Kind, window: Window, found: int,
            removed: dict[str, int] | None = None) -> KindResult:
    period = window.periods[kind.name]
    return KindResult(kind.name, kind.action, str(period), period.cutoff_date(window.today),
                      found, removed or {})


def _delete_files(paths: list[Path], settings: Settings) -> int:
    """Delete the files (one already gone counts as deleted by an earlier run), then the
    folders left empty and the letter manifests of folders with no letter left in them."""
    deleted, folders = 0, set()
    for path in paths:
        if path.is_file():
            path.unlink()
            deleted += 1
        folders.add(path.parent)
    roots = {settings.path(p) for p in ("outbox", "processed", "quarantine")}
    for folder in sorted(folders, key=lambda f: len(f.parts), reverse=True):
        _tidy(folder, roots)
    return deleted


def _tidy(folder: Path, roots: set[Path]) -> None:
    """Remove a folder's manifests once it holds no PDF, then the folder and its parents while
    they are empty, never a configured root itself."""
    while folder.is_dir() and folder not in roots and any(folder.is_relative_to(r)
                                                          for r in roots):
        if not any(folder.glob("*.pdf")):
            for manifest in folder.glob("manifest-*.csv"):
                manifest.unlink()
        if any(folder.iterdir()):
            return
        folder.rmdir()
        folder = folder.parent


def totals(results: list[KindResult]) -> dict[str, int]:
    """Per kind, how many were found past the period: the nightly step's summary."""
    return {r.kind: r.found for r in results}

