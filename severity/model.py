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
from severity.features import Feature, extract_for

MODEL_DIR = Path(__file__).with_name("model")
SEVERITIES = (1, 2, 3)
LABELS = ("1", "2", "3")
# What Model.features gives: the shared n-gram features, and each member's concept features.
Extracted = tuple[list[Feature], tuple[list[Feature], ...]]


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

    def features(self, text: str) -> Extracted:
        """The features of `text`: n-grams shared by every member, concepts per member."""
        return extract_for(text, tuple(member.concepts for member in self.members))

    def probabilities(self, features: Extracted) -> list[float]:
        base, extras = features
        totals = [0.0, 0.0, 0.0]
        share = 1 / len(self.members)
        for member, extra in zip(self.members, extras, strict=True):
            w = member.linear.weights
            s0 = s1 = s2 = 0.0
            for found in (base, extra):
                for f in found:  # the hot loop of triage: unrolled, no per-feature call
                    i = f[0] * 3
                    value = f[1]
                    s0 += value * w[i]
                    s1 += value * w[i + 1]
                    s2 += value * w[i + 2]
            q = member.linear.scale
            b0, b1, b2 = member.linear.intercepts
            for c, p in enumerate(linear.softmax((b0 + s0 * q, b1 + s1 * q, b2 + s2 * q))):
                totals[c] += p * share
        return totals

    def decide(self, probabilities: list[float]) -> int:
        """The severity with the least expected cost: missing a critical incident costs most,
        so between 1 and 3 an unsure verdict leans urgent."""
        expected = [sum(probabilities[t] * self.costs[t][p] for t in range(3)) for p in range(3)]
        return SEVERITIES[min(range(3), key=lambda p: (expected[p], p))]

    def pushes(self, features: Extracted, severity: int
               ) -> tuple[dict[tuple[int, int], float], dict[str, float]]:
        """How much the features pushed towards `severity` rather than the other two: summed
        per span of the text, and per concept feature (by name)."""
        c = severity - 1
        a, b = (c + 1) % 3, (c + 2) % 3
        share = 1 / len(self.members)
        tables = [member.linear.weights for member in self.members]
        scales = [member.linear.scale for member in self.members]
        by_span: dict[tuple[int, int], float] = {}
        by_concept: dict[str, float] = {}
        base, extras = features
        w0, w1 = tables[0], tables[-1]  # one or two members (see train.DESIGNS)
        q0, q1 = scales[0], scales[-1]
        if len(tables) > 2:
            raise ValueError("pushes supports models of one or two members")
        scale = share * (2 if len(tables) == 1 else 1)
        for slot, value, start, end, _ in base:  # shared n-grams: every member at once
            if end > start:
                i = slot * 3
                push = ((w0[i + c] - (w0[i + a] + w0[i + b]) / 2) * q0
                        + (w1[i + c] - (w1[i + a] + w1[i + b]) / 2) * q1) * value * scale / 2
                by_span[(start, end)] = by_span.get((start, end), 0.0) + push
        for w, q, extra in zip(tables, scales, extras, strict=True):
            for slot, value, start, end, name in extra:
                i = slot * 3
                push = value * share * q * (w[i + c] - (w[i + a] + w[i + b]) / 2)
                if end > start:
                    by_span[(start, end)] = by_span.get((start, end), 0.0) + push
                by_concept[name] = by_concept.get(name, 0.0) + push
        return by_span, by_concept


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
