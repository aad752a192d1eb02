"""Send the monthly summary to every manager through the outbox, exactly once per month."""

from __future__ import annotations

from datetime import datetime, tzinfo

from sqlalchemy import exists, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

import locales
from billing.months import BillingMonth
from desk import outbox
from desk.context import DeskContext
from escalation import summary as summaries
from escalation.quality import average_text, first_response_line, satisfaction_line
from messages.types import Reply
from sla import report as sla_report
from sla.display import seconds_text
from store.db import is_postgres, transaction
from store.models import Identity, SummaryDelivery, User


def totals_text(summary: summaries.MonthSummary, language: str) -> str:
    """One line per currency, money formatted for the language; never a cross-currency sum."""
    lines = [
        locales.render("escalation.summary.total_line", {
            "fees": locales.money_param(summary.fees[c].amount, c),
            "charges": locales.money_param(summary.charges[c].amount, c),
            "total": locales.money_param(total.amount, c),
        }, language)
        for c, total in summary.totals.items()
    ]
    return "\n".join(lines) if lines else "-"


TOP_AGENTS = 5  # agents named in the chat message; the chart and the CSV have every one


def quality_lines(summary: summaries.MonthSummary, language: str) -> str:
    """First-response compliance of the month, satisfaction and the agents' averages: each a
    line ending in a newline, or nothing for what the month has none of."""
    lines = []
    if summary.first_response_total.cases:
        lines.append(first_response_line(summary.first_response_total, language))
    rated = satisfaction_line(summary.satisfaction, language)
    if rated:
        lines.append(rated)
    agents = sorted((a for a in summary.satisfaction_by_agent if a.ratings.average is not None),
                    key=lambda a: (-a.ratings.ratings, a.agent.lower()))[:TOP_AGENTS]
    if agents:
        named = ", ".join(f"{a.agent} {average_text(a.ratings.average, language)} "
                          f"({a.ratings.ratings})" for a in agents if a.ratings.average)
        lines.append(locales.render("summary.agents", {"agents": named}, language))
    return "".join(line + "\n" for line in lines)


def nothing_reply(summary: summaries.MonthSummary) -> Reply:
    """One line for a month in which nothing happened."""
    return Reply("summary.nothing", {"month": locales.month_param(summary.month)})


def summary_reply(summary: summaries.MonthSummary, language: str,
                  sla: sla_report.SlaReport | None = None) -> Reply:
    """The chat message with the summary's headline numbers, first-response compliance and
    satisfaction, in `language`; a month not closed yet says its figures are preliminary."""
    by_category = ", ".join(
        f"{summaries.category_name(code, language)}: {n}"
        for code, n in sorted(summary.by_category.items())
    ) or "-"
    by_severity = ", ".join(f"S{k}: {v}" for k, v in sorted(summary.by_severity.items())) or "-"
    # Unresolved requests are pending while the month runs, expired only once it has ended.
    key, unresolved = (("escalation.summary.message", {"expired": summary.expired})
                       if summary.ended else
                       ("escalation.summary.message_so_far", {"pending": summary.pending}))
    return Reply(key, {
        **unresolved, "month": locales.month_param(summary.month),
        "orgs": len(summary.orgs), "counted": summary.counted,
        "overflow": summary.overflow, "by_severity": by_severity, "by_category": by_category,
        "first_response": seconds_text(summary.median_first_response_s, language),
        "resolution": seconds_text(summary.median_resolution_s, language),
        "totals": totals_text(summary, language),
        "quality": quality_lines(summary, language),
        "preliminary": "" if summary.closed else "\n" + locales.render(
            "summary.preliminary", {"month": locales.month_param(summary.month)}, language),
        "sla": "\n\n" + sla_report.summary_text(sla, language) if sla is not None else "",
    })


def attachments(summary: summaries.MonthSummary, language: str = "en"
                ) -> list[outbox.Attachment]:
    """The CSV for finance, the agents' satisfaction CSV when anyone was asked to rate, and the
    PNG chart in the reader's language."""
    from escalation.chart import render_png

    files = [outbox.Attachment(f"escalations-{summary.month}.csv", "text/csv",
                               summaries.to_csv(summary).encode("utf-8"))]
    if summary.satisfaction_by_agent:
        files.append(outbox.Attachment(f"satisfaction-agents-{summary.month}.csv", "text/csv",
                                       summaries.agents_csv(summary).encode("utf-8")))
    files.append(outbox.Attachment(f"escalations-{summary.month}.png", "image/png",
                                   render_png(summary, language)))
    return files


def _claim(session: Session, month: str, user_id: int, now: datetime) -> bool:
    """Insert the delivery row; False when this manager already got this month's summary."""
    insert = postgresql.insert if is_postgres(session) else sqlite.insert
    table = SummaryDelivery.__table__
    row = session.execute(
        insert(table).values(month=month, user_id=user_id, delivered_at=now)
        .on_conflict_do_nothing(index_elements=["month", "user_id"])
        .returning(table.c.id)
    ).scalar_one_or_none()
    return row is not None


def send_summaries(desk: DeskContext, month: BillingMonth, now: datetime,
                   tz: tzinfo | None = None) -> int:
    """Queue the summary of `month` for every manager who has not had it; returns how many.

    The delivery row and the outbox message commit together, so each manager gets it once.
    """
    zone = tz or desk.billing_tz
    with transaction(desk.sessions) as session:
        managers = session.scalars(
            select(User).where(
                User.role == "manager", User.removed_at.is_(None),
                exists().where(Identity.user_id == User.id),  # someone we can reach
            ).order_by(User.id)
        ).all()
        if not managers:
            return 0
        summary = summaries.build(session, month, zone, now=now)
        sla = sla_report.report(session, month, zone, now)
        files: dict[str, list[outbox.Attachment]] = {}  # per language: the chart's words
        sent = 0
        for manager in managers:
            if not _claim(session, str(month), manager.id, now):
                continue
            language = manager.language or desk.default_language
            if language not in files:
                files[language] = attachments(summary, language)
            message = outbox.enqueue_for_user(session, desk, manager,
                                              summary_reply(summary, language, sla),
                                              purpose="summary", now=now,
                                              attachments=files[language])
            sent += message is not None
        return sent
