"""The durable outbox: messages to people other than the sender, delivered once, in order."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, exists, func, insert, select, update
from sqlalchemy.orm import Session, aliased, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from desk.context import DeskContext
from messages.types import Button, Reply
from store.db import is_postgres
from store.models import Case, Conversation, Identity, OutboxAttachment, OutboxMessage, User

LEASE = timedelta(seconds=60)  # a claimed message is retried after this if never confirmed
MAX_ATTEMPTS = 12


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


def _buttons_json(buttons: Iterable[Button]) -> list[dict[str, Any]]:
    return [
        {"label_key": b.label_key, "action": b.action, "params": dict(b.params), "style": b.style}
        for b in buttons
    ]


def to_reply(message: OutboxMessage) -> Reply:
    """The reply an outbox row carries, ready to render in message.language."""
    buttons = tuple(
        Button(b["label_key"], b["action"], b.get("params") or {}, b.get("style"))
        for b in message.buttons or []
    )
    return Reply(message.key, dict(message.params or {}), buttons)


_INSERT = insert(OutboxMessage.__table__).returning(OutboxMessage.__table__.c.id)


def enqueue(
    session: Session,
    *,
    channel: str,
    chat_id: str,
    reply: Reply,
    language: str,
    purpose: str,
    now: datetime,
    thread_id: str | None = None,
    case_id: int | None = None,
    recipient_user_id: int | None = None,
    attachments: Sequence[Attachment] = (),
) -> OutboxMessage:
    """Store one outgoing message in the caller's transaction.

    One INSERT ... RETURNING at once (no unit-of-work flush); the returned row object is
    attached to the session as if it had been loaded.
    """
    values: dict[str, Any] = {
        "channel": channel, "chat_id": chat_id, "thread_id": thread_id,
        "recipient_user_id": recipient_user_id, "case_id": case_id, "purpose": purpose,
        "language": language, "key": reply.key, "params": dict(reply.params),
        "buttons": _buttons_json(reply.buttons), "status": "pending", "attempts": 0,
        "next_attempt_at": now, "last_error": None, "external_id": None, "created_at": now,
        "sent_at": None,
    }
    message_id = session.execute(_INSERT, values).scalar_one()
    message = OutboxMessage(id=message_id, **values)
    make_transient_to_detached(message)
    session.add(message)
    if attachments:
        session.execute(insert(OutboxAttachment.__table__), [
            {"outbox_id": message_id, "filename": a.filename, "content_type": a.content_type,
             "data": a.data} for a in attachments])
    return message


def enqueue_for_user(
    session: Session,
    desk: DeskContext,
    user: User,
    reply: Reply,
    *,
    purpose: str,
    now: datetime,
    case_id: int | None = None,
    attachments: Sequence[Attachment] = (),
) -> OutboxMessage | None:
    """Send to a person's direct chat: their first identity on a real channel, else console."""
    identities = session.scalars(
        select(Identity).where(Identity.user_id == user.id).order_by(Identity.id)
    ).all()
    if not identities:
        return None
    real = [i for i in identities if i.channel != "console"]
    configured = {room.channel for room in desk.agent_rooms}
    chosen = next((i for i in real if i.channel in configured), real[0] if real else identities[0])
    return enqueue(
        session, channel=chosen.channel, chat_id=chosen.external_id, reply=reply,
        language=user.language or desk.default_language, purpose=purpose, now=now,
        case_id=case_id, recipient_user_id=user.id, attachments=attachments,
    )


def enqueue_for_case(session: Session, desk: DeskContext, case: Case, reply: Reply, *,
                     purpose: str, now: datetime) -> OutboxMessage | None:
    """A message into the case's own conversation (its chat and thread), in the language of the
    partner who opened it; None when the case has no conversation."""
    conversation = session.get(Conversation, case.conversation_id)
    if conversation is None:
        return None
    partner = session.get(User, case.opened_by_id)
    language = (partner.language if partner else None) or case.language or desk.default_language
    return enqueue(
        session, channel=conversation.channel, chat_id=conversation.chat_id,
        thread_id=conversation.thread_key or None, reply=reply, language=language,
        purpose=purpose, now=now, case_id=case.id,
        recipient_user_id=partner.id if partner else None,
    )


def enqueue_for_agent_rooms(
    session: Session, desk: DeskContext, reply: Reply, *, purpose: str, now: datetime,
    case_id: int | None = None,
) -> list[OutboxMessage]:
    """Post to every configured agents' room, in the agents' language."""
    return [
        enqueue(session, channel=room.channel, chat_id=room.chat_id, reply=reply,
                language=desk.agent_language, purpose=purpose, now=now, case_id=case_id)
        for room in desk.agent_rooms
    ]


def _claim_query(postgres: bool) -> Any:
    """Due messages of a channel whose earlier undelivered messages (same conversation) are all
    due too, with the number of those earlier ones; built once, parameters bound per call."""
    earlier = aliased(OutboxMessage)
    same_conversation = and_(
        earlier.channel == OutboxMessage.channel,
        earlier.chat_id == OutboxMessage.chat_id,
        func.coalesce(earlier.thread_id, "") == func.coalesce(OutboxMessage.thread_id, ""),
        earlier.id < OutboxMessage.id,
        earlier.status.in_(("pending", "sending")),
    )
    waiting = exists().where(same_conversation, earlier.next_attempt_at > bindparam("now"))
    before = (select(func.count()).select_from(earlier).where(same_conversation)
              .correlate(OutboxMessage).scalar_subquery())
    query = (
        select(OutboxMessage, before.label("before"))
        .where(
            OutboxMessage.channel == bindparam("channel"),
            OutboxMessage.status.in_(("pending", "sending")),
            OutboxMessage.next_attempt_at <= bindparam("now"),
            ~waiting,
        )
        .order_by(OutboxMessage.id)
        .limit(bindparam("limit"))
    )
    if postgres:
        query = query.with_for_update(skip_locked=True, of=OutboxMessage)
    return query


