"""Which language a message is in, and which language to answer it in.

Three detectors vote: the project's own character n-gram model trained on partner chat
(locales.identify), lingua in low-accuracy mode (knows Italian, French and other look-alikes,
so an unsupported language is recognised as such), and langdetect restricted to the five
languages, consulted only when the first two disagree. See locales/README.md for the figures.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import LangDetectException

from locales import identify
from locales.languages import DEFAULT_LANGUAGE, LANGUAGES, normalize

OTHER = identify.OTHER
MIN_REPLY_WORDS = 4  # "long enough to tell": shorter messages keep the known language
CLEAR = 0.6  # the combined probability above which a language is "clearly" the message's
LINGUA_WEIGHT = 0.3
LANGDETECT_WEIGHT = 0.2
OWN_SURE = 0.9  # the own model alone decides above this (the others could not overrule it)
LANGDETECT_PROFILES: tuple[str, ...] = ("en", "pt", "de", "es", "ru")
# lingua's languages: ours, and the two unsupported ones partners write in most. Each language
# costs lingua about 2.5 MB resident; the own model knows seven more look-alikes (Dutch,
# Polish, Ukrainian, Turkish, Catalan, Galician, Romanian) from its training lines.
LINGUA_LANGUAGES = {"ENGLISH": "en", "PORTUGUESE": "pt-BR", "GERMAN": "de", "SPANISH": "es",
                    "RUSSIAN": "ru", "ITALIAN": OTHER, "FRENCH": OTHER}

_URL_RE = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_MAIL_RE = re.compile(r"\S+@\S+\.\S+")  # the rule; _drop_mail applies it in linear time
_TOKEN_RE = re.compile(r"\S+")
# [^<>]: a mention never contains '<' (Slack escapes it), and stopping there keeps the scan
# linear on text with many unclosed '<@' (with [^>]* each one scanned to the end of the text).
_MENTION_RE = re.compile(r"<[@#!][^<>]*>|(?<!\w)[@#/][\w.-]+")
MAX_DETECT_CHARS = 240  # the language of a long message is plain from its beginning
MAX_WORD_CHARS = 40  # a longer unbroken run (a token, a hash, a pasted blob) is no word


@dataclass(frozen=True)
class Identification:
    """The language of a message (one of LANGUAGES, or "other"), how sure, and its length."""

    language: str
    confidence: float
    words: int

    @property
    def clear(self) -> bool:
        """Long enough to tell and clearly one language."""
        return self.words >= MIN_REPLY_WORDS and self.confidence >= CLEAR


_lock = threading.Lock()
_detectors: dict[str, Any] = {}


def _langdetect() -> DetectorFactory:
    factory = DetectorFactory()
    profiles = [(Path(PROFILES_DIRECTORY) / name).read_text(encoding="utf-8")
                for name in LANGDETECT_PROFILES]
    factory.load_json_profile(profiles)
    factory.set_seed(0)
    detector = factory.create()  # initialises langdetect's module-level lazy state
    detector.append("warm up the language detector once")
    detector.get_probabilities()
    return factory


def _lingua() -> Any:
    from lingua import Language, LanguageDetectorBuilder

    languages = [getattr(Language, name) for name in LINGUA_LANGUAGES]
    return (LanguageDetectorBuilder.from_languages(*languages).with_low_accuracy_mode()
            .with_preloaded_language_models().build())


def _detector(name: str) -> Any:
    found = _detectors.get(name)
    if found is None:
        with _lock:
            found = _detectors.get(name)
            if found is None:
                found = _langdetect() if name == "langdetect" else _lingua()
                _detectors[name] = found
    return found


def warm_up_detector() -> None:
    """Load every detector once, so later calls are fast and thread-safe."""
    identify.model()
    _detector("lingua")
    _detector("langdetect")


def _is_mail(token: str) -> bool:
    """True when a whole non-space token matches _MAIL_RE ('x@y.z': text, @, text, dot, text)."""
    at = token.find("@", 1)
    return at != -1 and token.rfind(".", at + 2, len(token) - 1) != -1


def _drop_mail(text: str) -> str:
    """_MAIL_RE.sub(" ", text) without its quadratic backtracking on long unbroken runs."""
    return _TOKEN_RE.sub(lambda m: " " if _is_mail(m.group()) else m.group(), text)


def judgeable_text(text: str | None) -> str | None:
    """The text without links, addresses and mentions, or None when no word with letters is
    left (nothing to tell a language from)."""
    cleaned = _MENTION_RE.sub(" ", _drop_mail(_URL_RE.sub(" ", (text or "")[:MAX_DETECT_CHARS])))
    words = [w for w in cleaned.split() if len(w) <= MAX_WORD_CHARS]
    if not any(any(ch.isalpha() for ch in word) for word in words):
        return None
    return " ".join(words)


def _lingua_vote(text: str) -> dict[str, float]:
    votes: dict[str, float] = {}
    for value in _detector("lingua").compute_language_confidence_values(text):
        label = LINGUA_LANGUAGES[value.language.name]
        votes[label] = votes.get(label, 0.0) + value.value
    return votes


def _langdetect_vote(text: str) -> dict[str, float]:
    detector = _detector("langdetect").create()
    detector.append(text)
    try:
        found = detector.get_probabilities()
    except LangDetectException:
        return {}
    return {code: float(item.prob) for item in found if (code := normalize(item.lang))}


def identify_language(text: str | None) -> Identification | None:
    """The language of `text`, or None when it has no words to tell from."""
    cleaned = judgeable_text(text)
    if cleaned is None:
        return None
    own = identify.distribution(cleaned)
    if not own:
        return None
    words = sum(1 for word in cleaned.split() if any(ch.isalpha() for ch in word))
    best = max(own, key=own.__getitem__)
    if own[best] >= OWN_SURE:
        # The voters cannot change this answer: with weights 0.7 / 0.3 / 0.2, another language
        # reaches at most 0.7 * (1 - p) + 0.5, below 0.7 * p once p > 0.857.
        return Identification(best, round(own[best], 6), words)
    lingua = _lingua_vote(cleaned)
    combined = {k: (1 - LINGUA_WEIGHT) * p + LINGUA_WEIGHT * lingua.get(k, 0.0)
                for k, p in own.items()}
    if lingua and max(own, key=own.__getitem__) != max(lingua, key=lingua.__getitem__):
        for code, p in _langdetect_vote(cleaned).items():
            combined[code] += LANGDETECT_WEIGHT * p
    total = sum(combined.values())
    best = max(combined, key=combined.__getitem__)
    return Identification(best, round(combined[best] / total, 6), words)


def confident_language(text: str | None) -> str | None:
    """The supported language `text` is clearly in, when it is long enough to tell; else None."""
    found = identify_language(text)
    if found is None or not found.clear or found.language == OTHER:
        return None
    return found.language


@dataclass(frozen=True)
class ReplyLanguage:
    """The language to answer in, and the language to remember for the user (None: keep)."""

    language: str
    remember: str | None = None


def reply_language(text: str | None, *, chosen: str | None = None, known: str | None = None,
                   hint: str | None = None, default: str = DEFAULT_LANGUAGE) -> ReplyLanguage:
    """DOMAIN.md's rule: a language the user chose wins; a message long enough to tell and
    clearly in a supported language sets (and updates) the reply language; one clearly in an
    unsupported language is answered in English; a shorter one keeps the known language, else
    the chat client's language (hint), else the detector's best guess, else `default`."""
    chosen, known, hint = normalize(chosen), normalize(known), normalize(hint)
    if chosen is not None:
        return ReplyLanguage(chosen)
    found = identify_language(text)
    if found is not None and found.clear:
        if found.language == OTHER:
            return ReplyLanguage(DEFAULT_LANGUAGE)
        return ReplyLanguage(found.language, remember=found.language)
    if known is not None:
        return ReplyLanguage(known)
    if hint is not None:
        return ReplyLanguage(hint)
    if found is not None and found.language in LANGUAGES:
        return ReplyLanguage(found.language)
    return ReplyLanguage(normalize(default) or DEFAULT_LANGUAGE)


def detect_language(text: str | None, known: str | None = None, hint: str | None = None) -> str:
    """The language to answer `text` in for a user who never chose one (see reply_language)."""
    return reply_language(text, known=known, hint=hint).language
