"""Automatic upgrades kept equal to billing.derivation: re-derived whenever an input changes.

The derived upgrades are stored as 'auto-upgrade' assignment rows, so every SQL reading of
plan_assignments (desk.plan_sql.IN_FORCE) sees the derivation. rederive_org runs in the
transaction that changes an input (license fees, an explicit assignment, a plan's upgrade
terms), so no instant ever shows another plan. Months already closed are never touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.derivation import PlanHistory, UpgradeRule, derive_plans, horizon
from billing.money import to_amount
from billing.months import BillingMonth
from desk import audit
from store.db import billing_lock
from store.models import LicenseFee, MonthClose, Organization, Plan, PlanAssignment

AUTO = "auto-upgrade"


@dataclass(frozen=True)
class PlanChange:
    """From `month` on (until the next change), the organization's plan went `before` -> `after`."""

    month: BillingMonth
    before: str | None
    after: str | None

    def as_dict(self) -> dict[str, str | None]:
        return {"month": str(self.month), "before": self.before, "after": self.after}


def upgrade_rules(session: Session) -> dict[str, UpgradeRule]:
    """Every plan's automatic upgrade, by plan name."""
    rows = session.execute(select(Plan.name, Plan.auto_upgrade_above_cents, Plan.auto_upgrade_to)
                           .where(Plan.auto_upgrade_to.is_not(None),
                                  Plan.auto_upgrade_above_cents.is_not(None))).all()
    return {name: UpgradeRule(to_amount(above), target) for name, above, target in rows}


def history(session: Session, org_id: int,
            rules: dict[str, UpgradeRule] | None = None) -> PlanHistory:
    """The derivation's inputs for one organization, as stored now."""
    names = dict(session.execute(select(Plan.id, Plan.name)).all())
    explicit = {BillingMonth.parse(month): names[plan_id] for month, plan_id in session.execute(
        select(PlanAssignment.effective_month, PlanAssignment.plan_id)
        .where(PlanAssignment.org_id == org_id, PlanAssignment.reason != AUTO))}
    fees = {BillingMonth.parse(month): to_amount(cents) for month, cents in session.execute(
        select(LicenseFee.month, LicenseFee.amount_cents)
        .where(LicenseFee.org_id == org_id))}
    closed = {BillingMonth.parse(month): names[plan_id] for month, plan_id in session.execute(
        select(MonthClose.month, MonthClose.plan_id)
        .where(MonthClose.org_id == org_id))}
    return PlanHistory(explicit, fees, closed, upgrade_rules(session) if rules is None else rules)


def _stored_plans(rows: list[PlanAssignment], names: dict[int, str],
                  months: list[BillingMonth]) -> dict[BillingMonth, str | None]:
    """What reading the rows (latest assignment effective on or before M) gives per month."""
    ordered = sorted(rows, key=lambda r: r.effective_month)
    out: dict[BillingMonth, str | None] = {}
    for month in months:
        text = str(month)
        latest = None
        for row in ordered:
            if row.effective_month > text:
                break
            latest = row
        out[month] = None if latest is None else names[latest.plan_id]
    return out


def _changes(before: dict[BillingMonth, str | None], after: dict[BillingMonth, str],
             months: list[BillingMonth]) -> list[PlanChange]:
    """Runs of months whose plan changed, each reported once at its first month."""
    changes: list[PlanChange] = []
    previous: tuple[str | None, str | None] | None = None
    for month in months:
        pair = (before.get(month), after.get(month))
        if pair[0] == pair[1]:
            previous = None
            continue
        if pair != previous:
            changes.append(PlanChange(month, *pair))
        previous = pair
    return changes


def rederive_org(session: Session, org: Organization, *, now: datetime, tz: tzinfo,
                 actor: str = "cli", rules: dict[str, UpgradeRule] | None = None
                 ) -> list[PlanChange]:
    """Make the organization's auto-upgrade rows equal to the derivation; returns what changed
    in months not yet closed. Call it in the transaction that changed an input: the open cases
    of a changed month get the first-response targets of their new plan at once."""
    billing_lock(session, shared=True)
    facts = history(session, org.id, rules)
    rows = list(session.scalars(select(PlanAssignment)
                                .where(PlanAssignment.org_id == org.id)
                                .order_by(PlanAssignment.effective_month)))
    if not rows and not facts.closed:
        return []
    names = dict(session.execute(select(Plan.id, Plan.name)).all())
    ids = {name: plan_id for plan_id, name in names.items()}
    stored_months = [BillingMonth.parse(r.effective_month) for r in rows]
    last = max([horizon(facts, min(stored_months + list(facts.closed))), *stored_months])
    derived = derive_plans(facts, last)
    months = sorted(m for m in derived if m not in facts.closed)
    before = _stored_plans(rows, names, months)

    by_month = {BillingMonth.parse(r.effective_month): r for r in rows}
    wanted: dict[BillingMonth, str] = {}
    for month in months:
        if month in facts.explicit:
            continue
        if derived[month] != derived.get(month.prev()):
            wanted[month] = derived[month]
    for month, row in by_month.items():
        if row.reason == AUTO and month not in facts.closed and month not in wanted:
            session.delete(row)
    cycle = "monthly"
    for month in sorted(set(by_month) | set(wanted)):
        row = by_month.get(month)
        if month not in wanted:
            if row is not None and row.reason != AUTO:
                cycle = row.billing_cycle
            continue
        if row is None:
            session.add(PlanAssignment(org_id=org.id, plan_id=ids[wanted[month]],
                                       effective_month=str(month), reason=AUTO,
                                       billing_cycle=cycle, created_at=now))
        elif row.plan_id != ids[wanted[month]] or row.billing_cycle != cycle:
            row.plan_id, row.billing_cycle, row.created_at = ids[wanted[month]], cycle, now
    session.flush()
    changes = _changes(before, derived, months)
    if changes:
        from desk.first_response import retarget_open_cases  # desk.plans imports this module

        retarget_open_cases(session, org.id, changes[0].month, now, tz)
        audit.record(session, actor=actor, action="plan.derive", entity="organization",
                     entity_id=org.id, details={"organization": org.name,
                                                "changes": [c.as_dict() for c in changes]},
                     now=now)
    return changes


def rederive_plan_orgs(session: Session, plan: Plan, *, now: datetime, tz: tzinfo,
                       actor: str = "cli") -> dict[str, list[PlanChange]]:
    """Re-derive every organization ever assigned `plan` (after its upgrade terms changed)."""
    org_ids = set(session.scalars(select(PlanAssignment.org_id)
                                  .where(PlanAssignment.plan_id == plan.id)))
    rules = upgrade_rules(session)
    out: dict[str, list[PlanChange]] = {}
    for org in session.scalars(select(Organization).where(Organization.id.in_(org_ids))
                               .order_by(Organization.id)):
        changes = rederive_org(session, org, now=now, tz=tz, actor=actor, rules=rules)
        if changes:
            out[org.name] = changes
    return out
