"""Outbox delivery to Slack: rate limits, server errors, permanent errors, escaping, files."""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from billing.months import BillingMonth
from store.models import Case, OutboxMessage
from tests.slack.conftest import PEOPLE
from tests.slack.harness import AGENTS, SlackDesk, dm_channel, prefix, wait_until

pytestmark = pytest.mark.e2e

OUTAGE = "Hallo, die API ist für alle unsere Kunden ausgefallen, keine Nachricht geht raus."
FOLLOW_UP = "Außerdem fehlen seit heute Morgen alle Zustellberichte."


def notice_calls(slack: SlackDesk) -> list:  # type: ignore[type-arg]
    return [c for c in slack.fake.calls("chat.postMessage")
            if c.params.get("channel") == AGENTS
            and str(c.params.get("text", "")).startswith("New case #")]


def new_case_row(slack: SlackDesk) -> OutboxMessage | None:
    return slack.scalar(select(OutboxMessage).where(OutboxMessage.purpose == "new_case"))


@pytest.mark.parametrize(("error", "status"), [("ratelimited", 429), ("internal_error", 500)])
def test_transient_error_then_success_delivers_exactly_once(slack: SlackDesk, error: str,
                                                            status: int) -> None:
    slack.fake.fail_next("chat.postMessage", 1, error=error, status=status, channel=AGENTS)
    slack.dm(PEOPLE.hans, OUTAGE)
    slack.wait_post(AGENTS, "New case #")
    row = wait_until(lambda: (r := new_case_row(slack)) and r.status == "sent" and r,
                     "the notice to be marked sent")
    assert row.attempts == 2 and row.external_id is not None
    failed = [c for c in notice_calls(slack) if not c.ok]
    assert len(failed) == 1 and failed[0].status == status
    # Sync point: a later notice to the same room is delivered after the first.
    slack.dm(PEOPLE.hans, FOLLOW_UP)
    wait_until(lambda: len([c for c in slack.fake.calls("chat.postMessage")
                            if c.ok and c.params.get("channel") == AGENTS]) >= 2,
               "the follow-up notice")
    assert len([c for c in notice_calls(slack) if c.ok]) == 1
    assert len(notice_calls(slack)) == 2


def test_permanent_error_is_recorded_not_retried(slack: SlackDesk) -> None:
    slack.fake.fail_next("chat.postMessage", 1, error="channel_not_found", channel=AGENTS)
    slack.dm(PEOPLE.hans, OUTAGE)
    row = wait_until(lambda: (r := new_case_row(slack)) and r.status == "failed" and r,
                     "the notice to fail for good")
    assert "channel_not_found" in (row.last_error or "")
    assert row.attempts == 1
    slack.dm(PEOPLE.hans, FOLLOW_UP)
    wait_until(lambda: [c for c in slack.fake.calls("chat.postMessage")
                        if c.ok and c.params.get("channel") == AGENTS], "the next notice")
    assert len(notice_calls(slack)) == 1  # the failed one was never sent again


def test_partner_text_cannot_mention_or_link_in_the_agents_room(slack: SlackDesk) -> None:
    hostile = ("<!channel> <!here> <@U0ALEX> <#C0GENERAL> <https://evil.example|hier klicken> "
               "*fett* & die API ist für alle unsere Kunden ausgefallen")
    slack.dm(PEOPLE.hans, hostile)
    notice = slack.wait_post(AGENTS, "New case #")
    text = notice.params["text"]
    for raw in ("<!channel>", "<!here>", "<@U0ALEX>", "<#C0GENERAL>", "<https://"):
        assert raw not in text
    assert "&lt;!channel&gt;" in text and "&lt;@U0ALEX&gt;" in text and "&amp; die API" in text
    sections = [b for b in notice.params["blocks"] if b["type"] == "section"]
    assert sections and all(b["text"]["type"] == "plain_text" for b in sections)
    assert "<!channel>" in "".join(b["text"]["text"] for b in sections)  # shown, never parsed
    assert notice.params.get("unfurl_links") is False


def test_summary_files_are_uploaded_with_their_text_once(slack: SlackDesk) -> None:
    slack.dm(PEOPLE.hans, OUTAGE)  # a case, so that its month has something to summarize
    opened = wait_until(lambda: slack.scalar(select(Case.opened_at)), "the case")
    month = BillingMonth.of(opened, ZoneInfo("UTC"))  # the desk's default billing time zone
    asked = slack.command(PEOPLE.morgan, f"summary {month}")
    slack.wait_response(asked, prefix("escalation.summary.files_coming", "en"))
    complete = slack.fake.wait_for(lambda: slack.fake.calls("files.completeUploadExternal"),
                                   what="the upload to complete")[0]
    assert complete.params["channel_id"] == dm_channel(PEOPLE.morgan)
    assert complete.params["initial_comment"].startswith(prefix("escalation.summary.files", "en"))
    titles = sorted(f["title"] for f in json.loads(complete.params["files"]))
    assert titles[0].endswith(".csv") and titles[1].endswith(".png")
    uploads = slack.fake.calls("upload")
    assert len(uploads) == 2
    assert any(u.body.startswith(b"\x89PNG") for u in uploads)
    row = wait_until(lambda: (r := slack.scalar(select(OutboxMessage).where(
        OutboxMessage.purpose == "summary"))) and r.status == "sent" and r, "the summary row")
    assert row.external_id and row.external_id.startswith("F")
    assert len(slack.fake.calls("files.completeUploadExternal")) == 1
