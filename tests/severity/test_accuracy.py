"""Triage accuracy on the blind batches: the tests fail below a floor (never on wall time).

The floors sit a little under the figures measured at first sight (severity/corpus/
FIRST_SIGHT.md), so a retrained model that generalizes worse fails here.
"""

from __future__ import annotations

import pytest

from severity import LANGUAGES, dataset
from severity.model import shipped
from severity.report import measure, predictions_of

OVERALL_FLOOR = 0.90
LANGUAGE_FLOOR = 0.88
CRITICAL_AS_MAJOR_CEILING = 0.05
CRITICAL_AS_MINOR_CEILING = 0  # a critical incident is never taken for a minor one


@pytest.fixture(scope="module")
def blind_metrics():  # type: ignore[no-untyped-def]
    batch = dataset.blind()
    assert len(batch) >= 400, "the blind batches are missing"
    return measure(predictions_of(shipped(), batch))


def test_blind_accuracy_overall(blind_metrics) -> None:  # type: ignore[no-untyped-def]
    assert blind_metrics.accuracy >= OVERALL_FLOOR


@pytest.mark.parametrize("language", LANGUAGES)
def test_blind_accuracy_per_language(blind_metrics, language: str) -> None:  # type: ignore[no-untyped-def]
    assert blind_metrics.language_accuracy(language) >= LANGUAGE_FLOOR


def test_no_critical_incident_is_taken_for_a_minor_one(blind_metrics) -> None:  # type: ignore[no-untyped-def]
    assert blind_metrics.critical_as_minor <= CRITICAL_AS_MINOR_CEILING


def test_few_critical_incidents_are_taken_for_major_ones(blind_metrics) -> None:  # type: ignore[no-untyped-def]
    assert blind_metrics.critical_as_major_rate <= CRITICAL_AS_MAJOR_CEILING


def test_the_shipped_model_has_learned_its_training_corpus() -> None:
    assert measure(predictions_of(shipped(), dataset.training())).accuracy >= 0.95
