"""A real `supportdesk run` child process for the channel benchmarks, and its SQLite database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Engine

from bench.common import REPO
from store.db import make_engine
from store.migrate import upgrade

SUPPORTDESK = str(Path(sys.executable).parent / "supportdesk")


def fresh_sqlite(workdir: Path, name: str) -> tuple[str, Engine]:
    """A migrated SQLite database file in workdir (any old one removed): (url, engine)."""
    path = workdir / f"{name}.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine)
    return url, engine


def desk_env(database_url: str, **settings: str) -> dict[str, str]:
    """The environment of a desk process: no inherited channel settings, this checkout first."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEGRAM_", "SLACK_", "DATABASE_URL", "BILLING_"))}
    env.update({
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "WARNING",
        "NO_PROXY": "127.0.0.1,localhost",
        "PYTHONUNBUFFERED": "1",
        "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p),
    })
    env.update({k.upper(): v for k, v in settings.items()})
    return env


class DeskProcess:
    """`supportdesk run --no-scheduler` with its output in workdir/<name>.log."""

    def __init__(self, workdir: Path, name: str, env: dict[str, str]) -> None:
        self.workdir = workdir
        self.log_path = workdir / f"{name}.log"
        self.env = env
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def start(self) -> DeskProcess:
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen([SUPPORTDESK, "run", "--no-scheduler"], cwd=self.workdir,
                                     env=self.env, stdout=self._log, stderr=subprocess.STDOUT)
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def check_alive(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            raise RuntimeError(f"the desk process exited:\n{self.log()[-3000:]}")

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM, wait (bounded), SIGKILL if it does not stop; returns the exit code."""
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if self._log is not None:
            self._log.close()
        return int(self.proc.returncode)

    def __enter__(self) -> DeskProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def wait_until(predicate: Callable[[], Any], timeout: float, what: str,
               desk: DeskProcess | None = None, interval: float = 0.01) -> Any:
    """Poll predicate until truthy; RuntimeError after timeout or if the desk died."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if desk is not None:
            desk.check_alive()
        if time.monotonic() > deadline:
            tail = desk.log()[-2000:] if desk is not None else ""
            raise RuntimeError(f"timed out after {timeout:.0f}s waiting for {what}\n{tail}")
        time.sleep(interval)
