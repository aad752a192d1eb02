"""satisfaction_stats: per organization and agent, the latest rated round per case asked in the
month, averages to 2 places and response rates, month bounds in the billing time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from billing.months import BillingMonth
from desk.satisfaction import SatisfactionLine, satisfaction_stats
from store.db import transaction
from store.models import Case, SatisfactionRating
from tests.conversation.conftest import World, number_of

MARCH = BillingMonth(2026, 3)
BERLIN = ZoneInfo("Europe/Berlin")


def at(day: int, hour: int = 12, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def add_rounds(w: World, rounds: list[tuple[int, int, int, int | None, datetime]]) -> None:
    """(case, round, agent, rating, asked_at) rows for the cases' own organizations."""
    with transaction(w.h.desk.sessions) as s:
        for case_id, round_, agent, rating, asked in rounds:
            org = s.get(Case, case_id).org_id
            s.add(SatisfactionRating(case_id=case_id, round=round_, org_id=org, agent_id=agent,
                                     asked_at=asked, rating=rating,
                                     rated_at=asked + timedelta(hours=1) if rating else None))


def cases(w: World, who: str, n: int) -> list[int]:
    person = getattr(w, who)
    return [number_of(w.h.send(person, f"/new Problem {i} with our templates being rejected"))
            for i in range(n)]


def line(lines: tuple[SatisfactionLine, ...], name: str) -> SatisfactionLine:
    [found] = [x for x in lines if x.name == name]
    return found


def test_latest_rated_round_per_case_averages_and_response_rates(world: World) -> None:
    w = world
    a1, a2, a3, a4, a5 = cases(w, "pat", 5)  # Acme Messaging
    (o1,) = cases(w, "olga", 1)  # Other Corp
    alex, bea = w.alex.id, w.bea.id
    add_rounds(w, [
        (a1, 0, alex, 2, at(2)), (a1, 1, bea, 5, at(9)),  # counted once: 5, Bea's
        (a2, 0, alex, 3, at(3)), (a2, 1, bea, None, at(10)),  # latest rated: 3, Alex's
        (a3, 0, alex, 4, at(20, month=2)), (a3, 1, alex, None, at(4)),  # asked, unrated
        (a4, 0, bea, 5, at(31, 21)),  # March in UTC
        (a5, 0, None, 4, at(5)),  # nobody known to credit
        (o1, 0, alex, 1, at(6)),
    ])
    with w.h.session() as s:
        stats = satisfaction_stats(s, MARCH, UTC)
    assert stats.month == MARCH
    assert [x.name for x in stats.organizations] == ["Acme Messaging", "Other Corp"]
    acme = line(stats.organizations, "Acme Messaging")
    # ratings 5, 3, 5, 4 of 5 cases asked; a3 asked but not rated this month
    assert (acme.key, acme.asked, acme.ratings, acme.average, acme.response_rate) == (
        w.org, 5, 4, Decimal("4.25"), Decimal("0.8000"))
    other = line(stats.organizations, "Other Corp")
    assert (other.asked, other.ratings, other.average, other.response_rate) == (
        1, 1, Decimal("1.00"), Decimal("1.0000"))
    assert [x.name for x in stats.agents] == ["-", "Alex", "Bea"]
    by_alex = line(stats.agents, "Alex")  # a2 (3), a3 (unrated), o1 (1)
    assert (by_alex.key, by_alex.asked, by_alex.ratings, by_alex.average,
            by_alex.response_rate) == (alex, 3, 2, Decimal("2.00"), Decimal("0.6667"))
    by_bea = line(stats.agents, "Bea")  # a1 (5), a4 (5)
    assert (by_bea.asked, by_bea.ratings, by_bea.average) == (2, 2, Decimal("5.00"))
    nobody = line(stats.agents, "-")
    assert (nobody.key, nobody.asked, nobody.ratings, nobody.average) == (
        None, 1, 1, Decimal("4.00"))
    assert (stats.total.asked, stats.total.ratings, stats.total.average,
            stats.total.response_rate) == (6, 5, Decimal("3.60"), Decimal("0.8333"))
    for x in (*stats.organizations, *stats.agents, stats.total):
        assert x.average is None or x.average.as_tuple().exponent == -2


