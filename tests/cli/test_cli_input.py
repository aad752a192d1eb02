"""Issue #12: numbers in range, --json everywhere, PNG not to a terminal, month defaults, chat ids,
and names in any case, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click
import pytest
from sqlalchemy.orm import Session, sessionmaker

from billing.limits import MAX_AMOUNT, MAX_FREE_ESCALATIONS, MAX_QUEUE_PRIORITY
from billing.months import BillingMonth
from bot.cli import cli
from bot.commands.common import choose_month
from desk import orgs, plans
from desk.clock import FixedClock
from desk.context import DeskContext
from desk.errors import Ambiguous, Invalid
from store.db import transaction
from store.models import Organization

# The test clock stands at 2026-03-10 09:00 UTC: the current month is 2026-03, the last closed
# one 2026-02, the next one 2026-04.
HUGE = "99999999999999999999"


def add_acme(run_json: Any, name: str = "Acme") -> dict[str, Any]:
    return run_json("org", "add", name, "--currency", "EUR", "--billing-model", "partner-paid")


def one_line_refusal(result: Any, *expected: str) -> str:
    """Exit 2, nothing on stdout, one line on stderr containing every expected fragment."""
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("supportdesk: ")
    for fragment in expected:
        assert fragment in lines[0], lines[0]
    return lines[0]


def plan_add(*options: str) -> tuple[str, ...]:
    terms = {"--display-name": "Gold", "--fee": "750", "--free-escalations": "3",
             "--overflow-price": "25"}
    for key, value in zip(options[::2], options[1::2], strict=True):
        terms[key] = value
    return ("plan", "add", "gold", *(part for item in terms.items() for part in item))


# --- 1. Numbers: range-checked when the command line is read, one line, exit 2, no change.

OUT_OF_RANGE = {
    "huge fees": (("fees", "set", "Acme", "--month", "2026-03", "--amount", HUGE),
                  ("--amount", f"at most {MAX_AMOUNT}")),
    "fees above the maximum": (("fees", "set", "Acme", "--month", "2026-03", "--amount",
                                "1000000000.00"), ("at most",)),
    "thousands of digits": (("fees", "set", "Acme", "--month", "2026-03", "--amount",
                             "9" * 5000), ("at most",)),
    "NaN fees": (("fees", "set", "Acme", "--month", "2026-03", "--amount", "NaN"),
                 ("finite",)),
    "Infinity fees": (("fees", "set", "Acme", "--month", "2026-03", "--amount", "Infinity"),
                      ("finite",)),
    "-inf fees": (("fees", "set", "Acme", "--month", "2026-03", "--amount", "-inf"),
                  ("finite",)),
    "exponent fees": (("fees", "set", "Acme", "--month", "2026-03", "--amount", "1e9"),
                      ("expected a number",)),
    "negative fees": (("fees", "set", "Acme", "--month", "2026-03", "--amount", "-0.01"),
                      ("negative",)),
    "three decimals": (("fees", "set", "Acme", "--month", "2026-03", "--amount", "1.500"),
                       ("two decimals",)),
    "huge free escalations": (plan_add("--free-escalations", HUGE),
                              ("--free-escalations", f"at most {MAX_FREE_ESCALATIONS}")),
    "free escalations above the maximum": (
        plan_add("--free-escalations", str(MAX_FREE_ESCALATIONS + 1)), ("at most",)),
    "negative free escalations": (plan_add("--free-escalations", "-1"), ("negative",)),
    "fractional free escalations": (plan_add("--free-escalations", "2.5"), ("whole number",)),
    "huge plan fee": (plan_add("--fee", HUGE), ("--fee", "at most")),
    "NaN plan fee": (plan_add("--fee", "nan"), ("--fee", "finite")),
    "plan fee with three decimals": (plan_add("--fee", "750.001"), ("two decimals",)),
    "huge overflow price": (plan_add("--overflow-price", HUGE), ("--overflow-price", "at most")),
    "negative overflow price": (plan_add("--overflow-price", "-25"), ("negative",)),
    "huge priority": (plan_add("--priority", HUGE),
                      ("--priority", f"at most {MAX_QUEUE_PRIORITY}")),
    "negative priority": (plan_add("--priority", "-1"), ("--priority", "negative")),
    "huge upgrade threshold": (plan_add("--upgrade-above", HUGE, "--upgrade-to", "premium"),
                               ("--upgrade-above", "at most")),
    "huge free escalations (duplicate)": (
        ("plan", "duplicate", "growth", "gold", "--free-escalations", HUGE), ("at most",)),
    "Infinity fee (duplicate)": (("plan", "duplicate", "growth", "gold", "--fee", "Infinity"),
                                 ("finite",)),
    "over-long display name": (("plan", "duplicate", "growth", "gold", "--display-name",
                                "G" * 81), ("display name", "80")),
    "huge user id": (("user", "remove", HUGE), ("USER_ID", "at most")),
    "user id zero": (("user", "remove", "0"), ("at least 1",)),
    "huge sla duration": (("sla", "set", "growth", "1", HUGE + "d"), ("at most 30 days",)),
    "huge severity": (("sla", "set", "growth", HUGE, "1h"), ("bad severity",)),
}


@pytest.mark.parametrize("case", list(OUT_OF_RANGE), ids=list(OUT_OF_RANGE))
def test_out_of_range_numbers_are_one_line_and_change_nothing(case: str, run: Any,
                                                              run_json: Any,
                                                              tables: Any) -> None:
    add_acme(run_json)
    before = tables()
    args, expected = OUT_OF_RANGE[case]
    for json_flag in ((), ("--json",)):
        one_line_refusal(run(*args, *json_flag), *expected)
    assert tables() == before


def test_the_largest_accepted_numbers_are_stored_exactly(run_json: Any) -> None:
    add_acme(run_json)
    fees = run_json("fees", "set", "Acme", "--month", "2026-03", "--amount", str(MAX_AMOUNT))
    assert fees["amount"] == str(MAX_AMOUNT)
    assert run_json("fees", "list", "Acme")["fees"][0]["amount"] == "999999999.99"
    big = run_json(*plan_add("--fee", str(MAX_AMOUNT), "--free-escalations",
                             str(MAX_FREE_ESCALATIONS), "--priority", str(MAX_QUEUE_PRIORITY),
                             "--overflow-price", "0"))
    assert (big["prices"]["monthly"], big["free_escalations"], big["queue_priority"],
            big["overflow_price"]) == ({"EUR": "999999999.99", "USD": "999999999.99"},
                                       MAX_FREE_ESCALATIONS, MAX_QUEUE_PRIORITY, "0.00")
    listed = {p["name"]: p for p in run_json("plan", "list")["plans"]}
    assert listed["gold"]["free_escalations"] == MAX_FREE_ESCALATIONS


def test_zero_is_accepted_where_it_means_something(run_json: Any) -> None:
    add_acme(run_json)
    assert run_json("fees", "set", "Acme", "--month", "2026-03", "--amount", "0")["amount"] \
        == "0.00"
    free = run_json(*plan_add("--fee", "0", "--free-escalations", "0", "--priority", "0"))
    assert (free["prices"]["monthly"]["USD"], free["free_escalations"],
            free["queue_priority"]) == ("0.00", 0, 0)


def test_services_refuse_what_the_columns_cannot_hold(sessions: sessionmaker[Session]) -> None:
    now = datetime(2026, 3, 10, tzinfo=UTC)
    base: dict[str, Any] = dict(display_name="Gold", fee=Decimal("750"), free_escalations=3,
                                overflow_price=Decimal("25"), now=now)
    with transaction(sessions) as session:
        org = orgs.create_org(session, name="Acme", plan_name="growth", currency="EUR",
                              billing_model="partner-paid", now=now, tz=ZoneInfo("UTC"))
        with pytest.raises(Invalid, match="at most"):
            orgs.set_license_fees(session, org, BillingMonth(2026, 3), Decimal(HUGE), now=now,
                                  tz=UTC)
        for change in ({"fee": Decimal(HUGE)}, {"free_escalations": 2**40},
                       {"queue_priority": -1}, {"queue_priority": 2**40},
                       {"fee": Decimal("NaN")}, {"overflow_price": Decimal("Infinity")}):
            with pytest.raises(Invalid, match="invalid plan 'gold'"):
                plans.add_plan(session, name="gold", **{**base, **change})


# --- 2. --json on every command that prints a result; money as decimal strings.

LONG_RUNNING = {("run",), ("scheduler",)}  # they serve until stopped and print no result


def leaf_commands(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[
        tuple[tuple[str, ...], click.Command]]:
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None
        if isinstance(command, click.Group):
            yield from leaf_commands(command, (*path, name))
        else:
            yield (*path, name), command


def test_every_command_that_prints_a_result_has_json() -> None:
    commands = dict(leaf_commands(cli))
    assert ("summary",) in commands and ("parked", "drop") in commands
    missing = [" ".join(path) for path, command in commands.items()
               if path not in LONG_RUNNING
               and not any("--json" in p.opts for p in command.params)]
    assert missing == []


def test_summary_json_flag_is_the_json_format(run: Any, run_json: Any) -> None:
    add_acme(run_json)
    doc = run_json("summary", "--month", "2026-03")
    assert doc["month"] == "2026-03"
    assert [o["org"] for o in doc["organizations"]] == ["Acme"]
    assert all(isinstance(t["total"]["amount"], str) for t in doc["totals"].values())
    same = json.loads(run("summary", "--month", "2026-03", "--format", "JSON").stdout)
    assert same == doc
    one_line_refusal(run("summary", "--month", "2026-03", "--format", "csv", "--json"),
                     "choose one of --json and --format csv")


def test_close_month_json_gives_money_as_decimal_strings(desk: DeskContext,
                                                         run_json: Any) -> None:
    assert isinstance(desk.clock, FixedClock)
    desk.clock.set(datetime(2026, 2, 10, 9, 0, tzinfo=UTC))
    add_acme(run_json)
    desk.clock.set(datetime(2026, 3, 10, 9, 0, tzinfo=UTC))
    closed = run_json("close-month", "2026-02")
    assert closed["fees"] == {"EUR": "500.00"} and closed["fees_cents"] == {"EUR": 50000}
    assert closed["charges"] == {"EUR": "0.00"} or closed["charges"] == {}


# --- 3. A PNG is never written to a terminal.

def test_png_summary_refuses_a_terminal(tmp_path: Path) -> None:
    """The real entry point with its stdout on a pseudo-terminal: one line, exit 2, no bytes."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'desk.db'}",
           "BILLING_TIMEZONE": "UTC"}
    controller, terminal = pty.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-c", "from bot.cli import main; main()", "summary", "--format",
             "png"], stdout=terminal, stderr=subprocess.PIPE, env=env, cwd=tmp_path,
            check=False)
    finally:
        os.close(terminal)
    written = b""
    try:
        while chunk := os.read(controller, 4096):
            written += chunk
    except OSError:  # EIO: the terminal side is closed and everything was read
        pass
    finally:
        os.close(controller)
    assert done.returncode == 2
    lines = done.stderr.decode().splitlines()
    assert len(lines) == 1 and "refusing to write a PNG image to the terminal" in lines[0]
    assert written == b""


