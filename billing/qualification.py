"""Whether an escalation counts: requested and resolved in the same billing month."""

from __future__ import annotations

from datetime import datetime, tzinfo

from billing.months import BillingMonth


def counted_month(requested_at: datetime, resolved_at: datetime | None,
                  tz: tzinfo) -> BillingMonth | None:
    """The request's month if the case was resolved in that same month in `tz`, else None."""
    if resolved_at is None:
        return None
    requested = BillingMonth.of(requested_at, tz)
    if BillingMonth.of(resolved_at, tz) != requested:
        return None
    return requested
