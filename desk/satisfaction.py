"""Satisfaction: one 1-5 question per resolution of a case, the partner's rating, and the stats.

Each resolution of a case is a round (`round` = how often the case was reopened before it).
At a resolution the partner who opened the case is asked once, in their direct chat (in the
case's thread or topic when it came from a shared channel) and their language, with five
buttons; `/rate N SCORE [COMMENT]` does the same when typed. A round is
rated once (a comment may follow a rating made without one); a reopened and re-resolved case
is asked again, and its latest rated round is the case's rating.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum

from sqlalchemy import select, update
from sqlalchemy.orm import Session

import locales
from billing.months import BillingMonth
from desk import audit, linked_channels, outbox
from desk.cases import CaseConflict
from desk.context import DeskContext
from messages import actions
from messages.types import Button, Reply
from store.models import (
    Case,
    CaseMessage,
    Conversation,
    Organization,
    OutboxMessage,
    SatisfactionRating,
    User,
)

SCORES = (1, 2, 3, 4, 5)
VERB = "rate"  # button data "rate:CASE:ROUND:SCORE" stands for /rate
SUBJECT_SHOWN = 80
AVERAGE_PLACES = Decimal("0.01")
RATE_PLACES = Decimal("0.0001")  # a response rate of 0.6667 is 66.67 %

actions.register(VERB, "rate")


class Rated(Enum):
    """What a /rate did."""

    RATED = "rated"
    COMMENT_ADDED = "comment_added"


def _subject(case: Case) -> str:
    subject = case.subject or ""
    return subject if len(subject) <= SUBJECT_SHOWN else subject[:SUBJECT_SHOWN - 1] + "…"


def score_buttons(case: Case) -> tuple[Button, ...]:
    """Five buttons 1..5 for the case's latest resolution (its current round)."""
    return tuple(Button("satisfaction.button", actions.encode(VERB, case.id, case.reopened_count,
                                                              score), {"score": score})
                 for score in SCORES)


def question(case: Case, key: str = "satisfaction.ask") -> Reply:
    """The question about the case's latest resolution, with its score buttons."""
    return Reply(key, {"number": case.id, "subject": locales.quoted_param([_subject(case)])},
                 score_buttons(case))


def round_of(session: Session, case: Case, number: int) -> SatisfactionRating | None:
    return session.scalar(select(SatisfactionRating).where(
        SatisfactionRating.case_id == case.id, SatisfactionRating.round == number))


def _resolver_id(session: Session, case: Case) -> int | None:
    """Who resolved the case last: the author of its latest 'resolved' system message."""
    return session.scalar(
        select(CaseMessage.author_id)
        .where(CaseMessage.case_id == case.id, CaseMessage.kind == "system",
               CaseMessage.text.startswith("resolved"))
        .order_by(CaseMessage.id.desc()).limit(1))


def _in_shared_conversation(session: Session, desk: DeskContext, case: Case,
                            now: datetime) -> OutboxMessage | None:
    """The question asked where a case of a shared channel was talked about (its thread or
    topic), since a guest of a Slack Connect channel may not accept direct messages from the
    provider's app; any partner of the organization there may answer it. None elsewhere."""
    conversation = session.get(Conversation, case.conversation_id)
    if conversation is None or linked_channels.lookup(
            session, conversation.channel, conversation.chat_id) is None:
        return None
    return outbox.enqueue_for_case(session, desk, case, question(case), purpose="satisfaction",
                                   now=now)


def ask(session: Session, desk: DeskContext, case: Case, resolver: User,
        now: datetime) -> SatisfactionRating | None:
    """After a resolution: record the round and queue one question to the partner who opened
    the case. Nothing is recorded when that partner cannot be reached (gone, no chat);
    they or a colleague may still rate with /rate, which records the round then."""
    partner = session.get(User, case.opened_by_id)
    if (partner is None or partner.removed_at is not None or partner.role != "partner"
            or partner.org_id != case.org_id or round_of(session, case, case.reopened_count)):
        return None
    sent = (_in_shared_conversation(session, desk, case, now)
            or outbox.enqueue_for_user(session, desk, partner, question(case),
                                       purpose="satisfaction", now=now, case_id=case.id))
    if sent is None:
        return None
    row = SatisfactionRating(case_id=case.id, round=case.reopened_count, org_id=case.org_id,
                             agent_id=case.assignee_id or resolver.id, asked_at=now)
    session.add(row)
    session.flush()
    return row


