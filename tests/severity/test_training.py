"""`python -m severity.train` rebuilds the shipped model from the corpus, deterministically."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import linear
from severity import dataset
from severity.model import MODEL_DIR, read, shipped
from severity.report import predictions_of

ROOT = Path(__file__).resolve().parents[2]


def test_training_reproduces_the_shipped_model(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "severity.train", "--output", str(tmp_path)],
                          capture_output=True, text=True, cwd=ROOT, check=False, timeout=600)
    assert done.returncode == 0, done.stderr
    assert json.loads((tmp_path / "model.json").read_text())["corpus_sha256"] == \
        shipped().meta["corpus_sha256"], "the corpus changed: run python -m severity.train"
    members = sorted(p.name for p in MODEL_DIR.glob("member*"))
    assert members and members == sorted(p.name for p in tmp_path.glob("member*"))
    for name in members:
        rebuilt, original = linear.read(tmp_path / name), linear.read(MODEL_DIR / name)
        # Equal up to rounding: the BLAS kernels (and so the summation order the solver's
        # iterations amplify) differ by CPU, e.g. AVX-512 on Xeon against AVX2 on EPYC, which
        # moves weights by up to ~0.05 % of the largest one. 1 % is still far below any change
        # a different corpus, feature set or hyper-parameter makes.
        largest = max(abs(w) for w in original.values())
        assert max(abs(a - b) for a, b in zip(rebuilt.values(), original.values(),
                                              strict=True)) < 0.01 * largest
    blind = dataset.blind()
    again = [v for _, v in predictions_of(read(tmp_path), blind)]
    before = [v for _, v in predictions_of(shipped(), blind)]
    assert sum(a == b for a, b in zip(again, before, strict=True)) >= 0.99 * len(blind)


def test_the_cross_validation_figure_is_printed() -> None:
    done = subprocess.run([sys.executable, "-m", "severity.report", "--training"],
                          capture_output=True, text=True, cwd=ROOT, check=False, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "exact:" in done.stdout and "confusion" in done.stdout