def test_png_summary_goes_to_a_pipe_or_a_file(run: Any, run_json: Any, tmp_path: Path) -> None:
    add_acme(run_json)
    piped = run("summary", "--month", "2026-03", "--format", "png")
    assert piped.exit_code == 0 and piped.stdout_bytes[:4] == b"\x89PNG"
    target = tmp_path / "chart.png"
    saved = run("summary", "--format", "png", "--output", str(target))
    assert saved.exit_code == 0 and target.read_bytes()[:4] == b"\x89PNG"
    assert saved.stdout == ""


# --- 4. Month defaults: one rule per kind of command, always said.

@pytest.mark.parametrize(("instant", "zone", "expected"), [
    (datetime(2026, 3, 10, 9, 0, tzinfo=UTC), "UTC", ("2026-03", "2026-02", "2026-04")),
    # 2026-03-31 22:30 UTC is already April in Berlin.
    (datetime(2026, 3, 31, 22, 30, tzinfo=UTC), "Europe/Berlin",
     ("2026-04", "2026-03", "2026-05")),
    (datetime(2026, 1, 1, 0, 0, tzinfo=UTC), "UTC", ("2026-01", "2025-12", "2026-02")),
])
def test_choose_month_rules(instant: datetime, zone: str, expected: tuple[str, ...]) -> None:
    tz = ZoneInfo(zone)
    picked = tuple(str(choose_month(None, rule, instant, tz))  # type: ignore[arg-type]
                   for rule in ("current", "last closed", "next"))
    assert picked == expected
    given = choose_month(BillingMonth(2025, 7), "current", instant, tz)
    assert (str(given), given.rule) == ("2025-07", None)


