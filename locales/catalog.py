"""Message catalogs: gettext .po files per language directory, merged over domains, loaded once."""

from __future__ import annotations

import logging
import string
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from babel.messages.pofile import read_po

from locales.languages import CATALOG_DIRS, DEFAULT_LANGUAGE, LANGUAGES, normalize

log = logging.getLogger(__name__)

CATALOG_ROOT = Path(__file__).resolve().parent / "catalogs"


@dataclass(frozen=True)
class Problem:
    """One defect found while loading a catalog (a broken file, entry or duplicate key)."""

    lang: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.lang}: {self.path}: {self.message}"


@dataclass(frozen=True)
class LanguageCatalog:
    """The merged messages of one language: key -> text, and the domain each key came from."""

    lang: str
    messages: Mapping[str, str]
    domains: Mapping[str, str]
    problems: tuple[Problem, ...] = field(default=())


def placeholder_names(text: str) -> set[str]:
    """The str.format field names used in text ('{n}' and '{n:>3}' both give 'n').

    Raises ValueError for a text str.format cannot parse (e.g. an unbalanced brace).
    """
    names: set[str] = set()
    for _literal, name, _spec, _conv in string.Formatter().parse(text):
        if name is None:
            continue
        base = name.split(".", 1)[0].split("[", 1)[0]
        names.add(base)
    return names


def _load_language(root: Path, lang: str) -> LanguageCatalog:
    """Read and merge every *.po file of one language directory (files in name order)."""
    directory = root / CATALOG_DIRS[lang]
    messages: dict[str, str] = {}
    domains: dict[str, str] = {}
    problems: list[Problem] = []
    files = sorted(directory.glob("*.po")) if directory.is_dir() else []
    if not files:
        problems.append(Problem(lang, str(directory), "no .po files"))
    for path in files:
        domain = path.stem
        try:
            with path.open("rb") as fh:
                catalog = read_po(fh, locale=CATALOG_DIRS[lang], domain=domain, abort_invalid=True)
        except Exception as exc:  # a broken file must not take the desk down
            problems.append(Problem(lang, path.name, f"unreadable: {exc}"))
            continue
        for message in catalog:
            if not message.id:
                continue  # the header entry
            where = f"{path.name}:{message.lineno}"
            if isinstance(message.id, tuple | list):
                problems.append(Problem(lang, where, f"plural entry {message.id[0]!r} unsupported"))
                continue
            key = str(message.id)
            text = message.string
            if message.fuzzy:
                problems.append(Problem(lang, where, f"{key!r} is fuzzy (ignored)"))
                continue
            if not isinstance(text, str) or not text:
                problems.append(Problem(lang, where, f"{key!r} has an empty msgstr"))
                continue
            try:
                names = placeholder_names(text)
            except ValueError as exc:
                problems.append(Problem(lang, where, f"{key!r} is not a valid str.format: {exc}"))
                continue
            bad = sorted(n for n in names if not n.isidentifier())
            if bad:
                problems.append(Problem(lang, where, f"{key!r} has unnamed placeholders {bad}"))
                continue
            if key in messages:
                problems.append(
                    Problem(lang, where, f"{key!r} already defined in {domains[key]}.po (ignored)")
                )
                continue
            messages[key] = text
            domains[key] = domain
    for problem in problems:
        log.warning("catalog problem: %s", problem)
    return LanguageCatalog(
        lang=lang,
        messages=MappingProxyType(messages),
        domains=MappingProxyType(domains),
        problems=tuple(problems),
    )


class Catalogs:
    """All five language catalogs under one root directory, loaded lazily once, thread-safe."""

    def __init__(self, root: Path = CATALOG_ROOT) -> None:
        self.root = Path(root)
        self._lock = threading.Lock()
        self._loaded: dict[str, LanguageCatalog] | None = None

    def load(self) -> dict[str, LanguageCatalog]:
        """Load every language once (later calls return the cached result)."""
        loaded = self._loaded
        if loaded is not None:
            return loaded
        with self._lock:
            if self._loaded is None:
                self._loaded = {lang: _load_language(self.root, lang) for lang in LANGUAGES}
            return self._loaded

    def reload(self) -> None:
        """Forget the cache so the next access reads the files again."""
        with self._lock:
            self._loaded = None

    def language(self, lang: str | None) -> LanguageCatalog:
        """The catalog of a language (English for an unknown code)."""
        return self.load()[normalize(lang) or DEFAULT_LANGUAGE]

    def own_text(self, key: str, lang: str | None) -> str | None:
        """The text of key in exactly this language's catalog, or None."""
        return self.language(lang).messages.get(key)

    def lookup(self, key: str, lang: str | None) -> str | None:
        """The text of key in the language, falling back to English; None if missing everywhere."""
        found = self.own_text(key, lang)
        if found is None:
            found = self.own_text(key, DEFAULT_LANGUAGE)
        return found

    def keys(self, lang: str | None) -> set[str]:
        """Every key the language's own catalog defines (all domains)."""
        return set(self.language(lang).messages)

    def placeholders(self, key: str, lang: str | None) -> set[str]:
        """Placeholder names in the text render would use for key (empty if the key is missing)."""
        found = self.lookup(key, lang)
        return placeholder_names(found) if found is not None else set()

    def problems(self) -> list[Problem]:
        """Load-time problems of every language."""
        return [p for cat in self.load().values() for p in cat.problems]


DEFAULT_CATALOGS = Catalogs()


def keys(lang: str | None) -> set[str]:
    """Every key the language's own catalog defines."""
    return DEFAULT_CATALOGS.keys(lang)


def placeholders(key: str, lang: str | None) -> set[str]:
    """Placeholder names of key's text in the language (with the English fallback)."""
    return DEFAULT_CATALOGS.placeholders(key, lang)
