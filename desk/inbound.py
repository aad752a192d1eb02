"""De-duplication of inbound updates by (channel, update id), inside the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from store.db import is_postgres
from store.models import InboundUpdate


def _insert(dialect: Any) -> Any:
    table = InboundUpdate.__table__
    return (
        dialect.insert(table)
        .on_conflict_do_nothing(index_elements=["channel", "update_id"])
        .returning(table.c.id)
    )


_INSERT = {"postgresql": _insert(postgresql), "sqlite": _insert(sqlite)}


PARKED_SUFFIX = ":parked"


def park(session: Session, channel: str, update_id: str, payload: dict[str, Any],
         now: datetime) -> None:
    """Keep the raw update that failed every attempt, for an operator to inspect and replay.

    Stored under '<channel>:parked', so the real channel key stays free: a replay of the
    parked payload is processed like a first delivery.
    """
    stmt = _INSERT["postgresql" if is_postgres(session) else "sqlite"]
    session.execute(stmt, {"channel": channel + PARKED_SUFFIX, "update_id": update_id,
                           "payload": payload, "received_at": now, "processed_at": None})


def first_delivery(session: Session, channel: str, update_id: str, now: datetime,
                   payload: dict[str, Any] | None = None) -> bool:
    """Record the update; False if it was seen before (a redelivery to ignore).

    Runs in the same transaction as the processing, so a rolled-back processing forgets the
    update and a redelivery is processed again.
    """
    stmt = _INSERT["postgresql" if is_postgres(session) else "sqlite"]
    params = {"channel": channel, "update_id": update_id, "payload": payload,
              "received_at": now, "processed_at": now}
    return session.execute(stmt, params).scalar() is not None


def parked(session: Session, include_settled: bool = False) -> list[InboundUpdate]:
    """Parked updates of every channel, oldest first; settled ones (replayed or dropped) only
    when asked for."""
    query = select(InboundUpdate).where(InboundUpdate.channel.endswith(PARKED_SUFFIX))
    if not include_settled:
        query = query.where(InboundUpdate.processed_at.is_(None))
    return list(session.scalars(query.order_by(InboundUpdate.id)))


def parked_update(session: Session, channel: str, update_id: str) -> InboundUpdate | None:
    """One parked update of a channel, locked on PostgreSQL so two replays cannot race."""
    query = select(InboundUpdate).where(InboundUpdate.channel == channel + PARKED_SUFFIX,
                                        InboundUpdate.update_id == update_id)
    if is_postgres(session):
        query = query.with_for_update()
    return session.scalar(query)


def settle(row: InboundUpdate, now: datetime) -> None:
    """Mark a parked update as dealt with (replayed or dropped): it is kept for the record."""
    row.processed_at = now
