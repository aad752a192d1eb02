"""What the adapter looks up about Slack users: their locale and name, once per process."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

import locales

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UserHint:
    locale: str | None = None  # one of locales.LANGUAGES, or None
    name: str | None = None


class UserHints:
    """A Slack user's locale and name (users.info, once per user and process); the desk uses the
    locale only while it knows no language for the user.

    Errors (missing users:read scope, network, rate limits) are tolerated: no hint, once.
    """

    def __init__(self, client: WebClient) -> None:
        self.client = client
        self._cache: dict[str, UserHint] = {}
        self._lock = threading.Lock()

    def get(self, user_id: str) -> UserHint:
        with self._lock:
            cached = self._cache.get(user_id)
        if cached is not None:
            return cached
        hint = self._fetch(user_id)
        with self._lock:
            self._cache[user_id] = hint
        return hint

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
