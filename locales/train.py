"""`python -m locales.train`: fit the language identifier on partner chat lines and ship it.

Development only (the `train` extra). Training data: locales/corpus/dev (short chat lines per
language, and lines in unsupported languages) and the severity training corpus (longer
messages). The blind batch locales/corpus/blind is never read here.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import sys
from collections.abc import Sequence
from pathlib import Path

import linear
from locales.identify import DIMENSION, MODEL_DIR, OTHER, features
from locales.languages import LANGUAGES

ROOT = Path(__file__).resolve().parent
DEV = ROOT / "corpus" / "dev"
SEVERITY_TRAIN = ROOT.parent / "severity" / "corpus" / "train"
# The severity corpus files whose (longer) messages teach the identifier; pinned so that new
# severity batches do not silently change the shipped identifier.
SEVERITY_FILES = ("en.tsv", "pt-BR.tsv", "de.tsv", "es.tsv", "ru.tsv", "legacy.tsv")
LABELS = (*LANGUAGES, OTHER)
REGULARIZATION = 10.0


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def label(code: str) -> str:
    return code if code in LANGUAGES else OTHER


def examples() -> list[tuple[str, str]]:
    """(label, text) pairs from every training file."""
    found: list[tuple[str, str]] = []
    for path in sorted(DEV.glob("*.tsv")):
        for row in _rows(path):
            found.append((label(row.get("lang") or path.stem), row["text"]))
    for path in sorted(SEVERITY_TRAIN / name for name in SEVERITY_FILES):
        for row in _rows(path):
            found.append((label(row.get("lang") or path.stem), row["text"]))
    return [(lang, text) for lang, text in found if text]


def fit(pairs: Sequence[tuple[str, str]]) -> linear.LinearModel:
    rows = [linear.sparse(features(text)) for _, text in pairs]
    return linear.fit(rows, [lang for lang, _ in pairs], LABELS, DIMENSION, REGULARIZATION,
                      {"examples": len(pairs)})


def cross_validate(pairs: Sequence[tuple[str, str]], folds: int = 5
                   ) -> list[tuple[str, str, dict[str, float]]]:
    """(label, text, probabilities) for every example from a model that did not see it."""
    ordered = sorted(pairs, key=lambda p: hashlib.sha1(p[1].encode()).hexdigest())
    result = []
    for k in range(folds):
        model = fit([p for i, p in enumerate(ordered) if i % folds != k])
        for lang, text in ordered[k::folds]:
            probabilities = model.probabilities(features(text))
            result.append((lang, text, dict(zip(model.labels, probabilities, strict=True))))
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m locales.train", description=__doc__)
    parser.add_argument("--output", type=Path, default=MODEL_DIR)
    args = parser.parse_args(argv)
    pairs = examples()
    linear.write(args.output, fit(pairs))
    print(f"wrote {args.output} ({len(pairs)} examples)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
