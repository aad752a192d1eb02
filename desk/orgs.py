"""Organizations: onboarding with a plan, partner accounts and monthly license fees."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from billing.limits import MAX_AMOUNT
from billing.money import CENT, CURRENCIES, Money, to_amount
from billing.months import BillingMonth
from billing.plans import PlanTerms
from desk import audit
from desk.derived_plans import PlanChange, rederive_org
from desk.errors import Ambiguous, Conflict, Invalid, NotFound
from desk.plans import (
    Cycle,
    assign,
    check_cycle,
    check_price,
    cycle_in_force,
    get_plan,
    next_change_month,
    plan_in_force,
    terms,
)
from store.models import LicenseFee, Organization, PartnerAccount, Plan

BILLING_MODELS = ("partner-paid", "direct-paid")
MAX_NAME = 120


def _spaced(name: str) -> str:
    return " ".join(name.split())


def orgs_named(session: Session, name: str) -> list[Organization]:
    """The organizations a typed name means: the one with exactly that name (spacing
    normalized), else every one whose name is the same ignoring case."""
    cleaned = _spaced(name)
    if not cleaned:
        return []
    exact = session.scalar(select(Organization).where(Organization.name == cleaned))
    if exact is not None:
        return [exact]
    query = select(Organization).order_by(Organization.name)
    if cleaned.isascii():  # SQLite's lower() folds ASCII letters only: narrow in SQL then
        query = query.where(func.lower(Organization.name) == cleaned.lower())
    key = cleaned.casefold()
    return [o for o in session.scalars(query) if _spaced(o.name).casefold() == key]


def find_org(session: Session, name: str) -> Organization | None:
    """The organization named `name` in any case; Ambiguous when several differ only by case."""
    found = orgs_named(session, name)
    if len(found) > 1:
        listed = ", ".join(repr(o.name) for o in found)
        raise Ambiguous(f"organization name {name.strip()!r} is ambiguous: it matches {listed}; "
                        f"type the name exactly as listed")
    return found[0] if found else None


def get_org(session: Session, name: str) -> Organization:
    """The organization named `name` in any case, or NotFound / Ambiguous."""
    org = find_org(session, name)
    if org is None:
        raise NotFound(f"unknown organization {name!r} (see: supportdesk org list)")
    return org


def list_orgs(session: Session) -> list[Organization]:
    return list(session.scalars(select(Organization).order_by(Organization.name)))


def create_org(session: Session, *, name: str, plan_name: str, currency: str,
               billing_model: str, now: datetime, tz: tzinfo, cycle: str = "monthly",
               actor: str = "cli") -> Organization:
    """Onboard an organization on a plan and billing cycle from the current billing month
    (the plan must be enabled and have a price for the cycle in the currency)."""
    cleaned = " ".join(name.split())
    if not cleaned:
        raise Invalid("an organization needs a name")
    if len(cleaned) > MAX_NAME:
        raise Invalid(f"organization name is longer than {MAX_NAME} characters")
    code = currency.strip().upper()
    if code not in CURRENCIES:
        raise Invalid(f"unknown currency {currency!r}: expected one of {', '.join(CURRENCIES)}")
    model = billing_model.strip().lower()
    if model not in BILLING_MODELS:
        raise Invalid(f"unknown billing model {billing_model!r}: expected one of "
                      f"{', '.join(BILLING_MODELS)}")
    existing = orgs_named(session, cleaned)
    if existing:
        raise Conflict(f"an organization named {existing[0].name!r} already exists")
    plan = get_plan(session, plan_name)
    chosen = check_cycle(cycle)
    check_price(plan, chosen, code)
    org = Organization(name=cleaned, currency=code, billing_model=model, created_at=now)
    session.add(org)
    session.flush()
    month = BillingMonth.of(now, tz)
    audit.record(session, actor=actor, action="org.add", entity="organization", entity_id=org.id,
                 details={"name": cleaned, "currency": code, "billing_model": model,
                          "plan": plan.name, "cycle": chosen, "effective_month": str(month)},
                 now=now)
    assign(session, org, plan, month, "onboarding", now, actor=actor, tz=tz, cycle=chosen)
    return org


@dataclass(frozen=True)
class CycleChange:
    """The outcome of set_cycle: the cycle from `month` on (changed False: it already was)."""

    organization: str
    cycle: str
    month: BillingMonth
    plan: str
    price: Decimal
    currency: str
    previous: str
    changed: bool


def set_cycle(session: Session, org: Organization, cycle: str, *, now: datetime, tz: tzinfo,
              actor: str = "cli") -> CycleChange:
    """Move the organization to billing `cycle` from the start of its next cycle, on the plan
    in force then (an explicit assignment); refused when that plan has no price for it."""
    chosen = check_cycle(cycle)
    month = next_change_month(session, org, now, tz)
    plan = plan_in_force(session, org.id, month)
    if plan is None:
        raise Invalid(f"{org.name} has no plan in {month}")
    running = cycle_in_force(session, org.id, month)
    previous = "monthly" if running is None else running.cycle
    price = check_price(plan, chosen, org.currency)
    if running is not None and running.cycle == chosen:
        return CycleChange(org.name, chosen, month, plan.name, price, org.currency, previous,
                           changed=False)
    assign(session, org, plan, month, "admin", now, actor=actor, tz=tz, cycle=chosen)
    return CycleChange(org.name, chosen, month, plan.name, price, org.currency, previous,
                       changed=True)


def add_partner_id(session: Session, org: Organization, partner_id: str, *, now: datetime,
                   actor: str = "cli") -> PartnerAccount:
    """Attach a Partner ID to the organization; a Partner ID belongs to one organization."""
    cleaned = partner_id.strip()
    if not cleaned or len(cleaned) > 64 or any(c.isspace() for c in cleaned):
        raise Invalid(f"invalid partner id {partner_id!r}: 1-64 characters without spaces")
    existing = session.scalar(select(PartnerAccount).where(PartnerAccount.partner_id == cleaned))
    if existing is not None:
        owner = session.get(Organization, existing.org_id)
        owner_name = owner.name if owner else existing.org_id
        raise Conflict(f"partner id {cleaned!r} already belongs to {owner_name!r}")
    account = PartnerAccount(org_id=org.id, partner_id=cleaned)
    session.add(account)
    session.flush()
    audit.record(session, actor=actor, action="org.partner_id.add", entity="organization",
                 entity_id=org.id, details={"organization": org.name, "partner_id": cleaned},
                 now=now)
    return account


def partner_ids(session: Session, org_id: int) -> list[str]:
    return list(session.scalars(select(PartnerAccount.partner_id)
                                .where(PartnerAccount.org_id == org_id)
                                .order_by(PartnerAccount.partner_id)))


def set_license_fees(session: Session, org: Organization, month: BillingMonth,
                     amount: Decimal, *, now: datetime, tz: tzinfo,
                     actor: str = "cli") -> list[PlanChange]:
    """Record (or correct) the organization's license fees of a month, in its currency, and
    re-derive its automatic upgrades; returns the plan changes of months not yet closed."""
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise Invalid(f"invalid license fees {amount!r}: expected a decimal amount")
    if amount < 0:
        raise Invalid(f"invalid license fees {amount}: must not be negative")
    if amount > MAX_AMOUNT:
        raise Invalid(f"invalid license fees {amount}: at most {MAX_AMOUNT}")
    if amount != amount.quantize(CENT):
        raise Invalid(f"invalid license fees {amount}: at most two decimals")
    cents = Money(amount, org.currency).cents
    row = session.scalar(select(LicenseFee).where(LicenseFee.org_id == org.id,
                                                  LicenseFee.month == str(month)))
    previous = None if row is None else row.amount_cents
    if row is None:
        row = LicenseFee(org_id=org.id, month=str(month), amount_cents=cents, recorded_at=now)
        session.add(row)
    else:
        row.amount_cents, row.recorded_at = cents, now
    session.flush()
    audit.record(session, actor=actor, action="fees.set", entity="organization",
                 entity_id=org.id, details={"organization": org.name, "month": str(month),
                                            "amount_cents": cents, "currency": org.currency,
                                            "previous_cents": previous}, now=now)
    return rederive_org(session, org, now=now, tz=tz, actor=actor)


def license_fees(session: Session, org_id: int, month: BillingMonth) -> Decimal | None:
    """The recorded license fees of the month, or None when none were recorded."""
    cents = session.scalar(select(LicenseFee.amount_cents).where(
        LicenseFee.org_id == org_id, LicenseFee.month == str(month)))
    return None if cents is None else to_amount(cents)


def fee_history(session: Session, org_id: int) -> list[tuple[BillingMonth, Decimal]]:
    rows = session.execute(select(LicenseFee.month, LicenseFee.amount_cents)
                           .where(LicenseFee.org_id == org_id).order_by(LicenseFee.month)).all()
    return [(BillingMonth.parse(m), to_amount(c)) for m, c in rows]


@dataclass(frozen=True)
class OrgMonth:
    """An organization as seen in one billing month: plan in force, partner ids, fees."""

    org: Organization
    month: BillingMonth
    plan: Plan | None
    terms: PlanTerms | None
    partner_ids: list[str]
    license_fees: Decimal | None
    cycle: Cycle | None = None

    @property
    def fee(self) -> Decimal | None:
        """The plan's price of one billing cycle in the organization's currency."""
        if self.terms is None or self.cycle is None:
            return None
        return self.terms.fee(self.cycle.cycle, self.org.currency)

    @property
    def fee_billed(self) -> bool:
        """Whether the month is the first of a cycle (its close bills the plan fee)."""
        return self.cycle is not None and self.cycle.is_start(self.month)

    def cycle_dict(self) -> dict[str, object]:
        c = self.cycle
        return {
            "billing_cycle": None if c is None else c.cycle,
            "cycle_start": None if c is None else str(c.start(self.month)),
            "next_cycle_start": None if c is None else str(c.next_start(self.month)),
            "plan_fee_billed_this_month": self.fee_billed,
        }

    def as_dict(self) -> dict[str, object]:
        t = self.terms
        fee = None if self.fee is None else str(self.fee)
        return {
            "name": self.org.name,
            "id": self.org.id,
            "currency": self.org.currency,
            "billing_model": self.org.billing_model,
            "month": str(self.month),
            "plan": None if t is None else {
                "name": t.name,
                "display_name": t.display_name,
                "fee": fee,
                "currency": self.org.currency,
                "billing_cycle": None if self.cycle is None else self.cycle.cycle,
                "type": t.plan_type,
                "gst": None if t.gst_rate is None else f"{t.gst_rate.normalize():f}",
                "allowance": t.free_escalations,
                "overflow_price": str(t.overflow_price),
                "tam": t.tam_kind,
                "queue_priority": t.queue_priority,
                "beta_access": t.beta_access,
                "limits": {"messages": t.limit_messages,
                           "conversations": t.limit_conversations,
                           "team_members": t.limit_team_members},
            },
            "allowance": None if t is None else t.free_escalations,
            "fee": fee,
            **self.cycle_dict(),
            "partner_ids": list(self.partner_ids),
            "license_fees": None if self.license_fees is None else str(self.license_fees),
        }


def describe(session: Session, org: Organization, month: BillingMonth) -> OrgMonth:
    plan = plan_in_force(session, org.id, month)
    return OrgMonth(org=org, month=month, plan=plan,
                    terms=None if plan is None else terms(plan),
                    partner_ids=partner_ids(session, org.id),
                    license_fees=license_fees(session, org.id, month),
                    cycle=None if plan is None else cycle_in_force(session, org.id, month))
