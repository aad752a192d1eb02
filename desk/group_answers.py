"""The desk's answers in shared groups without threads, remembered with their conversation."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import GroupAnswer


def remember(session: Session, *, channel: str, chat_id: str, external_ids: Iterable[str],
             thread_key: str, now: datetime) -> int:
    """Record the chat app's ids of the desk's answers in a conversation of a plain group, so
    that a reply to any of them joins that conversation; ids already recorded are kept."""
    wanted = {str(i) for i in external_ids if str(i)}
    if not wanted:
        return 0
    known = set(session.scalars(select(GroupAnswer.external_id).where(
        GroupAnswer.channel == channel, GroupAnswer.chat_id == chat_id,
        GroupAnswer.external_id.in_(wanted))))
    fresh = sorted(wanted - known)
    session.add_all(GroupAnswer(channel=channel, chat_id=chat_id, external_id=external_id,
                                thread_key=thread_key, created_at=now)
                    for external_id in fresh)
    session.flush()
    return len(fresh)


def conversation_of(session: Session, channel: str, chat_id: str,
                    external_id: str) -> str | None:
    """The conversation (thread key) an answer of the desk in a plain group belongs to."""
    return session.scalar(select(GroupAnswer.thread_key).where(
        GroupAnswer.channel == channel, GroupAnswer.chat_id == chat_id,
        GroupAnswer.external_id == external_id))
