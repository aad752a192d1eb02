"""Message catalogs: gettext .po files per language directory, merged over domains, loaded once.

An entry is a key and its text, or a plural entry: `msgid_plural "{count}"` names the
parameter whose number picks one of the language's forms (`msgstr[0]` ... `msgstr[n-1]`,
in the order of its Plural-Forms rule; see locales/README.md).
"""

from __future__ import annotations

import io
import logging
import re
import string
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from babel.messages.catalog import Message
from babel.messages.pofile import read_po

from locales.languages import CATALOG_DIRS, DEFAULT_LANGUAGE, LANGUAGES, normalize
from locales.plurals import PluralRule, as_count, count_name

log = logging.getLogger(__name__)

CATALOG_ROOT = Path(__file__).resolve().parent / "catalogs"

_PLURAL_HEADER_RE = re.compile(r'^"Plural-Forms:\s*(.*?)(?:\\n)?"\s*$', re.MULTILINE)
_FIRST_ENTRY_RE = re.compile(r'^msgid "[^"]', re.MULTILINE)  # the first entry after the header


@dataclass(frozen=True)
class Problem:
    """One defect found while loading a catalog (a broken file, entry or duplicate key)."""

    lang: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.lang}: {self.path}: {self.message}"


@dataclass(frozen=True)
class PluralText:
    """A text in every plural form of its language, picked by the number in `count`."""

    count: str
    forms: tuple[str, ...]


@dataclass(frozen=True)
class LanguageCatalog:
    """The merged messages of one language: key -> text (plural entries apart), the domain
    each key came from, and the language's plural rule."""

    lang: str
    messages: Mapping[str, str]
    domains: Mapping[str, str]
    plurals: Mapping[str, PluralText] = field(default_factory=dict)
    rule: PluralRule = field(default_factory=lambda: PluralRule.of_locale("en"))
    problems: tuple[Problem, ...] = field(default=())

    def texts(self) -> dict[str, tuple[str, ...]]:
        """Every key with all its texts: one for a plain entry, every form of a plural one."""
        found: dict[str, tuple[str, ...]] = {key: (text,) for key, text in self.messages.items()}
        found.update((key, plural.forms) for key, plural in self.plurals.items())
        return found

    def texts_of(self, key: str) -> tuple[str, ...]:
        """All texts of one key (every form of a plural entry); empty when it is missing."""
        if key in self.messages:
            return (self.messages[key],)
        plural = self.plurals.get(key)
        return plural.forms if plural is not None else ()

    def text_for(self, key: str, params: Mapping[str, Any] | None = None) -> str | None:
        """The text of key; for a plural entry the form its count parameter's number takes
        (the last, most general form when the count is missing or not a whole number)."""
        plain = self.messages.get(key)
        if plain is not None:
            return plain
        plural = self.plurals.get(key)
        if plural is None:
            return None
        count = as_count((params or {}).get(plural.count))
        if count is None:
            log.warning("no whole number in %r to choose a form of %r (%s)",
                        plural.count, key, self.lang)
            return plural.forms[-1]
        return plural.forms[self.rule.index(count)]


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


def _text_problem(key: str, text: object) -> str | None:
    """Why a text cannot be used (empty, not a valid str.format, unnamed fields), or None."""
    if not isinstance(text, str) or not text:
        return f"{key!r} has an empty msgstr"
    try:
        names = placeholder_names(text)
    except ValueError as exc:
        return f"{key!r} is not a valid str.format: {exc}"
    bad = sorted(n for n in names if not n.isidentifier())
    if bad:
        return f"{key!r} has unnamed placeholders {bad}"
    return None


def declared_plural_forms(raw: str) -> str | None:
    """The Plural-Forms header value written in a .po file's header entry, or None."""
    first_entry = _FIRST_ENTRY_RE.search(raw)
    header = raw[: first_entry.start()] if first_entry else raw
    match = _PLURAL_HEADER_RE.search(header)
    return match.group(1).strip() if match else None


def _header_problem(raw: str, rule: PluralRule) -> str | None:
    """Why the file's Plural-Forms header is missing or differs from the language's rule."""
    declared = declared_plural_forms(raw)
    if declared is None:
        return f"no Plural-Forms header (expected {rule.header!r})"
    try:
        written = PluralRule.parse(declared)
    except ValueError as exc:
        return f"malformed Plural-Forms header: {exc}"
    if not written.same_as(rule):
        return f"Plural-Forms {declared!r} differs from the language's rule {rule.header!r}"
    return None


