"""Part 2: month close on PostgreSQL, through H5's bench/month_close.py (load and baseline).

10,000 organizations and 500,000 escalations over 12 months (1,000 / 50,000 with --quick) on
Growth, Premium and a GST plan in monthly, quarterly and yearly cycles; close_month of the last
three months against the bare work: the same aggregation query plus one bulk COPY each of the
same month_closes rows, invoice lines and invoices. Target: at most 2x.
"""

from __future__ import annotations

import time

from bench import month_close as h5
from bench.common import Figure, Options, PartResult, median

NAME = "month_close"
TARGET_RATIO = 2.0


def run(opts: Options) -> PartResult:
    if not opts.database_url or not opts.database_url.startswith("postgresql"):
        return PartResult(NAME, "skipped", note="needs PostgreSQL: pass --database-url or set "
                          "TEST_DATABASE_URL (postgresql+psycopg://...)")
    orgs, escalations = (1_000, 50_000) if opts.quick else (10_000, 500_000)
    with h5.throwaway_database(opts.database_url) as (engine, conninfo):
        started = time.perf_counter()
        h5.load(conninfo, orgs, escalations, seed=7)
        loaded = time.perf_counter() - started
        bare, full, narrow = h5.timed_closes(engine, conninfo, orgs)
    value, reference = median(full), median(bare)
    ratio = value / reference
    figure = Figure(
        name="month close: close_month per month (median of 3)", value=value * 1000, unit="ms",
        reference=reference * 1000,
        reference_label="aggregation query + COPY of the same closes, lines and invoices",
        ratio=ratio, target=f"ratio <= {TARGET_RATIO:.1f}", met=ratio <= TARGET_RATIO,
        details={"organizations": orgs, "escalations": escalations,
                 "months_closed": [str(m) for m in h5.CLOSED_MONTHS],
                 "close_ms": [round(s * 1000, 1) for s in full],
                 "baseline_ms": [round(s * 1000, 1) for s in bare],
                 # the reference without its month_closes COPY: aggregation, lines, invoices
                 "baseline_lines_invoices_ms": [round(s * 1000, 1) for s in narrow],
                 "ratio_to_lines_invoices_only": round(value / median(narrow), 3),
                 "load_seconds": loaded})
    return PartResult(NAME, "ran", [figure])
