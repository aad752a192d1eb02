"""Cross-language consistency of the catalogs: missing keys, plural entries, placeholders."""

from __future__ import annotations

from dataclasses import dataclass

from locales.catalog import DEFAULT_CATALOGS, Catalogs, LanguageCatalog, placeholder_names
from locales.languages import LANGUAGES


@dataclass(frozen=True)
class Mismatch:
    """One consistency defect of one key in one language."""

    lang: str
    key: str
    domain: str
    message: str

    def __str__(self) -> str:
        return f"{self.lang}: {self.domain}.po: {self.key!r} {self.message}"


@dataclass(frozen=True)
class _Shape:
    """What a key promises its callers in one language: its placeholders and, for a plural
    entry, the parameter that counts."""

    names: frozenset[str]
    count: str | None


def _shape(catalog: LanguageCatalog, key: str) -> _Shape | None:
    texts = catalog.texts_of(key)
    if not texts:
        return None
    names = frozenset().union(*(placeholder_names(text) for text in texts))
    plural = catalog.plurals.get(key)
    return _Shape(names, plural.count if plural is not None else None)


def _plural_word(count: str | None) -> str:
    return f"plural by {{{count}}}" if count else "not plural"


def _differences(shape: _Shape, ref: _Shape, ref_lang: str) -> list[str]:
    """How a language's entry differs from the reference language's, in words."""
    found = []
    if shape.count != ref.count:
        found.append(f"is {_plural_word(shape.count)} but {_plural_word(ref.count)} in {ref_lang}")
    if shape.names != ref.names:
        missing = sorted(ref.names - shape.names)
        extra = sorted(shape.names - ref.names)
        detail = []
        if missing:
            detail.append(f"lacks {missing}")
        if extra:
            detail.append(f"has extra {extra}")
        found.append(f"placeholders differ from {ref_lang}: " + ", ".join(detail))
    return found


def find_mismatches(catalogs: Catalogs = DEFAULT_CATALOGS) -> list[Mismatch]:
    """Every key missing from some language, plural in one language and not in another (or
    counted by another parameter), or whose placeholders differ from other languages.

    The reference set of keys is the union over all languages; a key's reference shape comes
    from English when English has it, otherwise from the first language that does. Each
    plural entry's forms were already checked against each other when loading.
    """
    loaded = catalogs.load()
    domain_of: dict[str, str] = {}
    reference: dict[str, tuple[str, _Shape]] = {}
    for lang in LANGUAGES:
        for key in loaded[lang].domains:
            domain_of.setdefault(key, loaded[lang].domains[key])
            shape = _shape(loaded[lang], key)
            if key not in reference and shape is not None:
                reference[key] = (lang, shape)
    found: list[Mismatch] = []
    for key in sorted(reference):
        ref_lang, ref_shape = reference[key]
        for lang in LANGUAGES:
            shape = _shape(loaded[lang], key)
            if shape is None:
                found.append(Mismatch(lang, key, domain_of[key], "is missing"))
                continue
            domain = loaded[lang].domains[key]
            found.extend(Mismatch(lang, key, domain, message)
                         for message in _differences(shape, ref_shape, ref_lang))
    return found


def report(catalogs: Catalogs = DEFAULT_CATALOGS) -> list[str]:
    """Human-readable lines for every load problem and mismatch, grouped by language."""
    lines = [str(problem) for problem in catalogs.problems()]
    by_lang: dict[str, list[str]] = {lang: [] for lang in LANGUAGES}
    for mismatch in find_mismatches(catalogs):
        by_lang[mismatch.lang].append(str(mismatch))
    for lang in LANGUAGES:
        lines.extend(by_lang[lang])
    return lines