def close_february(desk: DeskContext, run_json: Any) -> None:
    """Acme onboarded in February, February closed, the clock back at 2026-03-10."""
    assert isinstance(desk.clock, FixedClock)
    desk.clock.set(datetime(2026, 2, 10, 9, 0, tzinfo=UTC))
    add_acme(run_json)
    desk.clock.set(datetime(2026, 3, 10, 9, 0, tzinfo=UTC))
    run_json("close-month", "2026-02")


DEFAULTS = [
    (("escalations", "--org", "Acme"), "current", "2026-03"),
    (("org", "show", "Acme"), "current", "2026-03"),
    (("org", "list"), "current", "2026-03"),
    (("invoice", "--org", "Acme"), "last closed", "2026-02"),
    (("summary",), "last closed", "2026-02"),
    (("sla", "report"), "last closed", "2026-02"),
]


@pytest.mark.parametrize(("args", "rule", "month"), DEFAULTS,
                         ids=[" ".join(d[0]) for d in DEFAULTS])
def test_month_defaults_are_said(args: tuple[str, ...], rule: str, month: str, desk: DeskContext,
                                 run: Any, run_json: Any) -> None:
    close_february(desk, run_json)
    doc = run_json(*args)
    assert doc["month"] == month
    text = run(*args)
    assert text.exit_code == 0, text.stderr
    assert text.stderr == (f"({month}: the {rule} month in the billing time zone; "
                           f"--month YYYY-MM for another)\n")
    given = run(*args, "--month", "2026-02")
    assert given.exit_code == 0 and given.stderr == ""


