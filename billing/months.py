"""Billing months: the calendar month of an instant in the billing time zone, and its edges."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

_MONTH_TEXT = re.compile(r"(\d{4})-(\d{2})")


def _require_aware(instant: datetime) -> None:
    if not isinstance(instant, datetime):
        raise TypeError(f"expected a datetime, got {type(instant).__name__}")
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("a billing month needs a timezone-aware datetime")


@dataclass(frozen=True, order=True)
class BillingMonth:
    """One calendar month (year, month), compared and sorted chronologically."""

    year: int
    month: int

    def __post_init__(self) -> None:
        for name in ("year", "month"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError(f"{name} must be an int, got {type(value).__name__}")
        if not 1 <= self.month <= 12:
            raise ValueError(f"month must be 1..12, got {self.month}")
        # Year 9999 has no following month whose start a datetime could represent.
        if not 1 <= self.year <= 9998:
            raise ValueError(f"year must be 1..9998, got {self.year}")

    @classmethod
    def of(cls, instant: datetime, tz: tzinfo) -> BillingMonth:
        """The month that an aware instant falls in, read on the wall clock of `tz`."""
        _require_aware(instant)
        local = instant.astimezone(tz)
        return cls(local.year, local.month)

    @classmethod
    def parse(cls, text: str) -> BillingMonth:
        """Parse 'YYYY-MM'; anything else raises ValueError naming the expected form."""
        if not isinstance(text, str):
            raise ValueError(f"malformed month {text!r}: expected YYYY-MM, e.g. 2026-03")
        match = _MONTH_TEXT.fullmatch(text.strip())
        if match is None:
            raise ValueError(f"malformed month {text!r}: expected YYYY-MM, e.g. 2026-03")
        year, month = int(match.group(1)), int(match.group(2))
        if not 1 <= month <= 12:
            raise ValueError(f"malformed month {text!r}: the month must be 01..12")
        if not 1 <= year <= 9998:
            raise ValueError(f"malformed month {text!r}: the year must be 0001..9998")
        return cls(year, month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def next(self) -> BillingMonth:
        if self.month == 12:
            return BillingMonth(self.year + 1, 1)
        return BillingMonth(self.year, self.month + 1)

    def prev(self) -> BillingMonth:
        if self.month == 1:
            return BillingMonth(self.year - 1, 12)
        return BillingMonth(self.year, self.month - 1)

    def start(self, tz: tzinfo) -> datetime:
        """The first instant of the month in `tz`, as an aware UTC datetime.

        Midnight of the 1st is read with fold=0: if it was skipped by a DST jump the result is
        the instant the clocks jumped (the first existing local time of the day); if it occurred
        twice, the earlier one.
        """
        return datetime(self.year, self.month, 1, tzinfo=tz).astimezone(UTC)

    def end(self, tz: tzinfo) -> datetime:
        """The first instant after the month in `tz` (exclusive): the next month's start."""
        return self.next().start(tz)

    def contains(self, instant: datetime, tz: tzinfo) -> bool:
        _require_aware(instant)
        return self.start(tz) <= instant < self.end(tz)
