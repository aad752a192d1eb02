"""Language detection: langdetect restricted to our five languages, deterministic, warmed once."""

from __future__ import annotations

import logging
import re
import threading
from pathlib import Path

from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import LangDetectException

from locales.languages import DEFAULT_LANGUAGE, normalize
from locales.pt_es import tie_break

log = logging.getLogger(__name__)

PROFILE_NAMES: tuple[str, ...] = ("en", "pt", "de", "es", "ru")
MIN_WORDS = 3
MIN_LETTERS = 12
MIN_PROBABILITY = 0.80

_URL_RE = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_MAIL_RE = re.compile(r"\S+@\S+\.\S+")  # the rule; _drop_mail applies it in linear time
_TOKEN_RE = re.compile(r"\S+")
# [^<>]: a mention never contains '<' (Slack escapes it), and stopping there keeps the scan
# linear on text with many unclosed '<@' (with [^>]* each one scanned to the end of the text).
_MENTION_RE = re.compile(r"<[@#!][^<>]*>|(?<!\w)[@#/][\w.-]+")

_lock = threading.Lock()
_factory: DetectorFactory | None = None


def _build_factory() -> DetectorFactory:
    """A DetectorFactory holding only our five profiles, seeded for determinism."""
    factory = DetectorFactory()
    profiles = [
        (Path(PROFILES_DIRECTORY) / name).read_text(encoding="utf-8") for name in PROFILE_NAMES
    ]
    factory.load_json_profile(profiles)
    factory.set_seed(0)
    return factory


def _get_factory() -> DetectorFactory:
    """The shared factory, built once under the lock, including langdetect's lazy internals."""
    global _factory
    factory = _factory
    if factory is not None:
        return factory
    with _lock:
        if _factory is None:
            built = _build_factory()
            # The first detection initialises langdetect's module-level lazy state.
            detector = built.create()
            detector.append("warm up the language detector once")
            detector.get_probabilities()
            _factory = built
        return _factory


def warm_up_detector() -> None:
    """Load the five profiles and run one detection, so later calls are thread-safe."""
    _get_factory()


def _is_mail(token: str) -> bool:
    """True when a whole non-space token matches _MAIL_RE ('x@y.z': text, @, text, dot, text)."""
    at = token.find("@", 1)
    return at != -1 and token.rfind(".", at + 2, len(token) - 1) != -1


def _drop_mail(text: str) -> str:
    """_MAIL_RE.sub(" ", text) without its quadratic backtracking on long unbroken runs.

    A match of _MAIL_RE always spans a whole token, so testing token by token is the same rule.
    """
    return _TOKEN_RE.sub(lambda m: " " if _is_mail(m.group()) else m.group(), text)


def judgeable_text(text: str | None) -> str | None:
    """The text stripped of links, addresses and mentions, or None if too short to judge."""
    cleaned = _MENTION_RE.sub(" ", _drop_mail(_URL_RE.sub(" ", text or "")))
    words = [w for w in cleaned.split() if any(ch.isalpha() for ch in w)]
    letters = sum(1 for ch in cleaned if ch.isalpha())
    if len(words) < MIN_WORDS or letters < MIN_LETTERS:
        return None
    return cleaned


def probabilities(text: str | None) -> list[tuple[str, float]]:
    """Languages (normalized codes) with their probabilities, best first; [] if undecidable."""
    cleaned = judgeable_text(text)
    if cleaned is None:
        return []
    detector = _get_factory().create()
    detector.append(cleaned)
    try:
        found = detector.get_probabilities()
    except LangDetectException:
        return []
    result: list[tuple[str, float]] = []
    for item in found:
        code = normalize(item.lang)
        if code is not None:
            result.append((code, float(item.prob)))
    return result


def _mostly_cyrillic(text: str) -> bool:
    """True when most letters of text are Cyrillic (Russian is our only Cyrillic language)."""
    letters = [ch for ch in text if ch.isalpha()]
    cyrillic = sum(1 for ch in letters if "\u0400" <= ch <= "\u04ff")
    return bool(letters) and cyrillic * 2 > len(letters)


def confident_language(text: str | None) -> str | None:
    """The language of text when it is long enough to judge and the detection is clear, else None.

    Portuguese and Spanish, which langdetect confuses on short texts, are settled by their
    distinct spelling and function words.
    """
    found = probabilities(text or "")
    if not found:
        return None
    lang, prob = found[0]
    if lang in ("pt-BR", "es"):
        decided = tie_break(text or "")
        if decided is not None:
            return decided
    return lang if prob >= MIN_PROBABILITY else None


def detect_language(text: str | None, known: str | None = None, hint: str | None = None) -> str:
    """The language of text; if it is too short or unclear, the known language, hint, or English.

    Too short to judge means under 3 words or 12 letters (digits, emoji and links do not
    count); unclear means a probability under MIN_PROBABILITY. With neither a known language
    nor a hint, Cyrillic text is Russian (our only Cyrillic language) and anything else English.
    """
    confident = confident_language(text)
    if confident is not None:
        return confident
    fallback = normalize(known) or normalize(hint)
    if fallback is not None:
        return fallback
    return "ru" if _mostly_cyrillic(text or "") else DEFAULT_LANGUAGE
