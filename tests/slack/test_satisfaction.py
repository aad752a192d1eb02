"""Satisfaction in Slack: the real `supportdesk run` against the fake Web API. The partner is
asked in their direct chat after the resolution, rates with a button, adds a comment with
/support rate, and a second rating is refused politely."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from store.models import Case, SatisfactionRating
from tests.slack.conftest import PEOPLE
from tests.slack.harness import AGENTS, SlackDesk, button, buttons, dm_channel, prefix, wait_until

pytestmark = pytest.mark.e2e


def test_the_partner_rates_with_a_button_then_comments(slack: SlackDesk) -> None:
    slack.dm(PEOPLE.hans, "Hallo, unsere Vorlagen werden seit heute Morgen alle abgelehnt.")
    slack.wait_post(dm_channel(PEOPLE.hans), prefix("case.opened", "de"))
    case_id = wait_until(lambda: slack.scalar(select(Case.id)), "the case row")

    resolved = slack.command(PEOPLE.alex, f"resolve {case_id}", channel=AGENTS)
    slack.wait_response(resolved, prefix("case.resolved", "en"))
    question = slack.wait_post(PEOPLE.hans, prefix("satisfaction.ask", "de"))  # direct chat
    assert f"#{case_id}" in question.params["text"]
    values = [b["value"] for b in buttons(question)]
    assert values == [f"rate:{case_id}:0:{s}" for s in (1, 2, 3, 4, 5)]
    assert [b["text"]["text"] for b in buttons(question)] == ["1", "2", "3", "4", "5"]

    pressed = slack.press(PEOPLE.hans, question, button(question, f"rate:{case_id}:0:5"))
    thanks = slack.wait_response(pressed, prefix("satisfaction.thanks", "de"))
    assert "5/5" in thanks.params["text"]
    row = wait_until(lambda: slack.scalar(select(SatisfactionRating)
                                          .where(SatisfactionRating.rating.is_not(None))),
                     "the rating")
    assert (row.case_id, row.round, row.rating, row.comment) == (case_id, 0, 5, None)

    again = slack.press(PEOPLE.hans, question, button(question, f"rate:{case_id}:0:2"))
    slack.wait_response(again, prefix("satisfaction.already_rated", "de"))

    comment = slack.command(PEOPLE.hans, f"rate {case_id} 5 Schnell und klar, danke!")
    slack.wait_response(comment, prefix("satisfaction.comment_added", "de"))
    row = slack.scalar(select(SatisfactionRating))
    assert (row.rating, row.comment) == (5, "Schnell und klar, danke!")

    # the partner of another organization: answered like a case that does not exist
    other = slack.command(PEOPLE.lucia, f"rate {case_id} 1")
    slack.wait_response(other, prefix("error.case_not_found", "es"))
    assert slack.count(SatisfactionRating) == 1
