"""Every kind of record retention knows, in the order a run applies them.

To add a kind (a table of your own): define a `Kind` (dtoa.privacy.registry) beside your
models, with its `[retention]` key, default period and source, a `find` that returns the keys
of what is past the period and a `remove` that deletes or anonymises them in the caller's
transaction and lists the files that go with them; then add it below, before any kind whose
rows yours points at (rows that point at others go first: foreign keys), and add its key and
default to `[retention]` in config.toml and the README's table (a test checks all three agree).
Rows of yours that hang on a detention's file (a referral's messages, say) go when the file is
anonymised: find them by `Detention.anonymised_at IS NOT NULL` in a kind placed after the file
kinds. Personal data of yours that subject access must export: add a `Section` to SECTIONS.
"""

from __future__ import annotations

from dtoa.notify import retention as notifications
from dtoa.privacy import case_files, housekeeping
from dtoa.privacy.registry import Kind, Section

KINDS: tuple[Kind, ...] = (
    *case_files.KINDS,  # detention files, anonymised whole (their letters and audit go)
    *notifications.KINDS,  # outbox messages, reminder contacts, Idempotency-Key answers
    *housekeeping.KINDS,  # letters first; rejected rows before the batches they point at
)

# Personal data held outside a detention's file (contact details, messages sent to the
# person, ...): each section is added to the subject access export under its name.
SECTIONS: tuple[Section, ...] = (*notifications.SECTIONS,)


def kinds_by_name() -> dict[str, Kind]:
    return {kind.name: kind for kind in KINDS}
