"""The bulk lane under ingest's writers: DBAPI `executemany` on SQLite and `COPY` on PostgreSQL,
always on the session's own connection so the rows join the batch's one transaction (a crash
leaves nothing). SQLAlchemy's per-row parameter handling costs more than the database's work at
a national extract's size; these helpers keep it to one statement per chunk. Inserted
detentions, tests and results have their arrest days marked for the funnel's stored weeks in
one more statement (`dtoa.store.funnel_marks`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence

from sqlalchemy import ARRAY, Boolean, Table, Text, and_, bindparam, func, select
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ColumnElement, Select
from sqlmodel import Session

from dtoa.store.funnel_marks import MARKED_ON_INSERT, mark_inserted

Key = tuple[str, str]


def allocate_ids(session: Session, table: Table, count: int) -> list[int]:
    """`count` fresh primary keys for `table`, so that child rows can be written with their
    parent's id without reading rows back. PostgreSQL draws them from the column's sequence
    (safe with concurrent writers); SQLite continues after the largest id, which is what SQLite
    itself does, and is safe because the batch already holds the database's write lock."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        drawn = connection.exec_driver_sql(
            f"SELECT nextval(pg_get_serial_sequence('{table.name}', 'id')) "
            "FROM generate_series(1, %s)", (count,)).scalars().all()
        return sorted(drawn)
    largest = connection.exec_driver_sql(f"SELECT max(id) FROM {table.name}").scalar() or 0
    return list(range(largest + 1, largest + 1 + count))


def insert_rows(session: Session, table: Table, columns: Sequence[str],
                rows: Iterable[Sequence]) -> None:
    """Insert value tuples (in `columns` order) with the backend's bulk path. Values go through
    the columns' own SQLAlchemy bind processors, so they are stored exactly as an ORM insert
    would store them (SQLite's datetime text, booleans as 0/1)."""
    connection = session.connection()
    dialect = connection.dialect
    processors = [(i, _memo(p)) for i, name in enumerate(columns)
                  if (p := _bind_processor(table, name, dialect)) is not None]
    keys: list[int] = []
    key = MARKED_ON_INSERT.get(table.name)
    if key is not None:
        rows = _keeping(rows, columns.index(key), keys)
    if processors:
        rows = (_processed(row, processors) for row in rows)
    quoted = ", ".join(dialect.identifier_preparer.quote(c) for c in columns)
    cursor = connection.connection.driver_connection.cursor()
    try:
        if dialect.name == "postgresql":
            with cursor.copy(f"COPY {table.name} ({quoted}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(columns))
            cursor.executemany(f"INSERT INTO {table.name} ({quoted}) VALUES ({marks})", rows)
    finally:
        cursor.close()
    if key is not None:
        mark_inserted(connection, table.name, keys)


def _keeping(rows: Iterable[Sequence], index: int, kept: list) -> Iterable[Sequence]:
    """The rows, unchanged, keeping each one's value at `index` as it passes."""
    for row in rows:
        kept.append(row[index])
        yield row


def _bind_processor(table: Table, name: str, dialect: Dialect) -> Callable | None:
    """The column's SQLAlchemy bind processor, except SQLite's for booleans: sqlite3 already
    stores True and False as 1 and 0, exactly as that processor does."""
    kind = table.c[name].type
    if dialect.name == "sqlite" and isinstance(kind, Boolean):
        return None
    return kind._cached_bind_processor(dialect)


def _memo(process: Callable, limit: int = 50_000) -> Callable:
    """A bind processor that remembers its answers: dates, flags and the batch's own time
    repeat across a chunk, and the processors (timezone checks, text formatting) are the
    costliest part of a row on this path."""
    seen: dict = {}

    def processed(value: object) -> object:
        try:
            return seen[value]
        except KeyError:
            if len(seen) >= limit:
                seen.clear()
            seen[value] = result = process(value)
            return result

    return processed


def _processed(row: Sequence, processors: list) -> list:
    values = list(row)
    for i, process in processors:
        if values[i] is not None:
            values[i] = process(values[i])
    return values


def by_natural_key(session: Session, table: Table, columns: Sequence[ColumnElement],
                   keys: Iterable[Key], *, outer: tuple | None = None) -> list:
    """Rows of `table` for (suite, custody_ref) keys, in one statement with one parameter
    whatever the number of keys (a JSON array on SQLite, two arrays on PostgreSQL), so the
    statement is compiled once and the database walks the unique index once per key.
    `outer` = (table, on-clause) adds a LEFT OUTER JOIN (a detention's test, say)."""
    keys = list(keys)
    if session.connection().dialect.name == "postgresql":
        wanted = func.unnest(bindparam("suites", type_=ARRAY(Text)),
                             bindparam("refs", type_=ARRAY(Text))).table_valued(
            "suite", "ref").render_derived(name="wanted")
        on = and_(table.c.suite == wanted.c.suite, table.c.custody_ref == wanted.c.ref)
        params = {"suites": [k[0] for k in keys], "refs": [k[1] for k in keys]}
    else:
        wanted = func.json_each(bindparam("keys")).table_valued("value")
        on = and_(table.c.suite == func.json_extract(wanted.c.value, "$[0]"),
                  table.c.custody_ref == func.json_extract(wanted.c.value, "$[1]"))
        params = {"keys": json.dumps(keys)}
    statement: Select = select(*columns).select_from(wanted).join(table, on)
    if outer is not None:
        statement = statement.outerjoin(*outer)
    return session.execute(statement, params).all()


def insert_frame(session: Session, table: Table, frame) -> None:  # noqa: ANN001
    """Insert a polars frame whose columns are already as the database stores them (dates and
    times as text in SQLAlchemy's SQLite format, which PostgreSQL also reads): `executemany`
    straight from its rows on SQLite, `COPY ... (FORMAT csv)` straight from its CSV text on
    PostgreSQL (a null is an unquoted empty field there, and no value is an empty text)."""
    if frame.height == 0:
        return
    connection = session.connection()
    dialect = connection.dialect
    quoted = ", ".join(dialect.identifier_preparer.quote(c) for c in frame.columns)
    cursor = connection.connection.driver_connection.cursor()
    try:
        if dialect.name == "postgresql":
            with cursor.copy(f"COPY {table.name} ({quoted}) FROM STDIN WITH (FORMAT csv)"
                             ) as copy:
                copy.write(frame.write_csv(include_header=False))
        else:
            marks = ", ".join("?" * len(frame.columns))
            cursor.executemany(f"INSERT INTO {table.name} ({quoted}) VALUES ({marks})",
                               zip(*(column.to_list() for column in frame.get_columns()),
                                   strict=True))
    finally:
        cursor.close()
    if (key := MARKED_ON_INSERT.get(table.name)) is not None:
        mark_inserted(connection, table.name, frame.get_column(key).unique().to_list())
