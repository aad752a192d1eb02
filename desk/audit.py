"""The audit trail: who changed what, when, with the details of the change."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from store.models import AuditEntry

_INSERT = insert(AuditEntry.__table__)


def _plain(value: Any) -> Any:
    """JSON-safe copy of the details: Decimal and months as text, instants in ISO form."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return _plain(value.value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def record(session: Session, *, actor: str, action: str, entity: str, entity_id: object,
           details: dict[str, Any] | None = None, now: datetime) -> None:
    """Add one audit entry to the session's transaction (committed together with the change).

    A plain INSERT executed at once (no unit-of-work flush): the entry is append-only and
    nothing else references it.
    """
    if now.tzinfo is None:
        raise ValueError("audit entries need an aware datetime")
    session.execute(_INSERT, {"at": now, "actor": actor[:120], "action": action[:60],
                              "entity": entity[:40], "entity_id": str(entity_id)[:64],
                              "details": _plain(details or {})})
