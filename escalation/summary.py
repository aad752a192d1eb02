"""The monthly escalation summary: per organization, by severity and category, per currency,
with first-response compliance and satisfaction per organization (and per agent).

Escalations requested in the month whose case is not resolved are *pending* while the month has
not ended (they may still count) and *expired unresolved* once it has (they never count). Until
the month is closed its figures are *preliminary*: nothing of them is billed yet.
"""

from __future__ import annotations

import csv
import io
import json
import statistics
from dataclasses import asdict, dataclass, field
from datetime import datetime, tzinfo
from decimal import Decimal

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

import locales
from billing.money import Money
from billing.months import BillingMonth
from desk.satisfaction import SatisfactionLine, SatisfactionStats, satisfaction_stats
from escalation.categories import code_of
from escalation.month_close import MONTH_ROWS
from escalation.quality import AgentRatings, FirstResponse, Ratings, first_response_by_org
from locales.plurals import english_count
from sla.display import seconds_text
from store.models import Case, Escalation, MonthClose, Organization, Plan


@dataclass(frozen=True)
class OrgLine:
    org_id: int
    org: str
    plan: str
    currency: str
    allowance: int
    counted: int
    pending_expired: int  # requested in an ended month, not resolved in it (0 before it ends)
    overflow: int
    charge_cents: int
    plan_fee_cents: int
    closed: bool  # from the month's close (True) or computed live for an open month (False)
    pending: int = 0  # requested in a month that has not ended, not resolved yet


@dataclass
class MonthSummary:
    month: str
    ended: bool = True  # False: the month is still running, its figures are so far
    orgs: list[OrgLine] = field(default_factory=list)
    by_severity: dict[int, int] = field(default_factory=dict)  # escalations requested
    by_category: dict[str, int] = field(default_factory=dict)  # short code -> requested
    cases_opened: int = 0
    median_first_response_s: int | None = None
    median_resolution_s: int | None = None
    charges: dict[str, Money] = field(default_factory=dict)  # overflow charges per currency
    fees: dict[str, Money] = field(default_factory=dict)  # plan fees per currency
    first_response: dict[int, FirstResponse] = field(default_factory=dict)  # per org id
    satisfaction_by_org: dict[int, Ratings] = field(default_factory=dict)
    satisfaction_by_agent: list[AgentRatings] = field(default_factory=list)
    satisfaction: Ratings = field(default_factory=Ratings)  # every organization together

    @property
    def closed(self) -> bool:
        """True once the month is closed (billed); until then its figures are preliminary."""
        return bool(self.orgs) and all(o.closed for o in self.orgs)

    @property
    def first_response_total(self) -> FirstResponse:
        total = FirstResponse()
        for row in self.first_response.values():
            total.add(row)
        return total

    @property
    def escalations(self) -> int:
        """Counted, pending and expired together: what the month's requests came to."""
        return self.counted + self.pending + self.expired

    @property
    def is_empty(self) -> bool:
        """Nothing happened: no case opened, no escalation, no rating asked for."""
        return (self.escalations == 0 and not self.by_severity and self.cases_opened == 0
                and self.satisfaction.asked == 0)

    @property
    def totals(self) -> dict[str, Money]:
        """Plan fees plus overflow charges, per currency; currencies are never added."""
        out: dict[str, Money] = {}
        for currency in sorted(set(self.charges) | set(self.fees)):
            zero = Money.zero(currency)
            out[currency] = self.fees.get(currency, zero) + self.charges.get(currency, zero)
        return out

    @property
    def counted(self) -> int:
        return sum(o.counted for o in self.orgs)

    @property
    def expired(self) -> int:
        """Requested in the ended month and never resolved in it (0 while it runs)."""
        return sum(o.pending_expired for o in self.orgs)

    @property
    def pending(self) -> int:
        """Requested in the running month and not resolved yet (0 once it has ended)."""
        return sum(o.pending for o in self.orgs)

    @property
    def overflow(self) -> int:
        return sum(o.overflow for o in self.orgs)


def _median_seconds(values: list[float]) -> int | None:
    return round(statistics.median(values)) if values else None


