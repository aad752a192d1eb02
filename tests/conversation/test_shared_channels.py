"""Shared channels through the real handlers: who is heard, auto-registration, agents there."""

from __future__ import annotations

from sqlalchemy import select

from desk import group_answers, linked_channels, plans
from messages.types import Incoming, Outcome
from store.db import transaction
from store.models import (
    AuditEntry,
    Case,
    CaseMessage,
    Escalation,
    Identity,
    Organization,
    SatisfactionRating,
    User,
)
from tests.conversation.conftest import Harness, World, keys, number_of

CHANNEL = "C0SHARED01"


def _link(h: Harness, org_id: int, chat_id: str = CHANNEL, channel: str = "slack") -> None:
    with transaction(h.desk.sessions) as s:
        org = s.get(Organization, org_id)
        linked_channels.link(s, org, channel=channel, chat_id=chat_id, now=h.clock.now(),
                             actor="test")


def _say(h: Harness, user_id: str, text: str, *, thread: str, chat: str = CHANNEL,
         update: str | None = None, bot: bool = False, provider: bool = False,
         name: str | None = None, hint: str | None = None) -> Outcome:
    return h.handler.handle(Incoming(
        channel="slack", user_id=user_id, chat_id=chat, text=text, thread_id=thread,
        update_id=update or f"{user_id}-{thread}-{text}", locale_hint=hint, display_name=name,
        is_private=False, from_bot=bot, provider_member=provider))


def _team_limit(h: Harness, limit: int | None) -> None:
    with transaction(h.desk.sessions) as s:
        plans.get_plan(s, "growth").limit_team_members = limit


def _user_of(h: Harness, external_id: str) -> User | None:
    with h.desk.sessions() as s:
        return s.scalar(select(User).join(Identity).where(Identity.external_id == external_id))


def test_a_stranger_is_registered_and_opens_a_case_in_the_thread(world: World) -> None:
    h = world.h
    _link(h, world.org)
    out = _say(h, "UEXT00001", "Our webhook stopped delivering messages since this morning",
               thread="1700000000.000100", name="Dana Guest", hint="de")
    assert keys(out)[0].startswith("case.opened")
    user = _user_of(h, "UEXT00001")
    assert user is not None and user.role == "partner" and user.org_id == world.org
    # Registered with the chat client's locale; the English message then sets the language.
    assert user.name == "Dana Guest" and user.language == "en"
    number = number_of(out)
    assert h.case(number).org_id == world.org
    # A reply in the thread joins the case, the same user, no second registration.
    again = _say(h, "UEXT00001", "still failing", thread="1700000000.000100")
    assert keys(again) == ["case.added"] and number_of(again) == number
    with h.desk.sessions() as s:
        added = s.scalars(select(AuditEntry).where(AuditEntry.action == "user.add",
                                                   AuditEntry.entity_id == str(user.id))).all()
    assert len(added) == 1 and added[0].actor == f"shared-channel:slack:{CHANNEL}"
    assert added[0].details["organization"] == "Acme Messaging"
    assert added[0].details["language"] == "de" and added[0].details["name"] == "Dana Guest"
    # A second top-level message is a second case.
    other = _say(h, "UEXT00001", "Another question about templates", thread="1700000001.0002")
    assert keys(other)[0].startswith("case.opened") and number_of(other) != number


def test_the_agents_reply_in_the_thread_is_the_first_response(world: World) -> None:
    h = world.h
    _link(h, world.org)
    opened = _say(h, "UEXT00001", "Numbers are blocked for our client", thread="1700.1")
    number = number_of(opened)
    h.deliver()
    before = len(h.delivered)
    h.clock.advance(minutes=7)
    sam = h.add_person("Sam", "agent", language="en", channel="slack")
    answer = h.handler.handle(Incoming(
        channel="slack", user_id=sam.external_id, chat_id=CHANNEL,
        text="Looking into it now", thread_id="1700.1", update_id="alex-1", is_private=False))
    assert answer.replies == () and answer.failure is None
    case = h.case(number)
    assert case.first_response_at is not None and case.assignee_id == sam.id
    with h.desk.sessions() as s:
        kinds = s.scalars(select(CaseMessage.kind).where(CaseMessage.case_id == number)
                          .order_by(CaseMessage.id)).all()
    assert kinds[-1] == "reply"
    h.deliver()
    relayed = [d for d in h.delivered[before:] if d.key == "case.agent_reply"]
    assert relayed == []  # the partner already sees the agent's message


