"""States are enums with a CHECK constraint (dtoa.models.columns.enum_column), and the schema
moves by migration. Alembic's compare_metadata ignores CHECK constraints, so this reads each
one back from a database the migrations made and holds it to the StrEnum it guards: a value
added to an enum without a migration that widens the CHECK fails here, on both backends."""

from __future__ import annotations

import re
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import SQLModel

import dtoa.models  # noqa: F401  (every table on SQLModel.metadata)

QUOTED = re.compile(r"'((?:[^']|'')*)'")


def _state_columns() -> list[tuple[str, str, str, type[StrEnum]]]:
    """(table, column, constraint name, enum) for every column the models make with
    enum_column: a non-native sa.Enum of a StrEnum that creates a named CHECK."""
    found = []
    for table in SQLModel.metadata.sorted_tables:
        for column in table.columns:
            kind = column.type
            if (isinstance(kind, sa.Enum) and isinstance(kind.enum_class, type)
                    and issubclass(kind.enum_class, StrEnum)):
                assert kind.create_constraint and not kind.native_enum, (table.name, column.name)
                found.append((table.name, column.name, kind.name, kind.enum_class))
    return found


def _balanced(text: str, start: int) -> str:
    """The text inside the parenthesis opened at `start`."""
    depth = 0
    for i in range(start, len(text)):
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        if depth == 0:
            return text[start + 1:i]
    raise AssertionError(f"unbalanced parentheses in {text!r}")


def _checks(connection: sa.Connection, table: str) -> dict[str, str]:
    """Name -> definition of the table's CHECK constraints, as the database holds them."""
    if connection.dialect.name == "sqlite":
        sql = connection.execute(sa.text(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :t"),
            {"t": table}).scalar_one()
        return {m.group(1): _balanced(sql, m.end() - 1) for m in re.finditer(
            r'CONSTRAINT\s+"?(\w+)"?\s+CHECK\s*\(', sql, re.IGNORECASE)}
    return dict(connection.execute(sa.text(
        "SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
        "JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace "
        "WHERE c.contype = 'c' AND t.relname = :t AND n.nspname = current_schema()"),
        {"t": table}).all())


def test_the_models_declare_a_check_for_each_state_column():
    columns = {(table, column) for table, column, _, _ in _state_columns()}
    assert {("referral", "state"), ("appointment", "setting"), ("appointment", "state"),
            ("prosecution_case", "state")} <= columns


def test_every_state_check_the_migrations_made_lists_exactly_its_enums_values(engine):
    mismatched = []
    with engine.connect() as connection:
        for table, column, name, values in _state_columns():
            definition = _checks(connection, table).get(name)
            assert definition is not None, f"{table}.{column}: no CHECK {name} in the database"
            assert column in definition, (name, definition)
            stored = {v.replace("''", "'") for v in QUOTED.findall(definition)}
            declared = {member.value for member in values}
            if stored != declared:
                mismatched.append((table, column, sorted(declared - stored),
                                   sorted(stored - declared)))
    assert mismatched == [], "(table, column, in the enum only, in the database only)"
