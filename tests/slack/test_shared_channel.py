"""A Slack Connect channel linked to an organization, against the fake Web API."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from desk import linked_channels
from desk.clock import SystemClock
from store.db import make_session_factory, transaction
from store.models import Case, CaseMessage, Identity, Organization, User
from tests.fakes.slack_api import TEAM_ID
from tests.slack.conftest import PEOPLE
from tests.slack.harness import AGENTS, SlackDesk, prefix, wait_until

pytestmark = pytest.mark.e2e

SHARED = "C0SHARED01"
PARTNER_TEAM = "T0PARTNER"
GUEST = "U0GUEST01"


def _link(slack: SlackDesk, org_name: str, chat_id: str = SHARED) -> None:
    with transaction(make_session_factory(slack.engine)) as session:
        org = session.scalar(select(Organization).where(Organization.name == org_name))
        linked_channels.link(session, org, channel="slack", chat_id=chat_id,
                             now=SystemClock().now(), actor="test")


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