def test_the_satisfaction_question_is_asked_in_the_cases_thread(world: World) -> None:
    h = world.h
    _link(h, world.org)
    number = number_of(_say(h, "UEXT00001", "Numbers are blocked for our client",
                            thread="1700.2"))
    _say(h, "UEXT00002", "Hello, we have a question about pricing", thread="1700.3")
    h.deliver()
    assert keys(h.send(world.alex, f"/resolve {number}")) == ["case.resolved"]
    asked = [d for d in h.deliver() if d.key == "satisfaction.ask"]
    assert [(d.channel, d.chat_id, d.thread_id) for d in asked] == [
        ("slack", CHANNEL, "1700.2")]  # in the case's thread, not a direct message
    # A colleague of the organization reading along may answer it.
    rated = _say(h, "UEXT00002", "", thread="1700.2")
    assert keys(rated) == ["error.empty_message"]
    press = h.handler.handle(Incoming(
        channel="slack", user_id="UEXT00002", chat_id=CHANNEL, text="", thread_id="1700.2",
        action=asked[0].actions[4], update_id="rate-press", is_private=False))
    assert keys(press) == ["satisfaction.thanks"]
    colleague = _user_of(h, "UEXT00002")
    with h.desk.sessions() as s:
        row = s.scalar(select(SatisfactionRating).where(SatisfactionRating.case_id == number))
    assert row is not None and row.rating == 5 and colleague is not None
    assert row.rated_by_id == colleague.id
    # A private case still asks in the partner's direct chat.
    private = number_of(h.send(world.pat, "Webhook deliveries fail since noon"))
    h.send(world.alex, f"/resolve {private}")
    asked = [d for d in h.deliver() if d.key == "satisfaction.ask"]
    assert [(d.chat_id, d.thread_id) for d in asked] == [(world.pat.external_id, None)]


def test_bots_provider_people_and_other_orgs_are_ignored(world: World) -> None:
    h = world.h
    _link(h, world.org)
    olga = h.add_person("Oskar", "partner", world.other_org, channel="slack")
    users_before = h.count(User)
    assert _say(h, "UBOT00001", "I am a bot", thread="1.1", bot=True).replies == ()
    assert _say(h, "UINT00001", "hi colleagues", thread="1.2", provider=True).replies == ()
    out = h.handler.handle(Incoming(channel="slack", user_id=olga.external_id,
                                    chat_id=CHANNEL, text="help us", thread_id="1.3",
                                    update_id="olga-1", is_private=False))
    assert out.replies == ()
    assert h.count(User) == users_before and h.count(Case) == 0


def test_unlinked_channel_is_not_a_registration(world: World) -> None:
    h = world.h
    out = _say(h, "UEXT00009", "hello?", thread="2.1", chat="C0NOTLINK1")
    assert keys(out) == ["error.no_access"]
    assert _user_of(h, "UEXT00009") is None


def test_beyond_the_team_limit_one_explanation_and_nothing_stored(world: World) -> None:
    h = world.h
    _link(h, world.org)
    _team_limit(h, 2)  # Pat is one; one more place
    assert keys(_say(h, "UEXT00001", "first one in", thread="3.1"))[0].startswith("case.")
    users_before, cases_before = h.count(User), h.count(Case)
    full = _say(h, "UEXT00002", "Can you help us too please", thread="3.2")
    assert keys(full) == ["shared.team_full"]
    assert full.replies[0].params["org"] == "Acme Messaging"
    assert _say(h, "UEXT00002", "hello again?", thread="3.3").replies == ()  # told once
    assert h.count(User) == users_before and h.count(Case) == cases_before
    assert _user_of(h, "UEXT00002") is None
    _team_limit(h, None)
    assert keys(_say(h, "UEXT00002", "now?", thread="3.4"))[0].startswith("case.")


def test_a_redelivered_first_message_registers_once(world: World) -> None:
    h = world.h
    _link(h, world.org)
    first = _say(h, "UEXT00001", "hello team", thread="4.1", update="ev-1")
    again = _say(h, "UEXT00001", "hello team", thread="4.1", update="ev-1")
    assert keys(first)[0].startswith("case.") and again.duplicate
    assert h.count(Case) == 1


