"""Deliver one outbox message to Slack and map Slack's errors to retry / permanent failure."""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError

import locales
from bot.channels.base import PermanentFailure, RetryLater
from bot.channels.slack.render import MAX_BLOCKS, Rendered, escape, render
from desk import linked_channels, outbox
from desk.context import DeskContext
from store.db import transaction
from store.models import OutboxMessage

log = logging.getLogger(__name__)

# Errors that will not go away by waiting: record them instead of retrying forever.
PERMANENT_ERRORS = frozenset({
    "channel_not_found", "not_in_channel", "is_archived", "account_inactive",
    "user_not_found", "user_disabled", "cannot_dm_bot", "msg_too_long", "no_text",
    "invalid_blocks", "invalid_blocks_format", "too_many_attachments", "restricted_action",
    "restricted_action_read_only_channel", "restricted_action_thread_only_channel",
    "ekm_access_denied", "channel_is_archived", "invalid_arguments", "invalid_thread_ts",
    "thread_reply_not_allowed", "duplicate_channel_not_found", "not_allowed_token_type",
})
# Errors worth retrying with backoff (Slack-side trouble or a token being fixed by an admin).
TRANSIENT_ERRORS = frozenset({
    "internal_error", "fatal_error", "service_unavailable", "request_timeout",
    "team_added_to_org", "invalid_auth", "not_authed", "token_revoked", "token_expired",
    "missing_scope", "ratelimited",
})


def _retry_after(headers: dict[str, Any] | None) -> float:
    for key, value in (headers or {}).items():
        if key.lower() == "retry-after":
            try:
                return max(1.0, float(value))
            except (TypeError, ValueError):
                return 1.0
    return 1.0


def classify_error(exc: SlackApiError) -> Exception:
    """RetryLater or PermanentFailure for a Slack API error."""
    response = exc.response
    status = getattr(response, "status_code", 200)
    error = str(response.get("error") if response is not None else "") or f"http_{status}"
    if status == 429 or error == "ratelimited":
        return RetryLater(f"ratelimited: {error}", _retry_after(getattr(response, "headers", None)))
    if status >= 500 or error in TRANSIENT_ERRORS:
        return RetryLater(f"slack error {error} (HTTP {status})")
    if error in PERMANENT_ERRORS or status in (400, 403, 404):
        return PermanentFailure(error)
    return PermanentFailure(f"unexpected slack error: {error}")


class SlackSender:
    """The outbox `send` of the Slack channel: one chat.postMessage, or one file upload."""

    def __init__(self, client: WebClient, desk: DeskContext) -> None:
        self.client = client
        self.desk = desk
        self._dm_channels: dict[str, str] = {}

    async def __call__(self, message: OutboxMessage) -> str | None:
        return await asyncio.to_thread(self.send_now, message)

    def send_now(self, message: OutboxMessage) -> str | None:
        """Deliver synchronously; returns the posted message ts (or the first file id)."""
        reply = outbox.to_reply(message)
        rendered = render(reply, message.language)
        with transaction(self.desk.sessions) as session:
            attachments = outbox.attachments_of(session, message.id)
            thread = (linked_channels.case_thread(session, message.case_id)
                      if message.purpose == "new_case" and message.case_id is not None else None)
        if thread is not None and thread[0] == "slack":
            rendered = self._with_link(rendered, thread[1], thread[2], message.language)
        try:
            if attachments:
                return self._upload(message, rendered, attachments)
            response = self.client.chat_postMessage(
                channel=message.chat_id, text=rendered.text, blocks=rendered.blocks,
                thread_ts=message.thread_id or None, unfurl_links=False, unfurl_media=False,
            )
            return str(response["ts"])
        except SlackApiError as exc:
            raise classify_error(exc) from exc
        except (SlackRequestError, URLError, OSError, TimeoutError) as exc:
            raise RetryLater(f"network error: {exc!r}") from exc

    def _with_link(self, rendered: Rendered, channel: str, ts: str, lang: str) -> Rendered:
        """The notice with a link to the case's thread (chat.getPermalink), before its buttons;
        unchanged when Slack cannot give the link (the notice matters more than its link)."""
        try:
            link = str(self.client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"])
        except (SlackApiError, SlackRequestError, URLError, OSError, TimeoutError,
                KeyError) as exc:
            log.info("no permalink for %s %s: %s", channel, ts, exc)
            return rendered
        label = escape(locales.text("shared.thread_link", lang))
        block = {"type": "context", "elements": [{"type": "mrkdwn", "text": f"<{link}|{label}>"}]}
        blocks = list(rendered.blocks)
        at = next((i for i, b in enumerate(blocks) if b.get("type") == "actions"), len(blocks))
        if len(blocks) >= MAX_BLOCKS:
            return rendered
        blocks.insert(at, block)
        return Rendered(rendered.text, blocks)

    def _upload(self, message: OutboxMessage, rendered: Rendered,
                attachments: list[outbox.Attachment]) -> str | None:
        """Files with the text as their comment, in one completion call.

        files_upload_v2 uploads every file first and posts them together with the text in the
        final files.completeUploadExternal call, so a retry after a failure never shows the
        text twice. Uploads need a channel id, so a user id is opened as a DM first.
        """
        channel = self._channel_id(message.chat_id)
        response = self.client.files_upload_v2(
            channel=channel, thread_ts=message.thread_id or None,
            initial_comment=rendered.text,
            file_uploads=[{"content": a.data, "filename": a.filename, "title": a.filename}
                          for a in attachments],
        )
        files = response.get("files") or []
        return str(files[0]["id"]) if files else None

    def _channel_id(self, chat_id: str) -> str:
        if not chat_id.startswith(("U", "W")):
            return chat_id
        if chat_id not in self._dm_channels:
            opened = self.client.conversations_open(users=chat_id)
            self._dm_channels[chat_id] = str(opened["channel"]["id"])
        return self._dm_channels[chat_id]
