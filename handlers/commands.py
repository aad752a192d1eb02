"""The command modules the desk loads; a module registers its commands when imported."""

from __future__ import annotations

import importlib

# Each listed module registers its commands with handlers.registry.command on import.
MODULES: list[str] = [
    "handlers.partner_commands",
    "handlers.agent_commands",
    "handlers.escalation_commands",
    "handlers.invoice_commands",
    "handlers.beta_commands",
    "handlers.plan_commands",
    "handlers.satisfaction_commands",
]


def load() -> None:
    """Import every command module (idempotent); a missing module is an error, not a skip."""
    for name in MODULES:
        importlib.import_module(name)
