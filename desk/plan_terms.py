"""A plan record as billing terms and back: conversion, range checks, and its plain document."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields as dataclass_fields
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.cycles import CYCLE_MONTHS
from billing.limits import MAX_AMOUNT, MAX_FREE_ESCALATIONS, MAX_QUEUE_PRIORITY
from billing.money import CENT, to_amount, to_cents
from billing.plans import PlanTerms
from desk.errors import Invalid, NotFound
from store.models import Plan, PlanPrice

MAX_DISPLAY_NAME = 80
# Limits of a plan (None: no limit). Messages and conversations are BIGINT columns; team
# members an INTEGER one. A billion messages a month is already "no limit" in practice.
MAX_LIMITS = {"limit_messages": 10**12, "limit_conversations": 10**12,
              "limit_team_members": 100_000}
LIMIT_LABELS = {"limit_messages": "messages", "limit_conversations": "conversations",
                "limit_team_members": "team members"}
TERM_FIELDS = tuple(f.name for f in dataclass_fields(PlanTerms))
BASIS_POINT = Decimal("0.01")


def _percent(bp: int | None) -> Decimal | None:
    return None if bp is None else Decimal(bp).scaleb(-2).quantize(BASIS_POINT)


def _basis_points(value: Decimal | None) -> int | None:
    return None if value is None else int(value.scaleb(2))


def terms(plan: Plan) -> PlanTerms:
    """The pure billing view of a plan record (amounts as Decimal in the org's currency)."""
    above = plan.auto_upgrade_above_cents
    return PlanTerms(
        name=plan.name, display_name=plan.display_name, plan_type=plan.plan_type,
        revenue_share=_percent(plan.revenue_share_bp), enabled=plan.enabled,
        prices={(p.cycle, p.currency): to_amount(p.amount_cents) for p in plan.prices},
        gst_rate=_percent(plan.gst_rate_bp), free_escalations=plan.free_escalations,
        overflow_price=to_amount(plan.overflow_price_cents), tam_kind=plan.tam_kind,
        queue_priority=plan.queue_priority, beta_access=plan.beta_access,
        auto_upgrade_above=None if above is None else to_amount(above),
        auto_upgrade_to=plan.auto_upgrade_to, limit_messages=plan.limit_messages,
        limit_conversations=plan.limit_conversations,
        limit_team_members=plan.limit_team_members,
    )


def term_fields(t: PlanTerms) -> dict[str, Any]:
    """The terms as keyword arguments of PlanTerms (prices as a plain dict)."""
    out = {f: getattr(t, f) for f in TERM_FIELDS}
    out["prices"] = dict(t.prices)
    return out


def percent_text(value: Decimal | None) -> str | None:
    """A percentage as typed by people: 18, 12.5 (no trailing zeros)."""
    if value is None:
        return None
    return f"{value.normalize():f}"


def prices_doc(prices: Mapping[tuple[str, str], Decimal]) -> dict[str, dict[str, str]]:
    """{"monthly": {"EUR": "500.00", "USD": "500.00"}, ...} in cycle order."""
    out: dict[str, dict[str, str]] = {}
    for (cycle, currency), amount in prices.items():
        out.setdefault(cycle, {})[currency] = str(amount.quantize(CENT))
    return out


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(CENT))


def terms_doc(t: PlanTerms) -> dict[str, Any]:
    """Every term as JSON-ready values (amounts and percentages as decimal strings)."""
    return {
        "name": t.name, "display_name": t.display_name, "type": t.plan_type,
        "revenue_share": percent_text(t.revenue_share), "enabled": t.enabled,
        "cycles": list(t.cycles()), "prices": prices_doc(t.prices),
        "gst": percent_text(t.gst_rate),
        "free_escalations": t.free_escalations, "overflow_price": _money(t.overflow_price),
        "tam": t.tam_kind, "queue_priority": t.queue_priority, "beta_access": t.beta_access,
        "auto_upgrade_above": _money(t.auto_upgrade_above), "auto_upgrade_to": t.auto_upgrade_to,
        "limits": {LIMIT_LABELS[k].replace(" ", "_"): getattr(t, k) for k in MAX_LIMITS},
    }


