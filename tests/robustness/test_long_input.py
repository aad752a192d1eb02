"""Very long unbroken messages are refused quickly, and the linear mail filter keeps the rule.

Before the fix, language detection ran `\\S+@\\S+\\.\\S+` (and `<[@#!][^>]*>`) over the whole
message before the length check: quadratic in an unbroken run, about a second for 8,000
characters and minutes for a 40,000-character Slack message.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from locales.detect import _MAIL_RE, _MENTION_RE, _drop_mail, judgeable_text
from tests.robustness.inputs import FAST
from tests.robustness.world import World

OLD_MENTION = re.compile(r"<[@#!][^>]*>|(?<!\w)[@#/][\w.-]+")


@FAST
@given(st.text(alphabet="ab@.<>#!/- \n\t", max_size=40))
def test_linear_mail_filter_equals_the_regex(text: str) -> None:
    assert _drop_mail(text) == _MAIL_RE.sub(" ", text)


@FAST
@given(st.text(alphabet="ab@.<>#!/- \n", max_size=40))
def test_mention_filter_differs_only_for_a_raw_angle_bracket_inside(text: str) -> None:
    if "<" not in text.replace("<@", "").replace("<#", "").replace("<!", ""):
        assert _MENTION_RE.sub(" ", text) == OLD_MENTION.sub(" ", text)


@pytest.mark.timeout(120)  # the quadratic version needs far longer; the linear one well under 1 s
@pytest.mark.parametrize("body", ["é" * 100_000, "a@b" * 40_000, "<@" * 50_000, "x." * 50_000])
def test_huge_unbroken_message_is_refused_as_too_long(world: World, body: str) -> None:
    world.reset()
    assert judgeable_text(body[:50_000]) is None  # one unbroken token: nothing to judge
    for actor in ("partner_a", "stranger", "agent"):
        outcome = world.send(world.actors[actor], body)
        expected = "error.no_access" if actor == "stranger" else "error.too_long"
        assert [r.key for r in outcome.replies] == [expected]
