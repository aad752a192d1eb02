"""Exact money: Decimal amounts in whole cents with a currency; currencies never mix."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import total_ordering

CURRENCIES = ("EUR", "USD")
CENT = Decimal("0.01")
_AMOUNT_TEXT = re.compile(r"\d+(\.\d{1,2})?")


class CurrencyMismatch(ValueError):
    """Two amounts in different currencies were combined or compared."""


def check_currency(currency: str) -> str:
    """Return the currency if known, else raise ValueError listing the known ones."""
    if currency not in CURRENCIES:
        raise ValueError(f"unknown currency {currency!r}: expected one of {', '.join(CURRENCIES)}")
    return currency


def to_amount(cents: int) -> Decimal:
    """Integer cents as a Decimal amount with two decimals (12345 -> 123.45)."""
    if isinstance(cents, bool) or not isinstance(cents, int):
        raise TypeError(f"cents must be an int, got {type(cents).__name__}")
    return Decimal(cents).scaleb(-2).quantize(CENT)


def to_cents(amount: Decimal) -> int:
    """A Decimal amount as integer cents; more than two decimals is a ValueError."""
    if isinstance(amount, float):
        raise TypeError("money refuses floats; use Decimal")
    exact = Decimal(amount).quantize(CENT)
    if exact != amount:
        raise ValueError(f"amount {amount} has more than two decimals")
    return int(exact.scaleb(2))


def gst(taxable: Decimal, rate: Decimal) -> Decimal:
    """The tax on `taxable` at `rate` percent, rounded half-up to the cent (exact Decimal)."""
    for label, value in (("taxable amount", taxable), ("GST rate", rate)):
        if isinstance(value, float) or not isinstance(value, Decimal):
            raise TypeError(f"the {label} must be a Decimal, got {type(value).__name__}")
        if not value.is_finite() or value < 0:
            raise ValueError(f"the {label} must be a finite amount, not negative")
    return (taxable * rate / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def parse_amount(text: str) -> Decimal:
    """Parse a non-negative amount with at most two decimals, e.g. '575' or '575.50'."""
    if not isinstance(text, str):
        raise ValueError(f"invalid amount {text!r}: expected a number such as 575.00")
    cleaned = text.strip()
    if cleaned.startswith("-"):
        raise ValueError(f"invalid amount {text!r}: must not be negative")
    if _AMOUNT_TEXT.fullmatch(cleaned) is None:
        if re.fullmatch(r"\d+\.\d{3,}", cleaned):
            raise ValueError(f"invalid amount {text!r}: at most two decimals")
        raise ValueError(f"invalid amount {text!r}: expected a number such as 575.00")
    return Decimal(cleaned).quantize(CENT)


@total_ordering
@dataclass(frozen=True)
class Money:
    """An exact amount in whole cents of one currency."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        amount = self.amount
        if isinstance(amount, float):
            raise TypeError("money refuses floats; use Decimal or integer cents")
        if isinstance(amount, bool) or not isinstance(amount, Decimal | int):
            raise TypeError(f"money needs a Decimal amount, got {type(amount).__name__}")
        amount = Decimal(amount)
        if not amount.is_finite():
            raise ValueError(f"money needs a finite amount, got {amount}")
        try:
            exact = amount.quantize(CENT)
        except InvalidOperation as exc:
            raise ValueError(f"amount {amount} is out of range") from exc
        if exact != amount:
            raise ValueError(f"amount {amount} has more than two decimals")
        check_currency(self.currency)
        object.__setattr__(self, "amount", exact)

    @classmethod
    def from_cents(cls, cents: int, currency: str) -> Money:
        if isinstance(cents, bool) or not isinstance(cents, int):
            raise TypeError(f"cents must be an int, got {type(cents).__name__}")
        return cls(to_amount(cents), currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal("0.00"), currency)

    @property
    def cents(self) -> int:
        return to_cents(self.amount)

    def _same(self, other: Money) -> None:
        if self.currency != other.currency:
            raise CurrencyMismatch(
                f"cannot combine {self.currency} with {other.currency}: "
                "amounts in different currencies are never added or compared"
            )

    def __add__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, factor: object) -> Money:
        if isinstance(factor, float):
            raise TypeError("money refuses floats; multiply by an int")
        if isinstance(factor, bool) or not isinstance(factor, int):
            return NotImplemented
        return Money(self.amount * factor, self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other)
        return self.amount < other.amount

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"
