"""Column types shared by the tables: a closed set of values stored as text with a CHECK."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import Column, Enum

ENUM_LENGTH = 32  # room for values added later without changing the column's type


def enum_column(values: type[StrEnum], table: str, column: str, *, nullable: bool = False,
                index: bool = False, **kwargs: Any) -> Column:
    """`column` of `table` holding one of `values`, as VARCHAR(32) with the CHECK constraint
    `ck_<table>_<column>` on both databases (never a PostgreSQL enum type, so SQLite and
    PostgreSQL share one migration path)."""
    return Column(
        column,
        Enum(values, native_enum=False, create_constraint=True, length=ENUM_LENGTH,
             name=f"ck_{table}_{column}", values_callable=lambda kind: [m.value for m in kind],
             validate_strings=True),
        nullable=nullable, index=index, **kwargs)
