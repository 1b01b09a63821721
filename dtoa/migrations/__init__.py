"""The schema's history as Alembic migrations: `dtoa db upgrade` applies them (see
dtoa.store.schema). A model change and its migration land in the same commit; a test fails
when they disagree (tests/test_migrations.py)."""
