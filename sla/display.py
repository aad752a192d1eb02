"""SLA times as people read them: '1 h 20 min left', 'overdue by 2 d 3 h', in their language."""

from __future__ import annotations

from datetime import datetime, timedelta

import locales
from desk.first_response import time_left
from store.models import Case


def duration_text(span: timedelta, lang: str) -> str:
    """A non-negative span rounded up to whole minutes, in at most two parts and without a
    zero part: '45 min', '2 h 5 min', '2 h', '3 d 4 h', '3 d' (minutes under days dropped)."""
    seconds = max(0, int(span.total_seconds()))
    minutes = -(-seconds // 60)  # round up: 30 s left reads as 1 min, not 0
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days and hours:
        return locales.render("sla.duration.days", {"days": days, "hours": hours}, lang)
    if days:
        return locales.render("sla.duration.days_only", {"days": days}, lang)
    if hours and mins:
        return locales.render("sla.duration.hours", {"hours": hours, "minutes": mins}, lang)
    if hours:
        return locales.render("sla.duration.hours_only", {"hours": hours}, lang)
    return locales.render("sla.duration.minutes", {"minutes": mins}, lang)


def seconds_text(seconds: int | None, lang: str) -> str:
    """A duration given in seconds as duration_text writes it; '-' when there is none."""
    return "-" if seconds is None else duration_text(timedelta(seconds=seconds), lang)


def left_or_overdue(left: timedelta, lang: str) -> str:
    """'20 min left' or 'overdue by 1 h 5 min'."""
    if left > timedelta(0):
        return locales.render("sla.queue.left", {"time": duration_text(left, lang)}, lang)
    return locales.render("sla.queue.overdue", {"time": duration_text(-left, lang)}, lang)


def queue_label(case: Case, now: datetime, lang: str) -> str | None:
    """The /queue note for a case whose clock runs; None once answered or without a target."""
    left = time_left(case, now)
    return None if left is None else left_or_overdue(left, lang)
