"""Plans as records: the catalogue (add, edit, duplicate, status), assignment in billing
cycles, and the plan in force."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from billing.cycles import (
    CYCLE_MONTHS,
    CYCLES,
    add_months,
    cycle_start,
    is_cycle_start,
    next_cycle_start,
)
from billing.months import BillingMonth
from billing.plans import PlanTerms, monthly_prices
from desk import audit
from desk.derived_plans import PlanChange, rederive_org, rederive_plan_orgs
from desk.errors import Conflict, Invalid, NotFound
from desk.plan_sql import in_force
from desk.plan_terms import (
    TERM_FIELDS,
    build,
    missing_prices,
    monthly_equivalent,
    new_record,
    term_fields,
    terms,
    terms_doc,
    write,
)
from store.models import Organization, Plan, PlanAssignment

ASSIGNMENT_REASONS = ("onboarding", "admin", "partner", "auto-upgrade")
EXPLICIT_REASONS = ("onboarding", "admin", "partner")  # auto-upgrade rows are derived
_PLAN_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
# What edit_plan and duplicate_plan change: the terms, plus `fee` (the monthly price in EUR
# and USD). `prices` is merged into the plan's prices; a price of None removes it.
EDITABLE = (set(TERM_FIELDS) - {"name", "enabled"}) | {"fee"}


# --- Finding and listing

def find_plan(session: Session, name: str) -> Plan | None:
    return session.scalar(select(Plan).where(Plan.name == name.strip().lower()))


def get_plan(session: Session, name: str) -> Plan:
    """The plan with this name, or NotFound listing the known plans."""
    plan = find_plan(session, name)
    if plan is None:
        known = ", ".join(p.name for p in list_plans(session, include_all=True)) or "none"
        raise NotFound(f"unknown plan {name!r} (known plans: {known})")
    return plan


def list_plans(session: Session, *, search: str | None = None,
               include_all: bool = False) -> list[Plan]:
    """Enabled plans not archived (every plan with `include_all`), cheapest first; `search`
    keeps those whose name or display name contains it, in any case."""
    query = select(Plan)
    if not include_all:
        query = query.where(Plan.enabled.is_(True), Plan.archived.is_(False))
    found = list(session.scalars(query))
    if search is not None and search.strip():
        key = " ".join(search.split()).casefold()
        found = [p for p in found
                 if key in p.name.casefold() or key in " ".join(p.display_name.split()).casefold()]
    return sorted(found, key=lambda p: (monthly_equivalent(terms(p)), p.name))


def status(plan: Plan) -> str:
    """archived, or enabled/disabled and visible/hidden, in words."""
    if plan.archived:
        return "archived"
    return ", ".join(w for w in ("disabled" if not plan.enabled else "",
                                 "hidden" if plan.hidden else "") if w) or "active"


def plan_doc(plan: Plan) -> dict[str, Any]:
    """Everything about a plan as JSON-ready values."""
    return {**terms_doc(terms(plan)), "hidden": plan.hidden, "archived": plan.archived,
            "status": status(plan)}


def organizations_on(session: Session, plan: Plan) -> int:
    """How many organizations have ever been assigned this plan (for listings)."""
    return session.scalar(select(func.count(func.distinct(PlanAssignment.org_id)))
                          .where(PlanAssignment.plan_id == plan.id)) or 0


# --- The catalogue: add, edit, duplicate, status

def _check_name(session: Session, name: str) -> str:
    cleaned = name.strip().lower()
    if not _PLAN_NAME.fullmatch(cleaned):
        raise Invalid(f"invalid plan name {name!r}: use 1-40 lowercase letters, digits, - or _")
    if find_plan(session, cleaned) is not None:
        raise Conflict(f"a plan named {cleaned!r} already exists")
    return cleaned


def _changed(before: PlanTerms, after: PlanTerms) -> dict[str, dict[str, Any]]:
    """The terms that differ, as {"before": {...}, "after": {...}} documents."""
    old, new = terms_doc(before), terms_doc(after)
    keys = [k for k in new if old.get(k) != new[k] and k != "cycles"]  # cycles follow prices
    return {"before": {k: old.get(k) for k in keys}, "after": {k: new[k] for k in keys}}


def _apply(fields: dict[str, Any], changes: dict[str, Any], name: str) -> dict[str, Any]:
    """Fields with the changes applied: prices merged (None removes one), `fee` as the monthly
    price in both currencies; a usage-based plan drops its revenue share."""
    unknown = set(changes) - EDITABLE
    if unknown:
        raise Invalid(f"unknown plan field(s): {', '.join(sorted(unknown))}")
    out = {**fields, **{k: v for k, v in changes.items() if k not in ("prices", "fee")}}
    prices = dict(fields.get("prices", {}))
    given: dict[tuple[str, str], Decimal | None] = {}
    if changes.get("fee") is not None:
        given.update(monthly_prices(changes["fee"]))
    given.update(changes.get("prices") or {})
    for key, amount in given.items():
        if amount is None:
            prices.pop(key, None)
        else:
            prices[key] = amount
    out["prices"] = prices
    if out.get("plan_type") == "usage-based" and "revenue_share" not in changes:
        out["revenue_share"] = None
    if not prices:
        raise Invalid(f"invalid plan {name!r}: a plan needs a price for at least one billing "
                      f"cycle (e.g. --fee 500 or --price quarterly:EUR:1400)")
    return out


def add_plan(session: Session, *, name: str, display_name: str, free_escalations: int,
             overflow_price: Decimal, fee: Decimal | None = None,
             prices: dict[tuple[str, str], Decimal] | None = None, now: datetime,
             actor: str = "cli", hidden: bool = False, enabled: bool = True,
             **terms_given: Any) -> Plan:
    """Create a plan: a new name, at least one price (`fee`: monthly in EUR and USD, and/or
    `prices` by (cycle, currency)); other terms as keywords of billing.plans.PlanTerms."""
    cleaned = _check_name(session, name)
    fields = _apply({"name": cleaned, "display_name": display_name,
                     "free_escalations": free_escalations, "overflow_price": overflow_price,
                     "enabled": enabled},
                    {**terms_given, "fee": fee, "prices": prices}, cleaned)
    new = build(session, fields)
    plan = new_record(new, hidden=hidden, now=now)
    session.add(plan)
    session.flush()
    audit.record(session, actor=actor, action="plan.add", entity="plan", entity_id=plan.id,
                 details={"name": plan.name, "before": None, "after": plan_doc(plan)}, now=now)
    return plan


def _check_targets_of(session: Session, plan: Plan, new: PlanTerms) -> None:
    """Plans upgrading to `plan` keep finding a price for their cycles and currencies."""
    for source in session.scalars(select(Plan).where(Plan.auto_upgrade_to == plan.name,
                                                     Plan.archived.is_(False))):
        missing = missing_prices(terms(source), new)
        if missing:
            raise Conflict(f"plan {plan.name!r} is the automatic upgrade target of "
                           f"{source.name!r}, which has {', '.join(missing)} prices; keep "
                           f"those prices or change {source.name!r} first")


def prices_in_use(session: Session, plan: Plan, month: BillingMonth
                  ) -> dict[tuple[str, str], list[str]]:
    """(cycle, currency) -> the organizations on `plan` in that cycle and currency in `month`
    or later (their assignment in force then, and any assignment after it)."""
    org_ids = select(PlanAssignment.org_id).where(PlanAssignment.plan_id == plan.id)
    rows = session.execute(
        select(PlanAssignment, Organization.name, Organization.currency)
        .join(Organization, Organization.id == PlanAssignment.org_id)
        .where(PlanAssignment.org_id.in_(org_ids))
        .order_by(PlanAssignment.org_id, PlanAssignment.effective_month)).all()
    per_org: dict[str, list[tuple[PlanAssignment, str]]] = defaultdict(list)
    for row, org_name, currency in rows:
        per_org[org_name].append((row, currency))
    used: dict[tuple[str, str], list[str]] = defaultdict(list)
    text = str(month)
    for org_name, history in per_org.items():
        earlier = [h for h in history if h[0].effective_month <= text]
        relevant = earlier[-1:] + [h for h in history if h[0].effective_month > text]
        for row, currency in relevant:
            key = (row.billing_cycle, currency)
            if row.plan_id == plan.id and org_name not in used[key]:
                used[key].append(org_name)
    return dict(used)


@dataclass(frozen=True)
class PlanEdit:
    """A plan after an edit: what changed, and the organizations whose derived plan moved."""

    plan: Plan
    before: dict[str, Any]
    after: dict[str, Any]
    rederived: dict[str, list[PlanChange]]


def edit_plan(session: Session, name: str, *, now: datetime, tz: tzinfo = UTC,
              actor: str = "cli", **changes: Any) -> PlanEdit:
    """Change the terms given (see EDITABLE). A price still used by an organization from the
    current month on cannot be removed; a changed automatic upgrade re-derives the plans of
    every organization ever on the plan."""
    plan = get_plan(session, name)
    old = terms(plan)
    new = build(session, _apply(term_fields(old), changes, plan.name))
    diff = _changed(old, new)
    if not diff["after"]:
        return PlanEdit(plan, {}, {}, {})
    _check_targets_of(session, plan, new)
    removed = set(old.prices) - set(new.prices)
    if removed:
        in_use = prices_in_use(session, plan, BillingMonth.of(now, tz))
        for cycle, currency in sorted(removed):
            if (cycle, currency) in in_use:
                raise Conflict(
                    f"the {cycle} {currency} price of {plan.name!r} is in use by "
                    f"{', '.join(in_use[(cycle, currency)])}; it cannot be removed")
    write(plan, new)
    session.flush()
    audit.record(session, actor=actor, action="plan.edit", entity="plan", entity_id=plan.id,
                 details={"name": plan.name, **diff}, now=now)
    rederived: dict[str, list[PlanChange]] = {}
    if (old.auto_upgrade_above, old.auto_upgrade_to) != (new.auto_upgrade_above,
                                                         new.auto_upgrade_to):
        rederived = rederive_plan_orgs(session, plan, now=now, tz=tz, actor=actor)
    return PlanEdit(plan, diff["before"], diff["after"], rederived)


def duplicate_plan(session: Session, source_name: str, new_name: str, *, now: datetime,
                   actor: str = "cli", **changes: Any) -> Plan:
    """Copy a plan under a new name with the changes given (see EDITABLE, as edit_plan). The
    copy is hidden until shown (plan unhide)."""
    source = get_plan(session, source_name)
    name = _check_name(session, new_name)
    fields = _apply({**term_fields(terms(source)), "name": name}, changes, name)
    if changes.get("display_name") is None:
        fields["display_name"] = f"{source.display_name} ({name})"
    new = build(session, fields)
    plan = new_record(new, hidden=True, now=now)
    session.add(plan)
    session.flush()
    audit.record(session, actor=actor, action="plan.duplicate", entity="plan",
                 entity_id=plan.id, details={"name": plan.name, "from": source.name,
                                             "before": None, "after": plan_doc(plan)}, now=now)
    return plan


def _upgrading_to(session: Session, plan: Plan) -> list[str]:
    return sorted(session.scalars(select(Plan.name).where(
        Plan.auto_upgrade_to == plan.name, Plan.archived.is_(False))).all())


def _set_status(session: Session, plan: Plan, action: str, *, now: datetime, actor: str,
                **values: bool) -> Plan:
    before = {k: getattr(plan, k) for k in values}
    if before == values:
        return plan
    for key, value in values.items():
        setattr(plan, key, value)
    session.flush()
    audit.record(session, actor=actor, action=action, entity="plan", entity_id=plan.id,
                 details={"name": plan.name, "before": before, "after": values}, now=now)
    return plan


def set_enabled(session: Session, name: str, enabled: bool, *, now: datetime,
                actor: str = "cli") -> Plan:
    """Enable a plan (assignable and offered), or disable it (organizations on it keep it)."""
    plan = get_plan(session, name)
    if enabled and plan.archived:
        raise Invalid(f"plan {plan.name!r} is archived and can no longer be enabled")
    if not enabled and plan.enabled:
        upgrading = _upgrading_to(session, plan)
        if upgrading:
            raise Conflict(f"plan {plan.name!r} is the automatic upgrade target of "
                           f"{', '.join(upgrading)}; change those first")
    return _set_status(session, plan, "plan.enable" if enabled else "plan.disable", now=now,
                       actor=actor, enabled=enabled)


def hide_plan(session: Session, name: str, *, hidden: bool = True, now: datetime,
              actor: str = "cli") -> Plan:
    """Hide a plan from partners' choices (admins may still assign it), or show it again."""
    plan = get_plan(session, name)
    return _set_status(session, plan, "plan.hide" if hidden else "plan.unhide", now=now,
                       actor=actor, hidden=hidden)


