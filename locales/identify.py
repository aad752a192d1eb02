"""Which language a message is in: a character n-gram model trained on partner chat, checked by
lingua and langdetect when it is unsure.

Labels are the five supported languages and "other" (Italian, French, ...). The model is a
linear.LinearModel shipped in identifier/, written by `python -m locales.train`.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from zlib import crc32

import linear

MODEL_DIR = Path(__file__).with_name("identifier")
DIMENSION = 1 << 17
OTHER = "other"
NGRAMS = (1, 2, 3, 4)
_WORD = re.compile(r"[^\W\d_]+")
_MASK = DIMENSION - 1
_GRAM_CRC = crc32(b"c:")
_WORD_CRC = crc32(b"w:")


def features(text: str) -> list[tuple[int, float]]:
    """Character 1-4-grams of each word (accents kept: ã, ñ, ß tell languages apart) and the
    words themselves, each block scaled to unit length. Slots are linear.slot("c:" + gram),
    computed by continuing the prefix's CRC (the same value, without building the string)."""
    words = [w.lower() for w in _WORD.findall(text)]
    grams: dict[str, None] = {}  # insertion-ordered, so sums (and results) are reproducible
    for word in words:
        padded = f" {word} "
        size = len(padded)
        for n in NGRAMS:
            for k in range(max(1, size - n + 1)):
                grams[padded[k:k + n]] = None
    result: list[tuple[int, float]] = []
    for block, prefix in ((grams, _GRAM_CRC), (dict.fromkeys(words), _WORD_CRC)):
        if block:
            value = len(block) ** -0.5
            result.extend((crc32(item.encode("utf-8"), prefix) & _MASK, value) for item in block)
    return result


_lock = threading.Lock()
_model: linear.LinearModel | None = None


def model() -> linear.LinearModel:
    """The identifier shipped with the package, read once."""
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                _model = linear.read(MODEL_DIR)
    return _model


def distribution(text: str) -> dict[str, float]:
    """The model's probability for each label (the five languages and "other"); {} when the
    text has no letters."""
    found = features(text)
    if not found:
        return {}
    m = model()
    return dict(zip(m.labels, m.probabilities(found), strict=True))