def test_a_refusal_about_a_default_month_says_it_was_the_default(desk: DeskContext, run: Any,
                                                                run_json: Any) -> None:
    add_acme(run_json)  # onboarded in 2026-03: it had no plan in February (issue #13)
    one_line_refusal(run("invoice", "--org", "Acme"), "Acme had no plan in 2026-02 "
                     "(onboarded 2026-03)", "the last closed month by default")
    assert isinstance(desk.clock, FixedClock)
    desk.clock.set(datetime(2026, 2, 10, 9, 0, tzinfo=UTC))
    add_acme(run_json, "Early")
    desk.clock.set(datetime(2026, 3, 10, 9, 0, tzinfo=UTC))
    one_line_refusal(run("invoice", "--org", "Early"), "2026-02 is not closed for Early",
                     "the last closed month by default", "close-month 2026-02")


def test_plan_assign_defaults_to_the_next_month_and_says_so(run: Any, run_json: Any) -> None:
    add_acme(run_json)
    assert run_json("plan", "assign", "Acme", "premium")["effective_month"] == "2026-04"
    said = run("plan", "assign", "Acme", "growth")
    assert said.exit_code == 0
    assert said.stderr.startswith("(2026-04: the start of Acme's next billing cycle;")


def test_defaults_follow_the_billing_time_zone(desk: DeskContext, run_json: Any) -> None:
    assert isinstance(desk.clock, FixedClock)
    desk.clock.set(datetime(2026, 3, 31, 22, 30, tzinfo=UTC))
    desk.billing_tz = ZoneInfo("Europe/Berlin")
    add_acme(run_json)
    assert run_json("escalations", "--org", "Acme")["month"] == "2026-04"
    assert run_json("summary")["month"] == "2026-03"
    assert run_json("sla", "report")["month"] == "2026-03"


# --- 5. Chat ids in the channel's own form.

@pytest.mark.parametrize(("channel", "external_id"), [
    ("telegram", "abc"), ("telegram", "12a"), ("telegram", "-5"), ("telegram", "0"),
    ("telegram", "+5"), ("telegram", HUGE), ("telegram", str(2**52)), ("slack", "abc"),
    ("slack", "12345"), ("slack", "U-1"), ("slack", "X0123ABC"),
])
def test_user_ids_in_the_wrong_form_are_refused(channel: str, external_id: str, run: Any,
                                                tables: Any) -> None:
    before = tables()
    one_line_refusal(run("user", "add", "--channel", channel, "--id", external_id, "--role",
                         "agent"), f"invalid {channel} user id")
    assert tables() == before


