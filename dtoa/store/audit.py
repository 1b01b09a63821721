"""The one audit writer: every state change goes through `record_change`.

A change made by hand may carry a reason (why it was made, in the words of the person making
it), shown by `dtoa audit show`. Give it to `record_change`/`change`, or once for a whole unit of
work with `give_reason(session, ...)`: every event written in that session then carries it, so
a command need not pass it down through the library calls it makes."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from dtoa.models import AuditEvent

REASON_KEY = "dtoa.audit.reason"


def give_reason(session: Session, reason: str | None) -> None:
    """Every audit event this session writes from now on carries `reason` (blank: none)."""
    session.info[REASON_KEY] = (reason or "").strip() or None


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for the fields whose value differs."""
    return {
        key: [_plain(before.get(key)), _plain(after.get(key))]
        for key in after
        if before.get(key) != after.get(key)
    }


def record_change(
    session: Session,
    *,
    at: datetime,
    actor: str,
    entity: str,
    entity_id: int,
    action: str,
    changes: dict[str, list[Any]],
    reason: str | None = None,
) -> AuditEvent:
    """Append one audit row in the caller's transaction, so the change and its record commit
    together or not at all. `reason`, else the session's (`give_reason`), says why."""
    event = AuditEvent(**audit_values(at=at, actor=actor, entity=entity, entity_id=entity_id,
                                      action=action, changes=changes,
                                      reason=(reason or "").strip()
                                      or session.info.get(REASON_KEY)))
    session.add(event)
    return event


def change(session: Session, row: Any, *, entity: str, action: str, at: datetime, actor: str,
           note: dict[str, list[Any]] | None = None, reason: str | None = None,
           **values: Any) -> dict[str, list[Any]]:
    """Set `values` on a row and audit what differed, old -> new (plus `note`, context that is not
    a column) and why (`reason`), in the caller's transaction, stamping `updated_at`. When
    nothing differs and there is no note, nothing is written. Returns the changed fields."""
    changes = {key: [getattr(row, key), value] for key, value in values.items()
               if getattr(row, key) != value}
    if not changes and not note:
        return {}
    for key, value in values.items():
        setattr(row, key, value)
    row.updated_at = at
    session.add(row)
    record_change(session, at=at, actor=actor, entity=entity, entity_id=row.id, action=action,
                  changes={**changes, **(note or {})}, reason=reason)
    return changes


def audit_values(*, at: datetime, actor: str, entity: str, entity_id: int, action: str,
                 changes: dict[str, list[Any]], reason: str | None = None) -> dict:
    """One audit row's column values, as `record_change` writes it (a bulk writer inserts many
    at once with these)."""
    return {"at": at, "actor": actor, "entity": entity, "entity_id": entity_id,
            "action": action, "reason": reason,
            "changes": json.dumps({k: [_plain(v) for v in pair] for k, pair in changes.items()},
                                  sort_keys=True)}
