"""What every benchmark part shares: the result record, percentiles, texts and the machine."""

from __future__ import annotations

import csv
import math
import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
CORPUS_DIR = REPO / "severity" / "corpus" / "train"
LANGUAGES = ("en", "pt-BR", "de", "es", "ru")


@dataclass
class Figure:
    """One measured figure against its reference and target; met is None when not judged."""

    name: str
    value: float
    unit: str
    target: str
    met: bool | None
    reference: float | None = None
    reference_label: str = ""
    ratio: float | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class PartResult:
    """What one part reports: its figures, or why it was skipped or failed."""

    part: str
    status: str  # "ran" | "skipped" | "failed"
    figures: list[Figure] = field(default_factory=list)
    note: str = ""
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"part": self.part, "status": self.status, "note": self.note,
                "seconds": round(self.seconds, 3),
                "figures": [f.as_dict() for f in self.figures]}


@dataclass(frozen=True)
class Options:
    """The command-line options every part may look at."""

    quick: bool
    database_url: str | None  # a PostgreSQL URL whose server may host throw-away databases
    workdir: Path


def percentile(values: list[float], pct: float) -> float:
    """The pct-th percentile (nearest rank on the sorted values); values must not be empty."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(pct / 100 * len(ordered))))
    return ordered[rank - 1]


def median(values: list[float]) -> float:
    return float(statistics.median(values))


def timed(call: Callable[[], Any]) -> float:
    """Seconds one call takes (perf_counter)."""
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def texts_by_language() -> dict[str, list[str]]:
    """Realistic partner messages per language: the severity training corpus (hand-written)."""
    found: dict[str, list[str]] = {}
    for lang in LANGUAGES:
        with (CORPUS_DIR / f"{lang}.tsv").open(encoding="utf-8", newline="") as handle:
            rows = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
            found[lang] = [row["text"] for row in rows if row.get("text")]
    return found


def machine() -> dict[str, Any]:
    """nproc, CPU model, memory and Python of the machine the figures come from."""
    model = ""
    mem_kb = 0
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
                break
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu_model": model or platform.processor(),
            "memory_mib": mem_kb // 1024, "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
            "date": datetime.now(UTC).isoformat(timespec="seconds")}


def rss_mib(pid: int) -> float:
    """Resident memory (VmRSS) of a process in MiB, from /proc/PID/status."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (from /proc/PID/stat)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat.rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks
