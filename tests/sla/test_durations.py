"""SLA durations as people read them: rounded up to minutes, at most two parts, no zero part."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sla.display import duration_text, seconds_text


@pytest.mark.parametrize(("span", "expected"), [
    (timedelta(0), "0 min"),
    (timedelta(seconds=30), "1 min"),
    (timedelta(minutes=45), "45 min"),
    (timedelta(hours=1), "1 h"),
    (timedelta(hours=1, seconds=1), "1 h 1 min"),
    (timedelta(hours=2, minutes=5), "2 h 5 min"),
    (timedelta(days=1), "1 d"),
    (timedelta(days=1, minutes=59), "1 d"),
    (timedelta(days=3, hours=4), "3 d 4 h"),
    (timedelta(seconds=-5), "0 min"),
])
def test_english_durations(span: timedelta, expected: str) -> None:
    assert duration_text(span, "en") == expected


@pytest.mark.parametrize(("lang", "hour", "hours_minutes", "day", "days_hours"), [
    ("de", "1 Std.", "2 Std. 5 Min.", "1 Tg.", "3 Tg. 4 Std."),
    ("es", "1 h", "2 h 5 min", "1 d", "3 d 4 h"),
    ("pt-BR", "1 h", "2 h 5 min", "1 d", "3 d 4 h"),
    ("ru", "1 ч", "2 ч 5 мин", "1 дн.", "3 дн. 4 ч"),
])
def test_no_zero_part_in_any_language(lang: str, hour: str, hours_minutes: str, day: str,
                                      days_hours: str) -> None:
    assert duration_text(timedelta(hours=1), lang) == hour
    assert duration_text(timedelta(hours=2, minutes=5), lang) == hours_minutes
    assert duration_text(timedelta(days=1), lang) == day
    assert duration_text(timedelta(days=3, hours=4), lang) == days_hours


def test_seconds_text_for_medians() -> None:
    assert seconds_text(None, "de") == "-"
    assert seconds_text(9000, "de") == "2 Std. 30 Min."
    assert seconds_text(54000, "ru") == "15 ч"