def build(session: Session, month: BillingMonth, tz: tzinfo, *, now: datetime) -> MonthSummary:
    """The summary of `month` at `now`: closed figures where the month is closed, live ones
    otherwise; unresolved requests are pending until the month ends, then expired."""
    m = str(month)
    ended = month.end(tz) <= now
    summary = MonthSummary(m, ended=ended)
    names = dict(session.execute(select(Organization.id, Organization.name)).all())
    plan_names = dict(session.execute(select(Plan.id, Plan.display_name)).all())
    closes = {c.org_id: c for c in session.scalars(select(MonthClose).where(MonthClose.month == m))}
    live = session.execute(text(MONTH_ROWS), {"month": m}).mappings().all()
    lines: dict[int, OrgLine] = {}
    for row in live:
        unresolved = int(row["pending_expired"])
        lines[row["org_id"]] = OrgLine(
            org_id=row["org_id"], org=names.get(row["org_id"], "?"),
            plan=plan_names.get(row["plan_id"], "?"), currency=row["currency"],
            allowance=int(row["allowance"]), counted=int(row["counted"]),
            pending_expired=unresolved if ended else 0, overflow=int(row["overflow"]),
            charge_cents=int(row["overflow"]) * int(row["overflow_price_cents"]),
            plan_fee_cents=int(row["plan_fee_cents"]), closed=False,
            pending=0 if ended else unresolved,
        )
    for org_id, c in closes.items():  # what was billed wins over a live recomputation
        lines[org_id] = OrgLine(
            org_id=org_id, org=names.get(org_id, "?"), plan=plan_names.get(c.plan_id, "?"),
            currency=c.currency, allowance=c.allowance, counted=c.counted,
            pending_expired=c.pending_expired, overflow=c.overflow,
            charge_cents=int(c.charge_cents), plan_fee_cents=int(c.plan_fee_cents), closed=True,
        )
    summary.orgs = sorted(lines.values(), key=lambda o: (o.org.lower(), o.org_id))
    for o in summary.orgs:
        summary.charges[o.currency] = (summary.charges.get(o.currency, Money.zero(o.currency))
                                       + Money.from_cents(o.charge_cents, o.currency))
        summary.fees[o.currency] = (summary.fees.get(o.currency, Money.zero(o.currency))
                                    + Money.from_cents(o.plan_fee_cents, o.currency))
    for severity, n in session.execute(
        select(Case.severity, func.count()).join(Escalation, Escalation.case_id == Case.id)
        .where(Escalation.requested_month == m).group_by(Case.severity)
    ):
        summary.by_severity[int(severity)] = int(n)
    for category, n in session.execute(
        select(Escalation.category, func.count()).where(Escalation.requested_month == m)
        .group_by(Escalation.category)
    ):
        code = code_of(category)
        summary.by_category[code] = summary.by_category.get(code, 0) + int(n)
    start, end = month.start(tz), month.end(tz)
    cases = session.execute(
        select(Case.opened_at, Case.first_response_at, Case.resolved_at)
        .where(Case.opened_at >= start, Case.opened_at < end)
    ).all()
    summary.cases_opened = len(cases)
    summary.median_first_response_s = _median_seconds(
        [(f - o).total_seconds() for o, f, _ in cases if f is not None])
    summary.median_resolution_s = _median_seconds(
        [(r - o).total_seconds() for o, _, r in cases if r is not None])
    summary.first_response = first_response_by_org(session, month, tz, now)
    _add_satisfaction(summary, satisfaction_stats(session, month, tz))
    return summary


def _ratings(line: SatisfactionLine) -> Ratings:
    return Ratings(asked=line.asked, ratings=line.ratings, average=line.average)


def _add_satisfaction(summary: MonthSummary, stats: SatisfactionStats) -> None:
    """The month's ratings per organization and per agent (desk.satisfaction counts them)."""
    summary.satisfaction = _ratings(stats.total)
    summary.satisfaction_by_org = {line.key: _ratings(line) for line in stats.organizations
                                   if line.key is not None}
    summary.satisfaction_by_agent = [AgentRatings(line.key, line.name, _ratings(line))
                                     for line in stats.agents]


