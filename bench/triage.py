"""Triage speed: language identification plus severity classification, median per message.

Texts: the blind severity batches and the blind language batch (real-looking partner messages
of every length). Target (issue #11): median under 1 ms on this machine; no database involved.
"""

from __future__ import annotations

import time

import locales
import severity
from bench.common import Figure, Options, PartResult, median, percentile
from locales import report
from severity import dataset

NAME = "triage"
TARGET_MS = 1.0


def run(opts: Options) -> PartResult:
    texts = [e.text for e in dataset.blind()] + [text for _, _, text in report.rows()]
    if opts.quick:
        texts = texts[:200]
    locales.warm_up()
    severity.classify("warm up")
    timings = []
    for text in texts:
        started = time.perf_counter()
        locales.identify_language(text)
        severity.classify(text)
        timings.append(time.perf_counter() - started)
    value = median(timings) * 1000
    figure = Figure(
        name="triage: identify language + classify severity, median per message", value=value,
        unit="ms", target=f"< {TARGET_MS:.0f} ms", met=value < TARGET_MS,
        details={"messages": len(texts), "p90_ms": percentile(timings, 90) * 1000,
                 "p99_ms": percentile(timings, 99) * 1000})
    return PartResult(NAME, "ran", [figure])
