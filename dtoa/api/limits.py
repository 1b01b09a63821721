"""Rate limits per token, counted in the database so that every server process on it agrees
(a limit kept in each process's memory would multiply by the number of processes).

A fixed one-minute window: each request adds one to its token's row for the current minute in
one statement (an upsert, atomic on SQLite and PostgreSQL), and a request past
`[api] requests_per_minute` is refused with 429 and `Retry-After` (seconds to the next
minute). A fixed window lets a burst of up to twice the limit straddle a minute's end; that is
accepted for its one write per request. Rows of past minutes are deleted as they go by."""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from dtoa.models import ApiRateWindow
from dtoa.store import session_scope

WINDOW = timedelta(minutes=1)
SWEEP_ONE_IN = 50  # about one request in this many deletes rows of past minutes


def window_start(now: datetime) -> datetime:
    return now.replace(second=0, microsecond=0)


def retry_after(now: datetime) -> int:
    """Whole seconds until the next window opens (at least 1)."""
    return max(1, math.ceil((window_start(now) + WINDOW - now).total_seconds()))


def count_request(engine: Engine, token_id: int, now: datetime, limit: int) -> int | None:
    """Count one request; None when it is within the limit, else the seconds to wait."""
    start = window_start(now)
    table = ApiRateWindow.__table__
    insert = (postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert)(table)
    statement = (insert.values(token_id=token_id, window_start=start, requests=1)
                 .on_conflict_do_update(index_elements=["token_id", "window_start"],
                                        set_={"requests": table.c.requests + 1})
                 .returning(table.c.requests))
    with session_scope(engine) as session:
        made = session.execute(statement).scalar_one()
        if random.randrange(SWEEP_ONE_IN) == 0:
            session.execute(delete(ApiRateWindow).where(ApiRateWindow.window_start < start))
    return None if made <= limit else retry_after(now)
