"""`supportdesk cases` and `case show N` (issue #14) on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import event, insert, select

from bot.cli import cli
from desk import case_export
from desk.case_export import COLUMNS
from desk.clock import FixedClock
from desk.context import DeskContext
from store.db import transaction
from store.models import Case, Conversation, Organization, User

from .export_world import NOW, berlin_desk, build, utc
from .test_cli_input import one_line_refusal


@pytest.fixture
def desk(sessions: Any, clock: FixedClock) -> DeskContext:
    return berlin_desk(sessions, clock)


@pytest.fixture
def world(desk: DeskContext, run_json: Any) -> None:
    build(desk, run_json)


def numbers(doc: dict[str, Any]) -> list[int]:
    return [c["number"] for c in doc["cases"]]


def test_one_row_per_case_in_json(world: None, run_json: Any) -> None:
    doc = run_json("cases")
    assert doc["filters"] == {"organization": None, "month": None, "status": None}
    assert doc["count"] == 4 and numbers(doc) == [1, 2, 3, 4]
    one, two, three, four = doc["cases"]
    assert {k: one[k] for k in COLUMNS} == {
        "number": 1, "organization": "Acme", "partner": "Ana Partner", "channel": "telegram",
        "language": "en", "subject": "Our green tick request is stuck", "status": "resolved",
        "severity": one["severity"], "severity_set_by": "auto", "agent": "Otto Agent",
        "opened_at": "2026-02-10T09:00:00+00:00", "first_response_at": "2026-02-10T09:20:00+00:00",
        "resolved_at": "2026-02-16T10:00:00+00:00", "reopened": 2,
        "sla_due_at": one["sla_due_at"], "first_response": "within_target",
        "escalation_category": "oba_appeal",
        "escalation_requested_at": "2026-02-10T09:30:00+00:00", "escalation": "counted",
        "escalation_counted_month": "2026-02",
        # rounds 0 (5) and 1 (2) rated, round 2 asked but not rated: the latest rating counts
        "satisfaction_rating": 2, "satisfaction_comment": "slow the second time",
        "satisfaction_rated_at": "2026-02-14T12:00:00+00:00"}
    assert (two["severity"], two["severity_set_by"], two["first_response"], two["escalation"],
            two["escalation_counted_month"], two["satisfaction_rating"]) == \
        (1, "agent", "resolved_without_response", "expired", None, None)
    assert (three["organization"], three["channel"], three["language"], three["status"],
            three["first_response"], three["escalation"]) == \
        ("Globex", "slack", "de", "open", "missed", None)
    assert (four["escalation_category"], four["escalation"]) == \
        ("technical_messaging_issue", "pending")


def test_filters_use_the_billing_time_zone(world: None, run: Any, run_json: Any) -> None:
    assert numbers(run_json("cases", "--org", "ACME")) == [1, 2]
    # #3 was opened 2026-02-28 23:30 UTC: March 1st in Berlin
    assert numbers(run_json("cases", "--month", "2026-02")) == [1, 2]
    assert numbers(run_json("cases", "--month", "2026-03")) == [3, 4]
    assert numbers(run_json("cases", "--status", "resolved")) == [1, 2]
    assert numbers(run_json("cases", "--status", "OPEN", "--org", "globex",
                            "--month", "2026-03")) == [3, 4]
    doc = run_json("cases", "--org", "acme", "--month", "2026-03")
    assert (doc["cases"], doc["count"]) == ([], 0)
    assert doc["filters"] == {"organization": "Acme", "month": "2026-03", "status": None}
    empty = run("cases", "--month", "2025-01", "--status", "open")
    assert empty.exit_code == 0
    assert empty.stdout == "no cases (opened in 2025-01, open)\n"


def test_csv_has_every_column_in_utc(world: None, run: Any) -> None:
    result = run("cases", "--csv")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0] == ",".join(COLUMNS)
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["number"] for r in rows] == ["1", "2", "3", "4"]
    assert rows[2]["opened_at"] == "2026-02-28T23:30:00+00:00"
    assert (rows[0]["satisfaction_rating"], rows[0]["escalation"], rows[1]["agent"]) == \
        ("2", "counted", "")
    filtered = list(csv.DictReader(io.StringIO(run("cases", "--csv", "--org", "Globex").stdout)))
    assert [r["number"] for r in filtered] == ["3", "4"]


def test_text_shows_billing_time_zone_and_short_outcomes(world: None, run: Any) -> None:
    result = run("cases")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["#", "organization", "partner", "channel", "lang", "severity",
                                "opened", "first", "response", "resolved", "escalation",
                                "rating", "category"]
    assert lines[2].split() == ["#1", "Acme", "Ana", "Partner", "telegram", "en", "1", "auto",
                                "2026-02-10", "10:00", "2026-02-10", "10:20", "2026-02-16",
                                "11:00", "counted", "2026-02", "2/5", "oba_appeal"]
    assert "none (bare resolution)" in lines[3] and "expired" in lines[3]
    assert "2026-03-01 00:30" in lines[4] and "missed (overdue)" in lines[4]
    assert "pending" in lines[5] and "technical_messaging_issue" in lines[5]
    assert lines[-1] == "4 cases; times in Europe/Berlin"
    assert run("cases", "--org", "acme").stdout.splitlines()[-1] == \
        "2 cases (Acme); times in Europe/Berlin"


def test_case_show_in_json_and_text(world: None, run: Any, run_json: Any) -> None:
    doc = run_json("case", "show", "1")
    assert doc["number"] == 1 and doc["sla_target_minutes"] == 60  # Growth, severity 1
    assert doc["sla_due_at"] == "2026-02-10T10:00:00+00:00"
    assert [(r["round"], r["rating"], r["rated_by"]) for r in doc["ratings"]] == [
        (0, 5, "Ana Partner"), (1, 2, "Ana Partner"), (2, None, None)]
    assert [(m["kind"], m["author"], m["text"]) for m in doc["messages"]][:3] == [
        ("partner", "Ana Partner", "Our green tick request is stuck"),
        ("reply", "Otto Agent", "Looking into it.\nOne moment."),
        ("system", "Otto Agent", "resolved: Approved")]
    assert doc["messages"][1]["at"] == "2026-02-10T09:20:00+00:00"
    assert run_json("case", "show", "#1") == doc
    text = run("case", "show", "1").stdout
    assert "Case #1 (resolved): Acme, opened by Ana Partner on telegram in en" in text
    assert "first-response target 1h, due 2026-02-10 11:00: answered within the target" in text
    assert "escalation: oba_appeal, requested 2026-02-10 10:30, counted in 2026-02" in text
    assert "satisfaction (resolution 2): 2/5 by Ana Partner on 2026-02-14 13:00: " \
           "slow the second time" in text
    assert "Messages (times in Europe/Berlin):" in text
    assert "  2026-02-10 10:20  reply   Otto Agent\n      Looking into it.\n      One moment.\n" \
        in text
    two = run("case", "show", "2").stdout
    assert "severity 1, set by an agent" in two
    assert "resolved without a response" in two
    assert "expired (its month ended without it counting)" in two
    four = run("case", "show", "4").stdout
    assert "pending (counts if the case is resolved this month)" in four
    assert "first-response target 8h" in four and "missed, no response yet" in four


BAD = {
    "unknown org": (("cases", "--org", "Initech"), "unknown organization 'Initech'"),
    "bad month": (("cases", "--month", "2026-13"), "--month"),
    "month as words": (("cases", "--month", "March"), "malformed month"),
    "bad status": (("cases", "--status", "closed"), "--status"),
    "two formats": (("cases", "--json", "--csv"), "choose one of --json and --csv"),
    "unknown case": (("case", "show", "999"), "unknown case #999"),
    "case zero": (("case", "show", "0"), "at least 1"),
    "case not a number": (("case", "show", "abc"), "whole number"),
    "case huge": (("case", "show", "99999999999999"), "at most"),
    "case missing": (("case", "show"), "Missing argument"),
    "unknown option": (("cases", "--since", "2026-01-01"), "--since"),
}


@pytest.mark.parametrize("case", BAD.values(), ids=list(BAD))
def test_bad_input_is_one_line_and_exit_2(world: None, run: Any,
                                          case: tuple[tuple[str, ...], str]) -> None:
    args, fragment = case
    one_line_refusal(run(*args), fragment)


def test_other_cases_are_refused_alike_when_missing(desk: DeskContext, run: Any) -> None:
    """An empty desk: no cases, and every number is unknown."""
    assert run("cases").stdout == "no cases\n"
    one_line_refusal(run("case", "show", "1"), "unknown case #1")


def test_help_of_every_command(run: Any) -> None:
    for args, fragment in ((("cases",), "one row each"),
                           (("case", "show"), "first-response target"), (("case",), "show")):
        result = run(*args, "--help")
        assert result.exit_code == 0 and fragment in result.stdout, result.stdout
        assert "--json" in result.stdout or args == ("case",)
    assert "--csv" in run("cases", "--help").stdout


def _many_cases(desk: DeskContext, count: int) -> None:
    """`count` bare cases of one organization, inserted in bulk."""
    with transaction(desk.sessions) as s:
        org = s.scalars(select(Organization)).first()
        partner = s.scalar(select(User).where(User.role == "partner"))
        assert org is not None and partner is not None
        conv = Conversation(channel="console", chat_id="bulk", thread_key="")
        s.add(conv)
        s.flush()
        s.execute(insert(Case), [
            {"org_id": org.id, "opened_by_id": partner.id, "conversation_id": conv.id,
             "status": "open", "severity": 3, "severity_source": "auto",
             "severity_reasons": [], "subject": f"bulk {i}", "language": "en",
             "opened_at": utc(2026, 3, 9), "active_since": utc(2026, 3, 9),
             "updated_at": utc(2026, 3, 9), "reopened_count": 0} for i in range(count)])


def test_large_exports_are_read_in_batches(world: None, desk: DeskContext, run: Any,
                                           engine: Any) -> None:
    """More rows than one batch: all come out, from one query run as a stream."""
    _many_cases(desk, case_export.STREAM_BATCH * 2 + 7)
    streamed: list[bool] = []

    def seen(conn: Any, cursor: Any, statement: str, params: Any, context: Any,
             many: bool) -> None:
        if "FROM cases" in statement and "satisfaction_ratings" in statement:
            streamed.append(bool(context.execution_options.get("stream_results")))

    event.listen(engine, "before_cursor_execute", seen)
    try:
        result = run("cases", "--csv")
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout.splitlines()) == 1 + 4 + case_export.STREAM_BATCH * 2 + 7
    assert streamed == [True]
    doc = json.loads(run("cases", "--json", "--month", "2026-03").stdout)
    assert doc["count"] == 2 + case_export.STREAM_BATCH * 2 + 7


@pytest.mark.parametrize("fmt", ["--csv", "--json", None])
def test_rows_are_written_as_they_are_read(world: None, desk: DeskContext,
                                           monkeypatch: pytest.MonkeyPatch,
                                           fmt: str | None) -> None:
    """The command writes each row before reading the next: a failure after two rows leaves
    those two rows on stdout (nothing collects the export in memory first)."""
    real = case_export.rows

    def two_then_fail(*args: Any, **kwargs: Any) -> Iterator[dict[str, Any]]:
        found = real(*args, **kwargs)
        yield next(found)
        yield next(found)
        raise RuntimeError("the database went away")

    monkeypatch.setattr(case_export, "rows", two_then_fail)
    result = CliRunner().invoke(cli, ["cases"] + ([fmt] if fmt else []), obj=desk)
    assert isinstance(result.exception, RuntimeError)
    out = result.stdout
    if fmt is None:
        assert "#1 " in out and "#2 " in out and "#3 " not in out
    else:
        assert "Our green tick request is stuck" in out and "Invoice question" in out
        assert "Die API ist ausgefallen" not in out


def test_now_decides_pending_and_expired(world: None, desk: DeskContext,
                                         run_json: Any) -> None:
    """#4's escalation is pending in March and expired once March has ended."""
    assert isinstance(desk.clock, FixedClock)
    assert run_json("cases", "--org", "Globex")["cases"][1]["escalation"] == "pending"
    desk.clock.set(utc(2026, 3, 31, 22, 30))  # April 1st, 00:30 in Berlin
    assert run_json("cases", "--org", "Globex")["cases"][1]["escalation"] == "expired"
    desk.clock.set(NOW)
