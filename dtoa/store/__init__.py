"""Persistence: engines and sessions, the schema's migrations, the audit writer, bulk paths and
queries."""

from dtoa.store import funnel_marks  # noqa: F401  (marks the funnel's days on ORM inserts)
from dtoa.store.audit import change, give_reason, record_change
from dtoa.store.db import make_engine, session_scope
from dtoa.store.schema import SchemaNotCurrent, require_current
from dtoa.store.schema import upgrade as upgrade_schema

__all__ = ["SchemaNotCurrent", "change", "give_reason", "make_engine", "record_change",
           "require_current", "session_scope", "upgrade_schema"]
