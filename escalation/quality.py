"""Service quality for the monthly summary: first-response compliance and satisfaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import format_decimal
from sqlalchemy import select
from sqlalchemy.orm import Session

import locales
from billing.months import BillingMonth
from locales.formatting import babel_locale, format_percentage
from sla.report import outcome
from store.models import Case

TENTH = Decimal("0.1")
HUNDREDTH = Decimal("0.01")


def percent(part: int, whole: int) -> Decimal | None:
    """part of whole in percent, one decimal, half up; None when whole is 0."""
    if whole == 0:
        return None
    return (Decimal(100 * part) / Decimal(whole)).quantize(TENTH, rounding=ROUND_HALF_UP)


@dataclass
class FirstResponse:
    """Cases opened in the month by how their first response went (see sla.report.outcome):
    the share is within target of the decided ones (pending and resolved-without-response
    cases are left out, as in the SLA report)."""

    within_target: int = 0
    late: int = 0
    missed: int = 0
    pending: int = 0
    resolved_without_response: int = 0

    @property
    def decided(self) -> int:
        return self.within_target + self.late + self.missed

    @property
    def cases(self) -> int:
        return self.decided + self.pending + self.resolved_without_response

    @property
    def share_percent(self) -> Decimal | None:
        return percent(self.within_target, self.decided)

    def add(self, other: FirstResponse) -> None:
        for name in ("within_target", "late", "missed", "pending", "resolved_without_response"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict[str, object]:
        share = self.share_percent
        return {"within_target": self.within_target, "late": self.late, "missed": self.missed,
                "pending": self.pending,
                "resolved_without_response": self.resolved_without_response,
                "decided": self.decided, "share_percent": None if share is None else str(share)}


@dataclass(frozen=True)
class Ratings:
    """Satisfaction: how many were asked, how many rated, the average rating (two places)."""

    asked: int = 0
    ratings: int = 0
    average: Decimal | None = None

    @property
    def response_rate_percent(self) -> Decimal | None:
        return percent(self.ratings, self.asked)

    def as_dict(self) -> dict[str, object]:
        rate = self.response_rate_percent
        return {"average": None if self.average is None else str(self.average),
                "ratings": self.ratings, "asked": self.asked,
                "response_rate_percent": None if rate is None else str(rate)}


@dataclass(frozen=True)
class AgentRatings:
    """The satisfaction of the cases one agent resolved."""

    agent_id: int | None
    agent: str
    ratings: Ratings


def average(total: int | Decimal, count: int) -> Decimal | None:
    """A mean rating to two places, half up; None for no ratings."""
    if count == 0:
        return None
    return (Decimal(total) / Decimal(count)).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def first_response_by_org(session: Session, month: BillingMonth, tz: tzinfo,
                          now: datetime) -> dict[int, FirstResponse]:
    """Per organization, the first-response outcomes of the cases opened in `month` (those
    with a target) as seen at `now`: the same rule as the SLA report."""
    found: dict[int, FirstResponse] = {}
    for case in session.scalars(
        select(Case).where(Case.opened_at >= month.start(tz), Case.opened_at < month.end(tz),
                           Case.sla_due_at.is_not(None))
    ):
        kind, _ = outcome(case, now)
        row = found.setdefault(case.org_id, FirstResponse())
        setattr(row, kind, getattr(row, kind) + 1)
    return found


def average_text(value: Decimal, lang: str) -> str:
    """An average rating as the language writes it, two places: en '4.25', de '4,25'."""
    return format_decimal(value, format="0.00", locale=babel_locale(lang))


def share_param(share: Decimal) -> dict[str, str]:
    """A share in percent (87.5) tagged for rendering in the reader's language."""
    return locales.percent_param(share / 100, decimals=1)


def share_text(share: Decimal, lang: str) -> str:
    """A share in percent (87.5) as the language writes it: en '87.5%', de '87,5 %'."""
    return format_percentage(share / 100, lang)


def _render(key: str, lang: str, **params: object) -> str:
    return locales.render(key, params, lang)


def first_response_line(answered: FirstResponse, lang: str) -> str:
    """'First response within target: 87.5% of 8 cases.' in the reader's language."""
    if answered.share_percent is None:
        return _render("summary.first_response_none", lang)
    return _render("summary.first_response", lang, share=share_param(answered.share_percent),
                   decided=answered.decided)


def satisfaction_line(rated: Ratings, lang: str) -> str | None:
    """The satisfaction line, or None when nobody was asked to rate."""
    if rated.ratings and rated.average is not None and rated.response_rate_percent is not None:
        return _render("summary.satisfaction", lang, average=average_text(rated.average, lang),
                       ratings=rated.ratings, rate=share_param(rated.response_rate_percent))
    if rated.asked:
        return _render("summary.satisfaction_none", lang, asked=rated.asked)
    return None