def rate(session: Session, *, case: Case, partner: User, score: int, comment: str | None,
         now: datetime) -> tuple[Rated, SatisfactionRating]:
    """The partner's rating of the case's latest resolution (the caller checked that the
    partner may see the case, ideally with the case row locked).

    Refused (CaseConflict) when the case is open, or when this resolution is rated already,
    except that whoever rated without a comment may add one once, with the same score.
    """
    if score not in SCORES:
        raise ValueError(f"a rating is 1..5, not {score}")
    if case.status != "resolved":
        raise CaseConflict("satisfaction.not_resolved", number=case.id)
    row = round_of(session, case, case.reopened_count)
    if row is None:  # resolved before ratings were asked, or the partner was not reachable
        row = SatisfactionRating(case_id=case.id, round=case.reopened_count, org_id=case.org_id,
                                 agent_id=case.assignee_id or _resolver_id(session, case),
                                 asked_at=case.resolved_at or now)
        session.add(row)
        session.flush()
    actor = f"user:{partner.id}"
    if row.rating is not None:
        if (comment and row.comment is None and score == row.rating
                and row.rated_by_id == partner.id):
            row.comment = comment
            audit.record(session, actor=actor, action="case.rating_comment", entity="case",
                         entity_id=case.id, details={"round": row.round, "comment": comment},
                         now=now)
            return Rated.COMMENT_ADDED, row
        raise CaseConflict("satisfaction.already_rated", number=case.id, score=row.rating)
    done = session.execute(
        update(SatisfactionRating)
        .where(SatisfactionRating.id == row.id, SatisfactionRating.rating.is_(None))
        .values(rating=score, comment=comment or None, rated_by_id=partner.id, rated_at=now)
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:  # rated by a colleague in the meantime
        session.refresh(row)
        raise CaseConflict("satisfaction.already_rated", number=case.id, score=row.rating)
    session.refresh(row)
    audit.record(session, actor=actor, action="case.rate", entity="case", entity_id=case.id,
                 details={"round": row.round, "rating": score, "comment": comment or None,
                          "agent": row.agent_id}, now=now)
    return Rated.RATED, row


def case_ratings(session: Session, case_ids: Iterable[int]) -> dict[int, SatisfactionRating]:
    """Each case's rating: its latest rated round (cases never rated are left out)."""
    ids = sorted(set(case_ids))
    found: dict[int, SatisfactionRating] = {}
    for start in range(0, len(ids), 500):
        for row in session.scalars(
                select(SatisfactionRating)
                .where(SatisfactionRating.case_id.in_(ids[start:start + 500]),
                       SatisfactionRating.rating.is_not(None))
                .order_by(SatisfactionRating.case_id, SatisfactionRating.round)):
            found[row.case_id] = row  # the later round replaces the earlier
    return found


# ---- the monthly figures --------------------------------------------------------------------

@dataclass(frozen=True)
class SatisfactionLine:
    """One organization's or agent's figures (key None: resolutions without a known agent)."""

    key: int | None
    name: str
    asked: int  # cases asked about in the month
    ratings: int  # of those, cases rated
    average: Decimal | None  # mean score, 2 places half up; None without ratings
    response_rate: Decimal | None  # ratings / asked, 4 places half up; None if none asked


@dataclass(frozen=True)
class SatisfactionStats:
    month: BillingMonth
    organizations: tuple[SatisfactionLine, ...]
    agents: tuple[SatisfactionLine, ...]
    total: SatisfactionLine


def _line(key: int | None, name: str, scores: list[int], asked: int) -> SatisfactionLine:
    average = (Decimal(sum(scores)) / len(scores)).quantize(AVERAGE_PLACES, ROUND_HALF_UP) \
        if scores else None
    response = (Decimal(len(scores)) / asked).quantize(RATE_PLACES, ROUND_HALF_UP) \
        if asked else None
    return SatisfactionLine(key, name, asked, len(scores), average, response)


def _counted_rounds(session: Session, start: datetime, end: datetime) -> list[SatisfactionRating]:
    """Per case asked in [start, end): its latest rated round asked then, else its latest."""
    chosen: dict[int, SatisfactionRating] = {}
    rows = session.scalars(
        select(SatisfactionRating)
        .where(SatisfactionRating.asked_at >= start, SatisfactionRating.asked_at < end)
        .order_by(SatisfactionRating.case_id, SatisfactionRating.round))
    for row in rows:
        held = chosen.get(row.case_id)
        if held is None or row.rating is not None or held.rating is None:
            chosen[row.case_id] = row
    return list(chosen.values())


def satisfaction_stats(session: Session, month: BillingMonth, tz: tzinfo) -> SatisfactionStats:
    """Average score, ratings, cases asked and response rate of the month, per organization
    and per agent (the agent who held the case at that resolution, else who resolved it).

    A case counts once: by its latest rated round asked in the month, else (unrated) by its
    latest round asked in the month. Lines are sorted by name; only those with a question.
    """
    rounds = _counted_rounds(session, month.start(tz), month.end(tz))
    by_org: dict[int | None, list[SatisfactionRating]] = defaultdict(list)
    by_agent: dict[int | None, list[SatisfactionRating]] = defaultdict(list)
    for row in rounds:
        by_org[row.org_id].append(row)
        by_agent[row.agent_id].append(row)
    org_names: dict[int, str] = {
        key: name for key, name in session.execute(
            select(Organization.id, Organization.name).where(Organization.id.in_(list(by_org))))}
    agent_names: dict[int, str] = {
        key: name for key, name in session.execute(
            select(User.id, User.name).where(User.id.in_([a for a in by_agent if a is not None])))}

    def lines(groups: dict[int | None, list[SatisfactionRating]],
              names: dict[int, str]) -> tuple[SatisfactionLine, ...]:
        made = [_line(key, names.get(key, "?") if key is not None else "-",
                      [r.rating for r in group if r.rating is not None], len(group))
                for key, group in groups.items()]
        return tuple(sorted(made, key=lambda x: (x.name.casefold(), x.key or 0)))

    total = _line(None, "", [r.rating for r in rounds if r.rating is not None], len(rounds))
    return SatisfactionStats(month, lines(by_org, org_names), lines(by_agent, agent_names), total)
