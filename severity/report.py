"""`python -m severity.report`: the shipped model's accuracy on the blind batches.

`--designs` trains every design of severity.train on the training corpus and scores each on
the same blind batches (needs the `train` extra). `--training` scores the shipped model on the
corpus it was trained on (a development figure, expected near 100 %).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from severity import dataset
from severity.model import Model, shipped

LANGUAGE_ORDER = ("en", "pt-BR", "de", "es", "ru")


@dataclass(frozen=True)
class Metrics:
    total: int
    exact: int
    per_language: dict[str, tuple[int, int]]  # language -> (exact, total)
    confusion: Counter  # (true, predicted) -> count
    critical_as_minor: int
    critical_as_major: int
    critical_total: int

    @property
    def accuracy(self) -> float:
        return self.exact / self.total if self.total else 0.0

    def language_accuracy(self, language: str) -> float:
        exact, total = self.per_language.get(language, (0, 0))
        return exact / total if total else 0.0

    @property
    def critical_as_major_rate(self) -> float:
        return self.critical_as_major / self.critical_total if self.critical_total else 0.0


def measure(predictions: Sequence[tuple[dataset.Example, int]]) -> Metrics:
    confusion: Counter = Counter()
    per_language: dict[str, list[int]] = {}
    for example, predicted in predictions:
        confusion[(example.severity, predicted)] += 1
        counts = per_language.setdefault(example.language, [0, 0])
        counts[0] += example.severity == predicted
        counts[1] += 1
    return Metrics(
        total=len(predictions),
        exact=sum(n for (t, p), n in confusion.items() if t == p),
        per_language={k: (v[0], v[1]) for k, v in per_language.items()},
        confusion=confusion,
        critical_as_minor=confusion[(1, 3)],
        critical_as_major=confusion[(1, 2)],
        critical_total=sum(n for (t, _), n in confusion.items() if t == 1),
    )


def predictions_of(model: Model, examples: Sequence[dataset.Example]
                   ) -> list[tuple[dataset.Example, int]]:
    result = []
    for example in examples:
        probabilities = model.probabilities(model.features(example.text))
        result.append((example, model.decide(probabilities)))
    return result


def print_table(title: str, predictions: Sequence[tuple[dataset.Example, int]],
                echo: Callable[[str], None] = print) -> Metrics:
    m = measure(predictions)
    echo(title)
    echo(f"  exact: {m.exact}/{m.total} = {m.accuracy:.1%}")
    languages = [lang for lang in LANGUAGE_ORDER if lang in m.per_language]
    languages += sorted(set(m.per_language) - set(languages))
    for lang in languages:
        exact, total = m.per_language[lang]
        echo(f"  {lang:6} {exact}/{total} = {exact / total:.1%}")
    echo(f"  severity 1 taken for 3: {m.critical_as_minor}; for 2: {m.critical_as_major}"
         f"/{m.critical_total} = {m.critical_as_major_rate:.1%}")
    echo("  confusion (rows true 1..3, columns predicted 1..3): " + "; ".join(
        " ".join(str(m.confusion[(t, p)]) for p in (1, 2, 3)) for t in (1, 2, 3)))
    return m


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m severity.report", description=__doc__)
    parser.add_argument("--designs", action="store_true")
    parser.add_argument("--training", action="store_true")
    args = parser.parse_args(argv)
    if args.training:
        print_table("shipped model on its training corpus (development figure)",
                    predictions_of(shipped(), dataset.training()))
        return 0
    blind = dataset.blind()
    if args.designs:
        from severity.train import DESIGNS, fit

        training = dataset.training()
        for design in DESIGNS.values():
            print_table(f"design {design.name}, trained on the training corpus, on the blind "
                        "batches", predictions_of(fit(training, design), blind))
        return 0
    model = shipped()
    print_table(f"shipped model ({model.design}) on the blind batches "
                f"({', '.join(sorted({e.source for e in blind}))})", predictions_of(model, blind))
    return 0


if __name__ == "__main__":
    sys.exit(main())
