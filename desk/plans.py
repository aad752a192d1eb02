"""Plans as records: list, add, duplicate, hide, archive, assign, and the plan in force."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from billing.limits import MAX_AMOUNT, MAX_FREE_ESCALATIONS, MAX_QUEUE_PRIORITY
from billing.money import CENT, to_amount, to_cents
from billing.months import BillingMonth
from billing.plans import PlanTerms
from desk import audit
from desk.derived_plans import rederive_org
from desk.errors import Conflict, Invalid, NotFound
from desk.plan_sql import in_force
from store.models import Organization, Plan, PlanAssignment

ASSIGNMENT_REASONS = ("onboarding", "admin", "partner", "auto-upgrade")
MAX_DISPLAY_NAME = 80
_PLAN_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")


def terms(plan: Plan) -> PlanTerms:
    """The pure billing view of a plan record (amounts as Decimal in the org's currency)."""
    above = plan.auto_upgrade_above_cents
    return PlanTerms(
        name=plan.name, display_name=plan.display_name, fee=to_amount(plan.fee_cents),
        free_escalations=plan.free_escalations,
        overflow_price=to_amount(plan.overflow_price_cents), tam_kind=plan.tam_kind,
        queue_priority=plan.queue_priority, beta_access=plan.beta_access,
        auto_upgrade_above=None if above is None else to_amount(above),
        auto_upgrade_to=plan.auto_upgrade_to,
    )


def find_plan(session: Session, name: str) -> Plan | None:
    return session.scalar(select(Plan).where(Plan.name == name.strip().lower()))


def get_plan(session: Session, name: str) -> Plan:
    """The plan with this name, or NotFound listing the known plans."""
    plan = find_plan(session, name)
    if plan is None:
        known = ", ".join(p.name for p in list_plans(session)) or "none"
        raise NotFound(f"unknown plan {name!r} (known plans: {known})")
    return plan


def list_plans(session: Session, *, include_hidden: bool = True,
               include_archived: bool = True) -> list[Plan]:
    """Plans ordered by fee then name; hidden or archived ones only when asked for."""
    query = select(Plan).order_by(Plan.fee_cents, Plan.name)
    if not include_hidden:
        query = query.where(Plan.hidden.is_(False))
    if not include_archived:
        query = query.where(Plan.archived.is_(False))
    return list(session.scalars(query))


def _check_name(session: Session, name: str) -> str:
    cleaned = name.strip().lower()
    if not _PLAN_NAME.fullmatch(cleaned):
        raise Invalid(f"invalid plan name {name!r}: use 1-40 lowercase letters, digits, - or _")
    if find_plan(session, cleaned) is not None:
        raise Conflict(f"a plan named {cleaned!r} already exists")
    return cleaned


def _check_ranges(name: str, new: PlanTerms) -> None:
    """Numbers and names within what the plan columns hold and the domain accepts."""
    for label, amount in (("fee", new.fee), ("overflow price", new.overflow_price),
                          ("upgrade threshold", new.auto_upgrade_above)):
        if amount is not None and amount > MAX_AMOUNT:
            raise Invalid(f"invalid plan {name!r}: the {label} may be at most {MAX_AMOUNT}")
    if not 0 <= new.free_escalations <= MAX_FREE_ESCALATIONS:
        raise Invalid(f"invalid plan {name!r}: free escalations must be 0 to "
                      f"{MAX_FREE_ESCALATIONS}")
    if not 0 <= new.queue_priority <= MAX_QUEUE_PRIORITY:
        raise Invalid(f"invalid plan {name!r}: the queue priority must be 0 to "
                      f"{MAX_QUEUE_PRIORITY}")
    if len(new.display_name.strip()) > MAX_DISPLAY_NAME:
        raise Invalid(f"invalid plan {name!r}: the display name is longer than "
                      f"{MAX_DISPLAY_NAME} characters")


def _build(session: Session, fields: dict[str, Any]) -> PlanTerms:
    """Terms from fields, every refusal as Invalid/NotFound with the plan's name in it."""
    name = fields.get("name", "")
    try:
        new = PlanTerms(**fields)
    except InvalidOperation:  # a Decimal NaN compared with zero
        raise Invalid(f"invalid plan {name!r}: amounts must be finite numbers") from None
    except (TypeError, ValueError) as exc:
        raise Invalid(f"invalid plan {name!r}: {exc}") from None
    _check_ranges(name, new)
    for label, amount in (("fee", new.fee), ("overflow price", new.overflow_price),
                          ("upgrade threshold", new.auto_upgrade_above)):
        if amount is not None and amount != amount.quantize(CENT):
            raise Invalid(f"invalid plan {name!r}: the {label} has more than two decimals")
    if not new.display_name.strip():
        raise Invalid(f"invalid plan {name!r}: the display name must not be empty")
    if new.auto_upgrade_to is None:
        return new
    target = find_plan(session, new.auto_upgrade_to)
    if target is None:
        raise NotFound(f"unknown plan {new.auto_upgrade_to!r} as automatic upgrade target")
    if target.archived:
        raise Invalid(f"plan {target.name!r} is archived and cannot be an upgrade target")
    if target.name == new.name:
        raise Invalid("a plan cannot upgrade to itself")
    return replace(new, auto_upgrade_to=target.name)


def _store(session: Session, new: PlanTerms, now: datetime) -> Plan:
    plan = Plan(
        name=new.name, display_name=new.display_name.strip(), fee_cents=to_cents(new.fee),
        free_escalations=new.free_escalations, overflow_price_cents=to_cents(new.overflow_price),
        tam_kind=new.tam_kind, queue_priority=new.queue_priority, beta_access=new.beta_access,
        auto_upgrade_above_cents=(None if new.auto_upgrade_above is None
                                  else to_cents(new.auto_upgrade_above)),
        auto_upgrade_to=new.auto_upgrade_to, hidden=False, archived=False, created_at=now,
    )
    session.add(plan)
    session.flush()
    return plan


def _terms_details(t: PlanTerms) -> dict[str, Any]:
    return {f: getattr(t, f) for f in PlanTerms.__dataclass_fields__}


def add_plan(session: Session, *, name: str, display_name: str, fee: Decimal,
             free_escalations: int, overflow_price: Decimal, tam_kind: str = "community",
             queue_priority: int = 0, beta_access: str = "on_request",
             auto_upgrade_above: Decimal | None = None, auto_upgrade_to: str | None = None,
             now: datetime, actor: str = "cli") -> Plan:
    """Create a plan; the name must be new and an automatic upgrade target must exist."""
    new = _build(session, {
        "name": _check_name(session, name), "display_name": display_name, "fee": fee,
        "free_escalations": free_escalations, "overflow_price": overflow_price,
        "tam_kind": tam_kind, "queue_priority": queue_priority, "beta_access": beta_access,
        "auto_upgrade_above": auto_upgrade_above, "auto_upgrade_to": auto_upgrade_to,
    })
    plan = _store(session, new, now)
    audit.record(session, actor=actor, action="plan.add", entity="plan", entity_id=plan.id,
                 details=_terms_details(new), now=now)
    return plan


def duplicate_plan(session: Session, source_name: str, new_name: str, *, now: datetime,
                   actor: str = "cli", **changes: Any) -> Plan:
    """Copy a plan under a new name, changing the terms given (None leaves a term as is)."""
    source = get_plan(session, source_name)
    name = _check_name(session, new_name)
    allowed = set(PlanTerms.__dataclass_fields__) - {"name"}
    unknown = set(changes) - allowed
    if unknown:
        raise Invalid(f"unknown plan field(s): {', '.join(sorted(unknown))}")
    fields = _terms_details(terms(source))
    fields.update({k: v for k, v in changes.items() if v is not None})
    fields["name"] = name
    if changes.get("display_name") is None:
        fields["display_name"] = f"{source.display_name} ({name})"
    new = _build(session, fields)
    plan = _store(session, new, now)
    audit.record(session, actor=actor, action="plan.duplicate", entity="plan",
                 entity_id=plan.id, details={"from": source.name, **_terms_details(new)}, now=now)
    return plan


def hide_plan(session: Session, name: str, *, hidden: bool = True, now: datetime,
              actor: str = "cli") -> Plan:
    """Hide a plan from partners' choices (admins may still assign it), or show it again."""
    plan = get_plan(session, name)
    if plan.hidden != hidden:
        plan.hidden = hidden
        audit.record(session, actor=actor, action="plan.hide" if hidden else "plan.unhide",
                     entity="plan", entity_id=plan.id, details={"name": plan.name}, now=now)
    return plan


def archive_plan(session: Session, name: str, *, now: datetime, actor: str = "cli") -> Plan:
    """Archive a plan: it can no longer be assigned; organizations on it keep it."""
    plan = get_plan(session, name)
    if plan.archived:
        return plan
    upgrading = session.scalars(select(Plan.name).where(
        Plan.auto_upgrade_to == plan.name, Plan.archived.is_(False))).all()
    if upgrading:
        raise Conflict(f"plan {plan.name!r} is the automatic upgrade target of "
                       f"{', '.join(sorted(upgrading))}; archive or change those first")
    plan.archived = True
    plan.hidden = True
    audit.record(session, actor=actor, action="plan.archive", entity="plan", entity_id=plan.id,
                 details={"name": plan.name}, now=now)
    return plan


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


def assign(session: Session, org: Organization, plan: Plan, effective_month: BillingMonth,
           reason: str, now: datetime, *, actor: str = "cli",
           tz: tzinfo | None = None) -> PlanAssignment:
    """Put the organization on `plan` from `effective_month` on.

    An archived plan cannot be assigned. An existing assignment for the same month is replaced.
    With `tz`, a month already under way (the current one or earlier) is refused, because the
    plan of a month never changes in the middle of it; onboarding is exempt. The month close
    passes no tz: its automatic upgrade may land after the next month has begun.
    """
    if reason not in ASSIGNMENT_REASONS:
        raise Invalid(f"invalid assignment reason {reason!r}")
    if plan.archived:
        raise Invalid(f"plan {plan.name!r} is archived and can no longer be assigned")
    if tz is not None and reason != "onboarding":
        current = BillingMonth.of(now, tz)
        if effective_month <= current:
            raise Invalid(f"the plan of {effective_month} can no longer change (the month has "
                          f"begun); use {current.next()} or later")
    month = str(effective_month)
    row = session.scalar(select(PlanAssignment).where(
        PlanAssignment.org_id == org.id, PlanAssignment.effective_month == month))
    previous = None
    if row is None:
        row = PlanAssignment(org_id=org.id, plan_id=plan.id, effective_month=month,
                             reason=reason, created_at=now)
        session.add(row)
    else:
        previous = session.scalar(select(Plan.name).where(Plan.id == row.plan_id))
        row.plan_id, row.reason, row.created_at = plan.id, reason, now
    session.flush()
    audit.record(session, actor=actor, action="plan.assign", entity="organization",
                 entity_id=org.id, details={"organization": org.name, "plan": plan.name,
                                            "effective_month": month, "reason": reason,
                                            "replaced": previous}, now=now)
    rederive_org(session, org, now=now, tz=tz or UTC, actor=actor)
    return row


def organizations_on(session: Session, plan: Plan) -> int:
    """How many organizations have ever been assigned this plan (for listings)."""
    return session.scalar(select(func.count(func.distinct(PlanAssignment.org_id)))
                          .where(PlanAssignment.plan_id == plan.id)) or 0
