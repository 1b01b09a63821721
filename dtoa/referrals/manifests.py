"""One manifest CSV per folder per run (a provider's letters of the day, or a suite's notices of
the day), beside the letters it lists, so whoever sends them can check the batch is complete.
References only: no personal data."""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from dtoa import csvout
from dtoa.referrals.letters import Issued
from dtoa.render import write_atomically

MANIFEST_COLUMNS = ("reference", "letter", "version", "amended", "file", "sha256", "issued_at")


def write_manifests(issued: Sequence[Issued], outbox: Path) -> list[Path]:
    """Write `manifest-<UTC time>.csv` in each folder with letters in this run
    (`outbox/<provider>/<date>/`, `outbox/<suite>/notices/<date>/`); never overwrites an earlier
    manifest."""
    by_folder: dict[Path, list[Issued]] = defaultdict(list)
    for letter in issued:
        by_folder[letter.path.parent].append(letter)
    written = []
    for letters in by_folder.values():
        folder = outbox / letters[0].path.parent
        stamp = letters[0].issued_at.strftime("%Y%m%dT%H%M%SZ")
        path, n = folder / f"manifest-{stamp}.csv", 1
        while path.exists():
            n += 1
            path = folder / f"manifest-{stamp}-{n}.csv"
        buffer = io.StringIO(newline="")
        writer = csvout.writer(buffer)
        writer.writerow(MANIFEST_COLUMNS)
        for letter in letters:
            writer.writerow([letter.reference, letter.kind, letter.version,
                             "true" if letter.amended else "false", letter.path.name,
                             letter.sha256, letter.issued_at.isoformat()])
        write_atomically(path, buffer.getvalue().encode("utf-8"))
        written.append(path)
    return written
