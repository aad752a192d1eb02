"""The severity package's API: Classification, confidence, reasons, raise_only, purity."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import severity
from severity.normalize import normalize


def test_classification_is_frozen_with_tuple_reasons_and_a_confidence() -> None:
    result = severity.classify("The API is down for all our clients")
    assert result.severity == 1
    assert isinstance(result.reasons, tuple) and result.reasons
    assert 0.5 < result.confidence <= 1.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.severity = 3  # type: ignore[misc]


@pytest.mark.parametrize("text", [
    "Mensagens não são entregues para alguns clientes desde ontem",
    "Unsere Kunden sehen im Hub die Daten eines anderen Partners",
    "¿Cómo cambio el nombre visible de mi número?",
    "Все шаблоны пропали из хаба",
])
def test_reasons_quote_the_original_text_with_accents(text: str) -> None:
    result = severity.classify(text)
    assert result.reasons
    assert all(reason in text for reason in result.reasons), result.reasons


def test_reasons_name_the_deciding_words() -> None:
    result = severity.classify("one number fails, the others in the WABA work")
    assert result.severity == 2
    assert any("fails" in reason for reason in result.reasons)
    assert any("only some affected" in concept for concept in result.concepts)


@pytest.mark.parametrize("text", ["", "   ", "\n\n", "?!", "👍"])
def test_empty_or_contentless_text_is_minor(text: str) -> None:
    assert severity.classify(text) == severity.Classification(3, (), 1.0)


def test_the_verdict_does_not_depend_on_any_language_guess() -> None:
    # The same text gives the same verdict whoever sends it: no language is passed at all.
    text = "Клиенты получают чужие сообщения с персональными данными"
    assert severity.classify(text) == severity.classify(text)
    assert severity.classify(text).severity == 1


def test_mixed_case_and_punctuation_do_not_matter() -> None:
    assert severity.classify("THE API IS DOWN FOR ALL OUR CLIENTS!!!").severity == 1
    assert severity.classify("la api está CAÍDA para TODOS...").severity == 1


def test_low_confidence_asks_for_a_review() -> None:
    assert severity.needs_review(0.3)
    assert not severity.needs_review(0.95)
    assert not severity.needs_review(None)  # an agent's severity is never "unsure"


def test_normalize_keeps_length_strips_latin_accents_keeps_cyrillic() -> None:
    text = "Não ESTÁ caído — Überhaupt; ВСЁ упало, й"
    result = normalize(text)
    assert len(result) == len(text)
    assert result == "nao esta caido , uberhaupt; все упало, й"


@pytest.mark.parametrize(
    ("current", "new", "expected"),
    [(3, 1, 1), (3, 2, 2), (2, 1, 1), (1, 3, 1), (2, 3, 2), (1, 2, 1), (2, 2, 2)],
)
def test_raise_only_raises_never_lowers(current: int, new: int, expected: int) -> None:
    assert severity.raise_only(current, new) == expected


@pytest.mark.parametrize(("current", "new"), [(0, 1), (1, 4), (2, None), ("1", 2), (True, 2)])
def test_raise_only_rejects_non_severities(current: object, new: object) -> None:
    with pytest.raises(ValueError, match="severity must be 1, 2 or 3"):
        severity.raise_only(current, new)  # type: ignore[arg-type]


def test_the_package_imports_nothing_of_the_application() -> None:
    code = (
        "import sys, severity; severity.classify('warm up'); "
        "app = {'bot', 'handlers', 'desk', 'store', 'escalation', 'billing', 'locales', 'sla', "
        "'sqlalchemy', 'sklearn', 'numpy', 'scipy'}; "
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in app); "
        "print(loaded); sys.exit(1 if loaded else 0)"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=root
    )
    assert done.returncode == 0, done.stdout + done.stderr


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_classify_never_crashes_and_stays_in_range(text: str) -> None:
    result = severity.classify(text)
    assert result.severity in (1, 2, 3)
    assert 0.0 <= result.confidence <= 1.0
    flat = " ".join(text.split())
    assert all(isinstance(r, str) and r and r in flat for r in result.reasons)
