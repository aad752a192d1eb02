"""Plural entries: each language's rule, loading and checking the forms, picking one to render."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from locales import LANGUAGES, render
from locales.catalog import CATALOG_ROOT, Catalogs, declared_plural_forms, placeholder_names
from locales.check import main as check_main
from locales.consistency import find_mismatches
from locales.languages import CATALOG_DIRS
from locales.plurals import PluralRule, as_count, count_name, english_count
from tests.locales.pofiles import header, plural, write_po

# The form index each language's rule gives (Babel's CLDR rules as gettext expressions).
RULE_INDEXES = {
    "en": {0: 1, 1: 0, 2: 1, 5: 1, 21: 1, 1_000_000: 1},
    "de": {0: 1, 1: 0, 2: 1, 5: 1, 21: 1, 1_000_000: 1},
    "pt-BR": {0: 0, 1: 0, 2: 1 + 1, 5: 2, 21: 2, 1_000_000: 1, 2_000_000: 1, 1_000_001: 2},
    "es": {0: 2, 1: 0, 2: 2, 5: 2, 21: 2, 1_000_000: 1, 3_000_000: 1, 1_000_001: 2},
    "ru": {0: 2, 1: 0, 2: 1, 4: 1, 5: 2, 11: 2, 12: 2, 14: 2, 21: 0, 22: 1, 25: 2, 101: 0,
           111: 2, 112: 2, 122: 1, 1_000_001: 0},
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_language_takes_babels_rule(lang: str) -> None:
    rule = PluralRule.of_locale(CATALOG_DIRS[lang])
    assert rule.nplurals == {"en": 2, "de": 2, "pt-BR": 3, "es": 3, "ru": 3}[lang]
    assert {n: rule.index(n) for n in RULE_INDEXES[lang]} == RULE_INDEXES[lang]
    assert rule.index(-1) == rule.index(1)


def test_rules_are_compared_by_what_they_do_not_how_they_are_written() -> None:
    babel_ru = PluralRule.of_locale("ru")
    classic_ru = PluralRule.parse(
        "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && "
        "(n%100<10 || n%100>=20) ? 1 : 2);")
    assert classic_ru.same_as(babel_ru)
    two_form_es = PluralRule.parse("nplurals=2; plural=(n != 1);")
    assert not two_form_es.same_as(PluralRule.of_locale("es"))  # a million takes its own form
    wrong_ru = PluralRule.parse("nplurals=3; plural=(n==1 ? 0 : n<5 ? 1 : 2);")
    assert not wrong_ru.same_as(babel_ru)  # 21 differs
    assert PluralRule.parse(babel_ru.header) == babel_ru


@pytest.mark.parametrize("bad", ["", "nplurals=2", "plural=(n != 1);", "nplurals=0; plural=0;",
                                 "nplurals=2; plural=(n != 1) + import os;"])
def test_malformed_plural_forms_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        PluralRule.parse(bad)


def test_count_names_and_counts() -> None:
    assert count_name("{count}") == "count"
    assert count_name(" {allowance} ") == "allowance"
    for bad in ("count", "{count", "{a.b}", "{0}", "{}", "{a} {b}"):
        assert count_name(bad) is None
    assert [as_count(v) for v in (3, "12", " 7 ", -2)] == [3, 12, 7, -2]
    from decimal import Decimal

    assert as_count(Decimal("4")) == 4
    for bad in (True, 2.0, Decimal("2.5"), "two", None, {"$money": ["1", "EUR"]}):
        assert as_count(bad) is None


def test_english_counts_for_the_cli() -> None:
    assert english_count(1, "organization") == "1 organization"
    assert english_count(0, "invoice line") == "0 invoice lines"
    assert english_count(2, "automatic upgrade") == "2 automatic upgrades"
    assert english_count(3, "child", "children") == "3 children"


def _catalogs_with(tmp_path: Path, entries_by_lang: dict[str, dict[str, object]]) -> Catalogs:
    for lang in LANGUAGES:
        write_po(tmp_path, lang, "t", entries_by_lang.get(lang, {}))  # type: ignore[arg-type]
    return Catalogs(tmp_path)


WIDGETS = {
    "en": {"w": plural("count", "{count} widget", "{count} widgets")},
    "de": {"w": plural("count", "{count} Teil", "{count} Teile")},
    "pt-BR": {"w": plural("count", "{count} peça", "{count} de peças", "{count} peças")},
    "es": {"w": plural("count", "{count} pieza", "{count} de piezas", "{count} piezas")},
    "ru": {"w": plural("count", "{count} деталь", "{count} детали", "{count} деталей")},
}


@pytest.mark.parametrize(("lang", "n", "expected"), [
    ("en", 1, "1 widget"), ("en", 0, "0 widgets"), ("en", 2, "2 widgets"),
    ("de", 1, "1 Teil"), ("de", 7, "7 Teile"),
    ("pt-BR", 0, "0 peça"), ("pt-BR", 1, "1 peça"), ("pt-BR", 2, "2 peças"),
    ("pt-BR", 1_000_000, "1000000 de peças"),
    ("es", 1, "1 pieza"), ("es", 0, "0 piezas"), ("es", 1_000_000, "1000000 de piezas"),
    ("ru", 1, "1 деталь"), ("ru", 3, "3 детали"), ("ru", 5, "5 деталей"), ("ru", 11, "11 деталей"),
    ("ru", 21, "21 деталь"), ("ru", 24, "24 детали"), ("ru", 112, "112 деталей"),
])
def test_render_picks_the_form_the_count_takes(tmp_path: Path, lang: str, n: int,
                                               expected: str) -> None:
    catalogs = _catalogs_with(tmp_path, WIDGETS)  # type: ignore[arg-type]
    assert catalogs.problems() == [] and find_mismatches(catalogs) == []
    assert render("w", {"count": n}, lang, catalogs=catalogs) == expected


def test_a_missing_plural_entry_falls_back_to_english_and_its_rule(tmp_path: Path) -> None:
    catalogs = _catalogs_with(tmp_path, {"en": WIDGETS["en"]})  # type: ignore[arg-type]
    assert render("w", {"count": 21}, "ru", catalogs=catalogs) == "21 widgets"
    assert render("w", {"count": 1}, "ru", catalogs=catalogs) == "1 widget"


def test_a_missing_or_odd_count_takes_the_last_form_and_logs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    catalogs = _catalogs_with(tmp_path, WIDGETS)  # type: ignore[arg-type]
    with caplog.at_level(logging.WARNING, logger="locales"):
        assert render("w", {}, "ru", catalogs=catalogs) == "{count} деталей"
        assert render("w", {"count": "many"}, "en", catalogs=catalogs) == "many widgets"
    assert "no whole number in 'count'" in caplog.text
    assert render("w", {"count": "1"}, "en", catalogs=catalogs) == "1 widget"  # JSON-safe


def test_plural_keys_placeholders_and_texts(tmp_path: Path) -> None:
    catalogs = _catalogs_with(tmp_path, WIDGETS)  # type: ignore[arg-type]
    assert catalogs.keys("ru") == {"w"}
    assert catalogs.placeholders("w", "ru") == {"count"}
    assert catalogs.language("ru").texts()["w"] == ("{count} деталь", "{count} детали",
                                                    "{count} деталей")
    assert catalogs.language("ru").plurals["w"].count == "count"


def _problems_for(tmp_path: Path, value: object, lang: str = "ru") -> str:
    entries = dict(WIDGETS)
    entries[lang] = {"w": value}  # type: ignore[dict-item]
    catalogs = _catalogs_with(tmp_path, entries)  # type: ignore[arg-type]
    assert catalogs.own_text("w", lang, {"count": 1}) is None  # a broken entry is not used
    return "\n".join(str(p) for p in catalogs.problems())


def test_a_missing_form_is_a_problem(tmp_path: Path) -> None:
    text = _problems_for(tmp_path, plural("count", "{count} деталь", "{count} детали"))
    assert "ru: t.po:" in text and "'w' needs 3 forms (msgstr[0] .. msgstr[2])" in text


def test_an_empty_form_is_a_problem(tmp_path: Path) -> None:
    text = _problems_for(tmp_path, plural("count", "{count} деталь", "", "{count} деталей"))
    assert "'w' needs 3 forms" in text and "[1]" in text


def test_forms_with_different_placeholders_are_a_problem(tmp_path: Path) -> None:
    text = _problems_for(tmp_path, plural("count", "{count} деталь", "{count} детали {x}",
                                          "{count} деталей"))
    assert "msgstr[1] placeholders ['count', 'x'] differ from msgstr[0] ['count']" in text


def test_forms_must_show_the_count(tmp_path: Path) -> None:
    text = _problems_for(tmp_path, plural("count", "деталь", "детали", "деталей"))
    assert "its forms must show the count {count}" in text


def test_msgid_plural_must_name_the_count(tmp_path: Path) -> None:
    bad = plural("count", "a {count}", "b {count}", "c {count}")
    text = _problems_for(tmp_path, type(bad)("widgets", bad.forms))
    assert "msgid_plural must name the count parameter as '{name}', not 'widgets'" in text


def test_a_broken_form_is_a_problem(tmp_path: Path) -> None:
    text = _problems_for(tmp_path, plural("count", "{count} деталь", "{count детали",
                                          "{count} деталей"))
    assert "'w[1]' is not a valid str.format" in text


def test_plural_in_one_language_only_or_by_another_count_is_a_mismatch(tmp_path: Path) -> None:
    entries = dict(WIDGETS)
    entries["de"] = {"w": "{count} Teil(e)"}  # type: ignore[dict-item]
    entries["es"] = {"w": plural("n", "{n} pieza {count}", "{n} de piezas {count}",
                                 "{n} piezas {count}")}  # type: ignore[dict-item]
    lines = sorted(str(m) for m in find_mismatches(_catalogs_with(tmp_path, entries)))  # type: ignore[arg-type]
    assert lines == [
        "de: t.po: 'w' is not plural but plural by {count} in en",
        "es: t.po: 'w' is plural by {n} but plural by {count} in en",
        "es: t.po: 'w' placeholders differ from en: has extra ['n']",
    ]


def test_the_plural_forms_header_must_be_the_languages_rule(tmp_path: Path) -> None:
    catalogs = _catalogs_with(tmp_path, WIDGETS)  # type: ignore[arg-type]
    write_po(tmp_path, "es", "t", {"w": plural("count", "{count} pieza", "{count} piezas")},
             head=header("es", "nplurals=2; plural=(n != 1);"))
    write_po(tmp_path, "pt-BR", "t", WIDGETS["pt-BR"],  # type: ignore[arg-type]
             head=header("pt-BR", "nplurals=2; plural=(n > 1);"))
    no_header = header("ru").replace('"Plural-Forms:', '"X-Plural:')
    write_po(tmp_path, "ru", "t", WIDGETS["ru"], head=no_header)  # type: ignore[arg-type]
    write_po(tmp_path, "de", "t", WIDGETS["de"],  # type: ignore[arg-type]
             head=header("de", "nplurals=2; plural=(n !!= 1);"))
    catalogs.reload()
    text = "\n".join(str(p) for p in catalogs.problems())
    assert "es: t.po: Plural-Forms 'nplurals=2; plural=(n != 1);' differs from the " \
           "language's rule 'nplurals=3;" in text
    assert "ru: t.po: no Plural-Forms header (expected 'nplurals=3;" in text
    assert "de: t.po: malformed Plural-Forms header" in text
    assert "pt-BR: t.po: Plural-Forms 'nplurals=2; plural=(n > 1);' differs" in text
    assert "pt-BR: t.po: unreadable" in text  # three forms where the header promises two


def test_the_header_is_read_from_the_header_entry_only() -> None:
    raw = ('msgid ""\nmsgstr ""\n"Language: de\\n"\n'
           '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n'
           '\nmsgid "k"\nmsgstr ""\n"Plural-Forms: nplurals=9; plural=0;\\n"\n')
    assert declared_plural_forms(raw) == "nplurals=2; plural=(n != 1);"
    assert declared_plural_forms(raw.split('\nmsgid "k"')[0].replace("Plural-Forms", "X")) is None


def test_the_check_command_reports_plural_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entries = dict(WIDGETS)
    entries["ru"] = {"w": plural("count", "{count} деталь", "{count} детали")}  # type: ignore[dict-item]
    _catalogs_with(tmp_path, entries)  # type: ignore[arg-type]
    assert check_main([str(tmp_path)]) == 1
    out = capsys.readouterr()
    assert "ru: t.po:" in out.out and "'w' needs 3 forms" in out.out
    assert "ru: t.po: 'w' is missing" in out.out  # the broken entry is not loaded


# ---- the shipped catalogs -------------------------------------------------------------------

SAMPLE_COUNTS = (0, 1, 2, 3, 4, 5, 11, 12, 14, 21, 22, 25, 101, 111, 1000, 4096, 1_000_000)


def shipped() -> Catalogs:
    return Catalogs(CATALOG_ROOT)


def test_every_shipped_file_declares_its_languages_rule() -> None:
    for path in sorted(CATALOG_ROOT.glob("*/*.po")):
        declared = declared_plural_forms(path.read_text(encoding="utf-8"))
        assert declared is not None, f"{path}: no Plural-Forms"
        assert PluralRule.parse(declared).same_as(PluralRule.of_locale(path.parent.name)), path


def test_the_shipped_plural_entries() -> None:
    english = shipped().language("en").plurals
    assert {key: p.count for key, p in english.items()} == {
        "error.too_long": "limit", "queue.list": "count", "escalation.confirm": "allowance",
        "betas.reminder": "days", "summary.first_response": "decided",
        "summary.satisfaction": "ratings", "summary.chart.more": "count",
        "home.cases.more": "count", "home.invoices.more": "count", "home.queue.more": "count",
        "home.month.more_orgs": "count"}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_shipped_plural_entry_renders_every_count(lang: str) -> None:
    catalogs = shipped()
    for key, entry in catalogs.language(lang).plurals.items():
        for n in SAMPLE_COUNTS:
            params = {name: f"<{name}>" for name in placeholder_names(entry.forms[0])}
            params[entry.count] = n  # type: ignore[assignment]
            rendered = render(key, params, lang, catalogs=catalogs)
            assert str(n) in rendered and "{" not in rendered, f"{lang} {key} {n}: {rendered}"


@pytest.mark.parametrize(("lang", "limit", "words"), [
    ("en", 1, "at most 1 character or"), ("en", 4096, "at most 4096 characters or"),
    ("de", 1, "höchstens 1 Zeichen"), ("de", 4096, "höchstens 4096 Zeichen"),
    ("es", 1, "como máximo 1 carácter"), ("es", 4096, "como máximo 4096 caracteres"),
    ("es", 1_000_000, "como máximo 1000000 de caracteres"),
    ("pt-BR", 1, "no máximo 1 caractere"), ("pt-BR", 4096, "no máximo 4096 caracteres"),
    ("ru", 1, "не более 1 символа"), ("ru", 4001, "не более 4001 символа"),
    ("ru", 4096, "не более 4096 символов"), ("ru", 4011, "не более 4011 символов"),
])
def test_the_length_limit_reads_right_for_every_number(lang: str, limit: int,
                                                        words: str) -> None:
    assert words in render("error.too_long", {"limit": limit}, lang)


@pytest.mark.parametrize(("lang", "count", "start"), [
    ("en", 1, "Queue (1 open):"), ("en", 2, "Queue (2 open):"),
    ("pt-BR", 1, "Fila (1 caso aberto):"), ("pt-BR", 3, "Fila (3 casos abertos):"),
    ("ru", 1, "Очередь (открытых обращений: 1):"), ("de", 1, "Warteschlange (1 offen):"),
])
def test_the_queue_title_reads_right_for_every_number(lang: str, count: int, start: str) -> None:
    assert render("queue.list", {"count": count, "lines": "…"}, lang).startswith(start)


@pytest.mark.parametrize(("lang", "allowance", "words"), [
    ("en", 1, "includes 1 escalation in"), ("en", 2, "includes 2 escalations in"),
    ("de", 1, "Die 1 im Tarif enthaltene Eskalation"),
    ("de", 5, "Die 5 im Tarif enthaltenen Eskalationen"),
    ("es", 1, "ya ha usado el escalamiento incluido"),
    ("es", 2, "ya ha usado los escalamientos incluidos"),
    ("pt-BR", 1, "O escalonamento incluído no plano"),
    ("pt-BR", 2, "Os escalonamentos incluídos no plano"),
    ("ru", 21, "({allowance})".replace("{allowance}", "21")),
])
def test_the_billable_warning_reads_right_for_every_allowance(lang: str, allowance: int,
                                                              words: str) -> None:
    params = {"allowance": allowance, "counted": allowance, "pending": 0, "outlook": "O",
              "month": "M", "number": 7, "category": "C", "price": "P", "command": "/x"}
    assert words in render("escalation.confirm", params, lang)


# Texts whose placeholders hold a number and that are NOT plural entries: each was read in all
# five languages and reads right for every number (a label such as 'Counted: {counted}', an
# invariable word such as German 'gezählt', or a unit abbreviation such as 'min').
NUMBER_NEUTRAL = {
    "cases.list", "escalation.numbers", "escalation.org_numbers", "escalation.notify",
    "escalation.numbers_pending", "escalation.org_numbers_pending", "escalation.outlook.free",
    "escalation.outlook.billed", "escalation.summary.message_so_far",
    "escalation.summary.message", "sla.summary.row", "sla.summary.resolved_without_response",
    "sla.duration.minutes", "sla.duration.hours", "sla.duration.hours_only",
    "sla.duration.days", "sla.duration.days_only",
    "home.queue.title", "home.month.cases", "home.month.escalations", "home.month.org",
}
# their {total} is an amount of money
NOT_COUNTS = {"escalation.summary.total_line", "invoices.line", "invoices.line_partial"}
COUNT_PLACEHOLDERS = {"count", "allowance", "counted", "pending", "remaining", "limit", "orgs",
                      "expired", "overflow", "within", "total", "minutes", "hours", "days", "n",
                      "upgrades", "left", "billable"}


def test_every_text_with_a_count_is_plural_or_known_to_read_right_for_every_number() -> None:
    english = shipped().language("en")
    counted = {key for key, texts in english.texts().items()
               if placeholder_names(texts[0]) & COUNT_PLACEHOLDERS} - NOT_COUNTS
    undecided = counted - set(english.plurals) - NUMBER_NEUTRAL
    assert not undecided, f"texts with a count, neither plural nor reviewed: {sorted(undecided)}"
    assert counted >= NUMBER_NEUTRAL
