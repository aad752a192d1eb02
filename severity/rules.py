"""The shape of a language's rule table and how matched phrases turn into a severity."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    """What a matched phrase says about the impact."""

    CRITICAL = "critical"  # confidentiality/privacy breached, customer data lost or leaked
    OUTAGE = "outage"  # a service is down / unreachable
    FAILURE = "failure"  # something fails, is not delivered, cannot be done
    DEGRADED = "degraded"  # slow, a workaround exists, cosmetic, a suggestion


class Scope(StrEnum):
    """Who is affected, as far as the sentence says."""

    NONE = "none"
    TOTAL = "total"  # all / every / todos / alle / все
    PARTIAL = "partial"  # some / alguns / einige / algunos / некоторые


# The weights: severity of a phrase of a kind, by the scope stated in its sentence.
SEVERITY: dict[Kind, dict[Scope, int]] = {
    Kind.CRITICAL: {Scope.NONE: 1, Scope.TOTAL: 1, Scope.PARTIAL: 1},
    Kind.OUTAGE: {Scope.NONE: 1, Scope.TOTAL: 1, Scope.PARTIAL: 2},
    Kind.FAILURE: {Scope.NONE: 2, Scope.TOTAL: 1, Scope.PARTIAL: 2},
    Kind.DEGRADED: {Scope.NONE: 3, Scope.TOTAL: 3, Scope.PARTIAL: 3},
}


_SPACES = re.compile(r" (\?)?")


def _space(match: re.Match[str]) -> str:
    return " *" if match.group(1) else " +"


def _compile(patterns: tuple[str, ...]) -> re.Pattern[str]:
    """One alternation with word edges; in a pattern " " means one or more spaces, " ?" any."""
    body = "|".join(f"(?:{_SPACES.sub(_space, p)})" for p in patterns)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)")


@dataclass(frozen=True)
class RuleSet:
    """Phrase tables of one language. Patterns are regexes over normalised text
    (lower case, Latin accents stripped, ё -> е, punctuation other than . , : ; ! ? % ' blanked).
    """

    language: str
    critical: tuple[str, ...]
    outage: tuple[str, ...]
    failure: tuple[str, ...]
    degraded: tuple[str, ...]
    total: tuple[str, ...]
    partial: tuple[str, ...]
    workaround: tuple[str, ...]  # a stated workaround makes a failure in that sentence minor
    resolved: tuple[str, ...]  # "works again now": outage/failure in that sentence is past
    negations: tuple[str, ...]  # words that cancel the phrase right after them
    contrasts: tuple[str, ...]  # words that start a new clause (but, mas, aber, pero, но)
    negations_after: tuple[str, ...] = ()  # cancel the phrase right before them ("не было")
    question_openers: tuple[str, ...] = ()  # a sentence starting so is a question ("is the")
    question_particles: tuple[str, ...] = ()  # a sentence containing one is a question ("ли")
    presupposing: tuple[str, ...] = ()  # "why ..." questions report the problem they ask about
    compiled: dict[str, re.Pattern[str]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        kinds = {kind.value: getattr(self, kind.value) for kind in Kind}
        tables = {
            **kinds,
            Scope.TOTAL.value: self.total,
            Scope.PARTIAL.value: self.partial,
            "workaround": self.workaround,
            "resolved": self.resolved,
            "negation": self.negations,
            "contrast": self.contrasts,
            "negation_after": self.negations_after or ("(?!x)x",),
            "opener": self.question_openers or ("(?!x)x",),
            "particle": self.question_particles or ("(?!x)x",),
            "presupposing": self.presupposing or ("(?!x)x",),
        }
        object.__setattr__(self, "compiled", {k: _compile(v) for k, v in tables.items()})
