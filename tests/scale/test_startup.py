"""Several processes starting at once on a fresh PostgreSQL database: one migrates, all start."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import inspect

from store.db import make_engine
from store.migrate import current_revision
from tests.conftest import PG_URL, fresh_postgres_database
from tests.scale.harness import REPO

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120)]

UPGRADE = """
import sys, time
from pathlib import Path
from store.db import make_engine
from store.migrate import upgrade
engine = make_engine(sys.argv[1])
go = Path(sys.argv[2])
Path(sys.argv[2] + sys.argv[3]).write_text("ready")
deadline = time.monotonic() + 60
while not go.exists() and time.monotonic() < deadline:
    time.sleep(0.005)
print("applied" if upgrade(engine) else "up-to-date")
"""


def test_three_processes_migrating_at_once_all_start(tmp_path: Path) -> None:
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set (the scale tests need PostgreSQL)")
    url, drop = fresh_postgres_database()
    try:
        go = tmp_path / "go"
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        procs = [subprocess.Popen([sys.executable, "-c", UPGRADE, url, str(go), f".{i}"],
                                  cwd=REPO, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for i in range(3)]
        deadline = time.monotonic() + 60
        while not all(Path(f"{go}.{i}").exists() for i in range(3)):
            assert time.monotonic() < deadline, "the processes did not get ready"
            assert all(p.poll() is None for p in procs), [p.communicate() for p in procs]
            time.sleep(0.02)
        go.write_text("go")
        outcomes = []
        for proc in procs:
            out, err = proc.communicate(timeout=90)
            assert proc.returncode == 0, err
            outcomes.append(out.strip())
        assert sorted(outcomes) == ["applied", "up-to-date", "up-to-date"]
        engine = make_engine(url)
        try:
            assert current_revision(engine) is not None
            assert "escalations" in inspect(engine).get_table_names()
        finally:
            engine.dispose()
    finally:
        drop()
