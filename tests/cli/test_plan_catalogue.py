"""The plan catalogue from the command line (seed 002, issue #13): types, status, prices per
cycle and currency, GST, limits, search, edit and the audit trail; SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from store.models import AuditEntry

# The test clock stands at 2026-03-10 09:00 UTC: the current billing month is 2026-03.

GOLD = ("plan", "add", "gold", "--display-name", "Gold", "--free-escalations", "3",
        "--overflow-price", "20")


def add_acme(run_json: Any, *extra: str) -> dict[str, Any]:
    return run_json("org", "add", "Acme", "--currency", "EUR", "--billing-model",
                    "direct-paid", *extra)


def test_add_takes_every_term_and_show_gives_it_back(run: Any, run_json: Any) -> None:
    run_json("plan", "edit", "premium", "--price", "quarterly:2800", "--price", "yearly:10000")
    added = run_json(*GOLD, "--type", "revenue-sharing", "--share", "12.5",
                     "--price", "monthly:500", "--price", "quarterly:EUR:1400",
                     "--cycle", "yearly", "--price-eur", "5000", "--price-usd", "5200.50",
                     "--gst", "18", "--messages", "10000", "--conversations", "none",
                     "--team-members", "3", "--tam", "dedicated", "--priority", "2",
                     "--beta", "invited", "--upgrade-above", "900", "--upgrade-to", "premium",
                     "--price", "quarterly:USD:1500")
    shown = run_json("plan", "show", "gold")
    assert shown == {**added, "organizations_ever_assigned": 0}
    assert (shown["type"], shown["revenue_share"], shown["gst"]) == \
        ("revenue-sharing", "12.5", "18")
    assert shown["prices"] == {
        "monthly": {"EUR": "500.00", "USD": "500.00"},
        "quarterly": {"EUR": "1400.00", "USD": "1500.00"},
        "yearly": {"EUR": "5000.00", "USD": "5200.50"},
    }
    assert shown["cycles"] == ["monthly", "quarterly", "yearly"]
    assert shown["limits"] == {"messages": 10000, "conversations": None, "team_members": 3}
    assert (shown["free_escalations"], shown["overflow_price"], shown["tam"],
            shown["queue_priority"], shown["beta_access"]) == (3, "20.00", "dedicated", 2,
                                                               "invited")
    assert (shown["auto_upgrade_above"], shown["auto_upgrade_to"]) == ("900.00", "premium")
    assert (shown["enabled"], shown["hidden"], shown["archived"], shown["status"]) == \
        (True, False, False, "active")
    text = run("plan", "show", "gold").stdout
    for line in ("gold (Gold)", "type:           revenue-sharing 12.5%",
                 "prices:         monthly 500.00 EUR, 500.00 USD; quarterly 1400.00 EUR, "
                 "1500.00 USD; yearly 5000.00 EUR, 5200.50 USD",
                 "GST:            18%", "limits:         messages 10000, conversations none, "
                 "team members 3", "auto-upgrade:   to premium when monthly license fees are "
                 "above 900.00"):
        assert line in text, text


def test_growth_and_premium_keep_their_numbers(run_json: Any) -> None:
    listed = {p["name"]: p for p in run_json("plan", "list")["plans"]}
    assert listed["growth"]["prices"] == {"monthly": {"EUR": "500.00", "USD": "500.00"}}
    assert listed["premium"]["prices"] == {"monthly": {"EUR": "1000.00", "USD": "1000.00"}}
    for plan in listed.values():
        assert plan["gst"] is None and plan["type"] == "usage-based"
        assert plan["limits"] == {"messages": None, "conversations": None, "team_members": None}


def test_list_search_and_all(run_json: Any) -> None:
    run_json(*GOLD, "--fee", "750")
    run_json(*GOLD[:2], "silver", *GOLD[3:], "--display-name", "Premium Lite", "--fee", "300")
    names = lambda *a: [p["name"] for p in run_json("plan", "list", *a)["plans"]]  # noqa: E731
    assert names() == ["silver", "growth", "gold", "premium"]  # cheapest first
    assert names("--search", "PREM") == ["silver", "premium"]  # name or display name, any case
    assert names("--search", "lite") == ["silver"]
    assert names("--search", "nothing") == []
    run_json("plan", "disable", "silver")
    run_json("plan", "archive", "gold")
    assert names() == ["growth", "premium"]  # enabled and not archived
    assert names("--all") == ["silver", "growth", "gold", "premium"]
    assert names("--all", "--search", "prem") == ["silver", "premium"]


def test_status_commands_and_duplicate(run: Any, run_json: Any) -> None:
    run_json(*GOLD, "--fee", "750", "--gst", "10", "--team-members", "5")
    copy = run_json("plan", "duplicate", "gold", "gold-b", "--gst", "off", "--team-members",
                    "none", "--price", "yearly:7000")
    assert (copy["hidden"], copy["enabled"], copy["status"]) == (True, True, "hidden")
    assert (copy["gst"], copy["limits"]["team_members"], copy["display_name"]) == \
        (None, None, "Gold (gold-b)")
    assert copy["prices"]["yearly"] == {"EUR": "7000.00", "USD": "7000.00"}
    assert run_json("plan", "show", "gold")["gst"] == "10"  # the source is unchanged
    assert run_json("plan", "unhide", "gold-b")["hidden"] is False
    assert run_json("plan", "hide", "gold-b")["hidden"] is True
    assert run_json("plan", "hide", "gold-b", "--unhide")["status"] == "active"
    assert run_json("plan", "disable", "gold-b")["status"] == "disabled"
    assert run_json("plan", "enable", "gold-b")["enabled"] is True
    archived = run_json("plan", "archive", "gold-b")
    assert (archived["archived"], archived["hidden"], archived["status"]) == \
        (True, True, "archived")
    text = run("plan", "disable", "gold")
    assert text.stdout.startswith("plan gold (Gold) disabled: usage-based; monthly 750.00 EUR")


def test_edit_merges_prices_and_records_before_and_after(run: Any, run_json: Any,
                                                         sessions: Any) -> None:
    run_json(*GOLD, "--fee", "750", "--gst", "18", "--team-members", "3", "--type",
             "revenue-sharing", "--share", "10")
    edited = run_json("plan", "edit", "gold", "--price", "quarterly:2000", "--price",
                      "monthly:USD:800", "--gst", "off", "--team-members", "none",
                      "--type", "usage-based", "--free-escalations", "4")
    assert edited["prices"] == {"monthly": {"EUR": "750.00", "USD": "800.00"},
                                "quarterly": {"EUR": "2000.00", "USD": "2000.00"}}
    assert (edited["gst"], edited["limits"]["team_members"], edited["type"],
            edited["revenue_share"], edited["free_escalations"]) == \
        (None, None, "usage-based", None, 4)
    assert edited["changed"]["before"]["gst"] == "18"
    assert edited["changed"]["after"]["free_escalations"] == 4
    removed = run_json("plan", "edit", "gold", "--price", "quarterly:USD:none")
    assert removed["prices"]["quarterly"] == {"EUR": "2000.00"}
    same = run("plan", "edit", "gold", "--free-escalations", "4")
    assert same.exit_code == 0 and same.stdout.startswith("plan gold unchanged")
    text = run("plan", "edit", "gold", "--gst", "7.5", "--messages", "100")
    assert text.stdout.strip() == ("plan gold (Gold) edited: gst none -> 7.5%; limits messages "
                                   "none, conversations none, team members none -> messages "
                                   "100, conversations none, team members none")
    with sessions() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "plan.edit")
                                  .order_by(AuditEntry.id)).all()
    assert len(entries) == 3  # the unchanged edit wrote nothing
    first = entries[0].details
    assert first["name"] == "gold"
    assert first["before"]["prices"] == {"monthly": {"EUR": "750.00", "USD": "750.00"}}
    assert first["after"]["limits"]["team_members"] is None
    assert first["before"]["revenue_share"] == "10" and first["after"]["revenue_share"] is None


def test_every_catalogue_change_is_audited(run_json: Any, sessions: Any) -> None:
    run_json(*GOLD, "--fee", "750")
    run_json("plan", "edit", "gold", "--gst", "5")
    run_json("plan", "duplicate", "gold", "gold-b")
    run_json("plan", "unhide", "gold-b")
    run_json("plan", "hide", "gold-b")
    run_json("plan", "disable", "gold-b")
    run_json("plan", "enable", "gold-b")
    run_json("plan", "archive", "gold-b")
    with sessions() as session:
        entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [e.action for e in entries] == [
        "plan.add", "plan.edit", "plan.duplicate", "plan.unhide", "plan.hide", "plan.disable",
        "plan.enable", "plan.archive"]
    assert entries[0].details["before"] is None and entries[0].details["after"]["name"] == "gold"
    assert entries[5].details == {"name": "gold-b", "before": {"enabled": True},
                                  "after": {"enabled": False}}
    assert entries[7].details["after"] == {"archived": True, "hidden": True}


def test_an_upgrade_target_must_offer_the_plans_cycles(run: Any, run_json: Any) -> None:
    refused = run(*GOLD, "--price", "quarterly:1400", "--upgrade-above", "900",
                  "--upgrade-to", "premium")
    assert refused.exit_code == 2
    assert "'premium' cannot be the automatic upgrade target of 'gold': it has no quarterly " \
           "EUR, quarterly USD price" in refused.stderr
    run_json("plan", "edit", "premium", "--price", "quarterly:2800")
    run_json(*GOLD, "--price", "quarterly:1400", "--upgrade-above", "900", "--upgrade-to",
             "premium")
    # The target cannot drop a price its sources use, nor a source add one it lacks.
    dropped = run("plan", "edit", "premium", "--price", "quarterly:EUR:none")
    assert dropped.exit_code == 2 and "upgrade target of 'gold'" in dropped.stderr
    added = run("plan", "edit", "gold", "--price", "yearly:9000")
    assert added.exit_code == 2 and "no yearly EUR, yearly USD price" in added.stderr
    assert run_json("plan", "edit", "gold", "--no-upgrade")["auto_upgrade_to"] is None
    assert run_json("plan", "edit", "gold", "--price", "yearly:9000")["cycles"] == \
        ["quarterly", "yearly"]


def test_editing_an_upgrade_re_derives_the_organizations_plans(run: Any, run_json: Any) -> None:
    add_acme(run_json)
    fees = run_json("fees", "set", "Acme", "--month", "2026-03", "--amount", "600")
    assert fees["organization"] == "Acme"
    assert run_json("org", "show", "Acme", "--month", "2026-04")["plan"]["name"] == "premium"
    edited = run_json("plan", "edit", "growth", "--upgrade-above", "700")
    assert edited["rederived"] == {"Acme": [{"month": "2026-04", "before": "premium",
                                             "after": "growth"}]}
    assert run_json("org", "show", "Acme", "--month", "2026-04")["plan"]["name"] == "growth"
    text = run("plan", "edit", "growth", "--upgrade-above", "550")
    assert "  Acme: from 2026-04 growth -> premium" in text.stdout


def test_a_price_in_use_cannot_be_removed(run: Any, run_json: Any, tables: Any) -> None:
    run_json(*GOLD, "--fee", "750", "--price", "quarterly:2000")
    add_acme(run_json, "--plan", "gold", "--cycle", "quarterly")
    before = tables()
    result = run("plan", "edit", "gold", "--price", "quarterly:EUR:none")
    assert result.exit_code == 2
    assert result.stderr.strip() == ("supportdesk: the quarterly EUR price of 'gold' is in use "
                                     "by Acme; it cannot be removed")
    assert tables() == before
    # A price nobody uses can go.
    assert run_json("plan", "edit", "gold", "--price", "quarterly:USD:none")["prices"][
        "quarterly"] == {"EUR": "2000.00"}


BAD_INPUT = {
    "unknown type": ((*GOLD, "--fee", "1", "--type", "flat"), "'--type'"),
    "share of zero": ((*GOLD, "--fee", "1", "--type", "revenue-sharing", "--share", "0"),
                      "above 0"),
    "share above 100": ((*GOLD, "--fee", "1", "--type", "revenue-sharing", "--share", "100.5"),
                        "at most 100"),
    "share without revenue sharing": ((*GOLD, "--fee", "1", "--share", "10"),
                                      "only a revenue-sharing plan has a revenue share"),
    "revenue sharing without share": ((*GOLD, "--fee", "1", "--type", "revenue-sharing"),
                                      "needs its share"),
    "gst zero": ((*GOLD, "--fee", "1", "--gst", "0"), "above 0"),
    "gst three decimals": ((*GOLD, "--fee", "1", "--gst", "7.125"), "two decimals"),
    "gst word": ((*GOLD, "--fee", "1", "--gst", "on"), "off or a percentage"),
    "unknown cycle in price": ((*GOLD, "--price", "weekly:10"), "unknown billing cycle"),
    "unknown currency in price": ((*GOLD, "--price", "monthly:GBP:10"), "unknown currency"),
    "price without amount": ((*GOLD, "--price", "monthly"), "CYCLE:CURRENCY:AMOUNT"),
    "negative price": ((*GOLD, "--price", "monthly:EUR:-5"), "negative"),
    "price with three decimals": ((*GOLD, "--price", "yearly:1.001"), "two decimals"),
    "cycle without price": ((*GOLD, "--cycle", "quarterly"), "--cycle needs the price"),
    "unknown cycle": ((*GOLD, "--cycle", "weekly", "--fee", "1"), "'--cycle'"),
    "fee and price-eur": ((*GOLD, "--fee", "1", "--price-eur", "2"), "either --fee"),
    "no price at all": (GOLD, "missing --fee"),
    "only a removed price": ((*GOLD, "--price", "monthly:none"), "needs a price"),
    "negative limit": ((*GOLD, "--fee", "1", "--team-members", "-1"), "negative"),
    "word limit": ((*GOLD, "--fee", "1", "--messages", "lots"), "whole number"),
    "huge limit": ((*GOLD, "--fee", "1", "--team-members", "1000001"), "at most"),
    "missing display name": (("plan", "add", "gold", "--fee", "1", "--free-escalations", "1",
                              "--overflow-price", "1"), "missing --display-name"),
    "edit nothing": (("plan", "edit", "growth"), "nothing to change"),
    "edit unknown plan": (("plan", "edit", "gold", "--gst", "5"), "unknown plan"),
    "edit no-upgrade and upgrade": (("plan", "edit", "growth", "--no-upgrade",
                                     "--upgrade-above", "5"), "cannot be combined"),
    "edit a price away from Acme": (("plan", "edit", "growth", "--price", "monthly:EUR:none"),
                                    "in use by Acme"),
    "show unknown plan": (("plan", "show", "gold"), "unknown plan"),
    "enable unknown plan": (("plan", "enable", "gold"), "unknown plan"),
    "disable an upgrade target": (("plan", "disable", "premium"), "upgrade target of growth"),
    "duplicate onto an existing name": (("plan", "duplicate", "growth", "premium"),
                                        "already exists"),
    "assign a plan without the cycle": (("plan", "assign", "Acme", "premium", "--cycle",
                                         "yearly"), "no yearly price in EUR"),
    "assign an unknown cycle": (("plan", "assign", "Acme", "premium", "--cycle", "weekly"),
                                "'--cycle'"),
}


@pytest.mark.parametrize("case", list(BAD_INPUT), ids=list(BAD_INPUT))
def test_bad_input_is_one_line_and_changes_nothing(case: str, run: Any, run_json: Any,
                                                   tables: Any) -> None:
    add_acme(run_json)
    before = tables()
    args, expected = BAD_INPUT[case]
    for json_flag in ((), ("--json",)):
        result = run(*args, *json_flag)
        assert result.exit_code == 2, (result.stdout, result.stderr)
        lines = result.stderr.splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith("supportdesk: ") and expected in lines[0], lines[0]
        assert result.stdout == ""
    assert tables() == before


def test_disabled_and_archived_plans_cannot_be_assigned(run: Any, run_json: Any) -> None:
    add_acme(run_json)
    run_json(*GOLD, "--fee", "750")
    run_json("plan", "disable", "gold")
    refused = run("plan", "assign", "Acme", "gold")
    assert refused.exit_code == 2 and "disabled" in refused.stderr
    onboarding = run("org", "add", "Beta", "--currency", "USD", "--billing-model",
                     "partner-paid", "--plan", "gold")
    assert onboarding.exit_code == 2 and "disabled" in onboarding.stderr
    run_json("plan", "enable", "gold")
    assert run_json("plan", "assign", "Acme", "gold")["effective_month"] == "2026-04"
    run_json("plan", "archive", "gold")
    enabled = run("plan", "enable", "gold")
    assert enabled.exit_code == 2 and "archived" in enabled.stderr
    # Acme keeps its archived plan.
    assert run_json("org", "show", "Acme", "--month", "2026-05")["plan"]["name"] == "gold"


NEW_COMMANDS = [("plan", "show"), ("plan", "edit"), ("plan", "enable"), ("plan", "disable"),
                ("plan", "unhide"), ("org", "set")]


@pytest.mark.parametrize("command", NEW_COMMANDS, ids=" ".join)
def test_help(command: tuple[str, ...]) -> None:
    from click.testing import CliRunner

    from bot.cli import cli

    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0 and result.stdout.startswith("Usage: ")
    assert "--json" in result.stdout
