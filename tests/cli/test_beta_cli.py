"""`supportdesk beta add|list|show|close|enrol|live|unban` (issue #14, seed 000) on SQLite and
PostgreSQL: invited partners told (read from the plan's beta access, not its name), the
enrolment rules, the stage, bans; --json, --help and one-line refusals that change nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from desk.beta_deadlines import run_beta_deadlines
from desk.clock import FixedClock
from desk.context import DeskContext
from store.models import (
    AuditEntry,
    Beta,
    BetaEnrolment,
    BetaInterest,
    Organization,
    OutboxMessage,
    User,
)

from .test_cli_input import one_line_refusal

DESCRIPTION = "WhatsApp Flows v3: multi-screen forms inside the chat"
SUBCOMMANDS = ("add", "list", "show", "close", "enrol", "live", "unban")


def beta_rows(sessions: sessionmaker[Session]) -> dict[str, list[tuple[Any, ...]]]:
    """Every row the beta commands write, to prove a refusal changed nothing."""
    with sessions() as s:
        out = {}
        for model in (Beta, BetaInterest, BetaEnrolment, AuditEntry, OutboxMessage):
            columns = list(model.__table__.columns)
            out[model.__tablename__] = [tuple(r) for r in s.execute(
                select(*columns).order_by(*model.__table__.primary_key))]
        out["bans"] = [tuple(r) for r in s.execute(select(
            Organization.id, Organization.beta_banned_at, Organization.beta_ban_reason)
            .order_by(Organization.id))]
        return out


@pytest.fixture
def orgs(run_json: Any) -> None:
    """Acme on Premium (invited), Goldy on a custom plan that invites, Grow on Growth, and
    Lite on a copy of Premium that does not invite; one partner in each."""
    run_json("plan", "add", "gold", "--display-name", "Gold", "--fee", "750",
             "--free-escalations", "3", "--overflow-price", "25", "--beta", "invited")
    run_json("plan", "duplicate", "premium", "premium-lite", "--beta", "on_request")
    for number, (name, plan) in enumerate((("Acme", "premium"), ("Goldy", "gold"),
                                           ("Grow", "growth"), ("Lite", "premium-lite"))):
        run_json("org", "add", name, "--plan", plan, "--currency", "EUR", "--billing-model",
                 "partner-paid")
        run_json("user", "add", "--channel", "telegram", "--id", str(100 + number),
                 "--role", "partner", "--org", name, "--name", f"{name} Partner")


def test_every_beta_command_has_help(run: Any) -> None:
    result = run("beta", "--help")
    assert result.exit_code == 0 and "Beta programmes" in result.stdout
    for name in SUBCOMMANDS:
        shown = run("beta", name, "--help")
        assert shown.exit_code == 0, name
        assert "--json" in shown.stdout and "Usage:" in shown.stdout, name
    assert "beta" in run("--help").stdout


def test_add_tells_the_partners_of_invited_plans(orgs: None, run: Any, run_json: Any,
                                                 sessions: sessionmaker[Session]) -> None:
    doc = run_json("beta", "add", "flows-v3", "--description", DESCRIPTION)
    assert (doc["name"], doc["status"], doc["stage"], doc["partners_told"]) == \
        ("flows-v3", "open", "manual", 2)
    with sessions() as s:
        told = s.execute(select(Organization.name, OutboxMessage.key, OutboxMessage.buttons)
                         .join(User, User.id == OutboxMessage.recipient_user_id)
                         .join(Organization, Organization.id == User.org_id)
                         .where(OutboxMessage.key.like("betas.%"))).all()
        audit = s.scalars(select(AuditEntry).where(AuditEntry.action == "beta.add")).one()
    assert sorted(name for name, *_ in told) == ["Acme", "Goldy"]  # not Grow, not Lite
    assert {key for _, key, _ in told} == {"betas.announced"}
    assert all(buttons[0]["action"] == "beta:flows-v3" for *_, buttons in told)
    assert audit.details == {"name": "flows-v3", "description": DESCRIPTION, "partners_told": 2}
    text = run("beta", "add", "mm-lite", "--description", "Marketing Messages Lite API")
    assert text.exit_code == 0
    assert text.stdout == ("Added beta mm-lite (open, stage manual); told 2 partners of invited "
                           "(Premium) organizations.\n")


@pytest.mark.parametrize(("args", "expected"), [
    (("beta", "add", "flows v3", "--description", "x"), "invalid beta name 'flows v3'"),
    (("beta", "add", "x" * 25, "--description", "x"), "one word of up to 24 letters"),
    (("beta", "add", "flows-v4"), "missing --description"),
    (("beta", "add", "flows-v4", "--description", "   "), "missing --description"),
    (("beta", "add", "flows-v4", "--description", "d" * 1001), "at most 1000"),
    (("beta", "add", "FLOWS-V3", "--description", "again"), "a beta named 'flows-v3' already"),
    (("beta", "show", "nothing"), "unknown beta 'nothing'"),
    (("beta", "close", "nothing"), "unknown beta 'nothing'"),
    (("beta", "live", "flows-v3", "404"), "WABA '404' is not enrolled in flows-v3"),
    (("beta", "enrol", "flows-v3", "--org", "Nowhere", "--waba", "1", "--launch", "2026-03-20"),
     "unknown organization 'Nowhere'"),
    (("beta", "enrol", "flows-v3", "--org", "Acme", "--waba", "1", "--launch", "2026-03-20",
      "--kind", "own"), "the partner's own WABA"),
    (("beta", "enrol", "flows-v3", "--org", "Acme", "--waba", "1", "--launch", "2026-03-20",
      "--kind", "test"), "is a test WABA"),
    (("beta", "enrol", "flows-v3", "--org", "Acme", "--waba", "1", "--launch", "2026-03-20",
      "--kind", "demo"), "'demo' is not one of 'client', 'own', 'test'"),
    (("beta", "enrol", "flows-v3", "--org", "Acme", "--waba", "1", "--launch", "20.03.2026"),
     "malformed date '20.03.2026'"),
    (("beta", "enrol", "flows-v3", "--org", "Acme", "--waba", "1", "--launch", "2026-02-30"),
     "no such date '2026-02-30'"),
    (("beta", "enrol", "flows-v3", "--org", "Acme", "--waba", "1"), "--launch"),
    (("beta", "enrol", "flows-v3", "--org", "Acme", "--waba", "1", "--launch", "2026-03-09"),
     "the launch date 2026-03-09 is in the past (today is 2026-03-10)"),
    (("beta", "enrol", "flows-v3", "--org", "Acme", "--waba", "1", "--launch", "2026-04-08"),
     "at the latest 2026-04-07, 4 weeks after Acme's first client was enabled in flows-v3 "
     "(2026-03-10)"),
    (("beta", "enrol", "flows-v3", "--org", "Acme", "--waba", "1", "--launch", "2026-03-20",
      "--enabled-on", "2026-03-11"), "cannot have been enabled on 2026-03-11, after today"),
    (("beta", "enrol", "flows-v3", "--org", "Acme", "--waba", "1", "--launch", "2026-03-20",
      "--enabled-on", "2026-02-15"), "at the latest 2026-03-15"),
    (("beta", "enrol", "flows-v3", "--org", "Acme", "--waba", "a b", "--launch", "2026-03-20"),
     "invalid WABA id 'a b'"),
    (("beta", "enrol", "flows-v3", "--org", "Grow", "--waba", "1001", "--launch", "2026-03-20"),
     "WABA 1001 is already enrolled in flows-v3"),
    (("beta", "enrol", "mm-lite", "--org", "Acme", "--waba", "1", "--launch", "2026-03-20"),
     "beta 'mm-lite' is closed"),
    (("beta", "list", "--bogus"), "No such option"),
    (("beta", "unban"), "--org"),
])
def test_refusals_are_one_line_and_change_nothing(
        orgs: None, run: Any, run_json: Any, sessions: sessionmaker[Session],
        args: tuple[str, ...], expected: str) -> None:
    run_json("beta", "add", "flows-v3", "--description", DESCRIPTION)
    run_json("beta", "add", "mm-lite", "--description", "Marketing Messages Lite API")
    run_json("beta", "close", "mm-lite")
    run_json("beta", "enrol", "flows-v3", "--org", "Grow", "--waba", "1001", "--launch",
             "2026-03-20")
    before = beta_rows(sessions)
    one_line_refusal(run(*args), expected)
    assert beta_rows(sessions) == before


def test_enrol_live_and_the_integration_stage(orgs: None, run: Any, run_json: Any,
                                              desk: DeskContext,
                                              sessions: sessionmaker[Session]) -> None:
    run_json("beta", "add", "flows-v3", "--description", DESCRIPTION)
    first = run_json("beta", "enrol", "flows-v3", "--org", "acme", "--waba", "1001", "--launch",
                     "2026-03-31", "--enabled-on", "2026-03-05")
    assert {k: first[k] for k in ("beta", "organization", "waba", "enabled_on", "launch_date",
                                  "status", "latest_launch", "partners_told")} == {
        "beta": "flows-v3", "organization": "Acme", "waba": "1001", "enabled_on": "2026-03-05",
        "launch_date": "2026-03-31", "status": "enrolled", "latest_launch": "2026-04-02",
        "partners_told": 1}
    # The first client's date bounds the organization's later enrolments in this beta.
    one_line_refusal(run("beta", "enrol", "flows-v3", "--org", "Acme", "--waba", "1002",
                         "--launch", "2026-04-03"), "at the latest 2026-04-02")
    text = run("beta", "enrol", "flows-v3", "--org", "Acme", "--waba", "1002", "--launch",
               "2026-04-02")
    assert text.stdout == ("Enrolled WABA 1002 of Acme in flows-v3: enabled on 2026-03-10, "
                           "launch date 2026-04-02 (at the latest 2026-04-02); told 1 partner.\n")
    run_json("beta", "enrol", "flows-v3", "--org", "Grow", "--waba", "2001", "--launch",
             "2026-03-20", "--kind", "CLIENT")
    live = run_json("beta", "live", "flows-v3", "1001")
    assert (live["status"], live["changed"], live["live_clients"], live["stage"]) == \
        ("live", True, 1, "manual")
    again = run("beta", "live", "flows-v3", "1001")
    assert again.stdout == ("WABA 1001 of Acme was already live in flows-v3 (since 2026-03-10): "
                            "1 live client, stage manual.\n")
    run_json("beta", "live", "flows-v3", "1002")
    last = run("beta", "live", "flows-v3", "2001")
    assert last.stdout == "WABA 2001 of Grow is live in flows-v3: 3 live clients, stage " \
                          "integration.\n"
    listed = run_json("beta", "list")["betas"]
    assert [(b["name"], b["stage"], b["interested"], b["enrolments"], b["live"])
            for b in listed] == [("flows-v3", "integration", 0, 3, 3)]
    shown = run_json("beta", "show", "FLOWS-V3")
    assert [(e["organization"], e["waba"], e["status"]) for e in shown["enrolments"]] == [
        ("Grow", "2001", "live"), ("Acme", "1001", "live"), ("Acme", "1002", "live")]
    table = run("beta", "show", "flows-v3").stdout
    assert table.startswith("flows-v3: open, stage integration (3 of 3 live clients for "
                            "integration)\n" + DESCRIPTION)
    with sessions() as s:
        actions = s.scalars(select(AuditEntry.action).where(AuditEntry.entity == "beta")
                            .order_by(AuditEntry.id)).all()
    assert actions == ["beta.add", "beta.enrol", "beta.enrol", "beta.enrol", "beta.live",
                       "beta.live", "beta.live"]


def test_list_show_close(orgs: None, run: Any, run_json: Any) -> None:
    assert run("beta", "list").stdout == "no open betas (--all for closed ones)\n"
    run_json("beta", "add", "flows-v3", "--description", DESCRIPTION)
    run_json("beta", "add", "mm-lite", "--description", "Marketing Messages Lite API")
    closed = run_json("beta", "close", "mm-lite")
    assert (closed["status"], closed["changed"]) == ("closed", True)
    again = run("beta", "close", "MM-LITE")
    assert again.exit_code == 0
    assert again.stdout == "Beta mm-lite was already closed (on 2026-03-10).\n"
    assert [b["name"] for b in run_json("beta", "list")["betas"]] == ["flows-v3"]
    everything = run_json("beta", "list", "--all")
    assert everything["all"] is True
    assert [(b["name"], b["status"]) for b in everything["betas"]] == [
        ("flows-v3", "open"), ("mm-lite", "closed")]
    lines = run("beta", "list", "--all").stdout.splitlines()
    assert lines[0].split() == ["name", "status", "stage", "interested", "enrolments", "live",
                                "description"]
    assert lines[2].split()[:6] == ["flows-v3", "open", "manual", "0", "0", "0"]
    shown = run_json("beta", "show", "mm-lite")
    assert shown["closed_at"].startswith("2026-03-10T09:00")
    assert shown["interests"] == [] and shown["enrolments"] == []


def test_a_missed_launch_bans_until_an_admin_lifts_it(orgs: None, run: Any, run_json: Any,
                                                      desk: DeskContext) -> None:
    assert isinstance(desk.clock, FixedClock)
    run_json("beta", "add", "flows-v3", "--description", DESCRIPTION)
    run_json("beta", "enrol", "flows-v3", "--org", "Acme", "--waba", "1001", "--launch",
             "2026-03-20")
    desk.clock.set(datetime(2026, 3, 21, 0, 5, tzinfo=UTC))
    one_line_refusal(run("beta", "live", "flows-v3", "1001"),
                     "WABA 1001 missed its launch date 2026-03-20 in flows-v3")
    report = run_beta_deadlines(desk)
    assert len(report.missed) == 1 and len(report.banned) == 1
    run_json("beta", "add", "mm-lite", "--description", "Marketing Messages Lite API")
    one_line_refusal(run("beta", "enrol", "mm-lite", "--org", "Acme", "--waba", "1005",
                         "--launch", "2026-03-30"),
                     "Acme is banned from beta programmes since 2026-03-21: missed the launch "
                     "date 2026-03-20 of beta flows-v3 (WABA 1001)")
    lifted = run("beta", "unban", "--org", "ACME")
    assert lifted.stdout == ("Lifted the beta ban of Acme (banned on 2026-03-21: missed the "
                             "launch date 2026-03-20 of beta flows-v3 (WABA 1001)).\n")
    assert run_json("beta", "unban", "--org", "Acme")["changed"] is False
    assert run_json("beta", "enrol", "mm-lite", "--org", "Acme", "--waba", "1005", "--launch",
                    "2026-03-30")["status"] == "enrolled"
    assert run_json("beta", "show", "flows-v3")["enrolments"][0]["status"] == "missed"
