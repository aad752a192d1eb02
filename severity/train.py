"""`python -m severity.train`: fit the severity model on severity/corpus/train and ship it.

Development only (the `train` extra: scikit-learn). Deterministic: the same corpus gives the
same model. `--design` picks one of DESIGNS; `--cv` prints the 5-fold cross-validated
development figure on the training corpus (the blind batches are never read here).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import linear
from severity import dataset
from severity.features import DIMENSION, extract
from severity.model import LABELS, MODEL_DIR, Member, Model, write

# costs[true-1][predicted-1]: a critical incident taken for a minor one is the worst error.
SYMMETRIC = ((0.0, 1.0, 1.0), (1.0, 0.0, 1.0), (1.0, 1.0, 0.0))
ASYMMETRIC = ((0.0, 1.5, 4.0), (1.0, 0.0, 1.2), (1.0, 0.8, 0.0))
# Only the worst error weighs more: a critical incident taken for a minor one costs twice any
# other mistake, so a verdict torn between 1 and 3 leans urgent (chosen on cross-validation).
LEAN_URGENT = ((0.0, 1.0, 2.0), (1.0, 0.0, 1.0), (1.0, 1.0, 0.0))
REVIEW_BELOW = 0.6


@dataclass(frozen=True)
class Design:
    name: str
    members: tuple[float, ...]  # one model per entry: the weight of its concept features
    costs: tuple[tuple[float, ...], ...]
    regularization: float  # scikit-learn's C


DESIGNS = {
    "ngrams": Design("ngrams", (0.0,), SYMMETRIC, 30.0),
    "concepts": Design("concepts", (0.5,), SYMMETRIC, 30.0),
    "concepts-cost": Design("concepts-cost", (0.5,), ASYMMETRIC, 30.0),
    "ngrams-cost": Design("ngrams-cost", (0.0,), LEAN_URGENT, 30.0),
    "ensemble-cost": Design("ensemble-cost", (0.0, 0.5), LEAN_URGENT, 30.0),
}
# See severity/README.md and severity/corpus/FIRST_SIGHT.md for how the design was chosen.
DEFAULT_DESIGN = "ensemble-cost"


def fit(examples: Sequence[dataset.Example], design: Design) -> Model:
    """Train one multinomial logistic regression per member of the design."""
    targets = [str(e.severity) for e in examples]
    members = []
    for concepts in design.members:
        rows = [linear.sparse((f[0], f[1]) for f in extract(e.text, concepts=concepts))
                for e in examples]
        members.append(Member(linear.fit(rows, targets, LABELS, DIMENSION,
                                         design.regularization), concepts))
    meta = {"design": design.name, "examples": len(examples),
            "corpus_sha256": corpus_digest(examples)}
    return Model(tuple(members), design.costs, REVIEW_BELOW, meta)


def cross_validate(examples: Sequence[dataset.Example], design: Design, folds: int = 5
                   ) -> list[tuple[dataset.Example, int]]:
    """A verdict for every training example from a model that did not see it."""
    ordered = sorted(examples, key=lambda e: hashlib.sha1(e.text.encode()).hexdigest())
    predictions: list[tuple[dataset.Example, int]] = []
    for k in range(folds):
        model = fit([e for i, e in enumerate(ordered) if i % folds != k], design)
        for example in ordered[k::folds]:
            predictions.append((example, model.decide(model.probabilities(
                model.features(example.text)))))
    return predictions


def corpus_digest(examples: Sequence[dataset.Example]) -> str:
    digest = hashlib.sha256()
    for e in examples:
        digest.update(f"{e.language}\t{e.severity}\t{e.text}\n".encode())
    return digest.hexdigest()[:16]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m severity.train", description=__doc__)
    parser.add_argument("--design", choices=sorted(DESIGNS), default=DEFAULT_DESIGN)
    parser.add_argument("--cv", action="store_true",
                        help="print the 5-fold cross-validated figure on the training corpus")
    parser.add_argument("--output", type=Path, default=MODEL_DIR)
    args = parser.parse_args(argv)
    examples = dataset.training()
    design = DESIGNS[args.design]
    if args.cv:
        from severity.report import print_table

        print_table(f"{design.name}: 5-fold cross-validation on the training corpus "
                    "(development figure)", cross_validate(examples, design))
        return 0
    write(args.output, fit(examples, design))
    print(f"wrote {args.output} ({design.name}, {len(examples)} examples)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
