"""`python -m locales.report`: language identification on the blind batch, by length.

Prints, for each supported language, how often a short (2-8 words) and a longer message is
identified as that language, and for unsupported languages (Italian, French) how often the
desk answers in English; `--dev` scores the training lines instead (a development figure).
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from locales.detect import DEFAULT_LANGUAGE, identify_language, reply_language, warm_up_detector
from locales.languages import LANGUAGES

BLIND = Path(__file__).with_name("corpus") / "blind" / "language.tsv"


def rows(path: Path = BLIND) -> list[tuple[str, str, str]]:
    """(language, "short" or "long", text) of a batch."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [(r["lang"], r["length"], r["text"]) for r in reader if r.get("text")]


def score(batch: Sequence[tuple[str, str, str]]) -> dict[tuple[str, str], tuple[int, int]]:
    """(language or "unsupported", length) -> (right, total). Right means: identified as the
    language (supported), or answered in English (unsupported)."""
    right: Counter = Counter()
    total: Counter = Counter()
    for lang, length, text in batch:
        if lang in LANGUAGES:
            found = identify_language(text)
            ok = found is not None and found.language == lang
            key = (lang, length)
        else:
            ok = reply_language(text).language == DEFAULT_LANGUAGE
            key = ("unsupported", length)
        right[key] += ok
        total[key] += 1
    return {key: (right[key], total[key]) for key in total}


def summary(table: dict[tuple[str, str], tuple[int, int]], length: str) -> tuple[int, int]:
    pairs = [v for (lang, ln), v in table.items() if ln == length and lang != "unsupported"]
    return sum(r for r, _ in pairs), sum(t for _, t in pairs)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m locales.report", description=__doc__)
    parser.add_argument("--file", type=Path, default=BLIND)
    args = parser.parse_args(argv)
    batch = rows(args.file)
    warm_up_detector()
    table = score(batch)
    for length in ("short", "long"):
        right, total = summary(table, length)
        print(f"{length} messages, five languages: {right}/{total} = {right / total:.1%}")
        for lang in LANGUAGES:
            r, t = table.get((lang, length), (0, 0))
            if t:
                print(f"  {lang:6} {r}/{t} = {r / t:.1%}")
        r, t = table.get(("unsupported", length), (0, 0))
        if t:
            print(f"  unsupported languages answered in English: {r}/{t} = {r / t:.1%}")
    timings = []
    for _, _, text in batch:
        start = time.perf_counter()
        identify_language(text)
        timings.append(time.perf_counter() - start)
    print(f"median identification time: {statistics.median(timings) * 1e6:.0f} µs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
