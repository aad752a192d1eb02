"""`org show` says whether onboarding of new clients is blocked, and by which invoice."""

from __future__ import annotations

from typing import Any

from tests.cli.test_invoice_cli import NUMBER, billed  # noqa: F401 (fixture)


def test_org_show_names_the_blocking_invoice_until_it_is_paid(billed: None, run: Any,  # noqa: F811
                                                              run_json: Any) -> None:
    doc = run_json("org", "show", "Acme")
    assert doc["onboarding"] == {"blocked": True, "invoice": NUMBER,
                                 "overdue_since": "2026-03-02", "balance": "500.00"}
    text = run("org", "show", "Acme").stdout
    assert f"BLOCKED: invoice {NUMBER} overdue since 2026-03-02, balance 500.00 EUR" in text
    assert "never blocked (partner-paid)" in run("org", "show", "Beta").stdout
    assert run_json("org", "show", "Beta")["onboarding"]["blocked"] is False
    run_json("invoice", "pay", NUMBER, "--amount", "500", "--method", "card")
    assert run_json("org", "show", "Acme")["onboarding"]["blocked"] is False
    assert "not blocked (no overdue plan invoice)" in run("org", "show", "Acme").stdout