def ellipsize(name: str, width: int) -> str:
    """`name` cut to `width` characters, the last one an ellipsis when it had to be cut."""
    return name if len(name) <= width else name[:width - 1].rstrip() + "…"


def escalations_of(line: OrgLine) -> int:
    """An organization's requests of the month: counted, pending and expired together."""
    return line.counted + line.pending + line.pending_expired


CLI_LANGUAGE = "en"  # the terminal report and the JSON names are in English


def category_name(code: str, lang: str) -> str:
    """A category's name as the language writes it ('plat' -> 'Platform issue')."""
    return locales.text(f"escalation.category.{code}", lang)


CSV_FIELDS = ("month", "organization", "plan", "currency", "allowance", "counted",
              "pending_expired", "overflow", "overflow_charge", "plan_fee", "total", "closed",
              "pending", "first_response_within_target", "first_response_decided",
              "first_response_share_percent", "satisfaction_average", "satisfaction_ratings",
              "satisfaction_asked", "satisfaction_response_rate_percent")
AGENT_CSV_FIELDS = ("month", "agent", "satisfaction_average", "satisfaction_ratings",
                    "satisfaction_asked", "satisfaction_response_rate_percent")


def _blank(value: object) -> object:
    return "" if value is None else value


def to_csv(summary: MonthSummary) -> str:
    """One line per organization for finance: amounts as decimal strings with the currency."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for o in summary.orgs:
        charge = Money.from_cents(o.charge_cents, o.currency)
        fee = Money.from_cents(o.plan_fee_cents, o.currency)
        answered = summary.first_response.get(o.org_id, FirstResponse())
        rated = summary.satisfaction_by_org.get(o.org_id, Ratings())
        writer.writerow([summary.month, o.org, o.plan, o.currency, o.allowance, o.counted,
                         o.pending_expired, o.overflow, charge.amount, fee.amount,
                         (charge + fee).amount, "yes" if o.closed else "no", o.pending,
                         answered.within_target, answered.decided,
                         _blank(answered.share_percent), _blank(rated.average), rated.ratings,
                         rated.asked, _blank(rated.response_rate_percent)])
    return out.getvalue()


def agents_csv(summary: MonthSummary) -> str:
    """One line per agent: the satisfaction of the cases they resolved in the month."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(AGENT_CSV_FIELDS)
    for a in summary.satisfaction_by_agent:
        r = a.ratings
        writer.writerow([summary.month, a.agent, _blank(r.average), r.ratings, r.asked,
                         _blank(r.response_rate_percent)])
    return out.getvalue()


def _org_dict(summary: MonthSummary, line: OrgLine) -> dict[str, object]:
    return {**asdict(line),
            "first_response": summary.first_response.get(line.org_id, FirstResponse()).as_dict(),
            "satisfaction": summary.satisfaction_by_org.get(line.org_id, Ratings()).as_dict()}


def to_dict(summary: MonthSummary) -> dict[str, object]:
    def money(value: Money) -> dict[str, str]:
        return {"amount": str(value.amount), "currency": value.currency}

    return {
        "month": summary.month,
        "ended": summary.ended,
        "closed": summary.closed,
        "preliminary": not summary.closed,
        "organizations": [_org_dict(summary, o) for o in summary.orgs],
        "by_severity": {str(k): v for k, v in sorted(summary.by_severity.items())},
        "by_category": dict(sorted(summary.by_category.items())),
        "by_category_name": {category_name(code, CLI_LANGUAGE): n
                             for code, n in sorted(summary.by_category.items())},
        "cases_opened": summary.cases_opened,
        "median_first_response_seconds": summary.median_first_response_s,
        "median_resolution_seconds": summary.median_resolution_s,
        "counted": summary.counted, "pending_expired": summary.expired,
        "pending": summary.pending, "overflow": summary.overflow,
        "totals": {c: {"plan_fees": money(summary.fees[c]),
                       "overflow_charges": money(summary.charges[c]),
                       "total": money(t)} for c, t in summary.totals.items()},
        "first_response": summary.first_response_total.as_dict(),
        "satisfaction": summary.satisfaction.as_dict(),
        "satisfaction_by_agent": [{"agent_id": a.agent_id, "agent": a.agent,
                                   **a.ratings.as_dict()} for a in summary.satisfaction_by_agent],
    }