GROUP = "-1005550009"


def _tg(h: Harness, user_id: str, text: str, *, chat: str = GROUP, shared_only: bool = True,
        reply_to: str | None = None, reply_to_user: str | None = None,
        topic: str | None = None) -> Outcome:
    return h.handler.handle(Incoming(
        channel="telegram", user_id=user_id, chat_id=chat, text=text, thread_id=topic,
        update_id=f"tg-{user_id}-{text}", is_private=False, only_if_shared=shared_only,
        reply_to_message_id=reply_to, reply_to_user_id=reply_to_user))


def test_telegram_group_chatter_is_heard_only_when_linked_in_every_message_mode(
        world: World) -> None:
    h = world.h
    assert _tg(h, "9001", "hello, our API is down").replies == ()
    assert h.count(Case) == 0
    with transaction(h.desk.sessions) as s:
        linked_channels.link(s, s.get(Organization, world.org), channel="telegram",
                             chat_id=GROUP, mode="mention", now=h.clock.now(), actor="test")
    assert _tg(h, "9001", "still down, anyone?").replies == ()  # mention mode: not addressed
    assert h.count(Case) == 0 and _user_of(h, "9001") is None


def test_telegram_plain_group_keeps_each_partners_case_and_follows_replies(
        world: World) -> None:
    h = world.h
    _link(h, world.org, GROUP, "telegram")
    first = number_of(_tg(h, "9001", "The API answers 500 since this morning"))
    second = number_of(_tg(h, "9002", "Our number got blocked yesterday"))
    assert first != second
    assert number_of(_tg(h, "9001", "any news?")) == first
    # A colleague replying to the other partner's message joins that partner's case.
    assert number_of(_tg(h, "9001", "same for us", reply_to="55", reply_to_user="9002")) == second
    # An agent replying to a partner's message answers that partner's case.
    agent = h.add_person("Tom", "agent", language="en", channel="telegram")
    assert _tg(h, agent.external_id, "checking now", reply_to="56",
               reply_to_user="9001").replies == ()
    assert h.case(first).first_response_at is not None
    assert h.case(second).first_response_at is None
    # Staff commands about this organization's cases are answered; others are not, here.
    assert keys(_tg(h, agent.external_id, f"/take {second}", shared_only=False)) == [
        "case.taken"]
    assert keys(_tg(h, agent.external_id, "/queue", shared_only=False)) == [
        "shared.command_elsewhere"]
    assert keys(_tg(h, agent.external_id, f"/note {second} internal", shared_only=False)) == [
        "shared.command_elsewhere"]
    other = number_of(world.h.send(world.olga, "Other Corp needs help with templates"))
    assert keys(_tg(h, agent.external_id, f"/status {other}", shared_only=False)) == [
        "shared.command_elsewhere"]


def test_telegram_plain_group_replies_to_the_desks_answers_join_their_conversation(
        world: World) -> None:
    h = world.h
    _link(h, world.org, GROUP, "telegram")
    out = _tg(h, "9001", "The API answers 500 since this morning")
    first = number_of(out)
    assert out.conversation == "from:9001"  # the channel remembers its answers under it
    agent = h.add_person("Tom", "agent", language="en", channel="telegram")
    with transaction(h.desk.sessions) as s:
        group_answers.remember(s, channel="telegram", chat_id=GROUP, external_ids=["701"],
                               thread_key="from:9001", now=h.clock.now())
        group_answers.remember(s, channel="telegram", chat_id=GROUP, external_ids=["702"],
                               thread_key=f"from:{agent.external_id}", now=h.clock.now())
        # Remembering again is harmless.
        assert group_answers.remember(s, channel="telegram", chat_id=GROUP,
                                      external_ids=["701"], thread_key="from:9001",
                                      now=h.clock.now()) == 0
    # A colleague replying to the desk's answer to 9001 joins 9001's case.
    joined = _tg(h, "9002", "same for us", reply_to="701", reply_to_user="1234")
    assert keys(joined) == ["case.added"] and number_of(joined) == first
    # A reply to the desk's answer to an agent stays with the sender: a case of their own.
    own = _tg(h, "9003", "Our templates are rejected", reply_to="702", reply_to_user="1234")
    assert keys(own)[0].startswith("case.opened") and number_of(own) != first
    assert own.conversation == "from:9003"
    # Private chats and Slack threads are never given a group conversation.
    assert world.h.send(world.pat, "hello").conversation is None