def _check(name: str, new: PlanTerms) -> None:
    """Numbers within what the plan columns hold and the domain accepts; whole cents and
    basis points; a display name."""
    amounts = [("overflow price", new.overflow_price),
               ("upgrade threshold", new.auto_upgrade_above)]
    amounts += [(f"{cycle} {currency} price", amount)
                for (cycle, currency), amount in new.prices.items()]
    for label, amount in amounts:
        if amount is None:
            continue
        if amount > MAX_AMOUNT:
            raise Invalid(f"invalid plan {name!r}: the {label} may be at most {MAX_AMOUNT}")
        if amount != amount.quantize(CENT):
            raise Invalid(f"invalid plan {name!r}: the {label} has more than two decimals")
    for label, percent in (("revenue share", new.revenue_share), ("GST rate", new.gst_rate)):
        if percent is not None and percent != percent.quantize(BASIS_POINT):
            raise Invalid(f"invalid plan {name!r}: the {label} has more than two decimals")
    if not 0 <= new.free_escalations <= MAX_FREE_ESCALATIONS:
        raise Invalid(f"invalid plan {name!r}: free escalations must be 0 to "
                      f"{MAX_FREE_ESCALATIONS}")
    if not 0 <= new.queue_priority <= MAX_QUEUE_PRIORITY:
        raise Invalid(f"invalid plan {name!r}: the queue priority must be 0 to "
                      f"{MAX_QUEUE_PRIORITY}")
    for limit, maximum in MAX_LIMITS.items():
        value = getattr(new, limit)
        if value is not None and value > maximum:
            raise Invalid(f"invalid plan {name!r}: the {LIMIT_LABELS[limit]} limit may be at "
                          f"most {maximum}")
    if not new.display_name.strip():
        raise Invalid(f"invalid plan {name!r}: the display name must not be empty")
    if len(new.display_name.strip()) > MAX_DISPLAY_NAME:
        raise Invalid(f"invalid plan {name!r}: the display name is longer than "
                      f"{MAX_DISPLAY_NAME} characters")


def missing_prices(source: PlanTerms, target: PlanTerms) -> list[str]:
    """The cycle and currency pairs `source` has a price for and `target` has not."""
    return [f"{cycle} {currency}" for cycle, currency in source.prices
            if (cycle, currency) not in target.prices]


def build(session: Session, fields: Mapping[str, Any]) -> PlanTerms:
    """Terms from fields, every refusal as Invalid/NotFound with the plan's name in it; an
    automatic upgrade target must exist, not be archived or disabled, and offer every cycle
    and currency the plan has a price for."""
    name = str(fields.get("name", ""))
    try:
        new = PlanTerms(**fields)
    except InvalidOperation:  # a Decimal NaN compared with zero
        raise Invalid(f"invalid plan {name!r}: amounts must be finite numbers") from None
    except (TypeError, ValueError) as exc:
        raise Invalid(f"invalid plan {name!r}: {exc}") from None
    _check(name, new)
    if new.auto_upgrade_to is None:
        return new
    target = session.scalar(select(Plan).where(
        Plan.name == new.auto_upgrade_to.strip().lower()))
    if target is None:
        raise NotFound(f"unknown plan {new.auto_upgrade_to!r} as automatic upgrade target")
    if target.name == new.name:
        raise Invalid("a plan cannot upgrade to itself")
    if target.archived:
        raise Invalid(f"plan {target.name!r} is archived and cannot be an upgrade target")
    if not target.enabled:
        raise Invalid(f"plan {target.name!r} is disabled and cannot be an upgrade target")
    missing = missing_prices(new, terms(target))
    if missing:
        raise Invalid(f"plan {target.name!r} cannot be the automatic upgrade target of "
                      f"{new.name!r}: it has no {', '.join(missing)} price (an upgrade keeps "
                      f"the organization's cycle and currency)")
    return PlanTerms(**{**term_fields(new), "auto_upgrade_to": target.name})


def write(plan: Plan, new: PlanTerms) -> None:
    """Copy the terms into the record; price rows are updated in place (unique per cycle and
    currency), added or removed."""
    plan.display_name = new.display_name.strip()
    plan.plan_type, plan.revenue_share_bp = new.plan_type, _basis_points(new.revenue_share)
    plan.enabled, plan.gst_rate_bp = new.enabled, _basis_points(new.gst_rate)
    plan.free_escalations = new.free_escalations
    plan.overflow_price_cents = to_cents(new.overflow_price)
    plan.tam_kind, plan.queue_priority = new.tam_kind, new.queue_priority
    plan.beta_access = new.beta_access
    plan.auto_upgrade_above_cents = (None if new.auto_upgrade_above is None
                                     else to_cents(new.auto_upgrade_above))
    plan.auto_upgrade_to = new.auto_upgrade_to
    plan.limit_messages, plan.limit_conversations = new.limit_messages, new.limit_conversations
    plan.limit_team_members = new.limit_team_members
    rows = {(p.cycle, p.currency): p for p in plan.prices}
    for key, row in rows.items():
        if key not in new.prices:
            plan.prices.remove(row)
    for (cycle, currency), amount in new.prices.items():
        row = rows.get((cycle, currency))
        if row is None:
            plan.prices.append(PlanPrice(cycle=cycle, currency=currency,
                                         amount_cents=to_cents(amount)))
        else:
            row.amount_cents = to_cents(amount)


def new_record(new: PlanTerms, *, hidden: bool, now: datetime) -> Plan:
    """A plan record with these terms (added to no session yet)."""
    plan = Plan(name=new.name, hidden=hidden, archived=False, created_at=now, prices=[])
    write(plan, new)
    return plan


def monthly_equivalent(t: PlanTerms) -> Decimal:
    """The cheapest price per month over the plan's cycles (0 without prices), for ordering."""
    per_month = [amount / CYCLE_MONTHS[cycle] for (cycle, _), amount in t.prices.items()]
    return min(per_month, default=Decimal(0))

