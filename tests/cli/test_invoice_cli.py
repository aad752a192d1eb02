"""`supportdesk invoice list|show|pay` (issue #13) on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.cli import cli
from desk.clock import FixedClock
from desk.context import DeskContext
from store.db import transaction
from store.models import Invoice, OutboxMessage, Payment

from .test_cli_input import one_line_refusal

NUMBER = "INV-2026-02-0001"


@pytest.fixture
def billed(desk: DeskContext, run: Any, run_json: Any) -> None:
    """Acme (direct-paid, EUR) onboarded in February with one partner; February closed; the
    clock at 2026-03-10, so its invoice (due 2026-03-01) is overdue and blocks onboarding."""
    assert isinstance(desk.clock, FixedClock)
    desk.clock.set(datetime(2026, 2, 10, 9, 0, tzinfo=UTC))
    run_json("org", "add", "Acme", "--currency", "EUR", "--billing-model", "direct-paid")
    run_json("org", "add", "Beta", "--currency", "USD", "--billing-model", "partner-paid")
    run_json("user", "add", "--channel", "telegram", "--id", "42", "--role", "partner",
             "--org", "Acme")
    desk.clock.set(datetime(2026, 3, 10, 9, 0, tzinfo=UTC))
    assert run_json("close-month", "2026-02")["invoices"] == 2


def paid_state(sessions: sessionmaker[Session]) -> tuple[int, int]:
    with transaction(sessions) as s:
        return (s.scalar(select(func.count()).select_from(Payment)) or 0,
                s.scalars(select(Invoice.paid_cents).where(Invoice.number == NUMBER)).one())


def test_list_with_filters_in_text_json_and_csv(billed: None, run: Any, run_json: Any) -> None:
    doc = run_json("invoice", "list")
    assert doc["today"] == "2026-03-10"
    assert [(i["number"], i["organization"], i["total"], i["currency"], i["status"])
            for i in doc["invoices"]] == [
        (NUMBER, "Acme", "500.00", "EUR", "overdue"),
        ("INV-2026-02-0002", "Beta", "500.00", "USD", "overdue")]
    assert [i["number"] for i in run_json("invoice", "list", "--org", "ACME")["invoices"]] == \
        [NUMBER]
    assert run_json("invoice", "list", "--status", "paid")["invoices"] == []
    assert run_json("invoice", "list", "--status", "open")["invoices"] == []
    assert len(run_json("invoice", "list", "--status", "OVERDUE")["invoices"]) == 2
    text = run("invoice", "list").stdout.splitlines()
    assert text[0].split() == ["number", "organization", "month", "due", "total", "paid",
                               "balance", "status"]
    assert text[2].split() == [NUMBER, "Acme", "2026-02", "2026-03-01", "500.00", "EUR", "0.00",
                               "500.00", "overdue"]
    rows = list(csv.DictReader(io.StringIO(run("invoice", "list", "--csv").stdout)))
    assert [(r["number"], r["balance"], r["status"]) for r in rows] == [
        (NUMBER, "500.00", "overdue"), ("INV-2026-02-0002", "500.00", "overdue")]
    assert run("invoice", "list", "--status", "paid").stdout.strip() == "no invoices"


def test_show_by_number_or_by_org_and_month(billed: None, run: Any, run_json: Any) -> None:
    doc = run_json("invoice", "show", NUMBER.lower())
    assert {k: doc[k] for k in ("number", "organization", "month", "issued_on", "due_on",
                                "total", "paid", "balance", "status", "escalations_processed",
                                "has_plan_fee", "blocks_onboarding", "payments")} == {
        "number": NUMBER, "organization": "Acme", "month": "2026-02",
        "issued_on": "2026-03-01", "due_on": "2026-03-01", "total": "500.00", "paid": "0.00",
        "balance": "500.00", "status": "overdue", "escalations_processed": 0,
        "has_plan_fee": True, "blocks_onboarding": True, "payments": []}
    assert [(li["kind"], li["amount"]) for li in doc["lines"]] == [
        ("plan_fee", "500.00"), ("escalation_overflow", "0.00"), ("escalations", "0.00")]
    assert run_json("invoice", "show", "--org", "acme", "--month", "2026-02") == doc
    assert run_json("invoice", "--org", "acme", "--month", "2026-02") == doc  # the older form
    assert run_json("invoice", "show", "--org", "Beta")["blocks_onboarding"] is False
    text = run("invoice", "show", NUMBER).stdout
    assert f"Invoice {NUMBER}: Acme 2026-02 (EUR)" in text
    assert "due 2026-03-01, status overdue" in text
    assert "onboarding of new clients is blocked until this invoice is paid" in text
    rows = list(csv.DictReader(io.StringIO(run("invoice", "show", NUMBER, "--csv").stdout)))
    assert [r["kind"] for r in rows] == ["plan_fee", "escalation_overflow", "escalations"]


def test_pay_partly_then_fully_lifts_the_block(billed: None, run: Any, run_json: Any,
                                               sessions: sessionmaker[Session]) -> None:
    part = run_json("invoice", "pay", NUMBER, "--amount", "120.5", "--method", "Transfer",
                    "--date", "2026-03-09")
    assert (part["paid"], part["balance"], part["status"], part["block_lifted"]) == \
        ("120.50", "379.50", "overdue", False)
    assert part["payment"] == {"amount": "120.50", "method": "transfer", "paid_on": "2026-03-09"}
    said = run("invoice", "pay", NUMBER, "--amount", "379.50", "--method", "card")
    assert said.exit_code == 0, said.stderr
    assert said.stdout.splitlines() == [
        f"recorded 379.50 EUR by card on 2026-03-10 against {NUMBER}: paid 500.00 of 500.00, "
        "balance 0.00, paid",
        "onboarding of new clients is open again for Acme (1 partner told)"]
    shown = run_json("invoice", "show", NUMBER)
    assert (shown["status"], shown["blocks_onboarding"]) == ("paid", False)
    assert [(p["amount"], p["method"], p["paid_on"]) for p in shown["payments"]] == [
        ("120.50", "transfer", "2026-03-09"), ("379.50", "card", "2026-03-10")]
    with transaction(sessions) as s:
        keys = s.scalars(select(OutboxMessage.key).where(
            OutboxMessage.key == "invoice.block_lifted")).all()
    assert keys == ["invoice.block_lifted"]
    one_line_refusal(run("invoice", "pay", NUMBER, "--amount", "1", "--method", "card"),
                     f"invoice {NUMBER} is already paid")


BAD = {
    "overpaying": (("invoice", "pay", NUMBER, "--amount", "500.01", "--method", "card"),
                   "more than the balance"),
    "zero": (("invoice", "pay", NUMBER, "--amount", "0", "--method", "card"), "more than 0"),
    "three decimals": (("invoice", "pay", NUMBER, "--amount", "1.001", "--method", "card"),
                       "two decimals"),
    "negative": (("invoice", "pay", NUMBER, "--amount", "-1", "--method", "card"), "negative"),
    "no amount": (("invoice", "pay", NUMBER, "--method", "card"), "missing --amount"),
    "no method": (("invoice", "pay", NUMBER, "--amount", "1"), "missing --method"),
    "bad method": (("invoice", "pay", NUMBER, "--amount", "1", "--method", "cash"), "cash"),
    "future date": (("invoice", "pay", NUMBER, "--amount", "1", "--method", "card", "--date",
                     "2026-03-11"), "in the future"),
    "malformed date": (("invoice", "pay", NUMBER, "--amount", "1", "--method", "card",
                        "--date", "10.03.2026"), "expected YYYY-MM-DD"),
    "no such date": (("invoice", "pay", NUMBER, "--amount", "1", "--method", "card", "--date",
                      "2026-02-30"), "no such date"),
    "unknown invoice (pay)": (("invoice", "pay", "INV-2026-02-0099", "--amount", "1",
                               "--method", "card"), "unknown invoice"),
    "unknown invoice (show)": (("invoice", "show", "INV-1"), "unknown invoice"),
    "unknown status": (("invoice", "list", "--status", "late"), "late"),
    "unknown organization": (("invoice", "list", "--org", "Nobody"), "unknown organization"),
    "number and org": (("invoice", "show", NUMBER, "--org", "Acme"), "not both"),
    "neither number nor org": (("invoice", "show"), "missing NUMBER or --org"),
    "json and csv": (("invoice", "list", "--csv"), "choose one of --json and --csv"),
    "options before the subcommand": (("invoice", "--org", "Acme", "list"),
                                      "after the subcommand"),
    "before onboarding": (("invoice", "show", "--org", "Acme", "--month", "2026-01"),
                          "Acme had no plan in 2026-01 (onboarded 2026-02)"),
    "month not ended": (("invoice", "show", "--org", "Acme", "--month", "2026-03"),
                        "2026-03 has not ended yet"),
    "malformed month": (("invoice", "show", "--org", "Acme", "--month", "2026-3"),
                        "malformed month"),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_bad_input_is_one_line_and_changes_nothing(case: str, billed: None, run: Any,
                                                   sessions: sessionmaker[Session]) -> None:
    before = paid_state(sessions)
    args, expected = BAD[case]
    for json_flag in ((), ("--json",)):
        if case == "json and csv" and not json_flag:
            continue
        one_line_refusal(run(*args, *json_flag), expected)
    assert paid_state(sessions) == before


@pytest.mark.parametrize("command", [("invoice",), ("invoice", "list"), ("invoice", "show"),
                                     ("invoice", "pay")], ids=" ".join)
def test_help(command: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0 and result.stdout.startswith("Usage: ")
    assert "--json" in result.stdout


def test_invoice_alone_shows_its_help(run: Any) -> None:
    result = run("invoice")
    assert result.exit_code == 0
    assert "list" in result.stdout and "pay" in result.stdout and "show" in result.stdout
