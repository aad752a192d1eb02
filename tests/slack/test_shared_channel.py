"""A Slack Connect channel linked to an organization, against the fake Web API."""

from __future__ import annotations

import dataclasses
import time

import pytest
from sqlalchemy import select

from desk import linked_channels, plans
from desk.clock import SystemClock
from store.db import make_session_factory, transaction
from store.models import Case, CaseMessage, Escalation, Identity, Organization, User
from tests.fakes.slack_api import BOT_ID, BOT_USER_ID, TEAM_ID, Call
from tests.slack.conftest import PEOPLE
from tests.slack.harness import AGENTS, SlackDesk, button, buttons, prefix, wait_until

pytestmark = pytest.mark.e2e

SHARED = "C0SHARED01"
PARTNER_TEAM = "T0PARTNER"
GUEST = "U0GUEST01"


def _link(slack: SlackDesk, org_name: str, chat_id: str = SHARED,
          mode: str = linked_channels.DEFAULT_MODE) -> None:
    with transaction(make_session_factory(slack.engine)) as session:
        org = session.scalar(select(Organization).where(Organization.name == org_name))
        linked_channels.link(session, org, channel="slack", chat_id=chat_id, mode=mode,
                             now=SystemClock().now(), actor="test")


def _team_limit(slack: SlackDesk, limit: int | None) -> None:
    """The team-members limit of the plan both seeded organizations are on (growth)."""
    with transaction(make_session_factory(slack.engine)) as session:
        plans.get_plan(session, "growth").limit_team_members = limit


def _guest(team: str = PARTNER_TEAM) -> dict[str, str]:
    return {"user_team": team}


def _user(slack: SlackDesk, external_id: str) -> User | None:
    return slack.scalar(select(User).join(Identity).where(Identity.external_id == external_id))


def test_a_guest_opens_a_case_in_its_thread_and_the_agent_answers_there(
        slack: SlackDesk) -> None:
    _link(slack, "Müller Messaging GmbH")
    top = slack.next_ts()
    ok = slack.channel_message(GUEST, SHARED, "Our API is down for every client since noon",
                               ts=top, extra=_guest())
    assert ok.status == 200
    opened = slack.wait_post(SHARED, prefix("case.opened", "en"))
    assert opened.params["thread_ts"] == top
    # The agents' room notice links to the thread (chat.getPermalink).
    notice = slack.wait_post(AGENTS, prefix("notice.new_case", "en")[:6])
    links = [e["text"] for b in notice.params["blocks"] if b["type"] == "context"
             for e in b["elements"]]
    assert links == [f"<https://test.slack.com/archives/{SHARED}/p{top.replace('.', '')}|"
                     f"Open the conversation in the shared channel>"]
    guest = _user(slack, GUEST)
    assert guest is not None and guest.role == "partner"
    number = slack.scalar(select(Case.id))
    # A reply in the thread joins the case.
    slack.channel_message(GUEST, SHARED, "Still nothing goes out", thread_ts=top,
                          extra=_guest())
    added = slack.wait_post(SHARED, prefix("case.added", "en"))
    assert added.params["thread_ts"] == top and slack.count(Case) == 1
    # The provider's agent answers in the thread: the first response, not relayed again.
    slack.channel_message(PEOPLE.alex, SHARED, "We are on it", thread_ts=top,
                          extra=_guest(TEAM_ID))
    wait_until(lambda: slack.scalar(select(Case.first_response_at).where(Case.id == number)),
               "the first response")
    kinds = slack.scalar_all(select(CaseMessage.kind).where(CaseMessage.case_id == number)
                             .order_by(CaseMessage.id))
    assert kinds[-1] == "reply"
    time.sleep(1.0)  # the outbox would have delivered a relay by now
    texts = [str(c.params.get("text")) for c in slack.posts(SHARED)]
    assert not any("We are on it" in t for t in texts)


