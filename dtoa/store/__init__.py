"""Persistence: engines and sessions, the audit writer, bulk paths and queries."""

from dtoa.store.audit import change, record_change
from dtoa.store.db import create_schema, make_engine, session_scope

__all__ = ["change", "create_schema", "make_engine", "record_change", "session_scope"]