def test_month_bounds_follow_the_time_zone(world: World) -> None:
    w = world
    a1, a2 = cases(w, "pat", 2)
    add_rounds(w, [
        (a1, 0, w.alex.id, 5, at(31, 23)),  # 1 April 01:00 in Berlin
        (a2, 0, w.alex.id, 2, at(28, 23, month=2)),  # 1 March 00:00 in Berlin
    ])
    with w.h.session() as s:
        utc = satisfaction_stats(s, MARCH, UTC)
        berlin = satisfaction_stats(s, MARCH, BERLIN)
        april = satisfaction_stats(s, BillingMonth(2026, 4), BERLIN)
    assert (utc.total.ratings, utc.total.average) == (1, Decimal("5.00"))
    assert (berlin.total.ratings, berlin.total.average) == (1, Decimal("2.00"))
    assert (april.total.ratings, april.total.average) == (1, Decimal("5.00"))


def test_averages_round_half_up(world: World) -> None:
    w = world
    numbers = cases(w, "pat", 8)
    scores = [5, 5, 5, 5, 5, 5, 5, 4]  # 39 / 8 = 4.875 -> 4.88
    add_rounds(w, [(n, 0, w.alex.id, s, at(2 + i)) for i, (n, s) in
                   enumerate(zip(numbers, scores, strict=True))])
    with w.h.session() as s:
        stats = satisfaction_stats(s, MARCH, UTC)
    assert stats.total.average == Decimal("4.88")
    assert stats.total.response_rate == Decimal("1.0000")


def test_an_empty_month(world: World) -> None:
    with world.h.session() as s:
        stats = satisfaction_stats(s, MARCH, UTC)
    assert stats.organizations == () and stats.agents == ()
    assert (stats.total.asked, stats.total.ratings, stats.total.average,
            stats.total.response_rate) == (0, 0, None, None)


def test_stats_of_ratings_made_through_the_desk_across_weeks(world: World) -> None:
    """Cases resolved and rated week by week through the handlers, a reopening among them."""
    w, h = world, world.h
    h.clock.set(at(2, 9))
    numbers = []
    for week, score in enumerate((5, 3, None, 4)):
        number = number_of(h.send(w.pat, f"/new Week {week}: our templates are rejected"))
        agent = w.alex if week % 2 == 0 else w.bea
        h.send(agent, f"/take {number}")
        h.clock.advance(timedelta(days=1))
        h.send(agent, f"/resolve {number}")
        if score is not None:
            h.clock.advance(timedelta(hours=3))
            h.send(w.pat, f"/rate {number} {score}")
        numbers.append(number)
        h.clock.advance(timedelta(days=6))
    # the first case comes back in April and is rated again: March keeps its first rating
    h.clock.set(at(2, 9, month=4))
    h.send(w.alex, f"/reopen {numbers[0]}")
    h.send(w.alex, f"/resolve {numbers[0]}")
    h.send(w.pat, f"/rate {numbers[0]} 1")
    with h.session() as s:
        march = satisfaction_stats(s, MARCH, UTC)
        april = satisfaction_stats(s, BillingMonth(2026, 4), UTC)
    assert (march.total.asked, march.total.ratings, march.total.average) == (
        4, 3, Decimal("4.00"))
    assert [(x.name, x.asked, x.ratings, x.average) for x in march.agents] == [
        ("Alex", 2, 1, Decimal("5.00")), ("Bea", 2, 2, Decimal("3.50"))]
    assert [(x.name, x.asked, x.ratings, x.average) for x in april.agents] == [
        ("Alex", 1, 1, Decimal("1.00"))]
