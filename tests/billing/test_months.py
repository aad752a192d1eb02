"""Billing months: parsing, edges in several time zones, DST, leap years and year ends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billing.months import BillingMonth

BERLIN = ZoneInfo("Europe/Berlin")
SAO_PAULO = ZoneInfo("America/Sao_Paulo")
UTC_ZONE = ZoneInfo("UTC")


def test_str_and_parse() -> None:
    assert str(BillingMonth(2026, 3)) == "2026-03"
    assert BillingMonth.parse("2026-03") == BillingMonth(2026, 3)
    assert BillingMonth.parse(" 2028-12 ") == BillingMonth(2028, 12)


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "2026-3", "26-03", "2026/03", "",
                                  "march", "2026-03-01", "0000-05"])
def test_parse_rejects_malformed(text: str) -> None:
    with pytest.raises(ValueError, match="malformed month"):
        BillingMonth.parse(text)


def test_constructor_validates() -> None:
    with pytest.raises(ValueError):
        BillingMonth(2026, 13)
    with pytest.raises(TypeError):
        BillingMonth("2026", 1)  # type: ignore[arg-type]


def test_ordering_and_neighbours() -> None:
    assert BillingMonth(2026, 12) < BillingMonth(2027, 1)
    assert BillingMonth(2026, 12).next() == BillingMonth(2027, 1)
    assert BillingMonth(2027, 1).prev() == BillingMonth(2026, 12)
    assert sorted([BillingMonth(2027, 1), BillingMonth(2026, 2)])[0] == BillingMonth(2026, 2)


def test_berlin_month_edge() -> None:
    # 2026-03-31 23:30 UTC is already 01:30 on April 1st in Berlin (CEST, +02:00).
    instant = datetime(2026, 3, 31, 23, 30, tzinfo=UTC)
    assert BillingMonth.of(instant, UTC_ZONE) == BillingMonth(2026, 3)
    assert BillingMonth.of(instant, BERLIN) == BillingMonth(2026, 4)
    assert BillingMonth(2026, 4).start(BERLIN) == datetime(2026, 3, 31, 22, 0, tzinfo=UTC)


def test_sao_paulo_month_edge() -> None:
    # 2026-05-01 02:00 UTC is still April 30th 23:00 in Sao Paulo (-03:00).
    instant = datetime(2026, 5, 1, 2, 0, tzinfo=UTC)
    assert BillingMonth.of(instant, UTC_ZONE) == BillingMonth(2026, 5)
    assert BillingMonth.of(instant, SAO_PAULO) == BillingMonth(2026, 4)
    assert BillingMonth(2026, 5).start(SAO_PAULO) == datetime(2026, 5, 1, 3, 0, tzinfo=UTC)


def test_of_converts_other_offsets() -> None:
    plus_two = datetime(2026, 4, 1, 0, 30, tzinfo=BERLIN)
    assert BillingMonth.of(plus_two, UTC_ZONE) == BillingMonth(2026, 3)


def test_of_refuses_naive() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        BillingMonth.of(datetime(2026, 3, 1), UTC_ZONE)


def test_dst_months_in_berlin_have_odd_lengths() -> None:
    march = BillingMonth(2026, 3)  # clocks go forward on 2026-03-29: one hour less
    assert march.end(BERLIN) - march.start(BERLIN) == timedelta(days=31, hours=-1)
    october = BillingMonth(2026, 10)  # clocks go back on 2026-10-25: one hour more
    assert october.end(BERLIN) - october.start(BERLIN) == timedelta(days=31, hours=1)
    assert october.start(BERLIN) == datetime(2026, 9, 30, 22, 0, tzinfo=UTC)
    assert october.end(BERLIN) == datetime(2026, 10, 31, 23, 0, tzinfo=UTC)


def test_month_starting_on_a_skipped_midnight() -> None:
    # Asuncion skipped 2017-10-01 00:00 (clocks jumped to 01:00): October starts at the jump.
    tz = ZoneInfo("America/Asuncion")
    october = BillingMonth(2017, 10)
    assert october.start(tz) == datetime(2017, 10, 1, 4, 0, tzinfo=UTC)
    assert october.start(tz).astimezone(tz).hour == 1
    assert BillingMonth(2017, 9).end(tz) == october.start(tz)
    assert BillingMonth.of(october.start(tz) - timedelta(microseconds=1), tz) == october.prev()


def test_month_starting_on_a_repeated_midnight() -> None:
    # Havana turns clocks back from 01:00 to 00:00 on 2026-11-01: midnight happens twice,
    # and November starts at the first one.
    tz = ZoneInfo("America/Havana")
    november = BillingMonth(2026, 11)
    assert november.start(tz) == datetime(2026, 11, 1, 4, 0, tzinfo=UTC)
    assert BillingMonth.of(november.start(tz) - timedelta(seconds=1), tz) == BillingMonth(2026, 10)
    assert november.contains(datetime(2026, 11, 1, 5, 30, tzinfo=UTC), tz)


def test_leap_february() -> None:
    feb = BillingMonth(2028, 2)
    assert feb.end(UTC_ZONE) - feb.start(UTC_ZONE) == timedelta(days=29)
    assert BillingMonth.of(datetime(2028, 2, 29, 23, 59, tzinfo=UTC), UTC_ZONE) == feb
    assert BillingMonth(2027, 2).end(UTC_ZONE) - BillingMonth(2027, 2).start(UTC_ZONE) == \
        timedelta(days=28)


def test_year_end() -> None:
    dec = BillingMonth(2026, 12)
    assert dec.end(UTC_ZONE) == datetime(2027, 1, 1, tzinfo=UTC)
    assert dec.end(BERLIN) == datetime(2026, 12, 31, 23, 0, tzinfo=UTC)
    new_year_in_berlin = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    assert BillingMonth.of(new_year_in_berlin, BERLIN) == BillingMonth(2027, 1)
    assert BillingMonth.of(new_year_in_berlin, UTC_ZONE) == dec


def test_contains() -> None:
    april = BillingMonth(2026, 4)
    assert april.contains(datetime(2026, 3, 31, 22, 0, tzinfo=UTC), BERLIN)
    assert not april.contains(datetime(2026, 3, 31, 21, 59, 59, tzinfo=UTC), BERLIN)
    assert not april.contains(datetime(2026, 3, 31, 22, 0, tzinfo=UTC), UTC_ZONE)


months = st.builds(BillingMonth, st.integers(1900, 2200), st.integers(1, 12))
zones = st.sampled_from([UTC_ZONE, BERLIN, SAO_PAULO, ZoneInfo("Asia/Kolkata"),
                         ZoneInfo("Pacific/Chatham"), ZoneInfo("America/Havana")])


@settings(deadline=None)
@given(months)
def test_parse_str_round_trip(month: BillingMonth) -> None:
    assert BillingMonth.parse(str(month)) == month


@settings(deadline=None)
@given(months, zones)
def test_start_before_end_and_contiguous(month: BillingMonth, tz: ZoneInfo) -> None:
    assert month.start(tz) < month.end(tz)
    assert month.next().start(tz) == month.end(tz)
    assert month.next().prev() == month
    assert month.start(tz).tzinfo == UTC


@settings(deadline=None)
@given(st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2100, 1, 1),
                    timezones=st.just(UTC)), zones)
def test_instant_lies_in_its_month(instant: datetime, tz: ZoneInfo) -> None:
    month = BillingMonth.of(instant, tz)
    assert month.contains(instant, tz)
    assert not month.next().contains(instant, tz)
    assert not month.prev().contains(instant, tz)
