"""Custody records kept complete: inspectors' authorities to be recorded (PACE 1984 s.63C)."""

from dtoa.custody.authorities import (
    AuthorityError,
    IncompleteAuthority,
    complete_authority,
    incomplete_authorities,
)

__all__ = ["AuthorityError", "IncompleteAuthority", "complete_authority",
           "incomplete_authorities"]
