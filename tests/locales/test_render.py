"""render(): catalog lookup with fallbacks, lenient parameters, per-language money and dates."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from locales import (
    LANGUAGES,
    date_param,
    datetime_param,
    language_name,
    money_param,
    month_param,
    normalize,
    percent_param,
    quoted_param,
    render,
    text,
)
from locales.catalog import Catalogs
from locales.formatting import format_value
from tests.locales.pofiles import write_po

NBSP = "\xa0"
NNBSP = "\u202f"

MONEY_EXPECTED = {
    "en": ("€25.00", "$1,234.50"),
    "pt-BR": (f"€{NBSP}25,00", f"US${NBSP}1.234,50"),
    "de": (f"25,00{NBSP}€", f"1.234,50{NBSP}$"),
    "es": (f"25,00{NBSP}€", f"1.234,50{NBSP}US$"),
    "ru": (f"25,00{NBSP}€", f"1{NBSP}234,50{NBSP}$"),
}
# 09:05 at UTC-3 is 12:05 UTC: rendering always shows UTC and says so, and no seconds.
DATETIME_EXPECTED = {
    "en": f"Mar 10, 2026, 12:05{NNBSP}PM UTC",
    "pt-BR": "10 de mar. de 2026 12:05 UTC",
    "de": "10.03.2026, 12:05 UTC",
    "es": "10 mar 2026, 12:05 UTC",
    "ru": f"10 мар. 2026{NNBSP}г., 12:05 UTC",
}
PERCENT_EXPECTED = {  # Babel's percent format of each language
    "en": ("38%", "87.5%"),
    "pt-BR": ("38%", "87,5%"),
    "de": (f"38{NBSP}%", f"87,5{NBSP}%"),
    "es": (f"38{NBSP}%", f"87,5{NBSP}%"),
    "ru": (f"38{NBSP}%", f"87,5{NBSP}%"),
}
QUOTED_EXPECTED = {
    "en": "“outage”, “all clients”",
    "pt-BR": "“outage”, “all clients”",
    "de": "„outage“, „all clients“",
    "es": "«outage», «all clients»",
    "ru": "«outage», «all clients»",
}
DATE_EXPECTED = {
    "en": "Mar 31, 2026",
    "pt-BR": "31 de mar. de 2026",
    "de": "31.03.2026",
    "es": "31 mar 2026",
    "ru": f"31 мар. 2026{NNBSP}г.",
}
MONTH_EXPECTED = {
    "en": "February 2026",
    "pt-BR": "fevereiro de 2026",
    "de": "Februar 2026",
    "es": "febrero de 2026",
    "ru": f"февраль 2026{NNBSP}г.",
}


@pytest.fixture
def catalogs(tmp_path: Path) -> Catalogs:
    """A small catalog set: 'only.en' exists in English only; 'amount' takes tagged params."""
    for lang in LANGUAGES:
        entries = {
            "amount": "[{lang}] {price} on {when}, due {day}, for {month}",
            "greet": "[{lang}] hi {name}",
        }
        if lang == "en":
            entries["only.en"] = "English only {n}"
            entries["bad.spec"] = "count {n:d}"
        write_po(tmp_path, lang, "t", entries)
    return Catalogs(tmp_path)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_money_dates_and_months_are_formatted_per_language(lang: str, catalogs: Catalogs) -> None:
    params = {
        "lang": lang,
        "price": money_param(Decimal("25.00"), "EUR"),
        "when": datetime_param(datetime(2026, 3, 10, 9, 5, tzinfo=timezone(timedelta(hours=-3)))),
        "day": date_param(date(2026, 3, 31)),
        "month": month_param("2026-02"),
    }
    got = render("amount", params, lang, catalogs=catalogs)
    expected = (
        f"[{lang}] {MONEY_EXPECTED[lang][0]} on {DATETIME_EXPECTED[lang]}, "
        f"due {DATE_EXPECTED[lang]}, for {MONTH_EXPECTED[lang]}"
    )
    assert got == expected


@pytest.mark.parametrize("lang", LANGUAGES)
def test_money_with_thousands(lang: str) -> None:
    assert format_value(money_param(Decimal("1234.5"), "usd"), lang) == MONEY_EXPECTED[lang][1]


def test_plain_values_are_inserted_as_is(catalogs: Catalogs) -> None:
    assert render("greet", {"lang": "x", "name": 42}, "de", catalogs=catalogs) == "[x] hi 42"


def test_language_codes_are_normalized_and_unknown_means_english(catalogs: Catalogs) -> None:
    assert render("greet", {"lang": "?", "name": "A"}, "pt_br", catalogs=catalogs) == "[?] hi A"
    assert render("error.too_long", {"limit": 4096}, "pt_BR") == render(
        "error.too_long", {"limit": 4096}, "pt-BR"
    )
    assert render("button.yes", None, "xx") == "Yes"
    assert render("button.yes", None, None) == "Yes"


def test_missing_key_in_a_language_falls_back_to_english(catalogs: Catalogs) -> None:
    assert render("only.en", {"n": 3}, "ru", catalogs=catalogs) == "English only 3"


def test_key_missing_everywhere_returns_the_key_and_logs(
    catalogs: Catalogs, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="locales"):
        assert render("no.such.key", {"a": 1}, "es", catalogs=catalogs) == "no.such.key"
    assert "no.such.key" in caplog.text


def test_missing_param_stays_visible_and_logs(
    catalogs: Catalogs, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="locales"):
        assert render("greet", {"lang": "de"}, "de", catalogs=catalogs) == "[de] hi {name}"
        assert render("greet", None, "de", catalogs=catalogs) == "[{lang}] hi {name}"
    assert "missing parameter 'name'" in caplog.text


def test_unformattable_value_never_raises(
    catalogs: Catalogs, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="locales"):
        assert render("bad.spec", {"n": "many"}, "en", catalogs=catalogs) == "count {n:d}"
        assert render("bad.spec", {}, "en", catalogs=catalogs) == "count {n}"
    assert "cannot format 'bad.spec'" in caplog.text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_percentages_are_written_as_the_language_writes_them(lang: str) -> None:
    assert format_value(percent_param(0.3849), lang) == PERCENT_EXPECTED[lang][0]
    assert format_value(percent_param(Decimal("0.875"), decimals=1), lang) == (
        PERCENT_EXPECTED[lang][1])


def test_percent_param_rounds_half_up_and_refuses_non_numbers() -> None:
    assert percent_param(0.385) == {"$percent": "0.39"}
    assert percent_param(Decimal("0.5")) == {"$percent": "0.5"}
    assert percent_param(1) == {"$percent": "1"}
    assert percent_param(Decimal("0.33333"), decimals=1) == {"$percent": "0.333"}
    with pytest.raises(TypeError):
        percent_param("38%")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        percent_param(True)
    with pytest.raises(ValueError):
        percent_param(float("nan"))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_quoted_words_take_the_languages_quotation_marks(lang: str) -> None:
    assert format_value(quoted_param(["outage", "all clients"]), lang) == QUOTED_EXPECTED[lang]
    assert format_value(quoted_param([]), lang) == ""


def test_quoted_param_refuses_a_bare_string() -> None:
    with pytest.raises(TypeError):
        quoted_param("outage")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        quoted_param([1, 2])  # type: ignore[list-item]


def test_malformed_tagged_values_show_their_payload(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="locales"):
        assert format_value({"$money": ["abc", "EUR"]}, "de") == "['abc', 'EUR']"
        assert format_value({"$datetime": "2026-03-10T09:00:00"}, "de") == "2026-03-10T09:00:00"
        assert format_value({"$date": "31.03.2026"}, "de") == "31.03.2026"
        assert format_value({"$month": "2026-13"}, "de") == "2026-13"
        assert format_value({"$percent": "viel"}, "de") == "viel"
        assert format_value({"$quoted": "Ausfall"}, "de") == "Ausfall"
    assert caplog.text.count("malformed") == 6
    assert format_value({"other": 1}, "de") == {"other": 1}


def test_shipped_catalog_texts_render_in_every_language() -> None:
    rendered = {lang: render("error.case_not_found", {"number": 42}, lang) for lang in LANGUAGES}
    assert all("#42" in value for value in rendered.values())
    assert len(set(rendered.values())) == len(LANGUAGES)
    assert text("button.cancel", "de") == "Abbrechen"
    assert text("button.yes", "ru") == "Да"
    assert language_name("pt_BR", "en") == "Português (Brasil)"
    name = language_name("de", "es")
    assert render("language.set", {"language_name": name}, "de") == (
        "Erledigt! Ab jetzt antworte ich Ihnen auf Deutsch."
    )


def test_money_param_refuses_floats_and_bad_currencies() -> None:
    assert money_param(Decimal("25.00"), "eur") == {"$money": ["25.00", "EUR"]}
    assert money_param(7, "USD") == {"$money": ["7", "USD"]}
    with pytest.raises(TypeError):
        money_param(25.0, "EUR")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        money_param(True, "EUR")
    with pytest.raises(ValueError):
        money_param(Decimal("NaN"), "EUR")
    with pytest.raises(ValueError):
        money_param(Decimal("1"), "euro")


def test_datetime_param_refuses_naive_and_converts_to_utc() -> None:
    with pytest.raises(ValueError, match="naive"):
        datetime_param(datetime(2026, 3, 10, 9, 0))
    with pytest.raises(TypeError):
        datetime_param(date(2026, 3, 10))  # type: ignore[arg-type]
    local = datetime(2026, 3, 10, 9, 0, tzinfo=timezone(timedelta(hours=2)))
    assert datetime_param(local) == {"$datetime": "2026-03-10T07:00:00+00:00"}
    assert datetime_param(datetime(2026, 1, 1, tzinfo=UTC)) == {
        "$datetime": "2026-01-01T00:00:00+00:00"
    }


def test_date_and_month_params_validate() -> None:
    assert date_param(date(2026, 2, 28)) == {"$date": "2026-02-28"}
    with pytest.raises(TypeError):
        date_param(datetime(2026, 2, 28, tzinfo=UTC))
    assert month_param("2026-12") == {"$month": "2026-12"}
    for bad in ("2026-00", "2026-13", "2026-1", "March"):
        with pytest.raises(ValueError):
            month_param(bad)


def test_params_survive_a_json_round_trip() -> None:
    import json

    params = {
        "p": money_param(Decimal("10.50"), "BRL"),
        "t": datetime_param(datetime(2026, 3, 10, 9, 5, tzinfo=UTC)),
        "m": month_param("2026-03"),
        "c": percent_param(0.377),
        "q": quoted_param(["caído"]),
    }
    restored = json.loads(json.dumps(params))
    assert format_value(restored["c"], "es") == f"38{NBSP}%"
    assert format_value(restored["q"], "es") == "«caído»"
    assert format_value(restored["p"], "pt-BR") == f"R${NBSP}10,50"
    assert format_value(restored["t"], "de") == "10.03.2026, 09:05 UTC"
    assert format_value(restored["m"], "es") == "marzo de 2026"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("pt", "pt-BR"),
        ("pt_BR", "pt-BR"),
        ("pt-br", "pt-BR"),
        ("PT", "pt-BR"),
        ("pt-PT", "pt-BR"),
        ("de-AT", "de"),
        ("de_CH", "de"),
        ("en-GB", "en"),
        ("en_US", "en"),
        ("EN", "en"),
        ("ru-RU", "ru"),
        ("es-419", "es"),
        ("es_MX", "es"),
        (" de ", "de"),
        ("fr", None),
        ("fr-FR", None),
        ("", None),
        (None, None),
        ("english", None),
        ("pt--", None),
        ("12", None),
    ],
)
def test_normalize(code: str | None, expected: str | None) -> None:
    assert normalize(code) == expected


def test_normalize_is_idempotent_on_our_codes() -> None:
    for lang in LANGUAGES:
        assert normalize(lang) == lang
