"""What a month close bills: the plan fee in a cycle's first month, GST, invoice numbers, dates."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from billing.cycles import check_cycle, is_cycle_start
from billing.months import BillingMonth

AUTO_UPGRADE = "auto-upgrade"  # the reason of a derived assignment: it does not start a cycle


@dataclass(frozen=True)
class CycleAssignment:
    """An assignment as the cycle rules see it: from `effective_month` on, in `cycle`;
    `reason` is onboarding, admin, partner or auto-upgrade."""

    effective_month: BillingMonth
    cycle: str
    reason: str = "admin"

    def __post_init__(self) -> None:
        check_cycle(self.cycle)

    @property
    def explicit(self) -> bool:
        return self.reason != AUTO_UPGRADE


def _in_force(assignments: Iterable[CycleAssignment],
              month: BillingMonth) -> list[CycleAssignment]:
    return sorted((a for a in assignments if a.effective_month <= month),
                  key=lambda a: a.effective_month)


def cycle_anchor(assignments: Iterable[CycleAssignment],
                 month: BillingMonth) -> BillingMonth | None:
    """The month the organization's current cycle count starts from in `month`: the effective
    month of the latest explicit assignment on or before it (an automatic upgrade does not
    restart the cycle); the first assignment's month if all are automatic; None before any."""
    known = _in_force(assignments, month)
    if not known:
        return None
    explicit = [a for a in known if a.explicit]
    return explicit[-1].effective_month if explicit else known[0].effective_month


def billing_cycle(assignments: Iterable[CycleAssignment], month: BillingMonth) -> str | None:
    """The cycle of the assignment in force in `month` (None before any assignment)."""
    known = _in_force(assignments, month)
    return known[-1].cycle if known else None


def plan_fee_due(assignments: Iterable[CycleAssignment], month: BillingMonth) -> bool:
    """Whether the close of `month` bills the plan fee: `month` starts a cycle counted from the
    anchor in the cycle of the assignment in force."""
    listed = list(assignments)
    anchor, cycle = cycle_anchor(listed, month), billing_cycle(listed, month)
    return anchor is not None and cycle is not None and is_cycle_start(anchor, cycle, month)


def gst_cents(taxable_cents: int, rate_bp: int | None) -> int:
    """The tax on `taxable_cents` at `rate_bp` hundredths of a percent, half-up to the cent
    (exact integer arithmetic; 0 when GST is off)."""
    for label, value in (("taxable amount", taxable_cents), ("GST rate", rate_bp)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise TypeError(f"the {label} must be an int, got {type(value).__name__}")
    if rate_bp is None:
        return 0
    if taxable_cents < 0 or rate_bp < 0:
        raise ValueError("the taxable amount and the GST rate must not be negative")
    return (taxable_cents * rate_bp + 5000) // 10000


def invoice_number(org_id: int, month: BillingMonth) -> str:
    """INV-YYYY-MM-NNNN: the organization's id with at least four digits (unique per month)."""
    if isinstance(org_id, bool) or not isinstance(org_id, int) or org_id < 1:
        raise ValueError(f"an organization id is a positive whole number, got {org_id!r}")
    return f"INV-{month}-{org_id:04d}"


def issue_date(month: BillingMonth) -> date:
    """An invoice for `month` is issued on the 1st of the next month."""
    following = month.next()
    return date(following.year, following.month, 1)


def due_date(month: BillingMonth, grace_days: int) -> date:
    """The issue date plus the grace days (INVOICE_GRACE_DAYS; 0: due upon receipt)."""
    if isinstance(grace_days, bool) or not isinstance(grace_days, int) or grace_days < 0:
        raise ValueError(f"grace days must be a whole number, not negative: {grace_days!r}")
    return issue_date(month) + timedelta(days=grace_days)
