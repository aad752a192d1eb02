"""The shared linear core: int16 tables give the float verdicts, and a table is checked on read."""

from __future__ import annotations

import json
import random
from array import array
from pathlib import Path

import pytest

import linear


def _model(seed: int, labels: tuple[str, ...] = ("1", "2", "3"), dimension: int = 64
           ) -> linear.LinearModel:
    rng = random.Random(seed)
    weights = array("f", [rng.gauss(0, 1.5) for _ in range(dimension * len(labels))])
    return linear.LinearModel(labels, dimension, weights,
                              tuple(rng.gauss(0, 0.5) for _ in labels), {"design": "test"})


@pytest.mark.parametrize("labels", [("1", "2", "3"), tuple("abcdef"), tuple("abcd")])
def test_a_stored_model_scores_as_the_float_one(tmp_path: Path, labels: tuple[str, ...]) -> None:
    model = _model(7, labels)
    linear.write(tmp_path, model)
    stored = linear.read(tmp_path)
    assert stored.weights.typecode == "h" and stored.meta == {"design": "test"}
    # the largest weight maps to the largest quantum; every weight within half a step
    assert max(abs(w) for w in stored.weights) == linear.INT16_MAX
    assert max(abs(a - b) for a, b in zip(stored.values(), model.weights, strict=True)) \
        <= stored.scale / 2 + 1e-6
    rng = random.Random(3)
    for _ in range(200):
        features = [(rng.randrange(64), rng.random()) for _ in range(rng.randrange(1, 30))]
        exact, quantized = model.probabilities(features), stored.probabilities(features)
        assert max(abs(a - b) for a, b in zip(exact, quantized, strict=True)) < 1e-3
    assert (tmp_path / "weights.bin").stat().st_size < 64 * len(labels) * 2 + 64


def test_an_all_zero_table_round_trips(tmp_path: Path) -> None:
    zero = linear.LinearModel(("a", "b", "c"), 8, array("f", [0.0] * 24), (0.1, 0.2, 0.3))
    linear.write(tmp_path, zero)
    assert linear.read(tmp_path).probabilities([(1, 1.0)]) == zero.probabilities([(1, 1.0)])


def test_a_float32_table_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    linear.write(tmp_path, _model(1))
    document = json.loads((tmp_path / "model.json").read_text())
    del document["weights"]
    (tmp_path / "model.json").write_text(json.dumps(document))
    with pytest.raises(ValueError, match="not an int16 table"):
        linear.read(tmp_path)


def test_a_table_of_the_wrong_size_is_refused(tmp_path: Path) -> None:
    linear.write(tmp_path, _model(2))
    document = json.loads((tmp_path / "model.json").read_text())
    document["dimension"] = 128
    (tmp_path / "model.json").write_text(json.dumps(document))
    with pytest.raises(ValueError, match="does not match"):
        linear.read(tmp_path)
