"""`[api]` in config.toml: the partner API's limits. Kept apart from dtoa.config's own classes
so that module stays small; read and validated with the rest of the configuration."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ApiSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    requests_per_minute: int = Field(default=120, gt=0)  # per token, across every process
    max_batch: int = Field(default=1000, gt=0)  # records in one batch request
    idempotency_hours: int = Field(default=24, gt=0)  # how long a key's response is replayed
    feed_overlap_minutes: int = Field(default=15, ge=0)  # a feed's cursor stays this far back
