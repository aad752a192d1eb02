"""Notices to people other than the sender, queued in the outbox by the conversation handlers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

import locales
import severity
from desk import cases, outbox
from desk.context import DeskContext
from handlers.invoice_commands import staff_block_reply
from handlers.text import excerpt
from messages import actions
from messages.types import Button, Reply
from store.models import Case, Invoice, OutboxMessage, User


def reasons_text(case: Case) -> dict[str, list[str]] | str:
    """The words that decided the severity, each in the reader's quotation marks ('-' if none)."""
    reasons = list(case.severity_reasons or [])
    return locales.quoted_param(reasons) if reasons else "-"


def case_buttons(case: Case) -> tuple[Button, ...]:
    return (
        Button("button.take", actions.encode("take", case.id), style="primary"),
        Button("button.resolve", actions.encode("res", case.id)),
    )


def severity_buttons(case: Case) -> tuple[Button, ...]:
    """Set the severity of a new case with one press: 1, 2 and 3."""
    return tuple(Button("button.severity", actions.encode("sev", case.id, level),
                        {"severity": level}, "danger" if level == 1 else None)
                 for level in (1, 2, 3))


def new_case(session: Session, desk: DeskContext, case: Case, partner: User, text: str,
             now: datetime, block: Invoice | None = None) -> None:
    """Tell the agents' rooms about a new case, with buttons to take or resolve it or to set
    its severity (the same buttons in every channel); when the organization's onboarding is
    blocked by an overdue invoice (`block`), a line saying so follows the notice."""
    org, plan = cases.org_and_plan(session, desk, case, now)
    params = {"number": case.id, "org": org, "plan": plan, "severity": case.severity,
              "reasons": reasons_text(case), "partner": partner.name, "text": excerpt(text)}
    if severity.needs_review(case.severity_confidence):  # an agent should look first
        key = "notice.new_case_review"
        params["confidence"] = locales.percent_param(case.severity_confidence or 0)
    else:
        key = "notice.new_case" if case.severity_reasons else "notice.new_case_plain"
    reply = Reply(key, params, case_buttons(case) + severity_buttons(case))
    outbox.enqueue_for_agent_rooms(session, desk, reply, purpose="new_case", now=now,
                                   case_id=case.id)
    if block is not None:
        outbox.enqueue_for_agent_rooms(session, desk, staff_block_reply(case.id, org, block),
                                       purpose="notice", now=now, case_id=case.id)


def partner_message(session: Session, desk: DeskContext, case: Case, partner: User, text: str,
                    now: datetime, raised_from: int | None) -> None:
    """A partner wrote on an open case: tell its agent, or the agents' rooms if nobody took it."""
    if raised_from is not None:
        reply = Reply("notice.case_message_raised", {
            "number": case.id, "partner": partner.name, "text": excerpt(text),
            "old": raised_from, "severity": case.severity, "reasons": reasons_text(case),
        }, case_buttons(case))
    else:
        reply = Reply("notice.case_message", {
            "number": case.id, "partner": partner.name, "text": excerpt(text),
            "severity": case.severity,
        })
    assignee = session.get(User, case.assignee_id) if case.assignee_id else None
    if assignee is not None and assignee.removed_at is None and outbox.enqueue_for_user(
        session, desk, assignee, reply, purpose="notice", now=now, case_id=case.id
    ) is not None:
        return
    outbox.enqueue_for_agent_rooms(session, desk, reply, purpose="notice", now=now,
                                   case_id=case.id)


def to_partner(session: Session, desk: DeskContext, case: Case, reply: Reply, *, purpose: str,
               now: datetime) -> OutboxMessage | None:
    """A message into the case's own conversation, in the partner's language."""
    return outbox.enqueue_for_case(session, desk, case, reply, purpose=purpose, now=now)
