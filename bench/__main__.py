"""`python -m bench [--quick] [--only NAME] [--database-url URL]`: run the benchmarks, one run.

Every figure is printed next to the reference measured in the same run, with the ratio, the
target and MET / NOT MET; everything is also written to bench/out/results.json.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from bench.common import Figure, Options, PartResult, machine

OUT = Path(__file__).resolve().parent / "out"
# name -> module with run(Options) -> PartResult, in the order they run
PARTS: dict[str, str] = {
    "triage": "bench.triage",
    "message_path": "bench.message_path",
    "message_path_ai": "bench.message_path_ai",
    "month_close": "bench.close",
    "slack_http": "bench.slack_http",
    "telegram": "bench.telegram",
    "startup_memory": "bench.startup",
}


def verdict(met: bool | None) -> str:
    return "MET" if met else ("NOT MET" if met is False else "-")


def _num(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    text = f"{value:.2f}" if abs(value) < 100 else f"{value:.0f}"
    return f"{text} {unit}".rstrip()


def format_figure(fig: Figure) -> str:
    ratio = f"{fig.ratio:.2f}x" if fig.ratio is not None else "-"
    reference = (f"{_num(fig.reference, fig.unit)} ({fig.reference_label})"
                 if fig.reference is not None else "-")
    return (f"  {fig.name}\n"
            f"    figure {_num(fig.value, fig.unit)} | reference {reference} | ratio {ratio}"
            f" | target {fig.target} | {verdict(fig.met)}")


def run_part(name: str, opts: Options, echo: Callable[[str], None]) -> PartResult:
    run = importlib.import_module(PARTS[name]).run
    started = time.perf_counter()
    try:
        result: PartResult = run(opts)
    except Exception as exc:  # one broken part must not hide the others' figures
        echo(traceback.format_exc())
        result = PartResult(name, "failed", note=f"{type(exc).__name__}: {exc}"[:2000])
    result.seconds = time.perf_counter() - started
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (a smoke test)")
    parser.add_argument("--only", choices=sorted(PARTS), action="append",
                        help="run only this part (may be repeated)")
    parser.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL"),
                        help="PostgreSQL server for the month close part (a throw-away "
                             "database is created there); default TEST_DATABASE_URL")
    parser.add_argument("--out", type=Path, default=OUT / "results.json",
                        help="where to write the JSON results (default bench/out/results.json)")
    args = parser.parse_args(argv)
    names = [n for n in PARTS if not args.only or n in args.only]
    workdir = Path(tempfile.mkdtemp(prefix="supportdesk-bench-"))
    opts = Options(quick=args.quick, database_url=args.database_url, workdir=workdir)
    about = machine()
    print(f"supportdesk benchmarks {'(quick) ' if args.quick else ''}on {about['nproc']} CPUs "
          f"({about['cpu_model']}), {about['memory_mib']} MiB, Python {about['python']}, "
          f"{about['date']}", flush=True)
    results: list[PartResult] = []
    try:
        for name in names:
            print(f"\n[{name}] running...", flush=True)
            result = run_part(name, opts, lambda text: print(text, file=sys.stderr))
            results.append(result)
            if result.status == "ran":
                for fig in result.figures:
                    print(format_figure(fig), flush=True)
            else:
                print(f"  {result.status.upper()}: {result.note}", flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    figures = [f for r in results for f in r.figures]
    summary = {"met": sum(1 for f in figures if f.met is True),
               "not_met": sum(1 for f in figures if f.met is False),
               "skipped": [r.part for r in results if r.status == "skipped"],
               "failed": [r.part for r in results if r.status == "failed"]}
    print(f"\n{summary['met']} targets met, {summary['not_met']} not met"
          + (f"; skipped: {', '.join(summary['skipped'])}" if summary["skipped"] else "")
          + (f"; failed: {', '.join(summary['failed'])}" if summary["failed"] else ""))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    doc = {"machine": about, "quick": args.quick, "summary": summary,
           "parts": [r.as_dict() for r in results]}
    args.out.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"results written to {args.out}")
    return 1 if summary["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
