"""An escalation counts for its month only when requested and resolved in that month."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from billing.months import BillingMonth
from billing.qualification import counted_month

UTC_ZONE = ZoneInfo("UTC")
BERLIN = ZoneInfo("Europe/Berlin")
SAO_PAULO = ZoneInfo("America/Sao_Paulo")


def test_same_month_counts() -> None:
    assert counted_month(datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 31, 23, 59,
                         tzinfo=UTC), UTC_ZONE) == BillingMonth(2026, 3)


def test_resolved_next_month_never_counts() -> None:
    assert counted_month(datetime(2026, 3, 30, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC),
                         UTC_ZONE) is None


def test_unresolved_does_not_count() -> None:
    assert counted_month(datetime(2026, 3, 30, tzinfo=UTC), None, UTC_ZONE) is None


def test_time_zone_decides() -> None:
    requested = datetime(2026, 3, 31, 21, 0, tzinfo=UTC)  # 23:00 in Berlin, March
    resolved = datetime(2026, 3, 31, 23, 30, tzinfo=UTC)  # 01:30 in Berlin, April
    assert counted_month(requested, resolved, UTC_ZONE) == BillingMonth(2026, 3)
    assert counted_month(requested, resolved, BERLIN) is None
    # Sao Paulo (-03:00): both still on April 30th local time.
    requested = datetime(2026, 4, 30, 20, 0, tzinfo=UTC)
    resolved = datetime(2026, 5, 1, 2, 0, tzinfo=UTC)
    assert counted_month(requested, resolved, UTC_ZONE) is None
    assert counted_month(requested, resolved, SAO_PAULO) == BillingMonth(2026, 4)
