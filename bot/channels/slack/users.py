"""What the adapter looks up about Slack users and threads: locale hints, known conversations."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError
from sqlalchemy import select

import locales
from desk.context import DeskContext
from desk.identity import resolve_user
from store.models import Conversation

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UserHint:
    locale: str | None = None  # one of locales.LANGUAGES, or None
    name: str | None = None


class UserHints:
    """Slack's locale of users the desk has no language for (users.info, cached per process).

    Errors (missing users:read scope, network, rate limits) are tolerated: no hint, once.
    """

    def __init__(self, client: WebClient, desk: DeskContext) -> None:
        self.client = client
        self.desk = desk
        self._cache: dict[str, UserHint] = {}
        self._lock = threading.Lock()

    def get(self, user_id: str) -> UserHint:
        with self._lock:
            cached = self._cache.get(user_id)
        if cached is not None:
            return cached
        hint = UserHint() if self._language_known(user_id) else self._fetch(user_id)
        with self._lock:
            self._cache[user_id] = hint
        return hint

    def _language_known(self, user_id: str) -> bool:
        with self.desk.sessions() as session:
            user = resolve_user(session, "slack", user_id)
            return user is not None and bool(user.language)

    def _fetch(self, user_id: str) -> UserHint:
        try:
            response = self.client.users_info(user=user_id, include_locale=True)
        except (SlackClientError, OSError) as exc:
            log.info("no locale hint for slack user %s: %s", user_id, exc)
            return UserHint()
        user = response.get("user") or {}
        profile = user.get("profile") or {}
        name = user.get("real_name") or profile.get("real_name") or user.get("name")
        return UserHint(locales.normalize(user.get("locale")), name or None)


def known_thread(desk: DeskContext, chat_id: str, thread_ts: str) -> bool:
    """Whether a channel thread is already a desk conversation (a case's thread)."""
    with desk.sessions() as session:
        return session.scalar(
            select(Conversation.id).where(
                Conversation.channel == "slack", Conversation.chat_id == chat_id,
                Conversation.thread_key == thread_ts,
            ).limit(1)
        ) is not None
