"""The trained severity model: cost-sensitive decision, confidence, and each feature's push.

A linear.LinearModel (labels "1", "2", "3") shipped as package data in model/, plus the decision
costs and the concept weight it was trained with; `python -m severity.train` writes it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import linear
from severity.features import Feature, extract

MODEL_DIR = Path(__file__).with_name("model")
SEVERITIES = (1, 2, 3)


@dataclass(frozen=True)
class Model:
    linear: linear.LinearModel
    costs: tuple[tuple[float, ...], ...]  # costs[true-1][predicted-1]
    concepts: float  # the weight of the rubric's concepts among the features (0: none)
    review_below: float  # a verdict less confident than this asks an agent to check it

    @property
    def design(self) -> str:
        return str(self.linear.meta.get("design", "?"))

    def features(self, text: str) -> list[Feature]:
        """The features this model was trained on."""
        return extract(text, concepts=self.concepts)

    def probabilities(self, features: list[Feature]) -> list[float]:
        return self.linear.probabilities((f.slot, f.value) for f in features)

    def decide(self, probabilities: list[float]) -> int:
        """The severity with the least expected cost: missing a critical incident costs most,
        so between 1 and 3 an unsure verdict leans urgent."""
        expected = [sum(probabilities[t] * self.costs[t][p] for t in range(3)) for p in range(3)]
        return SEVERITIES[min(range(3), key=lambda p: (expected[p], p))]

    def contributions(self, features: list[Feature], severity: int
                      ) -> list[tuple[float, Feature]]:
        """How much each feature pushed towards `severity` rather than the other two."""
        c = severity - 1
        result = []
        for feature in features:
            row = self.linear.row(feature.slot)
            result.append((feature.value * (row[c] - (sum(row) - row[c]) / 2), feature))
        return result


def from_linear(model: linear.LinearModel) -> Model:
    meta = model.meta
    if model.labels != ("1", "2", "3"):
        raise ValueError(f"a severity model has the labels 1, 2, 3, not {model.labels}")
    return Model(model, tuple(tuple(float(c) for c in row) for row in meta["costs"]),
                 float(meta["concepts"]), float(meta["review_below"]))


def read(directory: Path = MODEL_DIR) -> Model:
    return from_linear(linear.read(directory))


_lock = threading.Lock()
_loaded: Model | None = None


def shipped() -> Model:
    """The model shipped with the package, read once."""
    global _loaded
    if _loaded is None:
        with _lock:
            if _loaded is None:
                _loaded = read()
    return _loaded
