"""The shipped catalogs are complete and consistent; loading, merging and the check command."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from locales import LANGUAGES, keys, normalize, placeholders
from locales.catalog import CATALOG_ROOT, Catalogs, placeholder_names
from locales.check import main as check_main
from locales.consistency import find_mismatches
from locales.languages import CATALOG_DIRS
from tests.locales.pofiles import write_po

COMMON_KEYS = {
    "error.unknown_command": {"command"},
    "error.bad_arguments": {"usage"},
    "error.empty_message": set(),
    "error.too_long": {"limit"},
    "error.rate_limited": set(),
    "error.internal": set(),
    "error.no_access": set(),
    "error.not_allowed": set(),
    "error.case_not_found": {"number"},
    "language.set": {"language_name"},
    "language.unknown": {"code", "choices"},
    "language.name.en": set(),
    "language.name.pt-BR": set(),
    "language.name.de": set(),
    "language.name.es": set(),
    "language.name.ru": set(),
    "button.yes": set(),
    "button.no": set(),
    "button.cancel": set(),
}


def test_every_language_has_every_key_with_the_same_placeholders() -> None:
    """Covers every domain file of every helper: lists exactly what is missing or differs."""
    catalogs = Catalogs(CATALOG_ROOT)
    problems = [str(p) for p in catalogs.problems()]
    mismatches = [str(m) for m in find_mismatches(catalogs)]
    report = "\n".join(problems + mismatches)
    assert not problems and not mismatches, f"catalog defects:\n{report}"


def test_every_language_dir_holds_the_same_domain_files() -> None:
    domains = {
        lang: sorted(p.name for p in (CATALOG_ROOT / CATALOG_DIRS[lang]).glob("*.po"))
        for lang in LANGUAGES
    }
    english = domains["en"]
    differing = {lang: files for lang, files in domains.items() if files != english}
    assert not differing, f"domain files differ from en {english}: {differing}"


@pytest.mark.parametrize(
    "path",
    sorted(CATALOG_ROOT.glob("*/*.po")),
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_catalog_headers_are_valid(path: Path) -> None:
    with path.open("rb") as fh:
        catalog = read_po(fh, abort_invalid=True)
    headers = dict(catalog.mime_headers)
    dir_lang = next(lang for lang, d in CATALOG_DIRS.items() if d == path.parent.name)
    assert normalize(headers.get("Language")) == dir_lang, f"{path}: Language header"
    content_type = headers.get("Content-Type", "").lower()
    assert content_type == "text/plain; charset=utf-8", f"{path}: Content-Type"
    assert "nplurals=" in headers.get("Plural-Forms", ""), f"{path}: Plural-Forms"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_common_keys_present_with_their_placeholders(lang: str) -> None:
    catalogs = Catalogs(CATALOG_ROOT)
    own = catalogs.language(lang)
    for key, names in COMMON_KEYS.items():
        texts = own.texts_of(key)
        assert texts, f"{lang} lacks {key}"
        assert all(placeholder_names(text) == names for text in texts), f"{lang} {key}"


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_translations_are_not_english_copies(lang: str) -> None:
    catalogs = Catalogs(CATALOG_ROOT)
    english = catalogs.language("en")
    own = catalogs.language(lang)
    copied = [
        key
        for key in COMMON_KEYS
        if not key.startswith("language.name.") and key != "button.no"
        and set(own.texts_of(key)) & set(english.texts_of(key))
    ]
    assert not copied, f"{lang} copies English for {copied}"


def test_public_keys_and_placeholders() -> None:
    assert set(COMMON_KEYS) <= keys("de")
    assert keys("pt_BR") == keys("pt-BR")
    assert placeholders("language.unknown", "ru") == {"code", "choices"}
    assert placeholders("no.such.key", "en") == set()


def test_every_text_is_a_valid_format_string() -> None:
    catalogs = Catalogs(CATALOG_ROOT)
    for lang in LANGUAGES:
        for key, texts in catalogs.language(lang).texts().items():
            for text in texts:
                list(string.Formatter().parse(text))  # raises on unbalanced braces
                assert text.strip() == text, f"{lang} {key} has surrounding whitespace"


def test_domains_are_merged_and_problems_reported(tmp_path: Path) -> None:
    for lang in LANGUAGES:
        write_po(tmp_path, lang, "alpha", {"a.one": "one {n}"})
        write_po(tmp_path, lang, "beta", {"b.two": "two"})
    catalogs = Catalogs(tmp_path)
    assert catalogs.keys("es") == {"a.one", "b.two"}
    assert catalogs.language("ru").domains["b.two"] == "beta"
    assert catalogs.problems() == []
    assert find_mismatches(catalogs) == []


def test_mismatches_list_exactly_what_is_wrong(tmp_path: Path) -> None:
    for lang in LANGUAGES:
        entries = {"x.greet": "hi {name}", "x.bye": "bye"}
        if lang == "de":
            entries = {"x.greet": "hallo {nom}"}  # wrong placeholder, missing x.bye
        write_po(tmp_path, lang, "xdomain", entries)
    lines = sorted(str(m) for m in find_mismatches(Catalogs(tmp_path)))
    assert lines == [
        "de: xdomain.po: 'x.bye' is missing",
        "de: xdomain.po: 'x.greet' placeholders differ from en: lacks ['name'], has extra ['nom']",
    ]


def test_broken_entries_are_problems_not_crashes(tmp_path: Path) -> None:
    for lang in LANGUAGES:
        write_po(tmp_path, lang, "a", {"k.ok": "fine"})
    write_po(tmp_path, "en", "b", {"k.ok": "again", "k.brace": "oops {", "k.pos": "n={}"})
    write_po(tmp_path, "es", "b", {}, extra='\n#, fuzzy\nmsgid "k.fuzzy"\nmsgstr "borroso"\n')
    (tmp_path / "ru" / "broken.po").write_text('msgid "unterminated\n', encoding="utf-8")
    catalogs = Catalogs(tmp_path)
    text = "\n".join(str(p) for p in catalogs.problems())
    assert "'k.ok' already defined in a.po" in text
    assert "'k.brace' is not a valid str.format" in text
    assert "'k.pos' has unnamed placeholders" in text
    assert "'k.fuzzy' is fuzzy" in text
    assert "broken.po: unreadable" in text
    assert catalogs.own_text("k.ok", "en") == "fine"
    assert catalogs.own_text("k.fuzzy", "es") is None


def test_check_command_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert check_main([str(CATALOG_ROOT)]) == 0
    assert "OK" in capsys.readouterr().out
    for lang in LANGUAGES:
        write_po(tmp_path, lang, "d", {"k.one": "{a}"} if lang != "ru" else {})
    assert check_main([str(tmp_path)]) == 1
    out = capsys.readouterr()
    assert "ru: d.po: 'k.one' is missing" in out.out
    assert "1 problem(s)" in out.err


def test_catalogs_load_once_and_reload(tmp_path: Path) -> None:
    for lang in LANGUAGES:
        write_po(tmp_path, lang, "d", {"k": "v1"})
    catalogs = Catalogs(tmp_path)
    assert catalogs.lookup("k", "de") == "v1"
    for lang in LANGUAGES:
        write_po(tmp_path, lang, "d", {"k": "v2"})
    assert catalogs.lookup("k", "de") == "v1"
    catalogs.reload()
    assert catalogs.lookup("k", "de") == "v2"
