"""Benchmark: close a month for 10,000 organizations with 500,000 escalations on PostgreSQL.

Compares escalation.month_close.close_month with the bare work it cannot avoid: the
aggregation query plus a bulk insert of the same invoice lines. Creates a throw-away database
next to the one in --database-url (or TEST_DATABASE_URL) and drops it afterwards.

    python bench/month_close.py [--database-url URL] [--orgs 10000] [--escalations 500000]
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from billing.months import BillingMonth
from escalation.month_close import MONTH_ROWS, close_month
from store.db import make_engine, make_session_factory
from store.migrate import upgrade

YEAR = 2025
MONTHS = [BillingMonth(YEAR, m) for m in range(1, 13)]
CLOSED_MONTHS = MONTHS[-3:]  # timed: Oct, Nov, Dec (each closes all 10,000 organizations)


def _copy(conn: psycopg.Connection, table: str, columns: str, rows: list[str]) -> None:
    with conn.cursor().copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        buffer = io.StringIO()
        for i, row in enumerate(rows, 1):
            buffer.write(row)
            if i % 50_000 == 0:
                copy.write(buffer.getvalue())
                buffer = io.StringIO()
        copy.write(buffer.getvalue())


def load(conninfo: str, orgs: int, escalations: int, seed: int) -> None:
    """Bulk-load organizations, plans in force, license fees, cases and escalations."""
    rng = random.Random(seed)
    created = "2024-12-01 00:00:00+00"
    with psycopg.connect(conninfo) as conn:
        # Bulk load without per-row foreign-key triggers (the generated ids are consistent).
        conn.execute("SET session_replication_role = replica")
        conn.execute("SET synchronous_commit = off")
        plans = dict(conn.execute("SELECT name, id FROM plans").fetchall())
        _copy(conn, "organizations", "id, name, currency, billing_model, created_at", [
            f"{i}\torg-{i}\t{'EUR' if i % 3 else 'USD'}\tpartner-paid\t{created}\n"
            for i in range(1, orgs + 1)])
        _copy(conn, "plan_assignments", "org_id, plan_id, effective_month, reason, created_at", [
            f"{i}\t{plans['premium'] if i % 4 == 0 else plans['growth']}\t{YEAR}-01\t"
            f"onboarding\t{created}\n" for i in range(1, orgs + 1)])
        _copy(conn, "license_fees", "org_id, month, amount_cents", [
            f"{i}\t{m}\t{rng.choice((40000, 49000, 50000, 57500))}\n"
            for i in range(1, orgs + 1) for m in MONTHS if rng.random() < 0.3])
        _copy(conn, "users", "id, name, role, org_id, created_at", [
            f"{i}\tpartner-{i}\tpartner\t{i}\t{created}\n" for i in range(1, orgs + 1)])
        _copy(conn, "conversations", "id, channel, chat_id, thread_key", [
            f"{i}\tconsole\tc{i}\t\n" for i in range(1, escalations + 1)])
        case_rows, esc_rows = [], []
        for i in range(1, escalations + 1):
            org = rng.randint(1, orgs)
            month = rng.choice(MONTHS)
            start = month.start(UTC)
            requested = start + timedelta(seconds=rng.randint(0, 27 * 86400))
            resolved = requested + timedelta(hours=rng.randint(1, 400))
            counted = str(month) if BillingMonth.of(resolved, UTC) == month else "\\N"
            stamp = requested.isoformat()
            case_rows.append(
                f"{i}\t{org}\t{org}\t{i}\tresolved\t{rng.randint(1, 3)}\tauto\t[]\tcase {i}\t"
                f"en\t{stamp}\t{stamp}\t{resolved.isoformat()}\t0\t{resolved.isoformat()}\n")
            esc_rows.append(
                f"{i}\t{org}\tother_operations_issue\t{stamp}\t{month}\t{org}\tf\tf\t"
                f"{resolved.isoformat()}\t{counted}\n")
        _copy(conn, "cases", "id, org_id, opened_by_id, conversation_id, status, severity, "
              "severity_source, severity_reasons, subject, language, opened_at, active_since, "
              "resolved_at, "
              "reopened_count, updated_at", case_rows)
        _copy(conn, "escalations", "case_id, org_id, category, requested_at, requested_month, "
              "requested_by_id, on_behalf, billable_confirmed, resolved_at, counted_month",
              esc_rows)
        for table in ("organizations", "users", "conversations", "cases"):
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                         f"(SELECT MAX(id) FROM {table}))")
        conn.execute("ANALYZE")


def baseline(conninfo: str, month: BillingMonth) -> float:
    """The bare aggregation query plus a bulk insert of the same lines (rolled back)."""
    started = time.perf_counter()
    with psycopg.connect(conninfo) as conn:
        sql = MONTH_ROWS.replace(":month", "%(month)s")
        rows = conn.execute(sql, {"month": str(month)}).fetchall()
        lines = []
        for org_id, _plan, currency, _allow, counted, _exp, overflow, price, fee in rows:
            lines.append((org_id, str(month), "plan_fee", "Plan fee", 1, fee, fee, currency))
            lines.append((org_id, str(month), "escalation_overflow", "Overflow", overflow,
                          price, overflow * price, currency))
            lines.append((org_id, str(month), "escalations", "Processed", counted, 0, 0,
                          currency))
        with conn.cursor().copy(
            "COPY invoice_lines (org_id, month, kind, description, quantity, unit_cents, "
            "amount_cents, currency) FROM STDIN"
        ) as copy:
            for line in lines:
                copy.write_row(line)
        elapsed = time.perf_counter() - started
        conn.rollback()
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL"))
    parser.add_argument("--orgs", type=int, default=10_000)
    parser.add_argument("--escalations", type=int, default=500_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if not args.database_url or not args.database_url.startswith("postgresql"):
        print("month_close bench: needs --database-url or TEST_DATABASE_URL (postgresql+psycopg)",
              file=sys.stderr)
        return 2
    with throwaway_database(args.database_url) as (engine, conninfo):
        t0 = time.perf_counter()
        load(conninfo, args.orgs, args.escalations, args.seed)
        print(f"loaded {args.orgs} organizations, {args.escalations} escalations over 12 "
              f"months in {time.perf_counter() - t0:.1f}s")
        bare, full = timed_closes(engine, conninfo, args.orgs)
    for month, b, f in zip(CLOSED_MONTHS, bare, full, strict=True):
        print(f"{month}: close_month {f:.3f}s, aggregation + bulk insert {b:.3f}s")
    ratio = statistics.median(full) / statistics.median(bare)
    print(f"median close_month {statistics.median(full):.3f}s, median baseline "
          f"{statistics.median(bare):.3f}s, ratio {ratio:.2f} (target <= 2.00)")
    return 0


@contextmanager
def throwaway_database(database_url: str) -> Iterator[tuple[Engine, str]]:
    """A new, migrated database next to `database_url`: (engine, psycopg conninfo).

    Dropped afterwards, whatever happened.
    """
    base = make_url(database_url)
    name = f"sd_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name)
    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    engine = make_engine(url.render_as_string(hide_password=False))
    try:
        upgrade(engine)
        yield engine, conninfo
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def timed_closes(engine: Engine, conninfo: str, orgs: int) -> tuple[list[float], list[float]]:
    """Seconds of the baseline and of close_month for each of CLOSED_MONTHS (loaded data)."""
    factory = make_session_factory(engine)
    now = datetime(YEAR + 1, 1, 1, 0, 5, tzinfo=UTC)
    bare: list[float] = []
    full: list[float] = []
    for month in CLOSED_MONTHS:
        bare.append(baseline(conninfo, month))
        started = time.perf_counter()
        report = close_month(factory, month, now, ZoneInfo("UTC"))
        full.append(time.perf_counter() - started)
        if report.closed != orgs or report.lines != 3 * orgs:
            raise RuntimeError(f"{month}: closed {report.closed} of {orgs} organizations, "
                               f"{report.lines} lines")
    return bare, full

if __name__ == "__main__":
    sys.exit(main())
