"""Who is writing: a channel identity resolved to an active user of the desk."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from store.models import Identity, User

_RESOLVE = (
    select(User)
    .join(Identity, Identity.user_id == User.id)
    .where(Identity.channel == bindparam("channel"),
           Identity.external_id == bindparam("external_id"), User.removed_at.is_(None))
)


def resolve_user(session: Session, channel: str, external_id: str) -> User | None:
    """The active (not removed) user with this chat identity, or None if unknown."""
    return session.scalar(_RESOLVE, {"channel": channel, "external_id": str(external_id)})
