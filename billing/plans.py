"""Plans as data, which plan is in force in a month, and the automatic upgrade rule."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from billing.months import BillingMonth

TAM_KINDS = ("community", "dedicated")
BETA_ACCESS = ("on_request", "invited")


@dataclass(frozen=True)
class PlanTerms:
    """What a plan gives and costs per month; amounts are in the organization's currency."""

    name: str
    display_name: str
    fee: Decimal
    free_escalations: int
    overflow_price: Decimal
    tam_kind: str = "community"
    queue_priority: int = 0  # higher is served first
    beta_access: str = "on_request"
    auto_upgrade_above: Decimal | None = None
    auto_upgrade_to: str | None = None

    def __post_init__(self) -> None:
        if not self.name or not self.name.strip():
            raise ValueError("a plan needs a name")
        for label, amount in (("fee", self.fee), ("overflow price", self.overflow_price)):
            if not isinstance(amount, Decimal):
                raise TypeError(f"plan {label} must be a Decimal, got {type(amount).__name__}")
            if amount < 0:
                raise ValueError(f"plan {label} must not be negative")
        if self.free_escalations < 0:
            raise ValueError("free escalations must not be negative")
        if self.tam_kind not in TAM_KINDS:
            raise ValueError(f"TAM kind must be one of {', '.join(TAM_KINDS)}")
        if self.beta_access not in BETA_ACCESS:
            raise ValueError(f"beta access must be one of {', '.join(BETA_ACCESS)}")
        if (self.auto_upgrade_above is None) != (self.auto_upgrade_to is None):
            raise ValueError("an automatic upgrade needs both a threshold and a target plan")
        if self.auto_upgrade_above is not None and self.auto_upgrade_above < 0:
            raise ValueError("the automatic upgrade threshold must not be negative")


# DOMAIN.md: 25 per escalation above the allowance, in the organization's currency.
DEFAULT_OVERFLOW_PRICE = Decimal("25")

GROWTH = PlanTerms(
    name="growth", display_name="Growth", fee=Decimal("500"), free_escalations=2,
    overflow_price=DEFAULT_OVERFLOW_PRICE, tam_kind="community", queue_priority=0,
    beta_access="on_request", auto_upgrade_above=Decimal("500"), auto_upgrade_to="premium",
)
PREMIUM = PlanTerms(
    name="premium", display_name="Premium", fee=Decimal("1000"), free_escalations=5,
    overflow_price=DEFAULT_OVERFLOW_PRICE, tam_kind="dedicated", queue_priority=1,
    beta_access="invited",
)
DEFAULT_PLANS = (GROWTH, PREMIUM)


@dataclass(frozen=True)
class Assignment:
    """An organization is on `plan_name` from `effective_month` on."""

    effective_month: BillingMonth
    plan_name: str


def plan_in_force(assignments: Iterable[Assignment], month: BillingMonth) -> str | None:
    """The plan of the latest assignment effective on or before `month` (None if none is).

    Of two assignments for the same month the later one in `assignments` wins.
    """
    best: Assignment | None = None
    for assignment in assignments:
        if assignment.effective_month > month:
            continue
        if best is None or assignment.effective_month >= best.effective_month:
            best = assignment
    return best.plan_name if best is not None else None


def upgrade_target(terms: PlanTerms, license_fees: Decimal) -> str | None:
    """The plan to move to next month when this month's license fees are strictly above
    the plan's threshold; None when the plan has no automatic upgrade or fees are not above."""
    if terms.auto_upgrade_above is None or terms.auto_upgrade_to is None:
        return None
    if license_fees > terms.auto_upgrade_above:
        return terms.auto_upgrade_to
    return None
