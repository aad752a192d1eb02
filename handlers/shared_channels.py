"""Shared channels in the conversation: who is heard, auto-registration, agents answering."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

import locales
from desk import cases, group_answers, outbox
from desk.context import DeskContext
from desk.users import TeamFull, add_user
from handlers.text import ParsedCommand
from messages import actions
from messages.types import Incoming, Reply
from store.models import Case, Conversation, Identity, LinkedChannel, Organization, User

AGENT_ROLES = frozenset({"agent", "admin"})
_MAX_TOLD = 10_000  # people told the team is full, remembered so they are told once
SENDER_PREFIX = "from:"  # a plain group's conversation of one person
# Staff commands answered in a shared group everybody reads: about a case of its organization
# (the answer shows nothing else), or harmless; lists, notes and the rest go elsewhere.
CASE_COMMANDS = frozenset({"take", "reply", "severity", "resolve", "reopen", "escalate",
                           "status"})
OPEN_COMMANDS = frozenset({"help", "start", "language"})


@dataclass(frozen=True)
class Admission:
    """Who writes in a shared channel: the user to handle (None: ignore), or one explanation."""

    user: User | None
    replies: tuple[Reply, ...] = ()


def admit(session: Session, desk: DeskContext, incoming: Incoming, user: User | None,
          link: LinkedChannel, told: set[tuple[str, str]]) -> Admission:
    """The sender of a message in a linked channel, registered as a partner of its
    organization on a first message; bots, the provider's own people who are not desk users
    and people of other organizations are ignored. Beyond the plan's team-members limit the
    person is told once (per process), and nothing is stored."""
    if incoming.from_bot:
        return Admission(None)
    if user is not None:
        if user.role == "partner" and user.org_id != link.org_id:
            return Admission(None)
        if user.role == "tam" and user.org_id not in (None, link.org_id):
            return Admission(None)
        return Admission(user)
    if incoming.provider_member:
        return Admission(None)
    org = session.get(Organization, link.org_id)
    assert org is not None
    now = desk.clock.now()
    key = (incoming.channel, str(incoming.user_id))
    try:
        with session.begin_nested():
            created = add_user(
                session, channel=incoming.channel, external_id=str(incoming.user_id),
                role="partner", org=org, name=(incoming.display_name or "")[:120] or None,
                language=locales.normalize(incoming.locale_hint), now=now,
                actor=f"shared-channel:{incoming.channel}:{incoming.chat_id}"[:120],
                tz=desk.billing_tz)
    except TeamFull:
        if key in told:
            return Admission(None)
        if len(told) >= _MAX_TOLD:
            told.clear()
        told.add(key)
        return Admission(None, (Reply("shared.team_full", {"org": org.name}, ephemeral=True),))
    told.discard(key)
    return Admission(created)


def conversation_case(session: Session, incoming: Incoming, link: LinkedChannel) -> Case | None:
    """The open case of the linked organization in this thread, topic or group, if any."""
    conversation = session.scalar(select(Conversation).where(
        Conversation.channel == incoming.channel, Conversation.chat_id == incoming.chat_id,
        Conversation.thread_key == (incoming.thread_id or "")))
    if conversation is None:
        return None
    return cases.current_case(session, conversation, link.org_id)


def agent_answer(session: Session, desk: DeskContext, incoming: Incoming, user: User,
                 link: LinkedChannel, text: str) -> bool:
    """An agent writing in a case's thread of a shared channel answers the partner there: the
    message is stored as the reply (first response included) and not relayed again, since the
    partner already sees it. False when the thread holds no open case of the organization."""
    if user.role not in AGENT_ROLES:
        return False
    case = conversation_case(session, incoming, link)
    if case is None:
        return False
    cases.reply(session, case=case, agent=user, text=text, now=desk.clock.now())
    return True


def in_conversation(session: Session, incoming: Incoming) -> Incoming:
    """The message with the thread of its conversation in a shared group without topics
    (Telegram): a reply to a case's message or to one of the desk's answers goes to that
    conversation, a reply to a partner's message to that partner's, anything else to the
    sender's own conversation in the group (so each partner's open case there is theirs).
    Threads and topics are kept."""
    if incoming.thread_id or incoming.channel != "telegram":
        return incoming
    key = None
    replied = incoming.reply_to_message_id
    if replied:
        case_id = outbox.case_of_posted_message(session, incoming.channel, incoming.chat_id,
                                                replied)
        case = session.get(Case, case_id) if case_id is not None else None
        conversation = session.get(Conversation, case.conversation_id) if case else None
        if conversation is not None and conversation.chat_id == incoming.chat_id:
            key = conversation.thread_key
        if key is None:
            answered = group_answers.conversation_of(session, incoming.channel,
                                                     incoming.chat_id, replied)
            if answered is not None and answered.startswith(SENDER_PREFIX):
                key = _partners_conversation(session, incoming,
                                             answered.removeprefix(SENDER_PREFIX))
    if key is None and incoming.reply_to_user_id:
        key = _partners_conversation(session, incoming, incoming.reply_to_user_id)
    if key is None:
        key = SENDER_PREFIX + str(incoming.user_id)
    return dataclasses.replace(incoming, thread_id=key or None)


def _partners_conversation(session: Session, incoming: Incoming, person: str) -> str | None:
    """The conversation of `person` in a plain group, when they are a partner (a reply to an
    agent's message, or to the desk's answer to an agent, stays with the sender)."""
    writer = session.scalar(select(User).join(Identity).where(
        Identity.channel == incoming.channel, Identity.external_id == person))
    return SENDER_PREFIX + person if writer is not None and writer.role == "partner" else None


def addressed(replies: tuple[Reply, ...], incoming: Incoming) -> tuple[Reply, ...]:
    """The answers to someone in a shared channel, their buttons pressable by them only (an
    escalation's confirmation, a plan upgrade's: a colleague reading along cannot press it).
    In Slack an answer with buttons is also shown to them only (an ephemeral message)."""
    owner = str(incoming.user_id)
    ephemeral = incoming.channel == "slack"
    return tuple(dataclasses.replace(reply, ephemeral=reply.ephemeral or ephemeral, buttons=tuple(
        dataclasses.replace(button, action=actions.owned(button.action, owner))
        for button in reply.buttons)) if reply.buttons else reply for reply in replies)


def may_press(incoming: Incoming) -> bool:
    """False when the message is a press of a button meant for somebody else."""
    if incoming.action is None:
        return True
    action = actions.decode(incoming.action)
    return action is None or action.owner is None or action.owner == str(incoming.user_id)


def own_conversation(incoming: Incoming) -> str | None:
    """The desk-made conversation key a shared-group message was placed in, else None."""
    thread = incoming.thread_id or ""
    return thread if thread.startswith(SENDER_PREFIX) else None


def staff_refusal(session: Session, incoming: Incoming, user: User, link: LinkedChannel,
                  command: ParsedCommand) -> Reply | None:
    """Why a staff command typed in a shared group is not answered there, or None.

    Slack answers slash commands to the caller only, so there everything works; in a Telegram
    group, and after a mention in a Slack channel, every answer is read by the partner's team:
    only commands about a case of the linked organization (or help and language) are answered,
    never notes, lists or other clients."""
    if (incoming.channel == "slack" and not incoming.addressed) or user.role == "partner":
        return None
    if user.role == "tam" and user.org_id == link.org_id:
        return None
    if command.name in OPEN_COMMANDS:
        return None
    if command.name in CASE_COMMANDS and command.args and command.args[0].isdigit():
        case = session.get(Case, int(command.args[0])) if len(command.args[0]) < 10 else None
        if case is not None and case.org_id == link.org_id:
            return None
    return Reply("shared.command_elsewhere", {"command": command.name[:32]}, ephemeral=True)
