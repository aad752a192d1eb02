"""Smoke test of `python -m bench`: the quick message-path part runs and reports its structure.

Asserts only the shape of the output and of results.json, never a time or a ratio.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.__main__ import PARTS, format_figure, verdict
from bench.common import Figure, percentile

REPO = Path(__file__).resolve().parents[2]


def test_quick_message_path_reports_figure_reference_ratio_target(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("TEST_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--only", "message_path", "--out", str(out)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "[message_path]" in done.stdout
    line = next(x for x in done.stdout.splitlines() if x.strip().startswith("figure "))
    for word in ("reference", "ratio", "target"):
        assert word in line
    assert line.rstrip().endswith(("| MET", "| NOT MET"))
    assert "month_close" not in done.stdout  # --only ran only the part asked for

    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["quick"] is True
    assert {"nproc", "cpu_model", "memory_mib", "date"} <= set(doc["machine"])
    [part] = doc["parts"]
    assert part["part"] == "message_path" and part["status"] == "ran"
    [fig] = part["figures"]
    assert fig["unit"] == "ms" and isinstance(fig["met"], bool)
    assert fig["value"] > 0 and fig["reference"] > 0 and fig["ratio"] > 0
    assert fig["details"]["messages"] == 100
    assert fig["details"]["replies"] == 100  # every partner message was answered once
    assert doc["summary"]["met"] + doc["summary"]["not_met"] == 1


def test_month_close_is_skipped_with_a_clear_line_without_postgres(tmp_path: Path) -> None:
    from bench.close import run
    from bench.common import Options

    result = run(Options(quick=True, database_url=None, workdir=tmp_path))
    assert result.status == "skipped"
    assert "PostgreSQL" in result.note and "TEST_DATABASE_URL" in result.note


def test_unknown_part_is_refused() -> None:
    done = subprocess.run([sys.executable, "-m", "bench", "--only", "nope"], cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "invalid choice" in done.stderr


@pytest.mark.parametrize(("met", "word"), [(True, "MET"), (False, "NOT MET"), (None, "-")])
def test_verdict_words(met: bool | None, word: str) -> None:
    assert verdict(met) == word
    fig = Figure(name="x", value=1.5, unit="ms", target="< 2 ms", met=met, reference=1.0,
                 reference_label="ref", ratio=1.5)
    assert format_figure(fig).rstrip().endswith(f"| {word}")
    assert "1.50x" in format_figure(fig)


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile(values, 100) == 100.0
    assert percentile([7.0], 99) == 7.0


def test_every_part_is_a_module_with_run() -> None:
    import importlib

    for module in PARTS.values():
        assert callable(importlib.import_module(module).run)
