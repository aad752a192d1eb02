"""The Home tab's refresher and view in-process, on a fake clock: who is published when (opened,
own update, debounced changes, queue fingerprint, refresh, recency), only what changed, errors
survived; and the Block Kit view within Slack's limits."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from slack_sdk import WebClient

from bot.channels.slack.home import HomeTab
from bot.channels.slack.home_view import MAX_BLOCKS, home_view
from bot.channels.slack.render import SECTION_LIMIT
from handlers.home_sections import Dashboard, Line, Section
from messages.types import Button
from tests.fakes.slack_api import FakeSlackApi


@dataclass
class World:
    """What each person's dashboard says now, the queue's fingerprint, and the time."""

    says: dict[str, str] = field(default_factory=dict)
    queue: str = "q0"
    now: float = 1000.0
    broken: set[str] = field(default_factory=set)

    def build(self, user: str, hint: str | None) -> Dashboard:
        if user in self.broken:
            raise RuntimeError("database away")
        return Dashboard("en", f"Home of {user}",
                         (Section("Now", (Line(self.says.get(user, "nothing")),)),), "agent")


@pytest.fixture
def fake() -> Iterator[FakeSlackApi]:
    with FakeSlackApi() as api:
        yield api


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def tab(fake: FakeSlackApi, world: World) -> HomeTab:
    client = WebClient(token="xoxb-test", base_url=fake.api_url)
    tab = HomeTab(client, world.build, signature=lambda: world.queue,
                  monotonic=lambda: world.now, debounce=3.0, recent=600.0, refresh=60.0)
    tab.start = lambda: None  # type: ignore[method-assign]  # the test drives step() itself
    return tab


def published(fake: FakeSlackApi) -> list[tuple[str, str]]:
    """(user, first line) of every accepted views.publish, in order."""
    return [(c.params["user_id"], c.params["view"]["blocks"][3]["text"]["text"])
            for c in fake.calls("views.publish") if c.ok]


def test_opening_publishes_at_once_and_again_on_every_opening(tab: HomeTab, world: World,
                                                              fake: FakeSlackApi) -> None:
    tab.opened("U1")
    tab.step()
    assert published(fake) == [("U1", "nothing")]
    tab.opened("U1")  # the same view: published again, Slack asked for it
    world.now += 1
    tab.step()
    assert published(fake) == [("U1", "nothing"), ("U1", "nothing")]


def test_own_updates_publish_at_once_when_the_view_changed(tab: HomeTab, world: World,
                                                           fake: FakeSlackApi) -> None:
    tab.opened("U1")
    tab.step()
    world.now += 1  # within the debounce: only the person's own update is handled
    world.says["U1"] = "case 7 taken"
    tab.updated("U1")
    tab.step()
    assert published(fake)[-1] == ("U1", "case 7 taken")
    world.now += 1
    tab.updated("U1")  # nothing changed: not published again
    tab.step()
    assert len(published(fake)) == 2


def test_other_updates_refresh_recent_viewers_debounced(tab: HomeTab, world: World,
                                                        fake: FakeSlackApi) -> None:
    for user in ("U1", "U2"):
        tab.opened(user)
    tab.step()
    world.says.update({"U1": "one", "U2": "two"})
    tab.updated("U9")  # someone who never opened the tab changed something
    world.now += 1
    tab.step()
    assert len(published(fake)) == 2  # debounced: the last check was a second ago
    world.now += 2
    tab.step()
    assert published(fake)[2:] == [("U1", "one"), ("U2", "two")]
    for _ in range(5):  # many updates in a burst: one more round, nothing changed
        tab.updated("U9")
    world.now += 3
    tab.step()
    assert len(published(fake)) == 4


def test_a_changed_queue_refreshes_viewers_and_old_viewers_are_left_alone(
        tab: HomeTab, world: World, fake: FakeSlackApi) -> None:
    tab.opened("U_OLD")
    tab.step()
    world.now += 700  # U_OLD opened the tab more than `recent` ago
    tab.opened("U_NEW")
    tab.step()
    world.says.update({"U_OLD": "new case", "U_NEW": "new case"})
    world.now += 3
    tab.step()
    assert len(published(fake)) == 2  # the queue did not change: nothing to do
    world.queue = "q1"  # a case was opened by another process
    world.now += 3
    tab.step()
    assert published(fake)[2:] == [("U_NEW", "new case")]
    tab.updated("U_OLD")  # but their own update always refreshes their home
    tab.step()
    assert published(fake)[3:] == [("U_OLD", "new case")]


def test_every_refresh_period_the_views_are_rebuilt_and_only_changes_published(
        tab: HomeTab, world: World, fake: FakeSlackApi) -> None:
    tab.opened("U1")
    tab.step()
    world.now += 30
    world.says["U1"] = "22 h left"  # time passes: the queue is the same, the words are not
    tab.step()
    assert len(published(fake)) == 1
    world.now += 31
    tab.step()
    assert published(fake)[-1] == ("U1", "22 h left")
    world.now += 61
    tab.step()  # rebuilt, unchanged: not published
    assert len(published(fake)) == 2


def test_failures_are_survived_and_retried(tab: HomeTab, world: World,
                                           fake: FakeSlackApi) -> None:
    world.broken.add("U1")
    tab.opened("U1")
    tab.step()  # the build failed: logged, nothing published, the worker goes on
    assert published(fake) == []
    world.broken.clear()
    fake.fail_next("views.publish", error="internal_error")
    tab.opened("U1")
    tab.step()
    assert published(fake) == []
    world.now += 61  # the next sweep publishes it (nothing was recorded as published)
    tab.step()
    assert published(fake) == [("U1", "nothing")]


def test_the_queue_fingerprint_failing_is_survived(tab: HomeTab, world: World,
                                                   fake: FakeSlackApi) -> None:
    def away() -> str:
        raise OSError("database away")

    tab.signature = away
    tab.opened("U1")
    assert tab.step() == 3.0
    assert published(fake) == [("U1", "nothing")]


def test_the_worker_thread_publishes_and_stops(fake: FakeSlackApi, world: World) -> None:
    client = WebClient(token="xoxb-test", base_url=fake.api_url)
    tab = HomeTab(client, world.build, debounce=0.05)
    tab.opened("U1")
    fake.wait_for(lambda: fake.views("U1"), what="the view")
    thread = tab._thread
    tab.stop()
    assert thread is not None and not thread.is_alive()
    tab.opened("U2")  # stopped: no worker is started again
    assert tab._thread is thread and not thread.is_alive()


# -- the view -------------------------------------------------------------------------------
def take(number: int) -> Button:
    return Button("button.take", f"take:{number}", style="primary")


def test_the_view_is_plain_text_with_a_button_beside_its_line() -> None:
    board = Dashboard("de", "Support-Desk · <!channel>", (
        Section("Warteschlange", (Line("#1 · <@U0BOSS> hilfe", take(1)), Line("#2 · bei Bea"),
                                  Line("#3 · frei", take(3))), "… und 4 weitere"),))
    view = home_view(board)
    assert view["type"] == "home"
    kinds = [b["type"] for b in view["blocks"]]
    assert kinds == ["header", "divider", "header", "section", "section", "section", "context"]
    texts = [b["text"] for b in view["blocks"] if "text" in b]
    assert all(t["type"] == "plain_text" for t in texts)  # never parsed: no mention, no link
    assert texts[0]["text"] == "Support-Desk · <!channel>"
    buttons = [b["accessory"] for b in view["blocks"] if "accessory" in b]
    assert [(b["value"], b["text"]["text"]) for b in buttons] == [("take:1", "Übernehmen"),
                                                                  ("take:3", "Übernehmen")]
    assert len({b["action_id"] for b in buttons}) == 2
    assert all(b["action_id"].startswith("sd:") for b in buttons)


def test_long_texts_are_split_or_cut_within_slacks_limits() -> None:
    lines = tuple(Line(f"{i:03d} " + "x" * 996) for i in range(7))  # 7000 characters
    board = Dashboard("en", "T" * 400, (Section("S", (*lines, Line("y" * 5000))),))
    blocks = home_view(board)["blocks"]
    assert len(blocks[0]["text"]["text"]) == 150
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert all(len(s) <= SECTION_LIMIT for s in sections)
    assert [s[:3] for s in sections] == ["000", "002", "004", "006", "yyy"]
    assert sections[-1].endswith("…")


def test_the_view_never_has_more_than_100_blocks() -> None:
    sections = tuple(Section(f"S{i}", tuple(Line(f"#{n}", take(n)) for n in range(10)))
                     for i in range(20))
    blocks = home_view(Dashboard("en", "T", sections))["blocks"]
    assert len(blocks) == MAX_BLOCKS
    assert blocks[-1] == {"type": "context",
                          "elements": [{"type": "plain_text", "text": "…", "emoji": False}]}
