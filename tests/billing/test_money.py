"""Money: exact cents, one currency at a time, no floats; amount parsing for the CLI."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billing.money import CURRENCIES, CurrencyMismatch, Money, parse_amount


def test_from_cents_and_back() -> None:
    fee = Money.from_cents(50000, "EUR")
    assert fee.amount == Decimal("500.00")
    assert fee.cents == 50000
    assert str(fee) == "500.00 EUR"
    assert Money.from_cents(-2550, "USD").amount == Decimal("-25.50")


def test_arithmetic() -> None:
    a = Money(Decimal("500"), "EUR")
    b = Money(Decimal("25.50"), "EUR")
    assert (a + b).cents == 52550
    assert (a - b).amount == Decimal("474.50")
    assert (b * 3).amount == Decimal("76.50")
    assert (3 * b) == b * 3
    assert (b * 0).cents == 0
    assert a > b and b < a and a >= a
    assert Money(Decimal("1"), "USD") == Money(Decimal("1.00"), "USD")


def test_mixing_currencies_is_an_error() -> None:
    eur, usd = Money(Decimal("1"), "EUR"), Money(Decimal("1"), "USD")
    with pytest.raises(CurrencyMismatch):
        eur + usd
    with pytest.raises(CurrencyMismatch):
        eur - usd
    with pytest.raises(CurrencyMismatch):
        _ = eur < usd
    assert issubclass(CurrencyMismatch, ValueError)
    assert eur != usd


def test_unknown_currency_and_floats_refused() -> None:
    assert CURRENCIES == ("EUR", "USD")
    with pytest.raises(ValueError, match="unknown currency"):
        Money(Decimal("1"), "GBP")
    with pytest.raises(TypeError):
        Money(1.5, "EUR")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money(Decimal("1"), "EUR") * 1.5  # type: ignore[operator]
    with pytest.raises(ValueError, match="two decimals"):
        Money(Decimal("1.005"), "EUR")
    with pytest.raises(TypeError):
        Money.from_cents(1.0, "EUR")  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "expected"), [
    ("575", Decimal("575.00")), ("575.5", Decimal("575.50")), ("575.00", Decimal("575.00")),
    (" 0 ", Decimal("0.00")), ("490.99", Decimal("490.99")),
])
def test_parse_amount(text: str, expected: Decimal) -> None:
    assert parse_amount(text) == expected


@pytest.mark.parametrize(("text", "reason"), [
    ("-1", "negative"), ("-0.01", "negative"), ("abc", "expected a number"),
    ("", "expected a number"), ("1.005", "two decimals"), ("1e3", "expected a number"),
    ("NaN", "expected a number"), ("1,5", "expected a number"), ("Infinity", "expected a number"),
])
def test_parse_amount_refuses(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_amount(text)


cents = st.integers(-10**12, 10**12)


@settings(deadline=None)
@given(cents, cents, st.sampled_from(CURRENCIES))
def test_cents_arithmetic_is_exact(a: int, b: int, currency: str) -> None:
    x, y = Money.from_cents(a, currency), Money.from_cents(b, currency)
    assert (x + y).cents == a + b
    assert (x - y).cents == a - b
    assert Money.from_cents(a, currency).cents == a
    assert (x < y) == (a < b)


@settings(deadline=None)
@given(st.integers(0, 10**9))
def test_parse_amount_round_trips_cents(value: int) -> None:
    text = f"{value // 100}.{value % 100:02d}"
    assert Money(parse_amount(text), "EUR").cents == value
