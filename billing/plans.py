"""Plans as data (seed 002 catalogue), which plan is in force in a month, the upgrade rule."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType

from billing.cycles import CYCLE_MONTHS as CYCLE_MONTHS
from billing.cycles import CYCLES as CYCLES
from billing.money import CURRENCIES
from billing.months import BillingMonth

TAM_KINDS = ("community", "dedicated")
BETA_ACCESS = ("on_request", "invited")
PLAN_TYPES = ("usage-based", "revenue-sharing")
LIMITS = ("limit_messages", "limit_conversations", "limit_team_members")
HUNDRED = Decimal("100")

Prices = Mapping[tuple[str, str], Decimal]


def _percent(label: str, value: Decimal | None) -> None:
    if value is None:
        return
    if not isinstance(value, Decimal):
        raise TypeError(f"the {label} must be a Decimal, got {type(value).__name__}")
    if not value.is_finite() or not 0 < value <= HUNDRED:
        raise ValueError(f"the {label} must be a percentage above 0 and at most 100")


def _prices(prices: Prices) -> Prices:
    """The prices checked and ordered by cycle then currency, as a read-only mapping."""
    checked: dict[tuple[str, str], Decimal] = {}
    for key, amount in prices.items():
        if not (isinstance(key, tuple) and len(key) == 2):
            raise TypeError(f"a price is keyed by (cycle, currency), got {key!r}")
        cycle, currency = key
        if cycle not in CYCLES:
            raise ValueError(f"unknown billing cycle {cycle!r}: expected one of "
                             f"{', '.join(CYCLES)}")
        if currency not in CURRENCIES:
            raise ValueError(f"unknown currency {currency!r}: expected one of "
                             f"{', '.join(CURRENCIES)}")
        if not isinstance(amount, Decimal):
            raise TypeError(f"a price must be a Decimal, got {type(amount).__name__}")
        if not amount.is_finite() or amount < 0:
            raise ValueError(f"the {cycle} {currency} price must not be negative")
        checked[(cycle, currency)] = amount
    ordered = sorted(checked.items(), key=lambda kv: (CYCLES.index(kv[0][0]), kv[0][1]))
    return MappingProxyType(dict(ordered))


def monthly_prices(amount: Decimal) -> dict[tuple[str, str], Decimal]:
    """The same monthly price in every currency (the `--fee` shortcut, Growth and Premium)."""
    return {("monthly", currency): amount for currency in CURRENCIES}


@dataclass(frozen=True)
class PlanTerms:
    """What a plan gives and costs; amounts are in the organization's currency.

    `prices` maps (cycle, currency) to the plan fee of one such cycle; a cycle with a price is
    offered. Percentages (revenue share, GST rate) are Decimal percent; a limit of None means
    no limit.
    """

    name: str
    display_name: str
    free_escalations: int
    overflow_price: Decimal
    tam_kind: str = "community"
    queue_priority: int = 0  # higher is served first
    beta_access: str = "on_request"
    auto_upgrade_above: Decimal | None = None
    auto_upgrade_to: str | None = None
    plan_type: str = "usage-based"
    revenue_share: Decimal | None = None
    enabled: bool = True
    prices: Prices = field(default_factory=dict, hash=False)
    gst_rate: Decimal | None = None
    limit_messages: int | None = None
    limit_conversations: int | None = None
    limit_team_members: int | None = None

    def __post_init__(self) -> None:
        if not self.name or not self.name.strip():
            raise ValueError("a plan needs a name")
        if not isinstance(self.overflow_price, Decimal):
            raise TypeError(f"plan overflow price must be a Decimal, got "
                            f"{type(self.overflow_price).__name__}")
        if self.overflow_price < 0:
            raise ValueError("plan overflow price must not be negative")
        object.__setattr__(self, "prices", _prices(self.prices))
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
        if self.plan_type not in PLAN_TYPES:
            raise ValueError(f"plan type must be one of {', '.join(PLAN_TYPES)}")
        _percent("revenue share", self.revenue_share)
        if self.plan_type == "revenue-sharing" and self.revenue_share is None:
            raise ValueError("a revenue-sharing plan needs its share in percent")
        if self.plan_type != "revenue-sharing" and self.revenue_share is not None:
            raise ValueError("only a revenue-sharing plan has a revenue share")
        _percent("GST rate", self.gst_rate)
        if not isinstance(self.enabled, bool):
            raise TypeError("enabled must be True or False")
        for limit in LIMITS:
            value = getattr(self, limit)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"the {limit.removeprefix('limit_').replace('_', ' ')} limit "
                                f"must be a whole number or None")
            if value < 0:
                raise ValueError(f"the {limit.removeprefix('limit_').replace('_', ' ')} limit "
                                 f"must not be negative")

    def fee(self, cycle: str, currency: str) -> Decimal | None:
        """The plan fee of one `cycle` in `currency`; None when the plan has no such price."""
        return self.prices.get((cycle, currency))

    def cycles(self) -> tuple[str, ...]:
        """The cycles with at least one price (offered cycles), monthly first."""
        return tuple(c for c in CYCLES if any(k[0] == c for k in self.prices))

    def currencies(self, cycle: str) -> tuple[str, ...]:
        """The currencies the plan has a price in for `cycle`."""
        return tuple(cur for (c, cur) in self.prices if c == cycle)


# DOMAIN.md: 25 per escalation above the allowance, in the organization's currency.
DEFAULT_OVERFLOW_PRICE = Decimal("25")

GROWTH = PlanTerms(
    name="growth", display_name="Growth", prices=monthly_prices(Decimal("500")),
    free_escalations=2, overflow_price=DEFAULT_OVERFLOW_PRICE, tam_kind="community",
    queue_priority=0, beta_access="on_request", auto_upgrade_above=Decimal("500"),
    auto_upgrade_to="premium",
)
PREMIUM = PlanTerms(
    name="premium", display_name="Premium", prices=monthly_prices(Decimal("1000")),
    free_escalations=5, overflow_price=DEFAULT_OVERFLOW_PRICE, tam_kind="dedicated",
    queue_priority=1, beta_access="invited",
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
