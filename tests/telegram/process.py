"""The real `supportdesk` process for end-to-end tests: admin CLI calls and `supportdesk run`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import IO

from tests.fakes.telegram_api import TOKEN, FakeTelegramAPI

SUPPORTDESK = str(Path(sys.executable).parent / "supportdesk")
REPO = Path(__file__).resolve().parents[2]


class DeskProcess:
    """`supportdesk run --no-scheduler` against the fake Bot API, with its own database."""

    def __init__(self, workdir: Path, database_url: str, api: FakeTelegramAPI,
                 agent_chat_id: str, **settings: str) -> None:
        self.workdir = workdir
        self.log_path = workdir / "desk.log"
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("TELEGRAM_", "SLACK_", "DATABASE_URL", "BILLING_"))}
        env.update({
            "DATABASE_URL": database_url,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": api.base_url,
            "TELEGRAM_AGENT_CHAT_ID": agent_chat_id,
            "OUTBOX_POLL_SECONDS": "0.2",
            "LOG_LEVEL": "INFO",
            "NO_PROXY": "127.0.0.1,localhost",
            "PYTHONUNBUFFERED": "1",
            # this checkout's packages first, whatever an older editable install maps
            "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH"))
                                          if p),
        })
        env.update({k.upper(): v for k, v in settings.items()})
        self.env = env
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def cli(self, *args: str) -> str:
        """Run an admin command (e.g. `org add`); fail the test with its output if it fails."""
        done = subprocess.run([SUPPORTDESK, *args], cwd=self.workdir, env=self.env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"supportdesk {' '.join(args)}: {done.stderr}{done.stdout}"
        return done.stdout

    def start(self) -> DeskProcess:
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen([SUPPORTDESK, "run", "--no-scheduler"], cwd=self.workdir,
                                     env=self.env, stdout=self._log, stderr=subprocess.STDOUT)
        return self

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self, timeout: float = 60) -> int:
        """SIGTERM and wait for a clean exit; returns the exit code."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
                raise AssertionError("supportdesk run ignored SIGTERM:\n" + self.log()) from None
        if self._log is not None:
            self._log.close()
        return int(self.proc.returncode)