_CLAIM = {True: _claim_query(True), False: _claim_query(False)}
_LEASE_CLAIMED = (
    update(OutboxMessage.__table__)
    .where(OutboxMessage.__table__.c.id.in_(bindparam("ids", expanding=True)))
    .values(status="sending", attempts=OutboxMessage.__table__.c.attempts + 1,
            next_attempt_at=bindparam("until"))
)


def claim_due(
    session: Session, channel: str, now: datetime, limit: int = 20
) -> list[OutboxMessage]:
    """Take due messages of a channel for delivery, oldest first, in order per conversation.

    A message waits while an earlier one of the same conversation is undelivered, unless that
    earlier one is claimed in the same call (then it comes first in the list: send them in
    order, and stop a conversation at its first failure). Claimed rows are leased: a worker
    that dies before confirming leaves them to be retried after LEASE. Commit the session right
    after this call.
    """
    rows = session.execute(_CLAIM[is_postgres(session)],
                           {"channel": channel, "now": now, "limit": limit}).all()
    taken: dict[tuple[str, str], int] = {}
    messages: list[OutboxMessage] = []
    for message, before in rows:
        conversation = (message.chat_id, message.thread_id or "")
        # every earlier undelivered message of the conversation must be in this claim
        if before != taken.get(conversation, 0):
            continue
        taken[conversation] = before + 1
        messages.append(message)
    if not messages:
        return []
    until = now + LEASE
    session.execute(_LEASE_CLAIMED, {"ids": [m.id for m in messages], "until": until})
    for m in messages:
        set_committed_value(m, "status", "sending")
        set_committed_value(m, "attempts", m.attempts + 1)
        set_committed_value(m, "next_attempt_at", until)
    return messages


def release(session: Session, message_ids: Sequence[int], now: datetime,
            delay: timedelta | None = None) -> None:
    """Give claimed messages back untried (e.g. the service asked the bot to wait): due again
    after `delay`, without counting the claim as an attempt and without waiting for the lease."""
    if not message_ids:
        return
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(list(message_ids)), OutboxMessage.status == "sending")
        .values(status="pending", attempts=OutboxMessage.attempts - 1,
                next_attempt_at=now + (delay or timedelta(0)))
    )


def attachments_of(session: Session, message_id: int) -> list[Attachment]:
    rows = session.scalars(
        select(OutboxAttachment).where(OutboxAttachment.outbox_id == message_id)
        .order_by(OutboxAttachment.id)
    )
    return [Attachment(r.filename, r.content_type, r.data) for r in rows]


def mark_sent(session: Session, message_id: int, now: datetime,
              external_id: str | None = None) -> None:
    session.execute(
        update(OutboxMessage).where(OutboxMessage.id == message_id)
        .values(status="sent", sent_at=now, external_id=external_id, last_error=None)
    )


_MARK_SENT = (
    update(OutboxMessage.__table__)
    .where(OutboxMessage.__table__.c.id == bindparam("message_id"))
    .values(status="sent", sent_at=bindparam("now"), external_id=bindparam("native_id"),
            last_error=None)
)


def mark_sent_many(session: Session, sent: Sequence[tuple[int, str | None]],
                   now: datetime) -> None:
    """mark_sent for a round's messages (id, native id) in one statement."""
    if sent:
        session.execute(_MARK_SENT, [{"message_id": message_id, "now": now,
                                      "native_id": external_id}
                                     for message_id, external_id in sent])


def mark_retry(session: Session, message_id: int, now: datetime, error: str,
               delay: timedelta | None = None) -> None:
    """Try again later: after `delay` (a service's Retry-After) or exponential backoff."""
    message = session.get(OutboxMessage, message_id)
    if message is None:
        return
    if message.attempts >= MAX_ATTEMPTS:
        mark_failed(session, message_id, now, f"gave up after {message.attempts} attempts: {error}")
        return
    backoff = delay if delay is not None else timedelta(seconds=min(2 ** message.attempts, 300))
    message.status = "pending"
    message.next_attempt_at = now + backoff
    message.last_error = error[:1000]


def mark_failed(session: Session, message_id: int, now: datetime, error: str) -> None:
    """A permanent failure (blocked bot, deleted chat, channel_not_found): never retried."""
    session.execute(
        update(OutboxMessage).where(OutboxMessage.id == message_id)
        .values(status="failed", last_error=error[:1000], next_attempt_at=now)
    )


def case_of_posted_message(session: Session, channel: str, chat_id: str,
                           external_id: str) -> int | None:
    """The case a delivered message (e.g. a new-case notice in the agents' room) belongs to."""
    return session.scalar(
        select(OutboxMessage.case_id).where(
            OutboxMessage.channel == channel, OutboxMessage.chat_id == chat_id,
            OutboxMessage.external_id == external_id,
        ).limit(1)
    )