def archive_plan(session: Session, name: str, *, now: datetime, actor: str = "cli") -> Plan:
    """Archive a plan: it can never be assigned again; organizations on it keep it."""
    plan = get_plan(session, name)
    if plan.archived:
        return plan
    upgrading = _upgrading_to(session, plan)
    if upgrading:
        raise Conflict(f"plan {plan.name!r} is the automatic upgrade target of "
                       f"{', '.join(upgrading)}; archive or change those first")
    return _set_status(session, plan, "plan.archive", now=now, actor=actor, archived=True,
                       hidden=True)


# --- Assignments and billing cycles

_ASSIGNMENTS = (
    select(PlanAssignment, Plan).join(Plan, Plan.id == PlanAssignment.plan_id)
    .where(PlanAssignment.org_id == bindparam("org_id"))
    .order_by(PlanAssignment.effective_month, PlanAssignment.id)
)


def assignments(session: Session, org_id: int) -> list[tuple[PlanAssignment, Plan]]:
    """The organization's assignment history, oldest effective month first."""
    rows = session.execute(_ASSIGNMENTS, {"org_id": org_id}).all()
    return [(a, p) for a, p in rows]


def plans_in_force(session: Session, org_ids: set[int], month: BillingMonth | str
                   ) -> dict[int, Plan]:
    """Each organization's plan in force in `month` (billing.plans.plan_in_force, as SQL)."""
    if not org_ids:
        return {}
    force = in_force(str(month), org_ids)
    rows = session.execute(
        select(force.c.org_id, Plan).join(Plan, Plan.id == force.c.plan_id)).all()
    return {org_id: plan for org_id, plan in rows}


