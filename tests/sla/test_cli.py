"""`supportdesk sla show|set|report` in-process against the test desk, on both backends."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from click.testing import CliRunner, Result

from bot.cli import cli
from tests.sla.helpers import add_org, get_case, open_case


@pytest.fixture
def run(desk):
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(cli, ["sla", *args], obj=desk, catch_exceptions=False)

    return invoke


def test_show_json(run):
    result = run("show", "--json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert {"plan": "premium", "severity": 1, "minutes": 30, "duration": "30m",
            "own": True} in doc
    assert {"plan": "growth", "severity": 3, "minutes": 1440, "duration": "1d",
            "own": True} in doc


def test_show_text(run):
    result = run("show")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["plan", "severity", "target"]
    assert ["growth", "2", "4h"] in [line.split() for line in lines]


def test_set_then_new_cases_use_it(run, desk, clock):
    result = run("set", "premium", "2", "1h30m")
    assert result.exit_code == 0, result.stderr
    assert "premium severity 2: first response within 1h30m" in result.stdout
    assert json.loads(run("set", "premium", "2", "90m", "--json").stdout)["minutes"] == 90
    case_id = open_case(desk, add_org(desk, "Acme", "premium"), 2)
    assert get_case(desk, case_id).sla_due_at == clock.now() + timedelta(minutes=90)


@pytest.mark.parametrize(("args", "message"), [
    (("set", "gold", "1", "1h"), "unknown plan 'gold'"),
    (("set", "growth", "0", "1h"), "bad severity"),
    (("set", "growth", "1", "1 hour"), "bad duration"),
    (("set", "growth", "1"), "Missing argument"),
    (("report", "--month", "2026-13"), "--month"),
    (("report", "--month", "2026-03", "--json", "--csv"), "choose one"),
    (("report", "--month", "March"), "malformed month"),
])
def test_bad_input_is_one_line_and_non_zero(run, args, message):
    result = run(*args)
    assert result.exit_code != 0
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr


def test_report_formats(run, desk, clock):
    org = add_org(desk, "Acme", "premium")
    answered = open_case(desk, org, 1)
    open_case(desk, org, 1)
    from store.db import transaction
    from store.models import Case

    with transaction(desk.sessions) as s:
        s.get(Case, answered).first_response_at = clock.now() + timedelta(minutes=5)
    clock.advance(hours=1)
    doc = json.loads(run("report", "--month", "2026-03", "--json").stdout)
    assert doc["rows"][0]["plan"] == "premium" and doc["rows"][0]["share_percent"] == "50.0"
    assert doc["worst_overdue"][0]["overdue_minutes"] == 30
    rows = list(csv.DictReader(io.StringIO(run("report", "--month", "2026-03", "--csv").stdout)))
    assert rows[0]["within_target"] == "1" and rows[0]["missed"] == "1"
    text = run("report", "--month", "2026-03").stdout
    assert "First-response SLA, March 2026" in text
    assert "Premium, severity 1: 50% answered within target (1 of 2)" in text
