"""Imports go one way: each package imports only the layers below it (checked on the source)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("ai", "linear", "billing", "severity", "locales", "messages", "store", "desk", "sla",
            "escalation", "handlers", "bot")
CORES = {"ai", "linear", "billing", "severity", "locales"}
# What each package may import of the app. `messages` is the message contract (Incoming, Reply,
# Button, Outcome, button data): plain data that the services produce and the channels render.
ALLOWED = {
    # `linear` (hashed-feature linear models) is the one thing the severity and language
    # cores share; it imports nothing of the app.
    "ai": set(),  # the optional model client: HTTP and prompts only
    "linear": set(), "billing": set(), "severity": {"linear"}, "locales": {"linear"},
    "messages": set(), "store": set(),
    "desk": CORES | {"store", "messages"},
    "sla": CORES | {"store", "desk", "messages"},
    "escalation": CORES | {"store", "desk", "sla", "messages"},
    "handlers": CORES | {"store", "desk", "sla", "escalation", "messages"},
    "bot": CORES | {"store", "desk", "sla", "escalation", "handlers", "messages"},
}


def imported(package: str) -> dict[str, set[str]]:
    """Per file of the package, the app modules it imports (anywhere in the file)."""
    found: dict[str, set[str]] = {}
    for path in sorted((REPO / package).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module)
        found[str(path.relative_to(REPO))] = {
            n for n in names if n.split(".")[0] in PACKAGES and n.split(".")[0] != package}
    return found


def allowed(package: str, module: str) -> bool:
    return any(module == rule or module.startswith(rule + ".") for rule in ALLOWED[package])


@pytest.mark.parametrize("package", PACKAGES)
def test_imports_go_one_way(package: str) -> None:
    wrong = {path: sorted(m for m in modules if not allowed(package, m))
             for path, modules in imported(package).items()}
    assert {path: mods for path, mods in wrong.items() if mods} == {}


def test_the_contract_imports_nothing_of_the_app() -> None:
    assert set().union(*imported("messages").values()) == set()