def test_user_ids_in_the_channel_form_are_accepted(run_json: Any) -> None:
    biggest = str(2**52 - 1)
    assert run_json("user", "add", "--channel", "Telegram", "--id", biggest, "--role",
                    "agent")["identities"] == [{"channel": "telegram", "id": biggest}]
    assert run_json("user", "add", "--channel", "slack", "--id", "w0123abc", "--role",
                    "agent")["identities"] == [{"channel": "slack", "id": "W0123ABC"}]
    assert run_json("user", "add", "--channel", "console", "--id", "pat", "--role",
                    "agent")["identities"] == [{"channel": "console", "id": "pat"}]


# --- 6. Names in any case, everywhere; ambiguous ones listed.

def test_names_match_in_any_case_everywhere(desk: DeskContext, run: Any,
                                            run_json: Any) -> None:
    close_february(desk, run_json)
    assert run_json("invoice", "--org", "acme", "--month", "2026-02")["organization"] == "Acme"
    assert run_json("escalations", "--org", "ACME")["organization"] == "Acme"
    assert run_json("org", "show", "aCmE")["name"] == "Acme"
    assert run_json("fees", "set", "ACME", "--month", "2026-03", "--amount", "5")[
        "organization"] == "Acme"
    assert run_json("fees", "list", "acme")["organization"] == "Acme"
    assert run_json("org", "partner-id", "add", "acme", "P-1")["organization"] == "Acme"
    assert run_json("org", "partner-id", "list", "ACME")["partner_ids"] == ["P-1"]
    assert run_json("plan", "assign", "acme", "PREMIUM")["plan"] == "premium"
    assert run_json("user", "add", "--channel", "telegram", "--id", "42", "--role", "partner",
                    "--org", "acme")["organization"] == "Acme"
    assert len(run_json("user", "list", "--org", "ACME")["users"]) == 1
    assert run_json("plan", "duplicate", "Growth", "growth-2", "--tam", "Dedicated", "--beta",
                    "INVITED")["tam"] == "dedicated"
    assert run_json("sla", "set", "PREMIUM", "1", "20m")["plan"] == "premium"
    assert run("invoice", "--org", "  acme  ", "--month", "2026-02").exit_code == 0


def test_names_outside_ascii_match_in_any_case(run_json: Any) -> None:
    add_acme(run_json, "Ärzte Nord")
    assert run_json("org", "show", "ÄRZTE NORD")["name"] == "Ärzte Nord"
    assert run_json("escalations", "--org", "ärzte nord")["organization"] == "Ärzte Nord"


def add_raw_org(sessions: sessionmaker[Session], name: str) -> None:
    """An organization written straight to the table, as older data or a race may have left."""
    with transaction(sessions) as session:
        session.add(Organization(name=name, currency="EUR", billing_model="partner-paid",
                                 created_at=datetime(2026, 3, 1, tzinfo=UTC)))


def test_an_ambiguous_name_is_refused_with_the_candidates(run: Any, run_json: Any,
                                                          sessions: sessionmaker[Session]
                                                          ) -> None:
    add_acme(run_json)
    add_raw_org(sessions, "ACME")
    for args in (("org", "show", "acme"), ("escalations", "--org", "acme"),
                 ("invoice", "--org", "aCme", "--month", "2026-02"),
                 ("fees", "set", "acme", "--month", "2026-03", "--amount", "1")):
        one_line_refusal(run(*args), "is ambiguous", "'ACME'", "'Acme'")
    # The exact name still says which one is meant.
    assert run_json("org", "show", "ACME")["name"] == "ACME"
    assert run_json("org", "show", "Acme")["name"] == "Acme"
    with transaction(sessions) as session:
        with pytest.raises(Ambiguous, match="'ACME', 'Acme'"):
            orgs.get_org(session, "acme")
        assert [o.name for o in orgs.orgs_named(session, "acme")] == ["ACME", "Acme"]
