"""Real desk processes for benchmarks and tests: environment, start/stop, bounded waiting.

One helper for everything that runs `supportdesk` as a child process (the channel benchmarks,
the end-to-end and fault tests): `desk_env` builds its environment, `DeskProcess` starts,
kills and stops it and runs admin commands with the same settings, `wait_until` polls a
condition with a generous bound (never an assertion on speed).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Engine

from bench.common import REPO
from store.db import make_engine
from store.migrate import upgrade

SUPPORTDESK = str(Path(sys.executable).parent / "supportdesk")
# The CLI through this interpreter: works whether or not the console script is installed.
DESK_COMMAND = (sys.executable, "-c", "from bot.cli import main; main()")
RUN = ("run", "--no-scheduler")
T = TypeVar("T")


class TimedOut(AssertionError):
    """A condition did not come true within its bound (a failure, not an error, in tests)."""


class DeskExited(AssertionError):
    """The desk process ended while something was still expected of it."""


def wait_until(predicate: Callable[[], T], what: str = "condition", timeout: float = 45.0,
               describe: Callable[[], str] | None = None, *, desk: DeskProcess | None = None,
               interval: float = 0.05) -> T:
    """Poll `predicate` until it returns something truthy and return that.

    Raises TimedOut after `timeout` seconds, with `describe()` (e.g. the calls a fake server saw)
    or the end of the desk's log in the message, and DeskExited at once if `desk` has ended.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if desk is not None:
            desk.check_alive()
        if time.monotonic() > deadline:
            detail = describe() if describe is not None else (desk.log()[-2000:] if desk else "")
            raise TimedOut(f"timed out after {timeout:.0f} s waiting for {what}"
                           + (f"\n{detail}" if detail else ""))
        time.sleep(interval)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def listening(port: int) -> bool:
    """True when something accepts connections on 127.0.0.1:port."""
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


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
    """The environment of a desk process: no inherited channel, database or billing settings,
    this checkout's packages first; `settings` (lower-case names allowed) override."""
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
    """`supportdesk run --no-scheduler` (or other `args`) as a child process in `workdir`.

    Every start appends its output to workdir/<name>.log, so a test that kills and restarts the
    desk keeps one log of both lives.
    """

    def __init__(self, workdir: Path, env: dict[str, str], name: str = "desk",
                 args: Sequence[str] = RUN) -> None:
        self.workdir = workdir
        self.env = env
        self.args = tuple(args)
        self.log_path = workdir / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> DeskProcess:
        assert not self.alive(), "the desk is already running"
        with self.log_path.open("ab") as sink:  # the child keeps its own descriptor
            self.process = subprocess.Popen([*DESK_COMMAND, *self.args], cwd=self.workdir,
                                            env=self.env, stdout=sink, stderr=subprocess.STDOUT)
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def check_alive(self) -> bool:
        """True while running; DeskExited (with the log) once it has ended."""
        if not self.alive():
            raise DeskExited(f"the desk process exited:\n{self.log()[-3000:]}")
        return True

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def cli(self, *args: str) -> str:
        """Run an admin command (e.g. `org add`) with the desk's settings; its output.

        Fails (AssertionError with the output) when the command does.
        """
        done = subprocess.run([*DESK_COMMAND, *args], cwd=self.workdir, env=self.env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"supportdesk {' '.join(args)}: {done.stderr}{done.stdout}"
        return done.stdout

    def kill(self) -> None:
        """SIGKILL: no clean-up at all, as when a machine dies."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=20)

    def stop(self, timeout: float = 60) -> int:
        """SIGTERM and wait (bounded), SIGKILL if it does not stop; the exit code (0 if never
        started). A desk that ignored SIGTERM returns -9, which callers asserting 0 report."""
        if self.process is None:
            return 0
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        return int(self.process.returncode)

    def __enter__(self) -> DeskProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
