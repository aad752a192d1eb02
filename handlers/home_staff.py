"""The staff's dashboard: the queue with first-response time left and Take buttons (agents,
admins), the month so far (managers, admins), the escalated cases a pool TAM was told of."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

import locales
from billing.months import BillingMonth
from desk import cases
from desk.context import DeskContext
from escalation import summary as summaries
from escalation.delivery import totals_text
from escalation.quality import first_response_line, satisfaction_line
from handlers.home_org import case_lines
from handlers.home_sections import Line, Section, capped, plain
from messages import actions
from messages.types import Button
from sla.display import queue_label
from store.models import Case, OutboxMessage, User

MAX_QUEUE = 20  # one block each in Slack (the Take button sits beside its line)
MAX_ORGS = 5
MAX_SUBJECT = 60


def _queue_line(entry: cases.QueueEntry, viewer: User, now: datetime, lang: str) -> Line:
    case = entry.case
    parts = [locales.render("home.queue.line", {
        "number": case.id, "severity": case.severity, "org": entry.org_name,
        "plan": entry.plan_name, "subject": case.subject[:MAX_SUBJECT]}, lang)]
    if case.assignee_id == viewer.id:
        parts.append(locales.text("home.queue.yours", lang))
    elif entry.assignee_name:
        parts.append(locales.render("home.cases.with", {"agent": entry.assignee_name}, lang))
    label = queue_label(case, now, lang)  # first-response time left, or overdue by
    if label:
        parts.append(label)
    button = (Button("button.take", actions.encode("take", case.id), style="primary")
              if case.assignee_id is None else None)
    return Line(" · ".join(parts), button)


def queue_section(session: Session, desk: DeskContext, viewer: User, lang: str,
                  now: datetime) -> Section:
    """Open cases in queue order; a free case has a Take button."""
    entries = cases.queue(session, desk, now)
    title = locales.render("home.queue.title", {"count": len(entries)}, lang)
    if not entries:
        return Section(title, plain(locales.text("queue.empty", lang)))
    lines = [_queue_line(e, viewer, now, lang) for e in entries]
    return capped(title, lines, MAX_QUEUE, "home.queue.more", lang)


def _org_line(line: summaries.OrgLine, lang: str) -> Line:
    return Line(locales.render("home.month.org", {
        "org": summaries.ellipsize(line.org, 40), "plan": line.plan, "counted": line.counted,
        "allowance": line.allowance, "pending": line.pending, "overflow": line.overflow}, lang))


def month_sections(session: Session, desk: DeskContext, lang: str,
                   now: datetime) -> list[Section]:
    """This month so far: cases opened, escalations counted, pending and overflow, totals per
    currency, first-response compliance and satisfaction; the organizations with escalations."""
    month = BillingMonth.of(now, desk.billing_tz)
    summary = summaries.build(session, month, desk.billing_tz, now=now)
    title = locales.render("home.month.title", {"month": locales.month_param(str(month))}, lang)
    if summary.is_empty:
        nothing = locales.render("summary.nothing", {"month": locales.month_param(str(month))},
                                 lang)
        return [Section(title, plain(nothing))]
    texts = [
        locales.render("home.month.cases", {"count": summary.cases_opened}, lang),
        locales.render("home.month.escalations", {
            "counted": summary.counted, "pending": summary.pending,
            "overflow": summary.overflow}, lang),
    ]
    if summary.totals:
        texts.extend(totals_text(summary, lang).split("\n"))
    if summary.first_response_total.cases:
        texts.append(first_response_line(summary.first_response_total, lang))
    rated = satisfaction_line(summary.satisfaction, lang)
    if rated:
        texts.append(rated)
    sections = [Section(title, plain(*texts))]
    busy = sorted((o for o in summary.orgs if o.counted or o.pending),
                  key=lambda o: (-o.overflow, -(o.counted + o.pending), o.org.lower()))
    if busy:
        sections.append(capped(locales.text("home.month.orgs_title", lang),
                               [_org_line(o, lang) for o in busy], MAX_ORGS,
                               "home.month.more_orgs", lang))
    return sections


def notified_section(session: Session, viewer: User, lang: str) -> Section:
    """A community-pool TAM: the open cases the desk told them of (their escalations)."""
    found = list(session.scalars(
        select(Case).where(Case.status == "open", exists().where(
            OutboxMessage.case_id == Case.id, OutboxMessage.recipient_user_id == viewer.id))
        .order_by(Case.id.desc())))
    title = locales.text("home.notified.title", lang)
    if not found:
        return Section(title, plain(locales.text("home.notified.none", lang)))
    return capped(title, case_lines(session, found, lang), MAX_QUEUE, "home.cases.more", lang)
