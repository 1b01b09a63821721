"""Alembic's environment: always called from dtoa.store.schema with an open connection, so the
migrations run inside the caller's lock and transaction. `include_object` keeps tables that
are not ours (APScheduler's job store shares the database) out of comparisons."""

from alembic import context
from sqlmodel import SQLModel

import dtoa.models  # noqa: F401  (registers every table on SQLModel.metadata)

FOREIGN_TABLES = frozenset({"apscheduler_jobs"})


def include_object(_object, name, type_, _reflected, _compare_to):  # noqa: ANN001, ANN201
    return not (type_ == "table" and name in FOREIGN_TABLES)


connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    include_object=include_object,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
