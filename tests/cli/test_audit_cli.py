"""`supportdesk audit` (issue #14): filters, pages, formats, refusals; SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import getpass
import io
import json
from datetime import datetime
from typing import Any

import pytest

from bot.commands import audit as audit_command
from desk import audit
from desk.clock import FixedClock
from desk.context import DeskContext
from store.db import transaction

from .export_world import NOW, berlin_desk, build, utc
from .test_cli_input import one_line_refusal


@pytest.fixture
def desk(sessions: Any, clock: FixedClock) -> DeskContext:
    return berlin_desk(sessions, clock)


def record(desk: DeskContext, when: datetime, **entry: Any) -> None:
    with transaction(desk.sessions) as session:
        audit.record(session, now=when, **entry)


@pytest.fixture
def world(desk: DeskContext, run_json: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """export_world's cases, plus: Acme's fees set on 2026-02-28 at 23:30 in Berlin (22:30
    UTC), February closed by the scheduler and Acme's invoice paid at NOW, Ana removed, and
    an entry naming Acme under "org" (as beta interest does)."""
    assert isinstance(desk.clock, FixedClock)
    monkeypatch.setattr(getpass, "getuser", lambda: "alice")
    build(desk, run_json)
    desk.clock.set(utc(2026, 2, 28, 22, 30))
    run_json("fees", "set", "Acme", "--month", "2026-02", "--amount", "100")
    desk.clock.set(NOW)
    record(desk, utc(2026, 3, 6, 8, 0), actor="user:1", action="beta.interest",
           entity="beta", entity_id=7, details={"beta": "flows", "org": "Acme"})
    run_json("close-month", "2026-02")
    invoice = run_json("invoice", "list", "--org", "Acme")["invoices"][0]["number"]
    run_json("invoice", "pay", invoice, "--amount", "1", "--method", "card")
    run_json("user", "remove", "--channel", "telegram", "--id", "42")


def entries(run_json: Any, *args: str) -> list[dict[str, Any]]:
    return run_json("audit", "--limit", "1000", *args)["entries"]


def actions(run_json: Any, *args: str) -> list[str]:
    return [e["action"] for e in entries(run_json, *args)]


def test_newest_first_in_pages(world: None, run: Any, run_json: Any) -> None:
    every = entries(run_json)
    assert [(e["at"], e["id"]) for e in every] == sorted(
        ((e["at"], e["id"]) for e in every), reverse=True)
    assert every[0]["action"] == "user.remove" and every[-1]["action"] == "org.add"
    total = len(every)
    first = run_json("audit")
    assert (first["page"], first["pages"], first["per_page"], first["total"]) == \
        (1, 1, 50, total)
    assert first["entries"] == every
    second = run_json("audit", "--limit", "5", "--page", "2")
    assert (second["page"], second["pages"], second["total"]) == (2, -(-total // 5), total)
    assert second["entries"] == every[5:10]
    last = run_json("audit", "--limit", "5", "--page", str(second["pages"]))
    assert last["entries"] == every[(second["pages"] - 1) * 5:]
    one_line_refusal(run("audit", "--limit", "5", "--page", str(second["pages"] + 1)),
                     f"there is no page {second['pages'] + 1}: {total} entries make "
                     f"{second['pages']} pages of 5")
    assert every[0] == {"id": every[0]["id"], "at": "2026-03-10T09:00:00+00:00",
                        "actor": "cli:alice", "action": "user.remove", "entity": "user",
                        "entity_id": "1", "details": every[0]["details"]}
    assert first["filters"] == {"organization": None, "since": None, "actor": None,
                                "action": None}


def test_text_is_aligned_and_says_the_page(world: None, run: Any, run_json: Any) -> None:
    total = run_json("audit")["total"]
    lines = run("audit", "--limit", "4").stdout.splitlines()
    assert lines[0].split() == ["at", "(Europe/Berlin)", "actor", "action", "about", "details"]
    assert lines[2].split()[:5] == ["2026-03-10", "10:00:00", "cli:alice", "user.remove",
                                    "user"]
    assert lines[-1] == (f"page 1 of {-(-total // 4)}: entries 1-4 of {total}, newest first; "
                         "--page 2 for older ones")
    text = run("audit", "--action", "org.add").stdout
    assert "organization 1 (Acme)" in text and "organization 2 (Globex)" in text
    assert "name=Acme currency=EUR billing_model=partner-paid plan=growth" in text
    assert text.splitlines()[-1] == "page 1 of 1: entries 1-2 of 2, newest first"
    assert run("audit", "--actor", "nobody").stdout == "no audit entries match\n"


def test_in_a_terminal_a_rich_table(world: None, run: Any,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audit_command, "stdout_is_terminal", lambda: True)
    monkeypatch.setenv("COLUMNS", "100")
    result = run("audit", "--action", "plan.assign", "--org", "acme")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert all(len(line) <= 100 for line in lines), result.stdout
    assert "plan.assign" in result.stdout and "organization 1 (Acme)" in result.stdout
    assert lines[-1] == "page 1 of 1: entries 1-1 of 1, newest first"


def test_org_filter_follows_the_entities_and_names(world: None, run_json: Any) -> None:
    acme = entries(run_json, "--org", "acme")
    about = {(e["action"], e["entity"]) for e in acme}
    assert about == {
        ("org.add", "organization"), ("plan.assign", "organization"),
        ("user.add", "user"), ("user.remove", "user"), ("fees.set", "organization"),
        ("case.open", "case"), ("case.reply", "case"), ("case.resolve", "case"),
        ("case.reopen", "case"), ("case.severity", "case"), ("escalation.request", "case"),
        ("beta.interest", "beta"), ("invoice.pay", "invoice")}
    assert {e["entity_id"] for e in acme if e["entity"] == "case"} == {"1", "2"}
    globex = entries(run_json, "--org", "GLOBEX")
    assert {e["entity_id"] for e in globex if e["entity"] == "case"} == {"3", "4"}
    assert not {e["id"] for e in acme} & {e["id"] for e in globex}
    # the month close is about every organization: it belongs to neither
    assert "billing.close_month" in actions(run_json)
    assert "billing.close_month" not in actions(run_json, "--org", "acme")
    assert run_json("audit", "--org", "acme")["filters"]["organization"] == "Acme"


def test_actor_action_and_since(world: None, run_json: Any) -> None:
    by_cli = entries(run_json, "--actor", "cli")
    assert by_cli and {e["actor"] for e in by_cli} == {"cli:alice"}
    assert entries(run_json, "--actor", "cli:alice") == by_cli
    assert entries(run_json, "--actor", "cli:bob") == []
    assert entries(run_json, "--actor", "cl") == []
    assert actions(run_json, "--actor", "scheduler") == ["billing.close_month"]
    otto = entries(run_json, "--actor", "user:3")
    assert otto and {e["actor"] for e in otto} == {"user:3"}
    assert set(actions(run_json, "--action", "case.re")) == \
        {"case.reply", "case.resolve", "case.reopen"}
    assert set(actions(run_json, "--action", "PLAN")) == {"plan.assign"}
    assert actions(run_json, "--action", "case.resolve", "--org", "globex") == []
    # the fees were set at 23:30 on February 28th in Berlin, case #3 opened at 00:30 on March 1st
    march = actions(run_json, "--since", "2026-03-01", "--org", "acme")
    assert "fees.set" not in march and "case.resolve" in march
    assert "fees.set" in actions(run_json, "--since", "2026-02-28", "--org", "acme")
    globex = actions(run_json, "--since", "2026-03-01", "--org", "globex")
    assert globex.count("case.open") == 2
    assert actions(run_json, "--since", "2026-03-01T00:45", "--org", "globex").count(
        "case.open") == 1
    assert actions(run_json, "--since", "2026-03-01T00:00Z", "--org", "globex").count(
        "case.open") == 1
    assert actions(run_json, "--since", "2026-02-28T23:00+00:00", "--org", "globex").count(
        "case.open") == 2
    doc = run_json("audit", "--since", "2026-03-01", "--actor", "cli", "--action", "user")
    assert doc["filters"] == {"organization": None, "since": "2026-02-28T23:00:00+00:00",
                              "actor": "cli", "action": "user"}
    assert [e["action"] for e in doc["entries"]] == ["user.remove"]


def test_csv_exports_every_entry_unless_paged(world: None, desk: DeskContext, run: Any,
                                              run_json: Any) -> None:
    for minute in range(60):
        record(desk, utc(2026, 3, 9, 10, minute), actor="scheduler", action="sla.sweep",
               entity="case", entity_id=4, details={"minute": minute, "note": 'a "quoted", x'})
    total = run_json("audit")["total"]
    assert total > 60 and len(run_json("audit")["entries"]) == 50
    rows = list(csv.DictReader(io.StringIO(run("audit", "--csv").stdout)))
    assert len(rows) == total
    assert list(rows[0]) == ["id", "at", "actor", "action", "entity", "entity_id", "details"]
    sweep = [r for r in rows if r["action"] == "sla.sweep"]
    assert json.loads(sweep[0]["details"]) == {"minute": 59, "note": 'a "quoted", x'}
    assert sweep[0]["at"] == "2026-03-09T10:59:00+00:00"
    paged = list(csv.DictReader(io.StringIO(run("audit", "--csv", "--limit", "3",
                                                "--page", "2").stdout)))
    assert [r["id"] for r in paged] == [r["id"] for r in rows[3:6]]
    assert len(list(csv.DictReader(io.StringIO(run("audit", "--csv", "--page", "1").stdout)))) \
        == 50
    only = list(csv.DictReader(io.StringIO(run("audit", "--csv", "--org", "globex",
                                               "--action", "sla").stdout)))
    assert len(only) == 60


def test_an_empty_trail(desk: DeskContext, run: Any, run_json: Any) -> None:
    doc = run_json("audit")
    assert (doc["entries"], doc["total"], doc["page"], doc["pages"]) == ([], 0, 1, 1)
    assert run("audit").stdout == "no audit entries\n"
    assert run("audit", "--csv").stdout == "id,at,actor,action,entity,entity_id,details\n"
    one_line_refusal(run("audit", "--page", "2"), "there is no page 2: 0 entries make 1 page")


BAD = {
    "unknown org": (("audit", "--org", "Initech"), "unknown organization 'Initech'"),
    "since as words": (("audit", "--since", "yesterday"), "malformed date 'yesterday'"),
    "no such day": (("audit", "--since", "2026-02-30"), "no such date or time"),
    "no such hour": (("audit", "--since", "2026-02-03T25:00"), "no such date or time"),
    "empty actor": (("audit", "--actor", " "), "--actor must not be empty"),
    "long action": (("audit", "--action", "x" * 61), "--action is at most 60 characters"),
    "limit zero": (("audit", "--limit", "0"), "at least 1"),
    "limit too big": (("audit", "--limit", "1001"), "at most 1000"),
    "page not a number": (("audit", "--page", "two"), "whole number"),
    "two formats": (("audit", "--json", "--csv"), "choose one of --json and --csv"),
    "unknown option": (("audit", "--month", "2026-03"), "--month"),
}


@pytest.mark.parametrize("case", BAD.values(), ids=list(BAD))
def test_bad_input_is_one_line_and_exit_2(desk: DeskContext, run: Any,
                                          case: tuple[tuple[str, ...], str]) -> None:
    args, fragment = case
    one_line_refusal(run(*args), fragment)


def test_help(run: Any) -> None:
    result = run("audit", "--help")
    assert result.exit_code == 0
    for fragment in ("--org", "--since", "--actor", "--action", "--limit", "--page", "--json",
                     "--csv", "newest first"):
        assert fragment in result.stdout
    assert "audit" in run("--help").stdout and "cases" in run("--help").stdout
