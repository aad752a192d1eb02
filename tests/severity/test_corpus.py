"""The corpora: large and balanced for training, blind batches kept apart from it."""

from __future__ import annotations

from collections import Counter

import pytest

from severity import LANGUAGES, dataset
from severity.normalize import normalize


def _key(text: str) -> str:
    return " ".join(normalize(text).split())


def test_at_least_500_training_messages_per_language_balanced_over_severities() -> None:
    counts = Counter((e.language, e.severity) for e in dataset.training())
    for language in LANGUAGES:
        per_severity = [counts[(language, s)] for s in (1, 2, 3)]
        assert sum(per_severity) >= 500, language
        assert min(per_severity) >= 0.25 * sum(per_severity), (language, per_severity)


def test_every_label_is_a_severity_and_every_language_supported() -> None:
    for example in dataset.training() + dataset.blind():
        assert example.severity in (1, 2, 3), example
        assert example.language in LANGUAGES, example
        assert example.text.strip(), example


def test_no_blind_message_is_in_the_training_corpus() -> None:
    trained = {_key(e.text) for e in dataset.training()}
    leaked = [e.text for e in dataset.blind() if _key(e.text) in trained]
    assert leaked == []


@pytest.mark.parametrize("name", sorted(p.name for p in dataset.BLIND.glob("*.tsv")))
def test_each_blind_batch_is_balanced_over_languages_and_severities(name: str) -> None:
    batch = dataset.read(dataset.BLIND / name)
    counts = Counter((e.language, e.severity) for e in batch)
    assert set(counts) == {(lang, s) for lang in LANGUAGES for s in (1, 2, 3)}
    assert len(set(counts.values())) == 1, counts
