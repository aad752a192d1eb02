"""The example process definitions name real commands, options and settings."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.settings import Settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
SETTINGS = set(Settings.model_fields)


def supportdesk_args(command: str) -> list[str]:
    words = shlex.split(command)
    return words[[w.rsplit("/", 1)[-1] for w in words].index("supportdesk") + 1:]


def commands() -> list[tuple[str, list[str]]]:
    found = []
    for line in (DEPLOY / "Procfile").read_text().splitlines():
        if line and not line.startswith("#"):
            name, command = line.split(":", 1)
            found.append((f"Procfile {name}", supportdesk_args(command)))
    for unit in sorted((DEPLOY / "systemd").glob("*.service")):
        for line in unit.read_text().splitlines():
            if line.startswith("ExecStart="):
                found.append((unit.name, supportdesk_args(line.split("=", 1)[1])))
    return found


def test_every_process_definition_is_a_real_command() -> None:
    found = commands()
    assert {tuple(args) for _, args in found} == {("run", "--no-scheduler"), ("scheduler",)}
    for where, args in found:
        result = CliRunner().invoke(cli, [*args, "--help"])
        assert result.exit_code == 0, f"{where}: {args}: {result.output}"


@pytest.mark.parametrize("path", ["Procfile", "systemd/supportdesk-web@.service",
                                  "systemd/supportdesk-scheduler.service",
                                  "systemd/supportdesk.env.example"])
def test_settings_named_in_deploy_files_exist(path: str) -> None:
    text = (DEPLOY / path).read_text()
    names = set(re.findall(r"\b([A-Z][A-Z0-9_]+)=", text))  # VAR=... wherever it is set
    assert {n.lower() for n in names} <= SETTINGS, names
    assert "SLACK_APP_TOKEN" not in names  # HTTP mode behind a load balancer
