"""A private, throw-away PostgreSQL cluster for tests that stop and start the server.

The shared server at 127.0.0.1:5432 is never touched. initdb refuses to run as root, so as
root the cluster belongs to the `postgres` system user (or `pgtest`, created if neither
exists) and its commands run through runuser.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

OWNERS = ("postgres", "pgtest")


class Unavailable(RuntimeError):
    """A private cluster cannot be started here; the message says why."""


def _bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if not found:
        raise Unavailable("no PostgreSQL server binaries in /usr/lib/postgresql/*/bin")
    return Path(found[-1]).parent


def _owner() -> str | None:
    """The user to run the server as (None: the current, non-root user)."""
    if os.geteuid() != 0:
        return None
    for name in OWNERS:
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    created = subprocess.run(["useradd", "--system", "--no-create-home", "--shell",
                              "/usr/sbin/nologin", OWNERS[-1]], capture_output=True, text=True)
    if created.returncode != 0:
        raise Unavailable(f"running as root and could not create user {OWNERS[-1]}: "
                          f"{created.stderr.strip()}")
    return OWNERS[-1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PrivateCluster:
    """initdb into a temporary directory; start/stop/restart on a free 127.0.0.1 port."""

    def __init__(self) -> None:
        self.bin = _bin_dir()
        self.owner = _owner()
        self.root = Path(tempfile.mkdtemp(prefix="sd-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = _free_port()
        os.chmod(self.root, 0o755)
        if self.owner is not None:
            entry = pwd.getpwnam(self.owner)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = 90) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.owner is not None:
            command = ["runuser", "-u", self.owner, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                              cwd=self.root)
        if done.returncode != 0:
            server_log = self.log.read_text(errors="replace") if self.log.exists() else ""
            raise Unavailable(f"{' '.join(args[:2])} failed ({done.returncode}): "
                              f"{done.stderr.strip() or done.stdout.strip()}\n{server_log[-2000:]}")

    def init(self) -> PrivateCluster:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--no-sync", "--no-instructions")
        return self

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c full_page_writes=off -c max_connections=50")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w",
                  "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: 'fast' closes every connection; 'immediate' is a crash."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(Unavailable):
                self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)