def test_strangers_elsewhere_and_the_providers_own_people_are_not_registered(
        slack: SlackDesk) -> None:
    _link(slack, "Müller Messaging GmbH")
    # An unlinked channel: top-level chatter is not heard.
    slack.channel_message(GUEST, "C0NOTLINKED", "hello?", extra=_guest())
    # A colleague of the provider's workspace who is not a desk user: ignored.
    slack.channel_message("U0COLLEAGUE", SHARED, "hi all, welcome", extra=_guest(TEAM_ID))
    # A partner of another organization writing in this one's channel: ignored.
    slack.channel_message(PEOPLE.lucia, SHARED, "can you help us?", extra=_guest())
    # The same event delivered twice opens one case.
    top = slack.next_ts()
    event = {"type": "message", "channel_type": "channel", "channel": SHARED, "user": GUEST,
             "text": "Templates are rejected", "ts": top, "team": TEAM_ID,
             "user_team": PARTNER_TEAM}
    assert slack.event(event, event_id="EvSHARED1").status == 200
    assert slack.event(event, event_id="EvSHARED1", retry_num=1).status == 200
    slack.wait_post(SHARED, prefix("case.opened", "en"))
    time.sleep(1.0)
    assert slack.count(Case) == 1
    assert _user(slack, "U0COLLEAGUE") is None
    assert len(slack.posts(SHARED)) == 1 and slack.posts("C0NOTLINKED") == []


def _guest_mention(slack: SlackDesk, user: str, channel: str, text: str, ts: str,
                   team: str = PARTNER_TEAM) -> None:
    """A guest's message mentioning the bot, as Slack delivers it: a `message` event (which the
    adapter leaves to the app_mention) and an `app_mention` event, both with the guest's team."""
    words = f"<@{BOT_USER_ID}> {text}"
    common = {"channel": channel, "user": user, "text": words, "ts": ts, "team": TEAM_ID,
              "user_team": team}
    assert slack.event({"type": "message", "channel_type": "channel", **common}).status == 200
    assert slack.event({"type": "app_mention", **common}).status == 200


def test_in_mention_mode_a_guest_is_heard_when_mentioning_the_bot_and_in_its_thread(
        slack: SlackDesk) -> None:
    _link(slack, "Müller Messaging GmbH", mode="mention")
    # Top-level chatter without the bot's mention is not the desk's: nobody is registered.
    chatter = slack.next_ts()
    assert slack.channel_message(GUEST, SHARED, "Our API is down for every client since noon",
                                 ts=chatter, extra=_guest()).status == 200
    # Nor is a reply in a thread the desk has no case in.
    slack.channel_message(GUEST, SHARED, "any news?", thread_ts=chatter, extra=_guest())
    assert _user(slack, GUEST) is None and slack.count(Case) == 0
    # A mention opens a case answered in the mention's thread, and registers the guest.
    top = slack.next_ts()
    _guest_mention(slack, GUEST, SHARED, "Templates are rejected since this morning", top)
    opened = slack.wait_post(SHARED, prefix("case.opened", "en"))
    assert opened.params["thread_ts"] == top
    guest = _user(slack, GUEST)
    muller = slack.scalar(select(Organization.id)
                          .where(Organization.name == "Müller Messaging GmbH"))
    assert guest is not None and guest.role == "partner" and guest.org_id == muller
    number = slack.scalar(select(Case.id))
    assert slack.scalar(select(Case.org_id).where(Case.id == number)) == muller
    first = slack.scalar_all(select(CaseMessage.text).where(CaseMessage.case_id == number))
    assert first == ["Templates are rejected since this morning"]  # the mention stripped
    # A plain message in that thread (no mention) joins the same case.
    slack.channel_message(GUEST, SHARED, "It fails with error 132000", thread_ts=top,
                          extra=_guest())
    added = slack.wait_post(SHARED, prefix("case.added", "en"))
    assert added.params["thread_ts"] == top and slack.count(Case) == 1
    texts = slack.scalar_all(select(CaseMessage.text).where(CaseMessage.case_id == number)
                             .order_by(CaseMessage.id))
    assert texts[-1] == "It fails with error 132000"
    # The ignored chatter was never answered: only the two answers in the mention's thread.
    time.sleep(1.0)
    assert [c.params.get("thread_ts") for c in slack.posts(SHARED)] == [top, top]
    assert slack.fake.calls("chat.postEphemeral") == []


