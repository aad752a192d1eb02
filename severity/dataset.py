"""The labelled corpora: training messages (tuned on) and blind batches (never trained on)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

CORPUS = Path(__file__).with_name("corpus")
TRAIN = CORPUS / "train"
BLIND = CORPUS / "blind"


@dataclass(frozen=True)
class Example:
    language: str
    severity: int
    text: str
    source: str


def read(path: Path) -> list[Example]:
    """A TSV with columns `severity, text` (language from the file name) or `lang, severity,
    text`."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [
            Example(row.get("lang") or path.stem, int(row["severity"]), row["text"], path.name)
            for row in reader
            if row.get("text")
        ]


def training() -> list[Example]:
    return [example for path in sorted(TRAIN.glob("*.tsv")) for example in read(path)]


def blind() -> list[Example]:
    return [example for path in sorted(BLIND.glob("*.tsv")) for example in read(path)]
