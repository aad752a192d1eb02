"""A month's escalation numbers: remaining allowance, overflow, charge, and if pending resolve."""

from __future__ import annotations

from dataclasses import dataclass

from billing.money import Money


@dataclass(frozen=True)
class EscalationNumbers:
    """Allowance of the plan in force, escalations counted so far and still pending."""

    allowance: int
    counted: int
    pending: int = 0

    def __post_init__(self) -> None:
        for name in ("allowance", "counted", "pending"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"{name} must be an int, got {type(value).__name__}")
            if value < 0:
                raise ValueError(f"{name} must not be negative, got {value}")

    @property
    def remaining(self) -> int:
        return max(0, self.allowance - self.counted)

    @property
    def overflow(self) -> int:
        return max(0, self.counted - self.allowance)

    @property
    def needs_confirmation(self) -> bool:
        """A new request may cost money if counted and pending already use the allowance."""
        return self.counted + self.pending >= self.allowance

    def charge(self, price: Money) -> Money:
        return price * self.overflow

    @property
    def left_if_pending_resolved(self) -> int:
        """Free escalations left if every pending request is resolved this month."""
        return max(0, self.allowance - self.counted - self.pending)

    @property
    def billable_if_pending_resolved(self) -> int:
        """Escalations above the allowance if every pending request is resolved this month."""
        return max(0, self.counted + self.pending - self.allowance)

    def charge_if_pending_resolved(self, price: Money) -> Money:
        """What the month's escalations would cost if every pending one is resolved in it."""
        return price * self.billable_if_pending_resolved
