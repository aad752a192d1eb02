"""Accuracy on the labeled evaluation set (severity/eval/<lang>.tsv) and on hold-out phrases."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

import pytest

import severity

EVAL_DIR = Path(severity.__file__).resolve().parent / "eval"
OVERALL_MINIMUM = 0.85
PER_LANGUAGE_MINIMUM = 0.75

# holdout.tsv: phrases that are not in the evaluation set. Each batch was written before the
# classifier saw it; first-contact accuracy: batch A 11/16, batch B 13/16, batch C 15/20,
# batch D (longer real-world messages) 17/25, batch E (chat style: no accents, typos, caps,
# emoji) 19/25; together 75/102 = 73.5%, the honest estimate for unseen phrasing. The misses
# were vocabulary gaps (e.g. "sem receber", "abgelehnt", "se filtraron", "не отображаются",
# "ohne Authentifizierung", "no les llegan"), fixed with general word lists, so the batches are
# now regression checks. One known miss is kept: "arriving hours late or not at all" for one
# number (expected 2) is read as minor.
HOLD_OUT_FILE = Path(__file__).resolve().parent / "holdout.tsv"


def load_hold_out() -> list[tuple[str, int, str]]:
    with HOLD_OUT_FILE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    assert rows[0] == ["batch", "language", "severity", "text"], "header line"
    return [(language, int(expected), text) for _, language, expected, text in rows[1:]]


def load_eval(language: str) -> list[tuple[int, str]]:
    with (EVAL_DIR / f"{language}.tsv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    assert rows[0] == ["severity", "text"], "header line"
    return [(int(expected), text) for expected, text in rows[1:]]


def score(rows: Iterable[tuple[str, int, str]]) -> dict[str, tuple[int, int]]:
    """language -> (correct, total)."""
    figures: dict[str, tuple[int, int]] = {}
    for language, expected, text in rows:
        good, total = figures.get(language, (0, 0))
        hit = severity.classify(text, language).severity == expected
        figures[language] = (good + hit, total + 1)
    return figures


def table(title: str, figures: dict[str, tuple[int, int]]) -> tuple[str, float]:
    lines = [title, f"{'language':<9}{'correct':>9}{'total':>7}{'accuracy':>10}"]
    for language, (good, total) in figures.items():
        lines.append(f"{language:<9}{good:>9}{total:>7}{good / total:>10.1%}")
    good = sum(g for g, _ in figures.values())
    total = sum(t for _, t in figures.values())
    lines.append(f"{'overall':<9}{good:>9}{total:>7}{good / total:>10.1%}")
    return "\n".join(lines), good / total


@pytest.mark.parametrize("language", severity.LANGUAGES)
def test_eval_set_is_large_balanced_and_clean(language: str) -> None:
    rows = load_eval(language)
    assert len(rows) >= 40
    counts = {level: sum(1 for e, _ in rows if e == level) for level in (1, 2, 3)}
    assert set(counts) == {e for e, _ in rows}, "only severities 1, 2, 3"
    assert min(counts.values()) >= 12, counts
    texts = [t for _, t in rows]
    assert len(set(texts)) == len(texts), "no duplicate messages"
    assert all(t.strip() == t and t for t in texts)


def test_eval_set_contains_the_issue_examples() -> None:
    examples = {
        "en": (1, "the API is down for all our clients"),
        "pt-BR": (1, "vazamento de dados"),
        "de": (2, "Nachrichten werden bei einigen Kunden nicht zugestellt"),
        "es": (3, "el panel va lento pero funciona"),
        "ru": (1, "все клиенты не получают сообщения"),
    }
    for language, example in examples.items():
        assert example in load_eval(language), (language, example)


def test_accuracy_per_language_and_overall(capsys: pytest.CaptureFixture[str]) -> None:
    rows = [(lang, e, t) for lang in severity.LANGUAGES for e, t in load_eval(lang)]
    figures = score(rows)
    report, overall = table("severity accuracy on severity/eval/*.tsv", figures)
    with capsys.disabled():
        print("\n" + report)
    assert overall >= OVERALL_MINIMUM, report
    weak = [lang for lang, (g, t) in figures.items() if g / t < PER_LANGUAGE_MINIMUM]
    assert not weak, f"below {PER_LANGUAGE_MINIMUM:.0%}: {weak}\n{report}"


def test_hold_out_phrases_not_in_the_eval_set(capsys: pytest.CaptureFixture[str]) -> None:
    in_eval = {t for lang in severity.LANGUAGES for _, t in load_eval(lang)}
    hold_out = load_hold_out()
    assert not {t for _, _, t in hold_out} & in_eval, "hold-out phrases must not be in the set"
    assert len(hold_out) >= 12
    figures = score(hold_out)
    report, overall = table("severity accuracy on the hold-out phrases", figures)
    with capsys.disabled():
        print("\n" + report)
    assert overall >= OVERALL_MINIMUM, report