def plan_in_force(session: Session, org_id: int, month: BillingMonth | str) -> Plan | None:
    """The plan of the latest assignment effective on or before `month`, None before any."""
    return plans_in_force(session, {org_id}, month).get(org_id)


@dataclass(frozen=True)
class Cycle:
    """An organization's billing cycle: `cycle` from `anchor` (the effective month of its
    latest explicit assignment) on, repeating every 1, 3 or 12 months."""

    cycle: str
    anchor: BillingMonth

    @property
    def months(self) -> int:
        return CYCLE_MONTHS[self.cycle]

    def is_start(self, month: BillingMonth) -> bool:
        return is_cycle_start(self.anchor, self.cycle, month)

    def start(self, month: BillingMonth) -> BillingMonth:
        """The first month of the cycle `month` falls in."""
        return cycle_start(self.anchor, self.cycle, month)

    def next_start(self, month: BillingMonth) -> BillingMonth:
        """The first cycle start strictly after `month`."""
        return next_cycle_start(self.anchor, self.cycle, month)


def _explicit(session: Session, org_id: int) -> list[PlanAssignment]:
    return list(session.scalars(select(PlanAssignment).where(
        PlanAssignment.org_id == org_id, PlanAssignment.reason.in_(EXPLICIT_REASONS))
        .order_by(PlanAssignment.effective_month)))


