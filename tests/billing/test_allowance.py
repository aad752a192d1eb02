"""Escalation numbers: remaining, overflow, confirmation threshold and the charge."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billing.allowance import EscalationNumbers
from billing.money import Money

PRICE = Money(Decimal("25"), "EUR")


def test_growth_month() -> None:
    n = EscalationNumbers(allowance=2, counted=1, pending=0)
    assert (n.remaining, n.overflow, n.needs_confirmation) == (1, 0, False)
    assert n.charge(PRICE) == Money(Decimal("0"), "EUR")
    n = EscalationNumbers(allowance=2, counted=1, pending=1)
    assert n.needs_confirmation
    n = EscalationNumbers(allowance=2, counted=5, pending=0)
    assert (n.remaining, n.overflow) == (0, 3)
    assert n.charge(PRICE) == Money(Decimal("75"), "EUR")
    assert n.charge(Money(Decimal("25"), "USD")).currency == "USD"


def test_zero_allowance_always_needs_confirmation() -> None:
    assert EscalationNumbers(allowance=0, counted=0, pending=0).needs_confirmation


def test_refuses_negative_or_non_int() -> None:
    with pytest.raises(ValueError):
        EscalationNumbers(allowance=2, counted=-1, pending=0)
    with pytest.raises(TypeError):
        EscalationNumbers(allowance=2.0, counted=0, pending=0)  # type: ignore[arg-type]


counts = st.integers(0, 10_000)
prices = st.integers(0, 10**7).map(lambda c: Money.from_cents(c, "USD"))


@settings(deadline=None)
@given(counts, counts, counts)
def test_overflow_never_negative(allowance: int, counted: int, pending: int) -> None:
    n = EscalationNumbers(allowance, counted, pending)
    assert n.overflow >= 0 and n.remaining >= 0
    assert n.overflow - n.remaining == counted - allowance


@settings(deadline=None)
@given(counts, counts, prices)
def test_charge_is_overflow_times_price(allowance: int, counted: int, price: Money) -> None:
    n = EscalationNumbers(allowance, counted, 0)
    assert n.charge(price).cents == n.overflow * price.cents
    assert n.charge(price).currency == price.currency


@settings(deadline=None)
@given(counts, counts)
def test_remaining_plus_counted_within_allowance(allowance: int, counted: int) -> None:
    n = EscalationNumbers(allowance, counted, 0)
    if counted <= allowance:
        assert n.remaining + n.counted == allowance
        assert n.overflow == 0
    else:
        assert n.remaining == 0


@settings(deadline=None)
@given(counts, counts, counts)
def test_confirmation_when_counted_and_pending_use_allowance(
        allowance: int, counted: int, pending: int) -> None:
    n = EscalationNumbers(allowance, counted, pending)
    assert n.needs_confirmation == (counted + pending >= allowance)
