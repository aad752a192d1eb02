"""The severity package's API: Classification, languages, normalisation, raise_only, purity."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import severity
from severity.normalize import normalize


def test_classification_is_frozen_with_tuple_reasons() -> None:
    result = severity.classify("The API is down for all our clients", "en")
    assert result == severity.Classification(1, ("down", "all"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.severity = 3  # type: ignore[misc]
    assert isinstance(result.reasons, tuple)


def test_reasons_quote_the_original_text_with_accents() -> None:
    text = "Mensagens não são entregues para alguns clientes"
    result = severity.classify(text, "pt-BR")
    assert result.severity == 2
    assert result.reasons == ("não são entregues", "alguns")
    assert all(reason in text for reason in result.reasons)


@pytest.mark.parametrize("code", ["pt", "pt_BR", "PT-br", "pt-PT"])
def test_language_aliases(code: str) -> None:
    assert severity.classify("vazamento de dados", code).severity == 1


@pytest.mark.parametrize("code", [None, "", "xx", "fr"])
def test_unknown_language_tries_every_rule_table(code: str | None) -> None:
    assert severity.classify("vazamento de dados", code).severity == 1
    assert severity.classify("все клиенты не получают сообщения", code).severity == 1
    assert (
        severity.classify("Nachrichten werden bei einigen Kunden nicht zugestellt", code).severity
        == 2
    )


@pytest.mark.parametrize("text", ["", "   ", "\n\n", "?!", "👍"])
def test_empty_or_contentless_text_is_minor(text: str) -> None:
    assert severity.classify(text, "en") == severity.Classification(3, ())


def test_normalize_keeps_length_strips_latin_accents_keeps_cyrillic() -> None:
    text = "Não ESTÁ caído — Überhaupt; ВСЁ упало, й"
    result = normalize(text)
    assert len(result) == len(text)
    assert result == "nao esta caido , uberhaupt; все упало, й"


def test_mixed_case_and_punctuation_do_not_matter() -> None:
    assert severity.classify("THE API IS DOWN FOR ALL OUR CLIENTS!!!", "en").severity == 1
    assert severity.classify("la api está CAÍDA para TODOS...", "es").severity == 1


@pytest.mark.parametrize(
    ("current", "new", "expected"),
    [(3, 1, 1), (3, 2, 2), (2, 1, 1), (1, 3, 1), (2, 3, 2), (1, 2, 1), (2, 2, 2)],
)
def test_raise_only_raises_never_lowers(current: int, new: int, expected: int) -> None:
    assert severity.raise_only(current, new) == expected


@given(st.sampled_from([1, 2, 3]), st.sampled_from([1, 2, 3]))
def test_raise_only_never_less_urgent_than_current(current: int, new: int) -> None:
    assert severity.raise_only(current, new) <= current


@pytest.mark.parametrize(("current", "new"), [(0, 1), (1, 4), (2, None), ("1", 2), (True, 2)])
def test_raise_only_rejects_non_severities(current: object, new: object) -> None:
    with pytest.raises(ValueError, match="severity must be 1, 2 or 3"):
        severity.raise_only(current, new)  # type: ignore[arg-type]


def test_the_package_imports_nothing_of_the_application() -> None:
    code = (
        "import sys, severity; "
        "app = {'bot', 'handlers', 'desk', 'store', 'escalation', 'billing', 'locales', 'sla', "
        "'sqlalchemy'}; "
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in app); "
        "print(loaded); sys.exit(1 if loaded else 0)"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=root
    )
    assert done.returncode == 0, done.stdout + done.stderr


@given(st.text(max_size=300))
def test_classify_never_crashes_and_stays_in_range(text: str) -> None:
    for language in (*severity.LANGUAGES, None):
        result = severity.classify(text, language)
        assert result.severity in (1, 2, 3)
        assert all(isinstance(r, str) and r for r in result.reasons)
