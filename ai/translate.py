"""Translation prompts and the check of the model's answer."""

from __future__ import annotations

LANGUAGE_NAMES = {"en": "English", "pt-BR": "Brazilian Portuguese", "de": "German",
                  "es": "Spanish", "ru": "Russian"}
MAX_GROWTH = 4  # a translation more than 4 times longer than the original is not one

SYSTEM = ("Translate the user's message into %s. Keep numbers, codes, URLs and names as they "
          "are. Answer with the translation only, nothing else.")


def system_prompt(target: str) -> str:
    return SYSTEM % LANGUAGE_NAMES.get(target, target)


def parse(answer: str, original: str) -> str | None:
    """The translation, or None when the answer is empty or implausibly long."""
    text = answer.strip()
    if not text or len(text) > MAX_GROWTH * max(len(original), 50):
        return None
    return text
