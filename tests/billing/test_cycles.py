"""Billing cycles: starts every 1, 3 or 12 months from the anchor month, and GST rounding."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billing.cycles import (
    add_months,
    check_cycle,
    cycle_start,
    is_cycle_start,
    months_between,
    next_cycle_start,
)
from billing.money import gst
from billing.months import BillingMonth

M = BillingMonth.parse


def test_months_between_and_add_months() -> None:
    assert months_between(M("2026-11"), M("2027-02")) == 3
    assert months_between(M("2027-02"), M("2026-11")) == -3
    assert add_months(M("2026-11"), 3) == M("2027-02")
    assert add_months(M("2026-01"), -1) == M("2025-12")
    assert add_months(M("2026-05"), 12) == M("2027-05")
    for n in range(-30, 30):
        assert months_between(M("2026-05"), add_months(M("2026-05"), n)) == n


def test_cycle_starts() -> None:
    anchor = M("2026-02")
    starts = [m for m in (add_months(anchor, n) for n in range(-2, 14))
              if is_cycle_start(anchor, "quarterly", m)]
    assert [str(m) for m in starts] == ["2026-02", "2026-05", "2026-08", "2026-11", "2027-02"]
    assert all(is_cycle_start(anchor, "monthly", add_months(anchor, n)) for n in range(20))
    assert not is_cycle_start(anchor, "monthly", M("2026-01"))
    assert is_cycle_start(anchor, "yearly", M("2027-02"))
    assert not is_cycle_start(anchor, "yearly", M("2026-12"))
    assert cycle_start(anchor, "quarterly", M("2026-07")) == M("2026-05")
    assert cycle_start(anchor, "yearly", M("2027-01")) == anchor
    with pytest.raises(ValueError):
        cycle_start(anchor, "monthly", M("2026-01"))


def test_next_cycle_start_is_strictly_after() -> None:
    anchor = M("2026-02")
    assert next_cycle_start(anchor, "monthly", M("2026-03")) == M("2026-04")
    assert next_cycle_start(anchor, "quarterly", M("2026-02")) == M("2026-05")
    assert next_cycle_start(anchor, "quarterly", M("2026-04")) == M("2026-05")
    assert next_cycle_start(anchor, "yearly", M("2026-03")) == M("2027-02")
    # An anchor still ahead is itself the next start.
    assert next_cycle_start(anchor, "yearly", M("2025-12")) == anchor


def test_unknown_cycle() -> None:
    with pytest.raises(ValueError, match="monthly, quarterly, yearly"):
        check_cycle("weekly")
    with pytest.raises(ValueError):
        is_cycle_start(M("2026-01"), "weekly", M("2026-02"))


def test_gst_rounds_half_up_to_the_cent() -> None:
    assert gst(Decimal("1025.00"), Decimal("10")) == Decimal("102.50")
    assert gst(Decimal("0.05"), Decimal("10")) == Decimal("0.01")  # 0.005 -> 0.01
    assert gst(Decimal("0.04"), Decimal("10")) == Decimal("0.00")  # 0.004 -> 0.00
    assert gst(Decimal("1.25"), Decimal("18")) == Decimal("0.23")  # 0.225 -> 0.23
    assert gst(Decimal("333.33"), Decimal("7.75")) == Decimal("25.83")  # 25.833...
    assert gst(Decimal("0"), Decimal("18")) == Decimal("0.00")
    with pytest.raises(TypeError):
        gst(Decimal("1"), 18.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        gst(Decimal("-1"), Decimal("18"))