def _cycle_of(rows: list[PlanAssignment], month: BillingMonth,
              strictly_before: bool = False) -> Cycle | None:
    text = str(month)
    found = [r for r in rows
             if (r.effective_month < text if strictly_before else r.effective_month <= text)]
    if not found:
        return None
    return Cycle(found[-1].billing_cycle, BillingMonth.parse(found[-1].effective_month))


def cycle_in_force(session: Session, org_id: int, month: BillingMonth) -> Cycle | None:
    """The organization's billing cycle in `month` (None before its first assignment)."""
    return _cycle_of(_explicit(session, org_id), month)


def next_change_month(session: Session, org: Organization, now: datetime,
                      tz: tzinfo) -> BillingMonth:
    """The first month an explicit plan or cycle change can take effect: the start of the
    organization's next cycle (the next month for monthly)."""
    current = BillingMonth.of(now, tz)
    cycle = cycle_in_force(session, org.id, current)
    return current.next() if cycle is None else cycle.next_start(current)


def check_cycle(cycle: str) -> str:
    cleaned = cycle.strip().lower()
    if cleaned not in CYCLES:
        raise Invalid(f"unknown billing cycle {cycle!r}: expected one of {', '.join(CYCLES)}")
    return cleaned


def check_price(plan: Plan, cycle: str, currency: str) -> Decimal:
    """The plan's price for the cycle in the currency, or Invalid saying what it offers."""
    t = terms(plan)
    price = t.fee(cycle, currency)
    if price is None:
        offered = [c for c in t.cycles() if t.fee(c, currency) is not None]
        raise Invalid(f"plan {plan.name!r} has no {cycle} price in {currency} (its {currency} "
                      f"cycles: {', '.join(offered) or 'none'})")
    return price


