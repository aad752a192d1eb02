"""German catalog typography: no double period after a duration, German quotes and dashes."""

from __future__ import annotations

import pytest

from locales import render
from locales.catalog import CATALOG_ROOT, Catalogs, placeholder_names

DURATION_PLACEHOLDERS = {"target", "time", "late"}  # filled by sla.display.duration_text
DURATIONS = (
    ("sla.duration.minutes", {"minutes": 45}),
    ("sla.duration.hours", {"hours": 1, "minutes": 5}),
    ("sla.duration.hours_only", {"hours": 1}),
    ("sla.duration.days", {"days": 2, "hours": 3}),
    ("sla.duration.days_only", {"days": 2}),
)


def german_messages() -> dict[str, str]:
    """Every German text; a plural entry's forms as 'key[0]', 'key[1]'."""
    found: dict[str, str] = {}
    for key, texts in Catalogs(CATALOG_ROOT).language("de").texts().items():
        if len(texts) == 1:
            found[key] = texts[0]
        else:
            found.update((f"{key}[{i}]", text) for i, text in enumerate(texts))
    return found


def texts_with_durations() -> list[str]:
    return sorted(
        key for key, text in german_messages().items()
        if placeholder_names(text) & DURATION_PLACEHOLDERS
    )


def test_the_german_durations_end_in_an_abbreviation_period() -> None:
    """The premise of the next test: 'Min.', 'Std.', 'Tg.' end with a period of their own."""
    assert render("sla.duration.hours", {"hours": 1, "minutes": 5}, "de") == "1 Std. 5 Min."
    assert render("sla.duration.days_only", {"days": 2}, "de") == "2 Tg."


@pytest.mark.parametrize("key", texts_with_durations())
def test_a_duration_never_ends_a_german_sentence_with_a_double_period(key: str) -> None:
    for duration_key, parts in DURATIONS:
        duration = render(duration_key, parts, "de")
        params = {name: duration for name in placeholder_names(german_messages()[key])}
        rendered = german_messages()[key].format(**params)
        assert ".." not in rendered, f"{key}: {rendered}"


def test_the_first_response_target_is_mid_sentence_in_the_case_opened_texts() -> None:
    assert {"case.opened", "case.opened_plain"} <= set(texts_with_durations())


def test_german_texts_use_german_quotes_and_dashes() -> None:
    wrong = {
        key: text for key, text in german_messages().items()
        if '"' in text or "”" in text or "—" in text or text.count("„") != text.count("“")
    }
    assert not wrong, f"straight/English quotes or em dashes in German texts: {wrong}"
