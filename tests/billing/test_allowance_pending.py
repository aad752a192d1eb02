"""Escalation numbers if every pending request is resolved this month: free left, billed."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from billing.allowance import EscalationNumbers
from billing.money import Money

PRICE = Money(Decimal("25"), "EUR")


def test_the_issue_example_two_free_three_pending() -> None:
    """Issue #13: 2 free, 3 pending says '2 remaining' now, but 0 left and 1 billed after."""
    n = EscalationNumbers(allowance=2, counted=0, pending=3)
    assert n.remaining == 2
    assert (n.left_if_pending_resolved, n.billable_if_pending_resolved) == (0, 1)
    assert n.charge_if_pending_resolved(PRICE) == Money(Decimal("25.00"), "EUR")


def test_pending_within_the_allowance_bills_nothing() -> None:
    n = EscalationNumbers(allowance=5, counted=1, pending=2)
    assert (n.remaining, n.left_if_pending_resolved, n.billable_if_pending_resolved) == (4, 2, 0)
    assert n.charge_if_pending_resolved(PRICE) == Money.zero("EUR")
    exact = EscalationNumbers(allowance=2, counted=0, pending=2)  # the warning's case
    assert (exact.left_if_pending_resolved, exact.billable_if_pending_resolved) == (0, 0)


def test_already_over_the_allowance_counts_every_pending_one() -> None:
    n = EscalationNumbers(allowance=2, counted=4, pending=3)
    assert (n.overflow, n.left_if_pending_resolved, n.billable_if_pending_resolved) == (2, 0, 5)
    assert n.charge_if_pending_resolved(Money(Decimal("25"), "USD")) == Money(
        Decimal("125"), "USD")


def test_without_pending_the_outlook_is_today() -> None:
    for allowance, counted in ((2, 0), (2, 2), (2, 7), (0, 0)):
        n = EscalationNumbers(allowance, counted)
        assert n.left_if_pending_resolved == n.remaining
        assert n.billable_if_pending_resolved == n.overflow


counts = st.integers(0, 10_000)


@settings(deadline=None)
@given(counts, counts, counts, st.integers(0, 10**7))
def test_left_and_billable_are_the_resolved_month(allowance: int, counted: int, pending: int,
                                                   cents: int) -> None:
    n = EscalationNumbers(allowance, counted, pending)
    resolved = EscalationNumbers(allowance, counted + pending, 0)
    assert n.left_if_pending_resolved == resolved.remaining
    assert n.billable_if_pending_resolved == resolved.overflow
    assert n.left_if_pending_resolved - n.billable_if_pending_resolved \
        == allowance - counted - pending
    assert min(n.left_if_pending_resolved, n.billable_if_pending_resolved) == 0
    price = Money.from_cents(cents, "USD")
    assert n.charge_if_pending_resolved(price).cents == n.billable_if_pending_resolved * cents
    assert n.needs_confirmation == (n.left_if_pending_resolved == 0)
