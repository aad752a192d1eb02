"""The trained severity model: cost-sensitive decision, confidence, and each feature's push.

One or more linear.LinearModel members (labels "1", "2", "3"), each with its own feature set
(plain n-grams, or n-grams with the rubric's concepts), whose probabilities are averaged; then
the decision costs. Shipped as package data in model/; `python -m severity.train` writes it.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path

import linear
from severity.features import Feature, extract

MODEL_DIR = Path(__file__).with_name("model")
SEVERITIES = (1, 2, 3)
LABELS = ("1", "2", "3")


@dataclass(frozen=True)
class Member:
    linear: linear.LinearModel
    concepts: float  # the weight of the rubric's concepts among its features (0: none)


@dataclass(frozen=True)
class Model:
    members: tuple[Member, ...]
    costs: tuple[tuple[float, ...], ...]  # costs[true-1][predicted-1]
    review_below: float  # a verdict less confident than this asks an agent to check it
    meta: dict = field(default_factory=dict)

    @property
    def design(self) -> str:
        return str(self.meta.get("design", "?"))

    def features(self, text: str) -> list[list[Feature]]:
        """Each member's features of `text`."""
        return [extract(text, concepts=member.concepts) for member in self.members]

    def probabilities(self, features: list[list[Feature]]) -> list[float]:
        totals = [0.0, 0.0, 0.0]
        for member, found in zip(self.members, features, strict=True):
            for c, p in enumerate(member.linear.probabilities((f.slot, f.value) for f in found)):
                totals[c] += p / len(self.members)
        return totals

    def decide(self, probabilities: list[float]) -> int:
        """The severity with the least expected cost: missing a critical incident costs most,
        so between 1 and 3 an unsure verdict leans urgent."""
        expected = [sum(probabilities[t] * self.costs[t][p] for t in range(3)) for p in range(3)]
        return SEVERITIES[min(range(3), key=lambda p: (expected[p], p))]

    def contributions(self, features: list[list[Feature]], severity: int
                      ) -> list[tuple[float, Feature]]:
        """How much each feature pushed towards `severity` rather than the other two."""
        c = severity - 1
        result = []
        for member, found in zip(self.members, features, strict=True):
            for feature in found:
                row = member.linear.row(feature.slot)
                push = row[c] - (sum(row) - row[c]) / 2
                result.append((feature.value * push / len(self.members), feature))
        return result


def write(directory: Path, model: Model) -> None:
    """model.json (decision) and one folder per member (weights)."""
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("member*"):
        for file in stale.iterdir():
            file.unlink()
        stale.rmdir()
    for i, member in enumerate(model.members):
        linear.write(directory / f"member{i}", member.linear)
    document = {"costs": [list(row) for row in model.costs], "review_below": model.review_below,
                "members": [{"path": f"member{i}", "concepts": m.concepts}
                            for i, m in enumerate(model.members)], **model.meta}
    (directory / "model.json").write_text(json.dumps(document, indent=2, ensure_ascii=False)
                                          + "\n", encoding="utf-8")


def read(directory: Path = MODEL_DIR) -> Model:
    document = json.loads((directory / "model.json").read_text(encoding="utf-8"))
    members = []
    for spec in document.pop("members"):
        table = linear.read(directory / spec["path"])
        if table.labels != LABELS:
            raise ValueError(f"a severity model has the labels 1, 2, 3, not {table.labels}")
        members.append(Member(table, float(spec["concepts"])))
    costs = tuple(tuple(float(c) for c in row) for row in document.pop("costs"))
    return Model(tuple(members), costs, float(document.pop("review_below")), document)


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