def test_beyond_the_team_limit_a_guest_is_told_once_and_nothing_is_stored(
        slack: SlackDesk) -> None:
    _link(slack, "Müller Messaging GmbH")
    _team_limit(slack, 1)  # Hans takes the only place
    users, identities = slack.count(User), slack.count(Identity)
    top = slack.next_ts()
    assert slack.channel_message(GUEST, SHARED, "Our API is down for every client since noon",
                                 ts=top, extra=_guest()).status == 200

    def ephemerals() -> list[Call]:
        return [c for c in slack.fake.calls("chat.postEphemeral") if c.ok]

    told = wait_until(ephemerals, "the team-full explanation")[0]
    assert told.params["channel"] == SHARED and told.params["user"] == GUEST
    assert told.params["thread_ts"] == top
    assert str(told.params["text"]).startswith(prefix("shared.team_full", "en"))
    assert "Müller Messaging GmbH" in str(told.params["text"])
    assert slack.count(Case) == 0 and _user(slack, GUEST) is None
    assert slack.count(User) == users and slack.count(Identity) == identities
    # A second message from the guest: told once, nothing more.
    slack.channel_message(GUEST, SHARED, "Hello? Is anybody there?", extra=_guest())
    time.sleep(1.0)
    assert len(ephemerals()) == 1 and slack.posts(SHARED) == []
    assert slack.count(Case) == 0 and slack.count(User) == users
    assert slack.count(Identity) == identities
    assert slack.posts(AGENTS) == []
    # With a place free, the guest's next message registers them and opens a case.
    _team_limit(slack, 2)
    again = slack.next_ts()
    slack.channel_message(GUEST, SHARED, "Now it is the webhooks too", ts=again, extra=_guest())
    opened = slack.wait_post(SHARED, prefix("case.opened", "en"))
    assert opened.params["thread_ts"] == again
    guest = _user(slack, GUEST)
    assert guest is not None and guest.role == "partner" and slack.count(Case) == 1
    assert len(ephemerals()) == 1


def test_bot_messages_in_a_linked_channel_are_ignored(slack: SlackDesk) -> None:
    _link(slack, "Müller Messaging GmbH")
    # Another app posting (classic bot message: no user).
    assert slack.event({"type": "message", "subtype": "bot_message", "channel": SHARED,
                        "channel_type": "channel", "bot_id": "B0ZAPIER", "username": "Zapier",
                        "text": "New order #1234 failed to send", "ts": slack.next_ts(),
                        "team": TEAM_ID}).status == 200
    # A partner workspace's app with a bot user, writing like a person would.
    assert slack.event({"type": "message", "channel": SHARED, "channel_type": "channel",
                        "user": "U0PARTNERBOT", "bot_id": "B0PARTNER",
                        "bot_profile": {"id": "B0PARTNER", "name": "Alerts"},
                        "text": "ALERT: our API is down for every client", "ts": slack.next_ts(),
                        "team": TEAM_ID, "user_team": PARTNER_TEAM}).status == 200
    # The desk's own answer echoed back by Slack.
    assert slack.event({"type": "message", "channel": SHARED, "channel_type": "channel",
                        "user": BOT_USER_ID, "bot_id": BOT_ID, "text": "Thanks! I opened case",
                        "ts": slack.next_ts(), "team": TEAM_ID}).status == 200
    # A bot message inside a thread with a bot_message subtype and a user set.
    assert slack.event({"type": "message", "subtype": "bot_message", "channel": SHARED,
                        "channel_type": "channel", "user": "U0PARTNERBOT",
                        "bot_id": "B0PARTNER", "text": "still down", "ts": slack.next_ts(),
                        "thread_ts": slack.next_ts(), "team": TEAM_ID,
                        "user_team": PARTNER_TEAM}).status == 200
    assert slack.count(Case) == 0 and _user(slack, "U0PARTNERBOT") is None
    # A person's message after them is heard: the only case, the only post.
    top = slack.next_ts()
    slack.channel_message(GUEST, SHARED, "Templates are rejected", ts=top, extra=_guest())
    slack.wait_post(SHARED, prefix("case.opened", "en"))
    time.sleep(1.0)
    assert slack.count(Case) == 1 and _user(slack, "U0PARTNERBOT") is None
    assert [c.params.get("thread_ts") for c in slack.posts(SHARED)] == [top]
    assert slack.fake.calls("chat.postEphemeral") == []


