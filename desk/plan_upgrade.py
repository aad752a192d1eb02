"""A proactive upgrade (DOMAIN.md): which plan, from which month, at what fee, and doing it.

The upgrade takes effect at the start of the organization's next billing cycle (the next month
for monthly), at the target's price for the organization's cycle and currency. Only an enabled,
visible plan that is not archived, has that price and costs more than the plan the organization
would otherwise have then is offered; anything else is answered, never assigned.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.months import BillingMonth
from desk.plan_outlook import Change, outlook
from desk.plans import assign, cycle_in_force, find_plan, next_change_month, plan_in_force, terms
from store.db import is_postgres
from store.models import Organization, Plan, PlanAssignment, User

OFFER = "offer"  # ask for a confirmation, then assign
NO_PLAN = "no_plan"  # the organization has no plan (yet)
HIGHEST = "highest"  # no plan given, and none is offered above the current one
CHOOSE = "choose"  # no plan given and no automatic-upgrade target: pick one of `offered`
UNKNOWN_PLAN = "unknown_plan"  # not a plan partners may choose (missing, hidden, disabled...)
NO_PRICE = "no_price"  # the plan has no price for the organization's cycle and currency
ALREADY_ON = "already_on"
ALREADY_PLANNED = "already_planned"
NOT_HIGHER = "not_higher"  # the plan does not cost more than the one in force then


@dataclass(frozen=True)
class Upgrade:
    """What an upgrade request would do (status OFFER) or why it does nothing."""

    status: str
    org: Organization
    month: BillingMonth  # the start of the next cycle: when an upgrade would take effect
    current: Plan | None  # the plan in force now
    planned: Plan | None  # the plan in force in `month` without this upgrade
    cycle: str  # the billing cycle in `month`
    target: Plan | None = None
    fee: Decimal | None = None  # the target's price of one cycle in the organization's currency
    offered: tuple[Plan, ...] = field(default=())  # plans the organization may upgrade to
    change: Change | None = None  # ALREADY_PLANNED: when and why
    asked: str = ""  # the plan name as given, for UNKNOWN_PLAN


def offerable(plan: Plan) -> bool:
    """Enabled, visible and not archived: a plan a partner may be offered."""
    return plan.enabled and not plan.hidden and not plan.archived


def _price(plan: Plan | None, cycle: str, currency: str) -> Decimal | None:
    return None if plan is None else terms(plan).fee(cycle, currency)


def _higher(plan: Plan, than: Plan | None, cycle: str, currency: str) -> bool:
    price, base = _price(plan, cycle, currency), _price(than, cycle, currency)
    return price is not None and (base is None or price > base)


def offered_plans(session: Session, org: Organization, cycle: str,
                  above: Plan | None) -> tuple[Plan, ...]:
    """The plans the organization may upgrade to from `above` in `cycle`, cheapest first."""
    found = [p for p in session.scalars(select(Plan).where(
        Plan.enabled.is_(True), Plan.hidden.is_(False), Plan.archived.is_(False)))
        if (above is None or p.id != above.id) and _higher(p, above, cycle, org.currency)]
    return tuple(sorted(found, key=lambda p: (_price(p, cycle, org.currency), p.name)))


def check(session: Session, org: Organization, plan_name: str | None, *, now: datetime,
          tz: tzinfo, lock: bool = False) -> Upgrade:
    """What upgrading to `plan_name` (default: the current plan's automatic-upgrade target)
    would do from the organization's next cycle start. `lock` locks the organization's row
    first (PostgreSQL), so that two confirmations cannot both assign."""
    if lock and is_postgres(session):
        session.execute(select(Organization.id).where(Organization.id == org.id)
                        .with_for_update())
    view = outlook(session, org, now, tz)
    month = next_change_month(session, org, now, tz)
    running = cycle_in_force(session, org.id, month)
    cycle = "monthly" if running is None else running.cycle
    planned = plan_in_force(session, org.id, month)
    base = Upgrade(NO_PLAN, org, month, view.plan, planned, cycle)
    if view.plan is None or planned is None:
        return base
    offered = offered_plans(session, org, cycle, planned)
    target: Plan | None
    if plan_name is None:
        default = view.plan.auto_upgrade_to
        target = None if default is None else find_plan(session, default)
        if target is None or not offerable(target) or (
                target.id != planned.id and target not in offered):
            status = CHOOSE if offered else HIGHEST
            return Upgrade(status, org, month, view.plan, planned, cycle, offered=offered)
    else:
        target = find_plan(session, plan_name)
        if target is None or not offerable(target):
            return Upgrade(UNKNOWN_PLAN, org, month, view.plan, planned, cycle, offered=offered,
                           asked=plan_name)
    fee = _price(target, cycle, org.currency)
    found = Upgrade(OFFER, org, month, view.plan, planned, cycle, target, fee, offered)
    if target.id == planned.id:
        if view.plan.id == target.id and view.change_to(target) is None:
            return _with(found, ALREADY_ON)
        return Upgrade(ALREADY_PLANNED, org, month, view.plan, planned, cycle, target, fee,
                       offered, view.change_to(target))
    if fee is None:
        return _with(found, NO_PRICE)
    if not _higher(target, planned, cycle, org.currency):
        return _with(found, NOT_HIGHER)
    return found


def _with(found: Upgrade, status: str) -> Upgrade:
    return Upgrade(status, found.org, found.month, found.current, found.planned, found.cycle,
                   found.target, found.fee, found.offered, found.change, found.asked)


def apply(session: Session, upgrade: Upgrade, user: User, *, now: datetime,
          tz: tzinfo) -> PlanAssignment:
    """Assign the offered plan from the next cycle start: reason 'partner' when a partner asks,
    'admin' when an agent or admin does it for them (audited by desk.plans.assign)."""
    if upgrade.status != OFFER or upgrade.target is None:
        raise ValueError(f"nothing to apply: {upgrade.status}")
    reason = "partner" if user.role == "partner" else "admin"
    return assign(session, upgrade.org, upgrade.target, upgrade.month, reason, now,
                  actor=f"user:{user.id}", tz=tz)
