"""Multinomial linear models over hashed features: pure-Python inference, package-data storage.

Shared by the severity and language cores. Training (`fit`) uses scikit-learn and is for
development only; inference reads the table and needs nothing beyond the standard library.
Tables are stored and held as int16 with one scale per model: half the memory of float32, and
verdicts identical on every corpus (tests/test_linear.py).
"""

from __future__ import annotations

import json
import math
import zlib
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path


def slot(name: str, dimension: int) -> int:
    """The weight-table slot of a feature name (stable across processes and platforms);
    `dimension` is a power of two."""
    return zlib.crc32(name.encode("utf-8")) & (dimension - 1)


@dataclass(frozen=True)
class LinearModel:
    """Weights stored slot-major (slot * classes + class), one intercept per class; a weight's
    value is `weights[i] * scale` (int16 quanta as read from disk, or floats with scale 1)."""

    labels: tuple[str, ...]
    dimension: int
    weights: array
    intercepts: tuple[float, ...]
    meta: dict = field(default_factory=dict)
    scale: float = 1.0

    def values(self) -> list[float]:
        """The weights as floats."""
        return [w * self.scale for w in self.weights]

    def scores(self, features: Iterable[tuple[int, float]]) -> list[float]:
        k = len(self.labels)
        w = self.weights
        scale = self.scale
        if k == 3:  # the severity models: unrolled, it is the hot loop of triage
            s0 = s1 = s2 = 0.0
            for index, value in features:
                base = index * 3
                s0 += value * w[base]
                s1 += value * w[base + 1]
                s2 += value * w[base + 2]
            b0, b1, b2 = self.intercepts
            return [b0 + s0 * scale, b1 + s1 * scale, b2 + s2 * scale]
        if k == 6:  # the language identifier: five languages and "other"
            t0 = t1 = t2 = t3 = t4 = t5 = 0.0
            for index, value in features:
                base = index * 6
                t0 += value * w[base]
                t1 += value * w[base + 1]
                t2 += value * w[base + 2]
                t3 += value * w[base + 3]
                t4 += value * w[base + 4]
                t5 += value * w[base + 5]
            return [b + t * scale for b, t in zip(self.intercepts, (t0, t1, t2, t3, t4, t5),
                                                  strict=True)]
        totals = [0.0] * k
        for index, value in features:
            base = index * k
            for c in range(k):
                totals[c] += value * w[base + c]
        return [b + t * scale for b, t in zip(self.intercepts, totals, strict=True)]

    def probabilities(self, features: Iterable[tuple[int, float]]) -> list[float]:
        return softmax(self.scores(features))


def softmax(scores: Sequence[float]) -> list[float]:
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    total = sum(exps)
    return [e / total for e in exps]


INT16_MAX = 32767


def quantize(values: Sequence[float]) -> tuple[array, float]:
    """int16 quanta and the scale that maps them back (error at most scale / 2 per weight)."""
    top = max((abs(v) for v in values), default=0.0)
    scale = top / INT16_MAX if top > 0 else 1.0
    return array("h", [round(v / scale) for v in values]), scale


def write(directory: Path, model: LinearModel) -> None:
    """Store a model as weights.bin (zlib-compressed little-endian int16) and model.json."""
    if len(model.weights) != model.dimension * len(model.labels):
        raise ValueError("the weight table does not match the dimension and labels")
    directory.mkdir(parents=True, exist_ok=True)
    table, scale = quantize(model.values())
    if _big_endian():
        table.byteswap()
    (directory / "weights.bin").write_bytes(zlib.compress(table.tobytes(), 9))
    document = {"labels": list(model.labels), "dimension": model.dimension,
                "intercepts": list(model.intercepts), "weights": "int16", "scale": scale,
                **model.meta}
    (directory / "model.json").write_text(
        json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def read(directory: Path) -> LinearModel:
    document = json.loads((directory / "model.json").read_text(encoding="utf-8"))
    if document.pop("weights", None) != "int16":
        raise ValueError(f"{directory}: weights.bin is not an int16 table; retrain the model")
    scale = float(document.pop("scale"))
    table = array("h")
    table.frombytes(zlib.decompress((directory / "weights.bin").read_bytes()))
    if _big_endian():
        table.byteswap()
    labels = tuple(document.pop("labels"))
    dimension = int(document.pop("dimension"))
    intercepts = tuple(float(b) for b in document.pop("intercepts"))
    if len(table) != dimension * len(labels):
        raise ValueError(f"{directory}: weights.bin does not match model.json")
    return LinearModel(labels, dimension, table, intercepts, document, scale)


def _big_endian() -> bool:
    return array("h", [1]).tobytes() != b"\x01\x00"


def fit(rows: Sequence[dict[int, float]], targets: Sequence[str], labels: Sequence[str],
        dimension: int, regularization: float, meta: dict | None = None) -> LinearModel:
    """Fit a multinomial logistic regression (scikit-learn, development only). Deterministic."""
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    data: list[float] = []
    columns: list[int] = []
    pointers = [0]
    for row in rows:
        columns.extend(row)
        data.extend(row.values())
        pointers.append(len(columns))
    x = csr_matrix((data, columns, pointers), shape=(len(rows), dimension))
    classifier = LogisticRegression(C=regularization, max_iter=5000, tol=1e-6)
    classifier.fit(x, list(targets))
    order = [list(classifier.classes_).index(label) for label in labels]
    coef = classifier.coef_ if len(labels) > 2 else None
    if coef is None:
        raise ValueError("at least three labels are needed")
    weights = coef[order].T.astype("float32").ravel().tolist()
    intercepts = tuple(float(classifier.intercept_[i]) for i in order)
    return LinearModel(tuple(labels), dimension, array("f", weights), intercepts, meta or {})


def sparse(features: Iterable[tuple[int, float]]) -> dict[int, float]:
    """Features summed per slot (hash collisions add up, as they do at inference)."""
    row: dict[int, float] = {}
    for index, value in features:
        row[index] = row.get(index, 0.0) + value
    return row
