"""An organization's plan as its people see it: the plan in force, and what comes next and why.

The plan of every month is derived (desk.derived_plans); the reason of a change is the reason of
its assignment row (onboarding, admin, partner, auto-upgrade) and, for an automatic upgrade, the
month whose license fees were above the threshold (billing.derivation.upgrade_source).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from decimal import Decimal

from sqlalchemy.orm import Session

from billing.derivation import PlanHistory, upgrade_source
from billing.months import BillingMonth
from billing.plans import PlanTerms
from desk.derived_plans import AUTO, history
from desk.plans import Cycle, assignments, cycle_in_force, plan_in_force, terms
from store.models import Organization, Plan, PlanAssignment


@dataclass(frozen=True)
class Why:
    """Why a plan takes effect in a month: its assignment's reason, and for an automatic
    upgrade the month whose license fees were above the threshold of the plan before it."""

    reason: str  # auto-upgrade | partner | admin | onboarding
    fees_month: BillingMonth | None = None
    fees: Decimal | None = None
    threshold: Decimal | None = None


@dataclass(frozen=True)
class Change:
    """From `month` on, the organization is on `plan`, billed `cycle`, because of `why`."""

    month: BillingMonth
    plan: Plan
    cycle: str
    why: Why


@dataclass(frozen=True)
class PlanOutlook:
    """The plan in force in `month` (the current billing month) and the changes after it."""

    org: Organization
    month: BillingMonth
    plan: Plan | None
    terms: PlanTerms | None
    cycle: Cycle | None
    since: Change | None  # the change that took effect in `month`, if one did
    next_month: BillingMonth
    next_plan: Plan | None
    changes: tuple[Change, ...]  # every planned change after `month`, oldest first

    @property
    def fee(self) -> Decimal | None:
        """The price of one billing cycle of the plan in force, in the organization's currency."""
        if self.terms is None or self.cycle is None:
            return None
        return self.terms.fee(self.cycle.cycle, self.org.currency)

    @property
    def change(self) -> Change | None:
        """The first planned change after this month."""
        return self.changes[0] if self.changes else None

    def change_to(self, plan: Plan) -> Change | None:
        """The first planned change after this month that moves to `plan`."""
        return next((c for c in self.changes if c.plan.id == plan.id), None)


def _why(session: Session, org: Organization, row: PlanAssignment,
         facts: PlanHistory | None) -> tuple[Why, PlanHistory | None]:
    if row.reason != AUTO:
        return Why(row.reason), facts
    month = BillingMonth.parse(row.effective_month)
    before = plan_in_force(session, org.id, month.prev())
    if before is None:
        return Why(AUTO), facts
    facts = facts if facts is not None else history(session, org.id)
    source = upgrade_source(month, before.name, facts)
    rule = facts.rules.get(before.name)
    if source is None or rule is None:
        return Why(AUTO), facts
    return Why(AUTO, source, facts.fees.get(source), rule.above), facts


def _cycle_name(session: Session, org: Organization, month: BillingMonth) -> str:
    cycle = cycle_in_force(session, org.id, month)
    return "monthly" if cycle is None else cycle.cycle


def outlook(session: Session, org: Organization, now: datetime, tz: tzinfo) -> PlanOutlook:
    """What the organization is on this billing month, and every change planned after it (an
    automatic upgrade, a partner's request, an admin's assignment, a new billing cycle)."""
    month = BillingMonth.of(now, tz)
    plan = plan_in_force(session, org.id, month)
    cycle = None if plan is None else cycle_in_force(session, org.id, month)
    facts: PlanHistory | None = None
    since = None
    changes: list[Change] = []
    state = (None if plan is None else plan.id, None if cycle is None else cycle.cycle)
    for row, row_plan in assignments(session, org.id):
        row_month = BillingMonth.parse(row.effective_month)
        if row_month < month:
            continue
        if row_month == month:
            before = plan_in_force(session, org.id, month.prev())
            if plan is not None and (before is None or before.id != plan.id):
                why, facts = _why(session, org, row, facts)
                since = Change(month, row_plan, state[1] or "monthly", why)
            continue
        row_cycle = _cycle_name(session, org, row_month)
        if (row_plan.id, row_cycle) == state:
            continue
        why, facts = _why(session, org, row, facts)
        changes.append(Change(row_month, row_plan, row_cycle, why))
        state = (row_plan.id, row_cycle)
    following = month.next()
    return PlanOutlook(org=org, month=month, plan=plan,
                       terms=None if plan is None else terms(plan), cycle=cycle, since=since,
                       next_month=following, next_plan=plan_in_force(session, org.id, following),
                       changes=tuple(changes))
