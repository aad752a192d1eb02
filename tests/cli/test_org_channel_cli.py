"""`supportdesk org channel add|list|remove`: shared channels linked to organizations."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from desk import linked_channels
from store.models import AuditEntry, LinkedChannel
from tests.cli.test_admin_cli import add_acme


def _orgs(run_json: Any) -> None:
    add_acme(run_json)
    run_json("org", "add", "Beta", "--currency", "USD", "--billing-model", "direct-paid")


def test_add_list_remove_with_audit(run_json: Any, run: Any, sessions: Any) -> None:
    _orgs(run_json)
    doc = run_json("org", "channel", "add", "acme", "--slack", "C0ACME0001")
    assert doc["organization"] == "Acme" and doc["channel"] == "slack"
    assert doc["chat_id"] == "C0ACME0001" and doc["mode"] == "every-message"
    tg = run_json("org", "channel", "add", "Beta", "--telegram", "-1001234567890",
                  "--mode", "mention")
    assert tg["chat_id"] == "-1001234567890" and tg["mode"] == "mention"
    listed = run_json("org", "channel", "list")["channels"]
    assert [(c["organization"], c["channel"], c["chat_id"]) for c in listed] == [
        ("Acme", "slack", "C0ACME0001"), ("Beta", "telegram", "-1001234567890")]
    only = run_json("org", "channel", "list", "Beta")
    assert only["organization"] == "Beta" and len(only["channels"]) == 1
    text = run("org", "channel", "list").stdout
    assert "C0ACME0001" in text and "every-message" in text and "mention" in text
    with sessions() as session:
        found = linked_channels.lookup(session, "telegram", "-1001234567890")
        assert found is not None and found.mode == "mention"
        assert linked_channels.lookup(session, "slack", "C0OTHER001") is None
    removed = run_json("org", "channel", "remove", "--telegram", "-1001234567890")
    assert removed["removed"] is True and removed["organization"] == "Beta"
    assert run_json("org", "channel", "list", "Beta")["channels"] == []
    assert "no shared channels linked" in run("org", "channel", "list", "Beta").stdout
    with sessions() as session:
        actions = session.scalars(select(AuditEntry.action).where(
            AuditEntry.entity == "linked_channel").order_by(AuditEntry.id)).all()
    assert actions == ["org.channel.link", "org.channel.link", "org.channel.unlink"]


def _refused(run: Any, *args: str) -> str:
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    return lines[0]


def test_refusals_are_one_line_and_change_nothing(run_json: Any, run: Any,
                                                  sessions: Any) -> None:
    _orgs(run_json)
    run_json("org", "channel", "add", "Acme", "--slack", "C0ACME0001")
    assert "already linked to Acme" in _refused(
        run, "org", "channel", "add", "Beta", "--slack", "C0ACME0001")
    assert "exactly one" in _refused(run, "org", "channel", "add", "Acme")
    assert "exactly one" in _refused(run, "org", "channel", "add", "Acme", "--slack",
                                     "C0ACME0002", "--telegram", "-100")
    assert "not a Slack channel id" in _refused(
        run, "org", "channel", "add", "Acme", "--slack", "general")
    assert "not a Telegram group chat id" in _refused(
        run, "org", "channel", "add", "Acme", "--telegram", "12345")
    _refused(run, "org", "channel", "add", "Acme", "--slack", "C0ACME0002", "--mode", "loud")
    assert "unknown organization" in _refused(
        run, "org", "channel", "add", "Nope", "--slack", "C0ACME0002")
    assert "not linked to Beta" in _refused(
        run, "org", "channel", "remove", "Beta", "--slack", "C0ACME0001")
    assert "not linked to any organization" in _refused(
        run, "org", "channel", "remove", "--slack", "C0ACME0009")
    with sessions() as session:
        rows = session.scalars(select(LinkedChannel)).all()
        assert [(r.chat_id, r.org_id) for r in rows] == [("C0ACME0001", rows[0].org_id)]
        assert session.scalar(select(AuditEntry).where(
            AuditEntry.action == "org.channel.unlink")) is None


def test_help_of_each_command(run: Any) -> None:
    for sub in ("add", "list", "remove"):
        result = run("org", "channel", sub, "--help")
        assert result.exit_code == 0 and "--json" in result.stdout
    assert "Slack Connect" in run("org", "channel", "--help").stdout
