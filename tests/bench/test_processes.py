"""The one process helper (bench/processes.py) the benchmarks and the process tests share."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.common import REPO
from bench.processes import DeskExited, DeskProcess, TimedOut, desk_env, wait_until


def test_wait_until_returns_the_first_truthy_value() -> None:
    answers = iter([None, 0, "ready"])
    assert wait_until(lambda: next(answers), "the third answer", interval=0) == "ready"


def test_wait_until_fails_with_what_it_waited_for_and_the_description() -> None:
    with pytest.raises(TimedOut, match="the impossible") as caught:
        wait_until(lambda: False, "the impossible", timeout=0.1, describe=lambda: "calls: []",
                   interval=0.01)
    assert isinstance(caught.value, AssertionError)  # a failed test, not an error
    assert "calls: []" in str(caught.value)


def test_desk_env_drops_inherited_channel_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "inherited")
    monkeypatch.setenv("BILLING_TIMEZONE", "Asia/Tokyo")
    env = desk_env("sqlite:///x.sqlite3", slack_bot_token="xoxb-1", LOG_LEVEL="INFO")
    assert "TELEGRAM_BOT_TOKEN" not in env and "BILLING_TIMEZONE" not in env
    assert env["SLACK_BOT_TOKEN"] == "xoxb-1" and env["LOG_LEVEL"] == "INFO"
    assert env["DATABASE_URL"] == "sqlite:///x.sqlite3"
    assert env["PYTHONPATH"].split(":")[0] == str(REPO)


def test_a_desk_process_that_ends_is_reported_with_its_log(tmp_path: Path) -> None:
    desk = DeskProcess(tmp_path, desk_env(f"sqlite:///{tmp_path / 'd.sqlite3'}"),
                       name="help", args=("--help",))
    assert desk.stop() == 0  # never started: nothing to stop
    desk.start()
    with pytest.raises(DeskExited, match="Usage"):
        wait_until(lambda: False, "the end of --help", timeout=60, desk=desk)
    assert desk.stop() == 0
    desk.start()  # a restart appends to the same log
    wait_until(lambda: not desk.alive(), "the second --help to end", timeout=60)
    assert desk.log().count("Usage") == 2
    assert "Usage" in desk.cli("--help")
