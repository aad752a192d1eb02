"""SLA compliance of a month: share of cases answered within target per plan and severity.

The first response is the first agent message the partner receives: a reply or a resolution
with a closing note (desk/first_response.py records both in cases.first_response_at). A case
resolved without any (a bare `/resolve N`) is neither answered within target nor missed: it is
counted apart, as "resolved without a response", and left out of the share.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

import locales
from billing.months import BillingMonth
from desk.first_response import plan_at_opening
from messages.types import Reply
from sla.display import duration_text
from store.models import Case, Organization, Plan

WORST = 5
CSV_COLUMNS = ("month", "plan", "severity", "target_minutes", "cases", "within_target", "late",
               "missed", "pending", "resolved_without_response", "share_percent")


@dataclass
class ComplianceRow:
    """Cases opened in the month for one plan and severity, by how their first response went.

    within/late: first response (a reply or a closing note) before/after the due time; missed:
    still unanswered and past due; pending: still unanswered and not yet due;
    resolved_without_response: resolved with no response at all (a bare resolution). Pending and
    resolved-without-response cases are left out of the share.
    """

    plan: str
    display_name: str
    severity: int
    target_minutes: int | None = None
    cases: int = 0
    within_target: int = 0
    late: int = 0
    missed: int = 0
    pending: int = 0
    resolved_without_response: int = 0

    @property
    def decided(self) -> int:
        return self.within_target + self.late + self.missed

    @property
    def share_percent(self) -> Decimal | None:
        """Percent of decided cases answered within target, one decimal; None if none decided."""
        if self.decided == 0:
            return None
        share = Decimal(100 * self.within_target) / Decimal(self.decided)
        return share.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class OverdueCase:
    """A case that missed its target: answered late or still unanswered past due."""

    case: int
    org: str
    plan: str
    severity: int
    opened_at: datetime
    due_at: datetime
    responded_at: datetime | None
    overdue: timedelta


@dataclass
class SlaReport:
    month: str
    rows: list[ComplianceRow] = field(default_factory=list)
    worst: list[OverdueCase] = field(default_factory=list)

    @property
    def total(self) -> ComplianceRow:
        """All plans and severities together."""
        total = ComplianceRow("*", "*", 0)
        for row in self.rows:
            total.cases += row.cases
            total.within_target += row.within_target
            total.late += row.late
            total.missed += row.missed
            total.pending += row.pending
            total.resolved_without_response += row.resolved_without_response
        return total


OUTCOMES = ("within_target", "late", "missed", "pending", "resolved_without_response")


def outcome(case: Case, now: datetime) -> tuple[str, timedelta | None]:
    """How a case's first response went at `now` (one of OUTCOMES, a ComplianceRow counter),
    and by how much it was late when it was (answered late, or unanswered past due)."""
    due = case.sla_due_at
    assert due is not None
    responded = case.first_response_at
    if responded is not None:
        return ("within_target", None) if responded <= due else ("late", responded - due)
    if case.resolved_at is not None:  # a bare resolution stopped the clock, unanswered
        return "resolved_without_response", None
    if due <= now:
        return "missed", now - due
    return "pending", None


def report(session: Session, month: BillingMonth | str, tz: tzinfo, now: datetime,
           worst: int = WORST) -> SlaReport:
    """Compliance of the cases opened in `month` (billing time zone `tz`) as seen at `now`."""
    billing_month = month if isinstance(month, BillingMonth) else BillingMonth.parse(month)
    cases = list(session.scalars(
        select(Case).where(Case.opened_at >= billing_month.start(tz),
                           Case.opened_at < billing_month.end(tz), Case.sla_due_at.is_not(None))
        .order_by(Case.id)
    ))
    org_ids = {c.org_id for c in cases}
    orgs = {o.id: o.name for o in session.scalars(
        select(Organization).where(Organization.id.in_(org_ids)))} if org_ids else {}
    plans: dict[int, Plan | None] = {}
    rows: dict[tuple[str, int], ComplianceRow] = {}
    order: dict[str, int] = defaultdict(int)
    overdue: list[OverdueCase] = []
    for case in cases:
        if case.org_id not in plans:
            plans[case.org_id] = plan_at_opening(session, case, tz)
        plan = plans[case.org_id]
        name = plan.name if plan else "-"
        order[name] = plan.queue_priority if plan else -1
        row = rows.setdefault((name, case.severity), ComplianceRow(
            name, plan.display_name if plan else "-", case.severity))
        assert case.sla_due_at is not None
        row.target_minutes = int((case.sla_due_at - case.opened_at).total_seconds() // 60)
        row.cases += 1
        responded = case.first_response_at
        kind, late_by = outcome(case, now)
        setattr(row, kind, getattr(row, kind) + 1)
        if late_by is not None:
            overdue.append(OverdueCase(case.id, orgs.get(case.org_id, "?"),
                                       plan.display_name if plan else "-", case.severity,
                                       case.opened_at, case.sla_due_at, responded, late_by))
    overdue.sort(key=lambda o: (-o.overdue, o.case))
    ordered = sorted(rows.values(), key=lambda r: (-order[r.plan], r.plan, r.severity))
    return SlaReport(str(billing_month), ordered, overdue[:worst])


def _row_dict(month: str, row: ComplianceRow) -> dict[str, Any]:
    share = row.share_percent
    return {"month": month, "plan": row.plan, "severity": row.severity,
            "target_minutes": row.target_minutes, "cases": row.cases,
            "within_target": row.within_target, "late": row.late, "missed": row.missed,
            "pending": row.pending, "resolved_without_response": row.resolved_without_response,
            "share_percent": str(share) if share is not None else None}


def as_dict(result: SlaReport) -> dict[str, Any]:
    """The report as one JSON-ready document (shares as decimal strings, times in ISO form)."""
    total = _row_dict(result.month, result.total)
    for key in ("plan", "severity", "target_minutes"):
        total.pop(key)
    worst = []
    for item in result.worst:
        doc = asdict(item)
        doc["overdue_minutes"] = int(item.overdue.total_seconds() // 60)
        doc.pop("overdue")
        worst.append({k: v.isoformat() if isinstance(v, datetime) else v for k, v in doc.items()})
    return {"month": result.month, "rows": [_row_dict(result.month, r) for r in result.rows],
            "total": total, "worst_overdue": worst}


def as_csv(result: SlaReport) -> str:
    """One CSV line per plan and severity, with a header."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in result.rows:
        doc = _row_dict(result.month, row)
        writer.writerow({k: "" if doc[k] is None else doc[k] for k in CSV_COLUMNS})
    return buffer.getvalue()