def _plural_entry(message: Message, rule: PluralRule) -> PluralText | str:
    """A plural entry checked against the rule, or why it cannot be used."""
    key = str(message.id[0])
    count = count_name(str(message.id[1]))
    if count is None:
        return (f"plural entry {key!r}: msgid_plural must name the count parameter "
                f"as '{{name}}', not {message.id[1]!r}")
    forms = tuple(message.string) if isinstance(message.string, tuple | list) else ()
    missing = [i for i, form in enumerate(forms) if not form]
    if len(forms) != rule.nplurals or missing:
        absent = missing + list(range(len(forms), rule.nplurals))
        return (f"plural entry {key!r} needs {rule.nplurals} forms (msgstr[0] .. "
                f"msgstr[{rule.nplurals - 1}]); missing or extra: {absent or len(forms)}")
    for index, form in enumerate(forms):
        problem = _text_problem(f"{key}[{index}]", form)
        if problem:
            return problem
    names = [placeholder_names(form) for form in forms]
    for index, found in enumerate(names[1:], start=1):
        if found != names[0]:
            return (f"plural entry {key!r}: msgstr[{index}] placeholders {sorted(found)} "
                    f"differ from msgstr[0] {sorted(names[0])}")
    if count not in names[0]:
        return f"plural entry {key!r}: its forms must show the count {{{count}}}"
    return PluralText(count, forms)


def _load_language(root: Path, lang: str) -> LanguageCatalog:
    """Read and merge every *.po file of one language directory (files in name order)."""
    directory = root / CATALOG_DIRS[lang]
    rule = PluralRule.of_locale(CATALOG_DIRS[lang])
    messages: dict[str, str] = {}
    plurals: dict[str, PluralText] = {}
    domains: dict[str, str] = {}
    problems: list[Problem] = []
    files = sorted(directory.glob("*.po")) if directory.is_dir() else []
    if not files:
        problems.append(Problem(lang, str(directory), "no .po files"))
    for path in files:
        domain = path.stem
        try:
            raw = path.read_bytes()
        except OSError as exc:
            problems.append(Problem(lang, path.name, f"unreadable: {exc}"))
            continue
        header = _header_problem(raw.decode("utf-8", "replace"), rule)
        if header:
            problems.append(Problem(lang, path.name, header))
        try:
            catalog = read_po(io.BytesIO(raw), locale=CATALOG_DIRS[lang], domain=domain,
                              abort_invalid=True)
        except Exception as exc:  # a broken file must not take the desk down
            problems.append(Problem(lang, path.name, f"unreadable: {exc}"))
            continue
        for message in catalog:
            if not message.id:
                continue  # the header entry
            where = f"{path.name}:{message.lineno}"
            plural = isinstance(message.id, tuple | list)
            key = str(message.id[0] if plural else message.id)
            if message.fuzzy:
                problems.append(Problem(lang, where, f"{key!r} is fuzzy (ignored)"))
                continue
            if plural:
                entry = _plural_entry(message, rule)
                problem = entry if isinstance(entry, str) else None
            else:
                problem = _text_problem(key, message.string)
            if problem:
                problems.append(Problem(lang, where, problem))
                continue
            if key in domains:
                problems.append(
                    Problem(lang, where, f"{key!r} already defined in {domains[key]}.po (ignored)")
                )
                continue
            if plural and isinstance(entry, PluralText):
                plurals[key] = entry
            else:
                messages[key] = str(message.string)
            domains[key] = domain
    for problem in problems:
        log.warning("catalog problem: %s", problem)
    return LanguageCatalog(
        lang=lang,
        messages=MappingProxyType(messages),
        domains=MappingProxyType(domains),
        plurals=MappingProxyType(plurals),
        rule=rule,
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

    def own_text(self, key: str, lang: str | None,
                 params: Mapping[str, Any] | None = None) -> str | None:
        """The text of key in exactly this language's catalog (the form params' count picks
        for a plural entry), or None."""
        return self.language(lang).text_for(key, params)

    def lookup(self, key: str, lang: str | None,
               params: Mapping[str, Any] | None = None) -> str | None:
        """The text of key in the language, falling back to English (whose plural rule then
        picks the form); None if missing everywhere."""
        found = self.own_text(key, lang, params)
        if found is None:
            found = self.own_text(key, DEFAULT_LANGUAGE, params)
        return found

    def keys(self, lang: str | None) -> set[str]:
        """Every key the language's own catalog defines (all domains, plural entries too)."""
        catalog = self.language(lang)
        return set(catalog.messages) | set(catalog.plurals)

    def placeholders(self, key: str, lang: str | None) -> set[str]:
        """Placeholder names of key's text (all its forms) in the language, with the English
        fallback; empty if the key is missing."""
        for language in (lang, DEFAULT_LANGUAGE):
            texts = self.language(language).texts_of(key)
            if texts:
                return set().union(*(placeholder_names(text) for text in texts))
        return set()

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
