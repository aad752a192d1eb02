"""The admin command line end to end, on SQLite and PostgreSQL, with a fixed clock."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from desk.clock import FixedClock
from desk.context import DeskContext
from store.models import AuditEntry, Identity, User

# The test clock stands at 2026-03-10 09:00 UTC: the current billing month is 2026-03.


def add_acme(run_json: Any, **extra: str) -> dict[str, Any]:
    args = ["org", "add", "Acme", "--currency", "EUR", "--billing-model", "partner-paid"]
    for key, value in extra.items():
        args += [f"--{key}", value]
    return run_json(*args)


def test_org_add_and_show_json(run_json: Any) -> None:
    doc = add_acme(run_json)
    assert doc["name"] == "Acme" and doc["month"] == "2026-03"
    assert doc["plan"]["name"] == "growth"
    shown = run_json("org", "show", "Acme", "--month", "2026-03")
    assert shown["plan"]["name"] == "growth"
    assert shown["allowance"] == 2 and shown["plan"]["allowance"] == 2
    assert shown["fee"] == "500.00" and shown["plan"]["currency"] == "EUR"
    assert shown["currency"] == "EUR" and shown["billing_model"] == "partner-paid"
    assert shown["partner_ids"] == [] and shown["license_fees"] is None
    # Before onboarding there is no plan in force.
    assert run_json("org", "show", "Acme", "--month", "2026-02")["plan"] is None


def test_org_show_reports_the_plan_in_force_each_month(run_json: Any) -> None:
    add_acme(run_json)
    run_json("org", "add", "Beta", "--currency", "USD", "--billing-model", "direct-paid",
             "--plan", "premium")
    assigned = run_json("plan", "assign", "Acme", "premium")
    assert assigned["effective_month"] == "2026-04"  # the next month by default
    assert assigned["previous_plan"] == "growth"
    run_json("plan", "assign", "Acme", "growth", "--month", "2026-07")
    plans_by_month = {m: run_json("org", "show", "Acme", "--month", m)["plan"]["name"]
                      for m in ("2026-03", "2026-04", "2026-06", "2026-07", "2027-01")}
    assert plans_by_month == {"2026-03": "growth", "2026-04": "premium", "2026-06": "premium",
                              "2026-07": "growth", "2027-01": "growth"}
    april = run_json("org", "show", "acme", "--month", "2026-04")
    assert (april["allowance"], april["fee"]) == (5, "1000.00")
    beta = run_json("org", "show", "Beta")
    assert (beta["plan"]["name"], beta["plan"]["currency"]) == ("premium", "USD")
    listing = run_json("org", "list")
    assert [o["name"] for o in listing["organizations"]] == ["Acme", "Beta"]


def test_same_month_assignment_is_replaced(run_json: Any, tables: Any) -> None:
    add_acme(run_json)
    run_json("plan", "assign", "Acme", "premium", "--month", "2026-05")
    run_json("plan", "assign", "Acme", "growth", "--month", "2026-05")
    rows = [r for r in tables()["plan_assignments"] if r[3] == "2026-05"]
    assert len(rows) == 1
    assert run_json("org", "show", "Acme", "--month", "2026-05")["plan"]["name"] == "growth"


def test_partner_ids(run_json: Any) -> None:
    add_acme(run_json)
    run_json("org", "partner-id", "add", "Acme", "P-100")
    doc = run_json("org", "partner-id", "add", "Acme", "P-200")
    assert doc["partner_ids"] == ["P-100", "P-200"]
    assert run_json("org", "show", "Acme")["partner_ids"] == ["P-100", "P-200"]
    assert run_json("org", "partner-id", "list", "Acme")["partner_ids"] == ["P-100", "P-200"]


def test_plan_lifecycle(run_json: Any, run: Any) -> None:
    names = [p["name"] for p in run_json("plan", "list")["plans"]]
    assert names == ["growth", "premium"]
    gold = run_json("plan", "add", "gold", "--display-name", "Gold", "--fee", "750",
                    "--free-escalations", "3", "--overflow-price", "20.50", "--tam", "dedicated",
                    "--priority", "1", "--beta", "invited")
    assert (gold["prices"], gold["free_escalations"], gold["overflow_price"]) == \
        ({"monthly": {"EUR": "750.00", "USD": "750.00"}}, 3, "20.50")
    copy = run_json("plan", "duplicate", "gold", "gold-plus", "--free-escalations", "6",
                    "--display-name", "Gold Plus")
    assert (copy["free_escalations"], copy["prices"]["monthly"]["EUR"], copy["tam"]) == \
        (6, "750.00", "dedicated")
    assert copy["hidden"] and copy["enabled"]  # a copy is hidden until shown
    hidden = run_json("plan", "hide", "gold-plus")
    assert hidden["hidden"] and not hidden["archived"]
    add_acme(run_json)
    # A hidden plan is still assignable by an admin.
    assert run_json("plan", "assign", "Acme", "gold-plus")["plan"] == "gold-plus"
    archived = run_json("plan", "archive", "gold")
    assert archived["archived"]
    result = run("plan", "assign", "Acme", "gold")
    assert result.exit_code != 0 and "archived" in result.stderr
    # Organizations on an archived plan keep it.
    run_json("plan", "assign", "Acme", "gold-plus", "--month", "2026-06")
    run_json("plan", "archive", "gold-plus")
    assert run_json("org", "show", "Acme", "--month", "2026-07")["plan"]["name"] == "gold-plus"
    listed = run_json("plan", "list", "--all")["plans"]
    statuses = {p["name"]: (p["hidden"], p["archived"]) for p in listed}
    assert statuses["gold"] == (True, True) and statuses["growth"] == (False, False)
    # By default the list leaves archived plans out.
    assert "gold" not in [p["name"] for p in run_json("plan", "list")["plans"]]
    assert run_json("plan", "hide", "gold-plus", "--unhide")["hidden"] is False


def test_users(run_json: Any, run: Any, sessions: Any) -> None:
    add_acme(run_json)
    ana = run_json("user", "add", "--channel", "telegram", "--id", "1001", "--role", "partner",
                   "--org", "Acme", "--name", "Ana Souza", "--language", "pt-br")
    assert (ana["role"], ana["organization"], ana["language"]) == ("partner", "Acme", "pt-BR")
    tam = run_json("user", "add", "--channel", "slack", "--id", "U0TAM", "--role", "tam",
                   "--org", "Acme")
    assert tam["organization"] == "Acme" and tam["name"] == "slack:U0TAM"
    run_json("user", "add", "--channel", "slack", "--id", "U0AGENT", "--role", "agent")
    listed = run_json("user", "list")["users"]
    assert [u["role"] for u in listed] == ["partner", "tam", "agent"]
    assert [u["id"] for u in run_json("user", "list", "--role", "tam")["users"]] == [tam["id"]]
    assert len(run_json("user", "list", "--org", "Acme")["users"]) == 2
    removed = run_json("user", "remove", "--channel", "telegram", "--id", "1001")
    assert removed["id"] == ana["id"] and removed["removed_at"]
    assert ana["id"] not in [u["id"] for u in run_json("user", "list")["users"]]
    assert ana["id"] in [u["id"] for u in run_json("user", "list", "--all")["users"]]
    # The chat id is free again.
    again = run_json("user", "add", "--channel", "telegram", "--id", "1001", "--role", "manager")
    assert again["id"] != ana["id"]
    run_json("user", "remove", str(tam["id"]))
    with sessions() as session:
        identities = session.scalars(select(Identity.external_id)).all()
        assert sorted(identities) == ["1001", "U0AGENT"]
        assert session.get(User, ana["id"]).removed_at is not None


def test_every_change_is_audited(run_json: Any, sessions: Any) -> None:
    add_acme(run_json)
    run_json("fees", "set", "Acme", "--month", "2026-03", "--amount", "10")
    run_json("plan", "assign", "Acme", "premium")
    run_json("org", "partner-id", "add", "Acme", "P-9")
    run_json("user", "add", "--channel", "slack", "--id", "U1", "--role", "admin")
    run_json("user", "remove", "--channel", "slack", "--id", "U1")
    run_json("plan", "duplicate", "growth", "growth-2")
    run_json("plan", "unhide", "growth-2")  # a copy starts hidden
    run_json("plan", "archive", "growth-2")
    with sessions() as session:
        entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    actions = [e.action for e in entries]
    assert actions == ["org.add", "plan.assign", "fees.set", "plan.assign",
                       "org.partner_id.add", "user.add", "user.remove", "plan.duplicate",
                       "plan.unhide", "plan.archive"]
    assert all(e.actor.startswith("cli") for e in entries)
    assert entries[0].at == datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    assert entries[2].details["amount_cents"] == 1000


def test_billing_time_zone_decides_current_and_next_month(desk: DeskContext,
                                                          run_json: Any) -> None:
    # 2026-03-31 22:30 UTC is already April 1st in Berlin.
    assert isinstance(desk.clock, FixedClock)
    desk.clock.set(datetime(2026, 3, 31, 22, 30, tzinfo=UTC))
    desk.billing_tz = ZoneInfo("Europe/Berlin")
    assert add_acme(run_json)["month"] == "2026-04"
    assert run_json("plan", "assign", "Acme", "premium")["effective_month"] == "2026-05"
    assert run_json("org", "show", "Acme")["month"] == "2026-04"


def test_readable_default_output(run: Any, run_json: Any) -> None:
    result = run("org", "add", "Acme", "--currency", "EUR", "--billing-model", "partner-paid")
    assert result.exit_code == 0
    assert result.stdout.strip() == \
        "added organization Acme (id 1): Growth from 2026-03, EUR, partner-paid"
    listing = run("plan", "list").stdout.splitlines()
    assert listing[0].split()[:3] == ["name", "display", "name"]
    assert listing[2].startswith("growth") and "500.00" in listing[2]
    shown = run("org", "show", "Acme").stdout
    assert "plan in 2026-03: Growth (growth), fee 500.00 EUR, 2 free escalations" in shown
    assert run("user", "list").stdout.strip() == "no users"


COMMANDS_WITH_HELP = [
    ("org",), ("org", "add"), ("org", "list"), ("org", "show"), ("org", "partner-id"),
    ("org", "partner-id", "add"), ("org", "partner-id", "list"), ("fees",), ("fees", "set"),
    ("fees", "list"), ("plan",), ("plan", "list"), ("plan", "add"), ("plan", "duplicate"),
    ("plan", "hide"), ("plan", "archive"), ("plan", "assign"), ("user",), ("user", "add"),
    ("user", "list"), ("user", "remove"),
]


@pytest.mark.parametrize("command", COMMANDS_WITH_HELP, ids=" ".join)
def test_help(command: tuple[str, ...]) -> None:
    from click.testing import CliRunner

    from bot.cli import cli

    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: ")
    if len(command) > 1 and command[-1] not in ("partner-id",):
        assert "--json" in result.stdout


BAD_INPUT = {
    "unknown organization (show)": (("org", "show", "Nobody"), "unknown organization"),
    "unknown organization (fees)": (("fees", "set", "Nobody", "--month", "2026-03",
                                     "--amount", "1"), "unknown organization"),
    "unknown organization (assign)": (("plan", "assign", "Nobody", "premium"),
                                      "unknown organization"),
    "unknown organization (user)": (("user", "add", "--channel", "slack", "--id", "U9",
                                     "--role", "partner", "--org", "Nobody"),
                                    "unknown organization"),
    "unknown plan (org add)": (("org", "add", "Beta", "--currency", "EUR", "--billing-model",
                                "partner-paid", "--plan", "gold"), "unknown plan"),
    "unknown plan (assign)": (("plan", "assign", "Acme", "gold"), "unknown plan"),
    "unknown plan (archive)": (("plan", "archive", "gold"), "unknown plan"),
    "bad currency": (("org", "add", "Beta", "--currency", "GBP", "--billing-model",
                      "partner-paid"), "unknown currency"),
    "missing currency": (("org", "add", "Beta", "--billing-model", "partner-paid"),
                         "missing --currency"),
    "bad billing model": (("org", "add", "Beta", "--currency", "EUR", "--billing-model",
                           "free"), "unknown billing model"),
    "negative fees": (("fees", "set", "Acme", "--month", "2026-03", "--amount", "-5"),
                      "negative"),
    "non-numeric fees": (("fees", "set", "Acme", "--month", "2026-03", "--amount", "lots"),
                         "expected a number"),
    "fees with three decimals": (("fees", "set", "Acme", "--month", "2026-03", "--amount",
                                  "1.005"), "two decimals"),
    "malformed month (fees)": (("fees", "set", "Acme", "--month", "March", "--amount", "5"),
                               "malformed month"),
    "malformed month (show)": (("org", "show", "Acme", "--month", "2026-13"),
                               "malformed month"),
    "malformed month (assign)": (("plan", "assign", "Acme", "premium", "--month", "26-4"),
                                 "malformed month"),
    "month already begun": (("plan", "assign", "Acme", "premium", "--month", "2026-03"),
                            "can no longer change"),
    "duplicate organization": (("org", "add", "acme", "--currency", "EUR", "--billing-model",
                                "partner-paid"), "already exists"),
    "duplicate identity": (("user", "add", "--channel", "telegram", "--id", "42", "--role",
                            "agent"), "already belongs"),
    "duplicate partner id": (("org", "partner-id", "add", "Acme", "P-1"), "already belongs"),
    "duplicate plan": (("plan", "add", "growth", "--display-name", "G", "--fee", "1",
                        "--free-escalations", "1", "--overflow-price", "1"), "already exists"),
    "bad plan fee": (("plan", "add", "gold", "--display-name", "G", "--fee", "-1",
                      "--free-escalations", "1", "--overflow-price", "1"), "negative"),
    "bad free escalations": (("plan", "add", "gold", "--display-name", "G", "--fee", "1",
                              "--free-escalations", "many", "--overflow-price", "1"),
                             "whole number"),
    "bad tam kind": (("plan", "duplicate", "growth", "gold", "--tam", "shared"), "TAM kind"),
    "archive an upgrade target": (("plan", "archive", "premium"), "upgrade target"),
    "partner without org": (("user", "add", "--channel", "slack", "--id", "U9", "--role",
                             "partner"), "needs an organization"),
    "agent with org": (("user", "add", "--channel", "slack", "--id", "U9", "--role", "agent",
                        "--org", "Acme"), "does not belong"),
    "bad role": (("user", "add", "--channel", "slack", "--id", "U9", "--role", "boss"),
                 "unknown role"),
    "bad channel": (("user", "add", "--channel", "irc", "--id", "U9", "--role", "agent"),
                    "unknown channel"),
    "bad language": (("user", "add", "--channel", "slack", "--id", "U9", "--role", "agent",
                      "--language", "klingon"), "unknown language"),
    "unknown user": (("user", "remove", "999"), "unknown user"),
    "unknown identity": (("user", "remove", "--channel", "slack", "--id", "U404"), "no user"),
    "remove without target": (("user", "remove",), "either USER_ID"),
    "missing argument": (("org", "show"), "Missing argument 'NAME'"),
    "unknown option": (("org", "list", "--colour"), "No such option"),
    "unknown subcommand": (("plan", "frobnicate"), "No such command"),
}


@pytest.mark.parametrize("case", list(BAD_INPUT), ids=list(BAD_INPUT))
def test_bad_input_is_one_line_and_changes_nothing(case: str, run: Any, run_json: Any,
                                                   tables: Any) -> None:
    add_acme(run_json)
    run_json("org", "partner-id", "add", "Acme", "P-1")
    run_json("user", "add", "--channel", "telegram", "--id", "42", "--role", "partner",
             "--org", "Acme")
    before = tables()
    args, expected = BAD_INPUT[case]
    for json_flag in ((), ("--json",)):
        result = run(*args, *json_flag)
        assert result.exit_code == 2
        lines = result.stderr.splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith("supportdesk: ") and expected in lines[0]
        assert result.stdout == ""
    assert tables() == before


def test_commands_use_the_configured_database(db_url: str, monkeypatch: pytest.MonkeyPatch,
                                              tmp_path: Any) -> None:
    """Without an injected desk the CLI builds one from DATABASE_URL (migrating it)."""
    from click.testing import CliRunner

    from bot.cli import cli

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("BILLING_TIMEZONE", "UTC")
    runner = CliRunner()
    added = runner.invoke(cli, ["org", "add", "Zeta", "--currency", "USD", "--billing-model",
                                "direct-paid", "--json"])
    assert added.exit_code == 0, added.stderr
    listed = runner.invoke(cli, ["org", "list", "--json"])
    assert [o["name"] for o in json.loads(listed.stdout)["organizations"]] == ["Zeta"]
    monkeypatch.setenv("BILLING_TIMEZONE", "Mars/Olympus")
    broken = runner.invoke(cli, ["org", "list"])
    assert broken.exit_code == 2
    assert len(broken.stderr.splitlines()) == 1 and "BILLING_TIMEZONE" in broken.stderr