def _check_cycle_rules(org: Organization, rows: list[PlanAssignment], month: BillingMonth,
                       cycle: str, now: datetime, tz: tzinfo | None) -> None:
    """An explicit change takes effect at a cycle start after the current month, and leaves
    the changes already planned after it at cycle starts too."""
    before = _cycle_of(rows, month, strictly_before=True)
    if tz is not None:
        current = BillingMonth.of(now, tz)
        running = _cycle_of(rows, current)
        first = current.next() if running is None else running.next_start(current)
        if month <= current:
            raise Invalid(f"the plan of {month} can no longer change (the month has begun); "
                          + _use(org, running, first))
    if before is not None and not before.is_start(month):
        after = before.next_start(month)
        earlier = add_months(after, -before.months)
        if tz is not None and earlier <= BillingMonth.of(now, tz):
            hint = f"use {after} or a later cycle start"
        else:
            hint = f"use {earlier} or {after}"
        raise Invalid(f"{org.name} is billed {before.cycle} from {before.anchor}: its plan and "
                      f"cycle change only at the start of a cycle, not in {month}; {hint}")
    later = [r for r in rows if r.effective_month > str(month)]
    if later and not is_cycle_start(month, cycle, BillingMonth.parse(later[0].effective_month)):
        raise Invalid(f"{org.name} already has a change planned for {later[0].effective_month}, "
                      f"which would fall inside a {cycle} cycle from {month}; make this change "
                      f"in {later[0].effective_month} instead")


def _use(org: Organization, running: Cycle | None, first: BillingMonth) -> str:
    if running is None or running.cycle == "monthly":
        return f"use {first} or later"
    return (f"use {first}, the start of {org.name}'s next {running.cycle} cycle, or a later "
            f"cycle start")


def assign(session: Session, org: Organization, plan: Plan, effective_month: BillingMonth,
           reason: str, now: datetime, *, actor: str = "cli", tz: tzinfo | None = None,
           cycle: str | None = None) -> PlanAssignment:
    """Put the organization on `plan` in billing `cycle` from `effective_month` on (an explicit
    assignment: onboarding, admin or partner), then re-derive its automatic upgrades.

    The plan must be enabled, not archived, and have a price for the cycle in the
    organization's currency. `cycle` defaults to the cycle of the assignment replaced (one for
    the same month), else to the organization's cycle before the month (monthly at first).
    Except at onboarding, the month must start a cycle of the organization's current schedule,
    and with `tz` it must not have begun.
    """
    if reason not in EXPLICIT_REASONS:
        if reason == "auto-upgrade":
            raise Invalid("automatic upgrades follow from license fees (desk.derived_plans); "
                          "they are not assigned")
        raise Invalid(f"invalid assignment reason {reason!r}")
    if plan.archived:
        raise Invalid(f"plan {plan.name!r} is archived and can no longer be assigned")
    if not plan.enabled:
        raise Invalid(f"plan {plan.name!r} is disabled and cannot be assigned (enable it first)")
    rows = _explicit(session, org.id)
    before = _cycle_of(rows, effective_month, strictly_before=True)
    same_month = [r for r in rows if r.effective_month == str(effective_month)]
    if cycle is not None:
        chosen = check_cycle(cycle)
    elif same_month:  # replacing a change: it keeps its cycle
        chosen = same_month[0].billing_cycle
    else:
        chosen = "monthly" if before is None else before.cycle
    check_price(plan, chosen, org.currency)
    if reason != "onboarding":
        _check_cycle_rules(org, rows, effective_month, chosen, now, tz)
    month = str(effective_month)
    row = session.scalar(select(PlanAssignment).where(
        PlanAssignment.org_id == org.id, PlanAssignment.effective_month == month))
    replaced = None
    if row is None:
        row = PlanAssignment(org_id=org.id, plan_id=plan.id, effective_month=month,
                             reason=reason, billing_cycle=chosen, created_at=now)
        session.add(row)
    else:
        replaced = {"plan": session.scalar(select(Plan.name).where(Plan.id == row.plan_id)),
                    "cycle": row.billing_cycle, "reason": row.reason}
        row.plan_id, row.reason, row.billing_cycle, row.created_at = \
            plan.id, reason, chosen, now
    session.flush()
    audit.record(session, actor=actor, action="plan.assign", entity="organization",
                 entity_id=org.id, details={
                     "organization": org.name, "effective_month": month, "before": replaced,
                     "after": {"plan": plan.name, "cycle": chosen, "reason": reason},
                     "plan": plan.name, "reason": reason, "replaced": replaced and
                     replaced["plan"]}, now=now)
    rederive_org(session, org, now=now, tz=tz or UTC, actor=actor)
    return row
