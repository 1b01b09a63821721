"""Taking in CSV extracts and desk entries: parse, validate, and commit whole or not at all."""

from dtoa.ingest.batch import BatchSummary, ingest_file, ingest_rows
from dtoa.ingest.csvfile import RowError

__all__ = ["BatchSummary", "RowError", "ingest_file", "ingest_rows"]