def _mention_in_thread(slack: SlackDesk, user: str, text: str, thread: str,
                       team: str = PARTNER_TEAM) -> None:
    """A mention of the bot in a case's thread, as Slack delivers it (message + app_mention)."""
    common = {"channel": SHARED, "user": user, "text": f"<@{BOT_USER_ID}> {text}",
              "ts": slack.next_ts(), "thread_ts": thread, "team": TEAM_ID, "user_team": team}
    assert slack.event({"type": "message", "channel_type": "channel", **common}).status == 200
    assert slack.event({"type": "app_mention", **common}).status == 200


def test_a_guest_escalates_by_mention_and_only_they_see_the_buttons(slack: SlackDesk) -> None:
    _link(slack, "Müller Messaging GmbH")
    top = slack.next_ts()
    slack.channel_message(GUEST, SHARED, "Our API is down for every client since noon",
                          ts=top, extra=_guest())
    slack.wait_post(SHARED, prefix("case.opened", "en"))
    number = slack.scalar(select(Case.id))
    # Slash commands cannot be typed in a thread, nor by a guest: a mention carries commands.
    _mention_in_thread(slack, GUEST, f"escalate {number}", top)
    choose = wait_until(lambda: [c for c in slack.fake.calls("chat.postEphemeral") if c.ok],
                        "the ephemeral category choice")[0]
    assert choose.params["user"] == GUEST and choose.params["thread_ts"] == top
    assert str(choose.params["text"]).startswith(prefix("escalation.choose", "en"))
    values = [str(b["value"]) for b in buttons(choose)]
    assert values and all(v.endswith("~" + GUEST) for v in values)
    assert slack.posts(SHARED, prefix("escalation.choose", "en")) == []  # never public
    pressed = slack.press(GUEST, dataclasses.replace(choose, method="respond"),
                          button(choose, "esc:"), channel=SHARED)
    slack.wait_response(pressed, prefix("escalation.registered", "en"))
    assert slack.count(Escalation) == 1
    # A provider agent's internal note by mention is refused there, and nothing is stored.
    _mention_in_thread(slack, PEOPLE.alex, f"note {number} the client is difficult", top,
                       team=TEAM_ID)
    refused = wait_until(lambda: [c for c in slack.fake.calls("chat.postEphemeral")
                                  if c.ok and c.params["user"] == PEOPLE.alex],
                         "the refusal to the agent")[0]
    assert str(refused.params["text"]).startswith(prefix("shared.command_elsewhere", "en"))
    assert slack.count(CaseMessage, CaseMessage.kind == "note") == 0
    assert not any("difficult" in str(c.params.get("text")) for c in slack.posts(SHARED))
    # The agent resolves the case by mention: answered in the thread.
    _mention_in_thread(slack, PEOPLE.alex, f"resolve {number}", top, team=TEAM_ID)
    wait_until(lambda: slack.scalar(select(Case.status).where(Case.id == number)) == "resolved",
               "the case resolved")
