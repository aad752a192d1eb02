"""Shared support channels: a Slack Connect channel or a Telegram group linked to an org."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from desk import audit
from desk.errors import Conflict, Invalid, NotFound
from store.models import Case, Conversation, GroupAnswer, LinkedChannel, Organization, OutboxMessage

CHANNELS = ("slack", "telegram")
MODES = ("every-message", "mention")
DEFAULT_MODE = "every-message"

# Slack conversation ids: C… (public, Slack Connect) or G… (private), upper-case letters and
# digits. Telegram groups and supergroups have negative chat ids (private chats are positive).
_SLACK_ID = re.compile(r"[CG][A-Z0-9]{6,20}")
_TELEGRAM_ID = re.compile(r"-[1-9][0-9]{0,19}")


@dataclass(frozen=True)
class LinkedView:
    """A linked channel with its organization's name, as listed and printed."""

    organization: str
    channel: str
    chat_id: str
    mode: str
    created_at: datetime

    def as_dict(self) -> dict[str, str]:
        return {"organization": self.organization, "channel": self.channel,
                "chat_id": self.chat_id, "mode": self.mode,
                "created_at": self.created_at.isoformat()}


def check_chat_id(channel: str, chat_id: str) -> str:
    """The chat id as stored; Invalid when it cannot be a shared channel of that chat app."""
    value = chat_id.strip()
    if channel == "slack":
        if not _SLACK_ID.fullmatch(value):
            raise Invalid(f"{chat_id!r} is not a Slack channel id (like C0123ABCD: open the "
                          f"channel's details in Slack, the id is at the bottom)")
        return value
    if channel == "telegram":
        if not _TELEGRAM_ID.fullmatch(value):
            raise Invalid(f"{chat_id!r} is not a Telegram group chat id (groups have negative "
                          f"ids like -1001234567890)")
        return value
    raise Invalid(f"unknown chat channel {channel!r} (use: {', '.join(CHANNELS)})")


def check_mode(mode: str) -> str:
    value = mode.strip().lower()
    if value not in MODES:
        raise Invalid(f"unknown mode {mode!r} (use: {', '.join(MODES)})")
    return value


def lookup(session: Session, channel: str, chat_id: str) -> LinkedChannel | None:
    """The link of chat `chat_id` on `channel`, or None when the chat is not a shared channel."""
    return session.scalar(select(LinkedChannel).where(
        LinkedChannel.channel == channel, LinkedChannel.chat_id == str(chat_id)))


def _view(link: LinkedChannel, org: Organization) -> LinkedView:
    return LinkedView(organization=org.name, channel=link.channel, chat_id=link.chat_id,
                      mode=link.mode, created_at=link.created_at)


def link(session: Session, org: Organization, *, channel: str, chat_id: str,
         mode: str = DEFAULT_MODE, now: datetime, actor: str) -> LinkedView:
    """Link a chat to `org`; Conflict when the chat is already linked (to any organization)."""
    value = check_chat_id(channel, chat_id)
    chosen = check_mode(mode)
    existing = lookup(session, channel, value)
    if existing is not None:
        owner = session.get(Organization, existing.org_id)
        name = owner.name if owner is not None else "another organization"
        raise Conflict(f"{channel} chat {value} is already linked to {name} "
                       f"(see: supportdesk org channel list)")
    created = LinkedChannel(org_id=org.id, channel=channel, chat_id=value, mode=chosen,
                            created_at=now)
    session.add(created)
    session.flush()
    audit.record(session, actor=actor, action="org.channel.link", entity="linked_channel",
                 entity_id=created.id, now=now,
                 details={"organization": org.name, "channel": channel, "chat_id": value,
                          "mode": chosen})
    return _view(created, org)


def unlink(session: Session, *, channel: str, chat_id: str, now: datetime,
           actor: str) -> LinkedView:
    """Remove the link of a chat; NotFound when it is not linked."""
    value = check_chat_id(channel, chat_id)
    existing = lookup(session, channel, value)
    if existing is None:
        raise NotFound(f"{channel} chat {value} is not linked to any organization")
    org = session.get(Organization, existing.org_id)
    assert org is not None
    view = _view(existing, org)
    audit.record(session, actor=actor, action="org.channel.unlink", entity="linked_channel",
                 entity_id=existing.id, now=now,
                 details={"organization": org.name, "channel": channel, "chat_id": value,
                          "mode": existing.mode})
    session.delete(existing)
    session.flush()
    return view


def list_links(session: Session, org: Organization | None = None) -> list[LinkedView]:
    """Every linked channel (of `org` only when given), by organization, channel and chat."""
    query = (select(LinkedChannel, Organization)
             .join(Organization, Organization.id == LinkedChannel.org_id)
             .order_by(Organization.name, LinkedChannel.channel, LinkedChannel.chat_id))
    if org is not None:
        query = query.where(LinkedChannel.org_id == org.id)
    return [_view(link_row, owner) for link_row, owner in session.execute(query)]


def case_thread(session: Session, case_id: int) -> tuple[str, str, str] | None:
    """(channel, chat id, thread) of a case whose conversation is a thread of a group chat (a
    shared channel's thread, a mention's thread), for a link to it; None for private chats."""
    conversation = session.scalar(select(Conversation).join(
        Case, Case.conversation_id == Conversation.id).where(Case.id == case_id))
    if conversation is None or not conversation.thread_key:
        return None
    if conversation.channel == "slack" and conversation.chat_id.startswith("D"):
        return None
    return conversation.channel, conversation.chat_id, conversation.thread_key


def migrate_chat(session: Session, *, channel: str, old: str, new: str, now: datetime,
                 actor: str) -> LinkedView | None:
    """A linked group got a new chat id (a Telegram group became a supergroup): the link, its
    conversations (so open cases go on), the desk's remembered answers and the messages still
    to be delivered follow it. None when `old` is not linked or the move was made already."""
    existing = lookup(session, channel, old)
    if existing is None or old == new or lookup(session, channel, new) is not None:
        return None
    taken = set(session.scalars(select(Conversation.thread_key).where(
        Conversation.channel == channel, Conversation.chat_id == new)))
    session.execute(update(Conversation).where(
        Conversation.channel == channel, Conversation.chat_id == old,
        Conversation.thread_key.not_in(taken),
    ).values(chat_id=new).execution_options(synchronize_session=False))
    session.execute(update(GroupAnswer).where(
        GroupAnswer.channel == channel, GroupAnswer.chat_id == old,
    ).values(chat_id=new).execution_options(synchronize_session=False))
    session.execute(update(OutboxMessage).where(
        OutboxMessage.channel == channel, OutboxMessage.chat_id == old,
        OutboxMessage.status == "pending",
    ).values(chat_id=new).execution_options(synchronize_session=False))
    existing.chat_id = new
    session.flush()
    org = session.get(Organization, existing.org_id)
    assert org is not None
    audit.record(session, actor=actor, action="org.channel.migrate", entity="linked_channel",
                 entity_id=existing.id, now=now,
                 details={"organization": org.name, "channel": channel, "from": old, "to": new})
    return _view(existing, org)
