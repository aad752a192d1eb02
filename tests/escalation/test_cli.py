"""`supportdesk escalations|close-month|invoice|summary` against a real database."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner, Result

from bot.cli import cli

from .conftest import World

AT = datetime(2026, 3, 5, tzinfo=UTC)


@pytest.fixture
def run(db_url: str, tmp_path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("BILLING_TIMEZONE", "UTC")

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)

    return invoke


@pytest.fixture
def acme(world: World) -> int:
    org = world.org("Acme Corp", currency="USD")
    partner = world.user("p", "partner", org)
    for _ in range(3):
        world.escalation(org, world.case(org, partner, AT), partner, AT, "2026-03", "2026-03", AT)
    world.escalation(org, world.case(org, partner, AT), partner, AT, "2026-03")
    return org


def test_escalations_json(run, acme: int) -> None:  # type: ignore[no-untyped-def]
    result = run("escalations", "--org", "Acme Corp", "--month", "2026-03", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert {k: doc[k] for k in ("allowance", "counted", "pending", "remaining", "overflow")} == {
        "allowance": 2, "counted": 3, "pending": 0, "remaining": 0, "overflow": 1}
    # March 2026 has ended by the wall clock: its unresolved request expired (test_numbers.py
    # has the month that has not ended, on a fixed clock)
    assert (doc["ended"], doc["pending_expired"]) == (True, 1)


def test_close_month_then_invoice(run, acme: int) -> None:  # type: ignore[no-untyped-def]
    before = run("invoice", "--org", "Acme Corp", "--month", "2026-03")
    assert before.exit_code == 2 and "not closed" in before.stderr
    closed = run("close-month", "2026-03", "--json")
    assert closed.exit_code == 0, closed.output
    assert json.loads(closed.stdout)["closed"] == 1
    assert json.loads(run("close-month", "2026-03", "--json").stdout)["already_closed"] == 1
    doc = json.loads(run("invoice", "--org", "Acme Corp", "--month", "2026-03", "--json").stdout)
    assert [(li["kind"], li["quantity"], li["amount"]) for li in doc["lines"]] == [
        ("plan_fee", 1, "500.00"), ("escalation_overflow", 1, "25.00"), ("escalations", 3, "0.00")]
    assert doc["total"] == "525.00" and doc["currency"] == "USD"
    rows = list(csv.DictReader(io.StringIO(
        run("invoice", "--org", "Acme Corp", "--month", "2026-03", "--csv").stdout)))
    assert [r["amount"] for r in rows] == ["500.00", "25.00", "0.00"]
    text = run("invoice", "--org", "Acme Corp", "--month", "2026-03").stdout
    assert "525.00" in text


def test_summary_formats(run, acme: int, tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert "Acme Corp" in run("summary", "--month", "2026-03").stdout
    doc = json.loads(run("summary", "--month", "2026-03", "--format", "json").stdout)
    assert doc["totals"]["USD"]["total"]["amount"] == "525.00"
    assert "Acme Corp" in run("summary", "--month", "2026-03", "--format", "csv").stdout
    target = tmp_path / "chart.png"
    result = run("summary", "--month", "2026-03", "--format", "png", "--output", str(target))
    assert result.exit_code == 0 and target.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize(("args", "message"), [
    (("close-month", "2026-3"), "malformed month"),
    (("close-month", "2999-01"), "has not ended"),
    (("escalations", "--org", "Nobody", "--month", "2026-03"), "unknown organization"),
    (("invoice", "--org", "Acme Corp", "--month", "2026-03", "--json", "--csv"), "one of"),
    (("summary", "--month", "13-2026"), "malformed month"),
])
def test_bad_input_one_line_on_stderr(run, acme: int, args: tuple[str, ...],  # type: ignore[no-untyped-def]
                                      message: str) -> None:
    result = run(*args)
    assert result.exit_code != 0
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_close_month_counts_read_right_in_english(run, acme: int) -> None:  # type: ignore[no-untyped-def]
    text = run("close-month", "2026-03").stdout
    assert "2026-03: closed 1 organization (0 already closed), 3 invoice lines, " \
           "1 invoice" in text
    assert "invoiced 525.00 USD (plan fees 500.00, overflow 25.00)" in text
    again = run("close-month", "2026-03").stdout
    assert "closed 0 organizations (1 already closed), 0 invoice lines" in again


def test_summary_text_names_the_categories_in_english(run, acme: int) -> None:  # type: ignore[no-untyped-def]
    text = run("summary", "--month", "2026-03").stdout
    assert "By category: Other issue affecting operations: 4" in text
    assert "oth:" not in text
    doc = json.loads(run("summary", "--month", "2026-03", "--json").stdout)
    assert doc["by_category"] == {"oth": 4}
    assert doc["by_category_name"] == {"Other issue affecting operations": 4}


def test_summary_csv_has_service_quality_and_agents_csv(run, acme: int) -> None:  # type: ignore[no-untyped-def]
    rows = list(csv.DictReader(io.StringIO(
        run("summary", "--month", "2026-03", "--format", "csv").stdout)))
    assert [(r["organization"], r["first_response_share_percent"], r["satisfaction_average"],
             r["satisfaction_asked"]) for r in rows] == [("Acme Corp", "", "", "0")]
    agents = run("summary", "--month", "2026-03", "--format", "agents-csv")
    assert agents.exit_code == 0
    assert agents.stdout.splitlines() == [
        "month,agent,satisfaction_average,satisfaction_ratings,satisfaction_asked,"
        "satisfaction_response_rate_percent"]
    doc = json.loads(run("summary", "--month", "2026-03", "--json").stdout)
    assert (doc["preliminary"], doc["satisfaction"]["asked"]) == (True, 0)
    assert "agents-csv" in run("summary", "--help").stdout
    bad = run("summary", "--month", "2026-03", "--format", "xlsx")
    assert bad.exit_code == 2 and len(bad.stderr.strip().splitlines()) == 1
