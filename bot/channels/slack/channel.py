"""The Slack channel: bolt App (Socket Mode or signed HTTP), /support, DMs, threads, buttons."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.channels.base import outbox_loop, park, settle
from bot.channels.slack import replay as slack_replay
from bot.channels.slack import translate
from bot.channels.slack.home import HomeTab
from bot.channels.slack.http import SlackHttpServer
from bot.channels.slack.render import ACTION_ID_PATTERN, Rendered, render, respond_payload
from bot.channels.slack.send import SlackSender
from bot.channels.slack.users import UserHints
from bot.settings import Settings, SettingsError
from desk.context import DeskContext
from handlers import home as dashboards
from messages.types import INTERNAL, Incoming, Outcome

log = logging.getLogger("supportdesk.slack")

NAME = "slack"
COMMAND = "/support"
EVENTS_PATH = "/slack/events"
Handle = Callable[[Incoming], Outcome]


class _QuietTokenNotes(logging.Filter):
    """Drop bolt's start-up notes that SLACK_BOT_TOKEN is unused (we authorize explicitly)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not message.startswith(("As you gave `client` as well",
                                       "As `installation_store` or `authorize` has been used"))


bolt_log = logging.getLogger("supportdesk.slack.bolt")
bolt_log.addFilter(_QuietTokenNotes())


class BotIdentity:
    """The bot's own user id and bot id (auth.test once, on first need; retried on failure)."""

    def __init__(self, client: WebClient) -> None:
        self.client = client
        self._lock = threading.Lock()
        self._known: dict[str, str | None] | None = None

    def get(self) -> dict[str, str | None]:
        with self._lock:
            if self._known is None:
                try:
                    r = self.client.auth_test()
                    self._known = {"user_id": r.get("user_id"), "bot_id": r.get("bot_id"),
                                   "team_id": r.get("team_id")}
                except (SlackClientError, OSError) as exc:
                    log.warning("auth.test failed (will retry): %s", exc)
                    return {"user_id": None, "bot_id": None, "team_id": None}
            return self._known


