"""Cross-language consistency of the catalogs: missing keys and placeholder mismatches."""

from __future__ import annotations

from dataclasses import dataclass

from locales.catalog import DEFAULT_CATALOGS, Catalogs, placeholder_names
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


def find_mismatches(catalogs: Catalogs = DEFAULT_CATALOGS) -> list[Mismatch]:
    """Every key missing from some language, or whose placeholders differ from other languages.

    The reference set of keys is the union over all languages; a key's reference placeholders
    come from English when English has it, otherwise from the first language that does.
    """
    loaded = catalogs.load()
    domain_of: dict[str, str] = {}
    reference: dict[str, tuple[str, set[str]]] = {}
    for lang in LANGUAGES:
        for key, text in loaded[lang].messages.items():
            domain_of.setdefault(key, loaded[lang].domains[key])
            if key not in reference:
                reference[key] = (lang, placeholder_names(text))
    found: list[Mismatch] = []
    for key in sorted(reference):
        ref_lang, ref_names = reference[key]
        for lang in LANGUAGES:
            text = loaded[lang].messages.get(key)
            if text is None:
                found.append(Mismatch(lang, key, domain_of[key], "is missing"))
                continue
            names = placeholder_names(text)
            if names != ref_names:
                missing = sorted(ref_names - names)
                extra = sorted(names - ref_names)
                detail = []
                if missing:
                    detail.append(f"lacks {missing}")
                if extra:
                    detail.append(f"has extra {extra}")
                found.append(
                    Mismatch(
                        lang,
                        key,
                        loaded[lang].domains[key],
                        f"placeholders differ from {ref_lang}: " + ", ".join(detail),
                    )
                )
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
