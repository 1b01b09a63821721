"""One manifest CSV per provider per run, beside the letters it lists, so the provider's
administrator can check the batch is complete. References only: no personal data."""

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
    """Write `outbox/<provider>/<date>/manifest-<UTC time>.csv` for each provider with letters
    in this run; never overwrites an earlier manifest."""
    by_provider: dict[str, list[Issued]] = defaultdict(list)
    for letter in issued:
        by_provider[letter.provider].append(letter)
    written = []
    for letters in by_provider.values():
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