class SlackChannel:
    """Receives Slack requests in bolt's threads and delivers the outbox in asyncio."""

    name = NAME

    def __init__(self, settings: Settings, desk: DeskContext, handle: Handle) -> None:
        token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else ""
        self.settings = settings
        self.desk = desk
        self.handle = handle
        self.agent_channel = settings.slack_agent_channel
        self.app_token = (settings.slack_app_token.get_secret_value()
                          if settings.slack_app_token else None)
        secret = (settings.slack_signing_secret.get_secret_value()
                  if settings.slack_signing_secret else "")
        # Answers to the sender: a short wait on rate limits is better than losing them.
        self.client = WebClient(token=token, base_url=settings.slack_api_url, logger=log)
        self.client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
        # The outbox reports rate limits to the outbox loop instead, which reschedules.
        self.outbox_client = WebClient(token=token, base_url=settings.slack_api_url, logger=log)
        self.identity = BotIdentity(self.client)
        self.hints = UserHints(self.outbox_client)  # no waiting on rate limits
        self.executor = ThreadPoolExecutor(max_workers=8, thread_name_prefix="slack-listener")
        # The Home tab: dashboards built and published by a worker thread of its own.
        self.home = HomeTab(
            self.client, lambda user, hint: dashboards.dashboard(desk, NAME, user, hint),
            hint=lambda user: self.hints.get(user).locale,
            signature=lambda: dashboards.queue_signature(desk))

        # bolt passes arguments by parameter name, so it gets plain functions, not methods.
        def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
            return self._authorize(enterprise_id, team_id)

        def on_message(body: dict[str, Any], event: dict[str, Any],
                       context: dict[str, Any]) -> None:
            self._on_message(body, event, context)

        def on_mention(body: dict[str, Any], event: dict[str, Any],
                       context: dict[str, Any]) -> None:
            self._on_mention(body, event, context)

        def ack_now(ack: Callable[..., Any]) -> None:
            ack()

        def on_command(body: dict[str, Any], respond: Callable[..., Any]) -> None:
            self._on_command(body, respond)

        def on_action(body: dict[str, Any], action: dict[str, Any],
                      respond: Callable[..., Any]) -> None:
            self._on_action(body, action, respond)

        def on_home_opened(event: dict[str, Any]) -> None:
            self._on_home_opened(event)

        self.app = App(
            client=self.client,
            authorize=authorize,
            signing_secret=secret,
            request_verification_enabled=self.app_token is None,
            # Events are answered only after the desk stored them, so a 200 (or a Socket Mode
            # ack) never covers an event that a crash could lose; Slack retries anything else
            # and the desk de-duplicates on event_id. Slash commands and buttons are
            # acknowledged at once and processed afterwards (lazy listeners).
            process_before_response=True,
            listener_executor=self.executor,
            logger=bolt_log,
            name="supportdesk",
        )
        self.app.event("message")(on_message)
        self.app.event("app_mention")(on_mention)
        self.app.event("app_home_opened")(on_home_opened)
        self.app.command(COMMAND)(ack=ack_now, lazy=[on_command])
        self.app.action(ACTION_ID_PATTERN)(ack=ack_now, lazy=[on_action])

    # -- bolt plumbing ----------------------------------------------------------------------
    def _authorize(self, enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
        me = self.identity.get()
        return AuthorizeResult(
            enterprise_id=enterprise_id, team_id=team_id or me["team_id"],
            bot_token=self.client.token, bot_user_id=me["user_id"], bot_id=me["bot_id"],
        )

    def _hinted(self, user_id: str) -> dict[str, str | None]:
        hint = self.hints.get(user_id)
        return {"locale_hint": hint.locale, "display_name": hint.name}

    # -- listeners --------------------------------------------------------------------------
    def _store_event(self, body: dict[str, Any], incoming: Incoming) -> Outcome:
        """Let the desk process an event before Slack gets its 200.

        While the database is unavailable the event is not acknowledged: Slack retries it.
        An event that fails for a reason of its own (a bug, bad data) would fail Slack's three
        retries alike and then be dropped by Slack, so it is parked for an operator instead
        (`supportdesk parked`), the sender gets the apology, and Slack its 200.
        """
        outcome = self.handle(incoming)
        # NotStored answers non-2xx: Slack delivers the event again.
        settle(outcome, f"slack event {incoming.update_id}", last_try=True,
               park_it=lambda: self._park("event", body))
        self._changed(incoming, outcome)
        return outcome

    def _changed(self, incoming: Incoming, outcome: Outcome) -> None:
        """An update was handled: the Home tabs that show it are refreshed (not for one seen
        before, nor one that failed and stored nothing)."""
        if outcome.failure is None and not outcome.duplicate:
            self.home.updated(incoming.user_id)

    def _park(self, kind: str, body: dict[str, Any],
              action: dict[str, Any] | None = None) -> bool:
        """Keep a failed request's body in the database for a replay; False if that fails."""
        key = slack_replay.update_id(kind, body, action)
        if not key:
            log.error("slack %s failed and has no id to park it under", kind)
            return False
        payload = slack_replay.parking_payload(kind, body, self.identity.get()["user_id"],
                                               action)
        return park(self.desk, translate.CHANNEL, key, payload)

    def _answer_later(self, incoming: Incoming, outcome: Outcome, thread_ts: str | None) -> None:
        """Answer the sender after the ack: posting is not part of storing the event."""
        if not outcome.replies:
            return
        try:
            self.executor.submit(self._answer_in_chat, incoming, outcome, thread_ts)
        except RuntimeError:  # shutting down: answer here rather than not at all
            self._answer_in_chat(incoming, outcome, thread_ts)

    def _on_message(self, body: dict[str, Any], event: dict[str, Any],
                    context: dict[str, Any]) -> None:
        bot_user = context.get("bot_user_id")
        if not translate.is_person_message(event, bot_user):
            return
        kind = event.get("channel_type")
        chat_id = str(event.get("channel"))
        if kind != "im":
            if kind not in ("channel", "group", "mpim"):
                return
            if translate.mentions(str(event.get("text") or ""), bot_user):
                return  # the app_mention event carries it
            if not event.get("thread_ts") and chat_id == self.agent_channel:
                return  # the agents talking among themselves
        incoming = translate.from_message(event, event_id=body.get("event_id"),
                                          **self._hinted(str(event["user"])))
        if kind != "im" and chat_id != self.agent_channel:
            # another channel: the desk answers in its own (case) threads, and in a shared
            # channel (linked to an organization) to every partner message
            incoming = dataclasses.replace(
                incoming, only_in_known_thread=True,
                provider_member=translate.from_provider(event, self.identity.get()["team_id"]))
        # In the thread of the message (a DM's thread too); a top-level one starts its own.
        self._answer_later(incoming, self._store_event(body, incoming),
                           event.get("thread_ts") or incoming.thread_id)

    def _on_mention(self, body: dict[str, Any], event: dict[str, Any],
                    context: dict[str, Any]) -> None:
        if not translate.is_person_message(event, context.get("bot_user_id")):
            return
        incoming = translate.from_mention(event, event_id=body.get("event_id"),
                                          bot_user_id=context.get("bot_user_id"),
                                          **self._hinted(str(event["user"])))
        incoming = dataclasses.replace(incoming, provider_member=translate.from_provider(
            event, self.identity.get()["team_id"]))
        self._answer_later(incoming, self._store_event(body, incoming), incoming.thread_id)

    def _on_command(self, body: dict[str, Any], respond: Callable[..., Any]) -> None:
        incoming = translate.from_command(body, **self._hinted(str(body["user_id"])))
        outcome = self.handle(incoming)
        if outcome.failure == INTERNAL:  # acknowledged already: Slack will not send it again
            self._park("command", body)
        self._answer_ephemeral(incoming, outcome, respond)
        self._changed(incoming, outcome)

    def _on_action(self, body: dict[str, Any], action: dict[str, Any],
                   respond: Callable[..., Any]) -> None:
        user_id = str((body.get("user") or {}).get("id"))
        incoming = translate.from_action(body, action, **self._hinted(user_id))
        outcome = self.handle(incoming)
        if outcome.failure == INTERNAL:  # acknowledged already: Slack will not send it again
            self._park("action", body, action)
        if translate.from_home(body):  # no channel and no response_url: answer in the DM
            self._answer_in_dm(incoming, outcome)
        else:
            self._answer_ephemeral(incoming, outcome, respond)
        self._changed(incoming, outcome)

    def _on_home_opened(self, event: dict[str, Any]) -> None:
        """The Home tab was opened: its dashboard is built and published by the worker."""
        user = event.get("user")
        if event.get("tab") == "home" and user:  # the Messages tab opens nothing
            self.home.opened(str(user))

    # -- answering the sender ---------------------------------------------------------------
    def _answer_in_chat(self, incoming: Incoming, outcome: Outcome,
                        thread_ts: str | None) -> None:
        """Replies to a message: in its DM or thread; ephemeral ones only to the sender."""
        for reply in outcome.replies:
            rendered = render(reply, outcome.language)
            try:
                if reply.ephemeral and not incoming.is_private:
                    self.client.chat_postEphemeral(
                        channel=incoming.chat_id, user=incoming.user_id, text=rendered.text,
                        blocks=rendered.blocks, thread_ts=thread_ts)
                else:
                    self._post(incoming.chat_id, thread_ts, rendered)
            except SlackClientError as exc:
                log.warning("answer to %s in %s failed: %s", incoming.user_id,
                            incoming.chat_id, exc)

    def _answer_ephemeral(self, incoming: Incoming, outcome: Outcome,
                          respond: Callable[..., Any]) -> None:
        """Replies to a slash command or button press: only the sender sees them."""
        for reply in outcome.replies:
            rendered = render(reply, outcome.language)
            try:
                respond(**respond_payload(rendered))
            except (SlackClientError, ValueError, OSError) as exc:
                log.info("respond() failed (%s); answering with chat.postEphemeral", exc)
                try:
                    self.client.chat_postEphemeral(
                        channel=incoming.chat_id, user=incoming.user_id, text=rendered.text,
                        blocks=rendered.blocks)
                except SlackClientError as exc2:
                    log.warning("ephemeral answer to %s failed: %s", incoming.user_id, exc2)

    def _answer_in_dm(self, incoming: Incoming, outcome: Outcome) -> None:
        """Replies to a press on the Home tab: a message in the person's DM with the app (a
        user id as channel), else an ephemeral message there."""
        for reply in outcome.replies:
            rendered = render(reply, outcome.language)
            try:
                self._post(incoming.user_id, None, rendered)
            except SlackClientError as exc:
                log.info("DM answer to %s failed (%s); answering ephemerally", incoming.user_id,
                         exc)
                try:
                    self.client.chat_postEphemeral(channel=incoming.user_id,
                                                   user=incoming.user_id, text=rendered.text,
                                                   blocks=rendered.blocks)
                except SlackClientError as exc2:
                    log.warning("ephemeral answer to %s failed: %s", incoming.user_id, exc2)

    def _post(self, chat_id: str, thread_ts: str | None, rendered: Rendered) -> None:
        self.client.chat_postMessage(channel=chat_id, thread_ts=thread_ts, text=rendered.text,
                                     blocks=rendered.blocks, unfurl_links=False,
                                     unfurl_media=False)

    # -- life cycle -------------------------------------------------------------------------
    async def run(self, stop: asyncio.Event) -> None:
        """Serve Slack (Socket Mode or HTTP) and deliver the outbox until `stop` is set."""
        sender = SlackSender(self.outbox_client, self.desk)
        close: Callable[[], None]
        if self.app_token:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            handler = SocketModeHandler(self.app, self.app_token)
            await asyncio.to_thread(handler.connect)
            close = handler.close
            log.info("slack: connected in Socket Mode")
        else:
            server = SlackHttpServer(self.app, self.settings.slack_http_port, EVENTS_PATH)
            server.start()
            close = server.stop
            log.info("slack: listening on port %s at %s", server.port, EVENTS_PATH)
        try:
            await outbox_loop(self.desk, NAME, sender, stop,
                              poll_seconds=self.settings.outbox_poll_seconds)
        finally:
            await asyncio.to_thread(close)
            await asyncio.to_thread(self.executor.shutdown, True)
            await asyncio.to_thread(self.home.stop)
            log.info("slack: stopped")


def check_settings(settings: Settings) -> None:
    """Refuse a configuration that cannot work, naming the setting."""
    if not settings.slack_bot_token:
        raise SettingsError("invalid setting SLACK_BOT_TOKEN: required for the Slack channel")
    if not settings.slack_app_token and not settings.slack_signing_secret:
        raise SettingsError(
            "invalid setting SLACK_SIGNING_SECRET: required in HTTP mode to verify Slack's "
            "requests (or set SLACK_APP_TOKEN for Socket Mode)")
    if not settings.slack_api_url.endswith("/"):
        raise SettingsError("invalid setting SLACK_API_URL: must end with '/'")
    if not settings.slack_agent_channel:
        log.warning("SLACK_AGENT_CHANNEL is not set: new cases are not posted to Slack")


def build(settings: Settings, desk: DeskContext, handle: Handle | None = None) -> SlackChannel:
    """The Slack channel for `supportdesk run`; `handle` defaults to the conversation Desk."""
    check_settings(settings)
    if handle is None:
        from handlers.desk import Desk

        handle = Desk(desk).handle
    return SlackChannel(settings, desk, handle)