def share_param(share: Decimal) -> dict[str, str]:
    """A share in percent (87.5) as the reader's language writes it: en '87.5%', de '87,5 %'."""
    return locales.percent_param(share / 100, decimals=1)


def summary_replies(result: SlaReport, lang: str) -> list[Reply]:
    """The SLA section of the monthly manager summary, rendered-ready for language `lang`."""
    month = locales.month_param(result.month)
    replies = [Reply("sla.summary.title", {"month": month})]
    for row in result.rows:
        replies.extend(_row_replies(row))
    if len(replies) == 1:
        return [Reply("sla.summary.empty", {"month": month})]
    if result.worst:
        replies.append(Reply("sla.summary.worst_title"))
        for item in result.worst:
            key = "sla.summary.worst_open" if item.responded_at is None else "sla.summary.worst_row"
            replies.append(Reply(key, {"case": item.case, "org": item.org, "plan": item.plan,
                                       "severity": item.severity,
                                       "late": duration_text(item.overdue, lang)}))
    return replies


def _row_replies(row: ComplianceRow) -> list[Reply]:
    """A plan and severity's share line (when any case was decided) and its count of cases
    resolved without a response (when there were any)."""
    found = []
    if row.share_percent is not None:
        found.append(Reply("sla.summary.row", {
            "plan": row.display_name, "severity": row.severity,
            "share": share_param(row.share_percent),
            "within": row.within_target, "total": row.decided,
        }))
    if row.resolved_without_response:
        found.append(Reply("sla.summary.resolved_without_response", {
            "plan": row.display_name, "severity": row.severity,
            "count": row.resolved_without_response,
        }))
    return found


def section_reply(result: SlaReport, lang: str) -> Reply:
    """The SLA section of the manager summary as one message for a reader of language `lang`."""
    replies = summary_replies(result, lang)
    if len(replies) == 1:
        return replies[0]  # nothing to report this month
    lines = "\n".join(locales.render(r.key, r.params, lang) for r in replies[1:])
    return Reply("sla.summary.section", {"month": locales.month_param(result.month),
                                         "lines": lines})


def summary_text(result: SlaReport, lang: str) -> str:
    """The SLA section as one block of text in `lang` (the CLI's plain output)."""
    reply = section_reply(result, lang)
    return locales.render(reply.key, reply.params, lang)