def _press(h: Harness, user_id: str, action: str, n: int) -> Outcome:
    return h.handler.handle(Incoming(
        channel="telegram", user_id=user_id, chat_id=GROUP, text="", action=action,
        update_id=f"tg-press-{user_id}-{n}", is_private=False))


def test_telegram_group_buttons_answer_only_the_partner_who_asked(world: World) -> None:
    h = world.h
    _link(h, world.org, GROUP, "telegram")
    with transaction(h.desk.sessions) as s:  # no free escalation left: a confirmation first
        plans.get_plan(s, "growth").free_escalations = 0
    number = number_of(_tg(h, "9001", "Our webhook stopped delivering messages"))
    assert keys(_tg(h, "9002", "Templates are rejected since noon"))[0].startswith("case.opened")
    choose = _tg(h, "9001", f"/escalate {number}", shared_only=False)
    assert keys(choose) == ["escalation.choose"]
    buttons = choose.replies[0].buttons
    assert buttons and all(b.action.endswith("~9001") for b in buttons)
    # A colleague reading along presses the asker's button: told so, nothing happens.
    refused = _press(h, "9002", buttons[0].action, 1)
    assert keys(refused) == ["shared.not_your_button"] and refused.replies[0].ephemeral
    # A stranger pressing it is neither answered otherwise nor registered.
    assert keys(_press(h, "9999", buttons[0].action, 2)) == ["shared.not_your_button"]
    assert _user_of(h, "9999") is None
    # The asker presses: the confirmation comes, its button again theirs only.
    confirm = _press(h, "9001", buttons[0].action, 3)
    assert keys(confirm) == ["escalation.confirm"]
    confirm_button = confirm.replies[0].buttons[0]
    assert confirm_button.action.endswith("~9001")
    assert keys(_press(h, "9002", confirm_button.action, 4)) == ["shared.not_your_button"]
    assert h.count(Escalation) == 0
    done = _press(h, "9001", confirm_button.action, 5)
    assert keys(done)[0] == "escalation.registered"
    assert h.count(Escalation) == 1


def test_telegram_forum_topics_are_conversations(world: World) -> None:
    h = world.h
    _link(h, world.org, GROUP, "telegram")
    one = number_of(_tg(h, "9001", "Webhook deliveries fail", topic="11"))
    two = number_of(_tg(h, "9001", "Templates are rejected", topic="12"))
    assert one != two
    assert number_of(_tg(h, "9002", "Also for us", topic="11")) == one


def test_slack_help_tells_how_commands_are_typed_there(world: World) -> None:
    h = world.h
    guest = h.add_person("Gina", "partner", world.org, channel="slack")
    assert keys(h.send(guest, "/help")) == ["help.list", "help.slack"]
    assert keys(h.send(world.pat, "/help")) == ["help.list"]  # not a Slack user


def test_a_group_migrated_to_a_supergroup_takes_its_link_and_cases_along(world: World) -> None:
    h = world.h
    _link(h, world.org, GROUP, "telegram")
    number = number_of(_tg(h, "9001", "The API answers 500 since this morning"))
    h.send(world.alex, f"/reply {number} Looking into it")  # queued for the old group
    new = "-1009990001"
    with transaction(h.desk.sessions) as s:
        moved = linked_channels.migrate_chat(s, channel="telegram", old=GROUP, new=new,
                                             now=h.clock.now(), actor="telegram:group-migration")
        assert moved is not None and moved.chat_id == new
        # Told twice (in the old and in the new chat): the second time changes nothing.
        assert linked_channels.migrate_chat(s, channel="telegram", old=GROUP, new=new,
                                            now=h.clock.now(), actor="again") is None
    delivered = h.deliver()
    assert [d.chat_id for d in delivered if d.key == "case.agent_reply"] == [new]
    follow = _tg(h, "9001", "still failing", chat=new)
    assert keys(follow) == ["case.added"] and number_of(follow) == number
    assert keys(_tg(h, "9002", "hello from the old id")) == []  # the old id is not linked
    with h.desk.sessions() as s:
        entries = s.scalars(select(AuditEntry).where(
            AuditEntry.action == "org.channel.migrate")).all()
    assert [(e.details["from"], e.details["to"]) for e in entries] == [(GROUP, new)]
