"""Plural rules: a language's gettext Plural-Forms (from Babel's CLDR data) and the count."""

from __future__ import annotations

import gettext
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from babel.messages.plurals import get_plural

_HEADER_RE = re.compile(r"^\s*nplurals\s*=\s*(\d+)\s*;\s*plural\s*=\s*(.+?)\s*;?\s*$")
_COUNT_RE = re.compile(r"^\{([A-Za-z_][A-Za-z0-9_]*)\}$")

# Numbers on which two rules must agree to be the same rule: every form of every language
# shows up here (1, 21, 101 ...; 2-4, 22-24 ...; 11-14; 0; multiples of a million).
SAMPLE_NUMBERS: tuple[int, ...] = (
    *range(0, 1201),
    *range(10_000, 10_030),
    1_000_000, 1_000_001, 1_000_002, 1_000_005, 1_000_011, 1_000_021,
    2_000_000, 10_000_000, 21_000_000, 100_000_000, 1_000_000_000,
)


@lru_cache(maxsize=64)
def _compiled(expression: str) -> Callable[[int], int]:
    """The C plural expression as a Python function (gettext's own, safe compiler)."""
    return gettext.c2py(expression)


@dataclass(frozen=True)
class PluralRule:
    """How many plural forms a language has and which form (an index) a number takes."""

    nplurals: int
    expression: str

    @classmethod
    def of_locale(cls, locale: str) -> PluralRule:
        """Babel's rule for a locale ('ru': three forms: 1, 21 | 2-4, 22-24 | 0, 5-20, 25 ...)."""
        found = get_plural(locale)
        return cls(found.num_plurals, found.plural_expr)

    @classmethod
    def parse(cls, header: str) -> PluralRule:
        """A rule from a Plural-Forms header value; ValueError if it is not one."""
        match = _HEADER_RE.match(header)
        if not match:
            raise ValueError(f"not a Plural-Forms value: {header!r}")
        rule = cls(int(match.group(1)), match.group(2))
        if rule.nplurals < 1:
            raise ValueError(f"nplurals must be at least 1: {header!r}")
        _compiled(rule.expression)  # raises ValueError on a malformed expression
        return rule

    @property
    def header(self) -> str:
        """The Plural-Forms header value of this rule."""
        return f"nplurals={self.nplurals}; plural={self.expression};"

    def index(self, n: int) -> int:
        """The form a number takes: 0 .. nplurals - 1 (the sign is ignored)."""
        found = int(_compiled(self.expression)(abs(n)))
        return min(max(found, 0), self.nplurals - 1)

    def same_as(self, other: PluralRule) -> bool:
        """True when both rules have as many forms and pick the same one for every number."""
        return self.nplurals == other.nplurals and all(
            self.index(n) == other.index(n) for n in SAMPLE_NUMBERS
        )


def count_name(msgid_plural: str) -> str | None:
    """The count parameter a plural entry names in its msgid_plural ('{count}' -> 'count')."""
    match = _COUNT_RE.match(msgid_plural.strip())
    return match.group(1) if match else None


def as_count(value: object) -> int | None:
    """A parameter as a whole number for choosing a form (int, integral Decimal, digits)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"-?\d{1,18}", value.strip()):
        return int(value)
    return None


def english_count(n: int, singular: str, plural: str | None = None) -> str:
    """A count and its noun for English-only output (the admin CLI): '1 organization',
    '2 organizations', '0 invoice lines'."""
    return f"{n} {singular if n == 1 else plural or singular + 's'}"
