"""The channel-agnostic conversation: one Incoming in, one Outcome out, one transaction each."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session

import locales
from desk import cases, inbound, linked_channels, outbox
from desk.context import DeskContext
from desk.errors import DeskError
from desk.identity import resolve_user
from desk.ratelimit import RateLimiter, Verdict
from handlers import commands, shared_channels
from handlers.partner_commands import handle_partner_text
from handlers.registry import COMMANDS, CommandContext
from handlers.text import (
    MAX_LENGTH,
    ParsedCommand,
    clean,
    mention_command,
    parse_command,
    tail,
)
from messages import actions
from messages.types import INTERNAL, UNAVAILABLE, Incoming, Outcome, Reply
from store.db import transaction
from store.models import LinkedChannel, User

log = logging.getLogger(__name__)

AGENT_ROLES = frozenset({"agent", "admin"})
ALIASES = {"start": "help"}  # Telegram clients send /start when a chat with the bot begins


class Desk:
    """Handles every update of every channel the same way; never raises."""

    def __init__(self, desk: DeskContext) -> None:
        self.desk = desk
        self.limiter = RateLimiter(desk.rate_limit_per_minute, desk.clock)
        commands.load()
        self._told_team_full: set[tuple[str, str]] = set()  # shared_channels.admit

    def handle(self, incoming: Incoming) -> Outcome:
        """Process one update in one transaction; any unexpected error is answered politely."""
        fallback = locales.normalize(incoming.locale_hint) or self.desk.default_language
        try:
            with transaction(self.desk.sessions) as session:
                return self._handle(session, incoming, fallback)
        except (OperationalError, InterfaceError) as exc:
            # The database is down, restarting or locked: nothing was stored; try again later.
            log.warning("database unavailable for %s update %s: %s", incoming.channel,
                        incoming.update_id, exc.orig or exc)
            return Outcome(fallback, (Reply("error.unavailable"),), failure=UNAVAILABLE)
        except Exception:
            log.exception("handling %s update %s from %s failed", incoming.channel,
                          incoming.update_id, incoming.user_id)
            return Outcome(fallback, (Reply("error.internal"),), failure=INTERNAL)

    def _handle(self, session: Session, incoming: Incoming, fallback: str) -> Outcome:
        if not shared_channels.may_press(incoming):  # another person's button in a group
            return Outcome(fallback, (Reply("shared.not_your_button", ephemeral=True),))
        link = None if incoming.is_private else linked_channels.lookup(
            session, incoming.channel, str(incoming.chat_id))
        heard_everywhere = link is not None and link.mode == "every-message"
        if incoming.only_if_shared and not heard_everywhere:
            return Outcome(fallback)  # group chatter not addressed to the desk
        if incoming.only_in_known_thread and not heard_everywhere and not cases.is_conversation(
                session, incoming.channel, incoming.chat_id, incoming.thread_id or ""):
            return Outcome(fallback)  # chatter in a channel thread that is not the desk's
        if link is None:
            return self._handle_message(session, incoming, fallback, None)
        incoming = shared_channels.in_conversation(session, incoming)
        outcome = self._handle_message(session, incoming, fallback, link)
        return dataclasses.replace(
            outcome, replies=shared_channels.addressed(outcome.replies, incoming),
            conversation=shared_channels.own_conversation(incoming))

    def _handle_message(self, session: Session, incoming: Incoming, fallback: str,
                        link: LinkedChannel | None) -> Outcome:
        now = self.desk.clock.now()
        if incoming.update_id is not None and not inbound.first_delivery(
            session, incoming.channel, str(incoming.update_id), now
        ):
            return Outcome(fallback, duplicate=True)
        verdict = self.limiter.check(incoming.channel, str(incoming.user_id))
        text = clean(incoming.text)
        if incoming.addressed:  # "@supportdesk escalate 42" in a thread
            text = mention_command(text, COMMANDS.keys() | ALIASES.keys())
        user = resolve_user(session, incoming.channel, str(incoming.user_id))
        if link is not None:  # a shared channel: strangers join their organization's team
            if user is None and verdict is not Verdict.ALLOW:
                return Outcome(fallback)  # nobody is registered while flooding
            admitted = shared_channels.admit(session, self.desk, incoming, user, link,
                                             self._told_team_full)
            if admitted.user is None:  # ignored, or told once that the team is full
                return Outcome(self._language(None, incoming, text), admitted.replies)
            user = admitted.user
        language = self._language(user, incoming, text)
        if verdict is Verdict.DROP:
            return Outcome(language)
        if verdict is Verdict.WARN:
            return Outcome(language, (Reply("error.rate_limited"),))
        if user is None:
            return Outcome(language, (Reply("error.no_access"),))
        if incoming.action is not None:
            return self._action(session, user, incoming, language)
        if not text:
            return Outcome(language, (Reply("error.empty_message"),))
        if len(text) > MAX_LENGTH:
            return Outcome(language, (Reply("error.too_long", {"limit": MAX_LENGTH}),))
        incoming = dataclasses.replace(incoming, text=text)
        parsed = parse_command(text)
        if parsed is not None:
            refused = None if link is None else shared_channels.staff_refusal(
                session, incoming, user, link, parsed)
            if refused is not None:
                return Outcome(language, (refused,))
            return self._command(session, user, incoming, language, parsed)
        if link is not None and shared_channels.agent_answer(session, self.desk, incoming,
                                                             user, link, text):
            return Outcome(language)  # the partner sees the agent's own message
        if user.role in AGENT_ROLES:
            case_id = self._relayed_case(session, incoming)
            if case_id is not None:  # an answer to a notice is a reply to its case
                return self._command(session, user, incoming, language,
                                     ParsedCommand.of("reply", str(case_id), text=text))
        if user.role == "partner":
            # No savepoint: the partner path refuses (DeskError) only before its first write.
            return self._run(session, user, incoming, language,
                             lambda ctx: handle_partner_text(ctx, text), savepoint=False)
        if not incoming.is_private:
            return Outcome(language)  # staff talking among themselves in a group
        hint = "hint.use_reply" if user.role in AGENT_ROLES else "hint.use_help"
        return Outcome(language, (Reply(hint),))

    def _language(self, user: User | None, incoming: Incoming, text: str) -> str:
        """The language to answer in (DOMAIN.md, Languages): the one a partner chose with
        /language; else the language of a message long enough to tell (remembered); else the
        known one, the chat client's, or the detector's best guess (locales.reply_language).

        Staff are never guessed from their text (an agent may write to a partner in the
        partner's language): their stored language, else the hint, else the agents' language.
        """
        if user is not None and user.role != "partner":
            return (user.language or locales.normalize(incoming.locale_hint)
                    or self.desk.agent_language)
        parsed = parse_command(text)
        content = tail(text, 1) if parsed is not None else text
        hint = locales.normalize(incoming.locale_hint)
        if hint is None and self.desk.default_language != locales.DEFAULT_LANGUAGE:
            hint = self.desk.default_language
        chosen = user.language if user is not None and user.language_chosen else None
        decided = locales.reply_language(content, chosen=chosen,
                                         known=user.language if user else None, hint=hint,
                                         default=self.desk.default_language)
        if decided.remember and user is not None and chosen is None:
            user.language = decided.remember
        return decided.language

    def _relayed_case(self, session: Session, incoming: Incoming) -> int | None:
        """The case of the agents'-room notice this message answers (Telegram reply or thread)."""
        for native_id in (incoming.reply_to_message_id, incoming.thread_id):
            if native_id:
                case_id = outbox.case_of_posted_message(session, incoming.channel,
                                                        incoming.chat_id, str(native_id))
                if case_id is not None:
                    return case_id
        return None

    def _action(self, session: Session, user: User, incoming: Incoming,
                language: str) -> Outcome:
        action = actions.decode(incoming.action)
        if action is None:
            return Outcome(language, (Reply("error.bad_action"),))
        return self._command(session, user, incoming, language,
                             ParsedCommand.of(action.command, *action.params))

    def _command(self, session: Session, user: User, incoming: Incoming, language: str,
                 command: ParsedCommand) -> Outcome:
        name = command.name
        spec = COMMANDS.get(ALIASES.get(name, name))
        if spec is None:
            return Outcome(language, (Reply("error.unknown_command", {"command": name[:32]}),))
        if user.role not in spec.roles:
            return Outcome(language, (Reply("error.not_allowed", {"command": name}),))
        return self._run(session, user, incoming, language,
                         lambda ctx: spec.handler(ctx, command.args), command=command)

    def _run(self, session: Session, user: User, incoming: Incoming, language: str,
             call: Callable[[CommandContext], list[Reply]], savepoint: bool = True,
             command: ParsedCommand | None = None) -> Outcome:
        """Run a handler in a savepoint: a refused action (DeskError) leaves no writes behind.

        `savepoint=False` is for handlers that refuse only before writing anything.
        """
        ctx = CommandContext(session, self.desk, user, incoming, language, command)
        try:
            if not savepoint:
                replies = call(ctx)
            else:
                with session.begin_nested():
                    replies = call(ctx)
        except DeskError as exc:
            return Outcome(ctx.language, (error_reply(exc),))
        return Outcome(ctx.language, tuple(replies))


def error_reply(exc: DeskError) -> Reply:
    """The answer to a refused action: its own key when it carries one."""
    key = getattr(exc, "key", None)
    if isinstance(key, str) and key:
        return Reply(key, dict(getattr(exc, "params", None) or {}))
    return Reply("error.refused")
