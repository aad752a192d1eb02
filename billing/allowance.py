"""A month's escalation numbers: remaining allowance, overflow and its charge."""

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