def to_json(summary: MonthSummary) -> str:
    return json.dumps(to_dict(summary), indent=2, ensure_ascii=False)


def _share(value: Decimal | None, suffix: str = "%") -> str:
    return "-" if value is None else f"{value}{suffix}"


def first_response_text(answered: FirstResponse) -> str:
    """'87.5% (7 of 8 within target; 1 pending, 0 resolved without a response)'."""
    if answered.cases == 0:
        return "no cases with a target"
    return (f"{_share(answered.share_percent)} ({answered.within_target} of "
            f"{answered.decided} within target; {answered.pending} pending, "
            f"{answered.resolved_without_response} resolved without a response)")


def ratings_text(rated: Ratings) -> str:
    """'4.25 average from 8 ratings, 80.0% of 10 asked' (English, for the terminal)."""
    if rated.asked == 0 and rated.ratings == 0:
        return "nobody was asked"
    if rated.ratings == 0:
        return f"no ratings yet, {english_count(rated.asked, 'partner')} asked"
    return (f"{rated.average} average from {english_count(rated.ratings, 'rating')}, "
            f"{_share(rated.response_rate_percent)} of {rated.asked} asked")


def to_text(summary: MonthSummary) -> str:
    """A plain-text report (English) for the terminal and for chat fallbacks."""
    title = f"Escalation summary {summary.month}"
    if not summary.ended:
        title += " so far (the month has not ended; pending requests may still count)"
    rows = [title]
    if not summary.closed:
        rows.append("Preliminary: the month is not closed yet; nothing of it is billed.")
    rows.append("")
    unresolved = "expir" if summary.ended else "pend"
    header = (f"{'organization':<24} {'plan':<10} {'allow':>5} {'count':>5} {unresolved:>5} "
              f"{'over':>4} {'charge':>12} {'on time':>7} {'sat':>4} {'rated':>7}")
    rows += [header, "-" * len(header)]
    for o in summary.orgs:
        charge = Money.from_cents(o.charge_cents, o.currency)
        answered = summary.first_response.get(o.org_id, FirstResponse())
        rated = summary.satisfaction_by_org.get(o.org_id, Ratings())
        asked = f"{rated.ratings}/{rated.asked}" if rated.asked else "-"
        rows.append(f"{ellipsize(o.org, 24):<24} {ellipsize(o.plan, 10):<10} {o.allowance:>5} "
                    f"{o.counted:>5} {o.pending_expired + o.pending:>5} {o.overflow:>4} "
                    f"{charge!s:>12} {_share(answered.share_percent):>7} "
                    f"{_share(rated.average, ''):>4} {asked:>7}")
    rows.append("")
    rows.append("By severity: " + (", ".join(
        f"S{k}: {v}" for k, v in sorted(summary.by_severity.items())) or "-"))
    rows.append("By category: " + (", ".join(
        f"{category_name(k, CLI_LANGUAGE)}: {v}"
        for k, v in sorted(summary.by_category.items())) or "-"))
    rows.append(f"Cases opened: {summary.cases_opened}; median first response "
                f"{seconds_text(summary.median_first_response_s, CLI_LANGUAGE)}, median "
                f"resolution {seconds_text(summary.median_resolution_s, CLI_LANGUAGE)}")
    answered_all = first_response_text(summary.first_response_total)
    rows.append(f"First response within target: {answered_all}")
    rows.append(f"Satisfaction: {ratings_text(summary.satisfaction)}")
    for agent in summary.satisfaction_by_agent:
        rows.append(f"  {ellipsize(agent.agent, 24):<24} {ratings_text(agent.ratings)}")
    for currency, total in summary.totals.items():
        rows.append(f"Total {currency}: plan fees {summary.fees[currency]}, overflow "
                    f"{summary.charges[currency]}, total {total}")
    return "\n".join(rows) + "\n"
