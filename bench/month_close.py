"""Benchmark: close a month for 10,000 organizations with 500,000 escalations on PostgreSQL.

Compares escalation.month_close.close_month with the bare work it cannot avoid: the
aggregation query plus one bulk COPY each of the same month_closes rows, invoice lines and
invoices. Organizations are on Growth, Premium and a GST plan, in monthly, quarterly and
yearly cycles, some with derived automatic upgrades. Creates a throw-away database next to the
one in --database-url (or TEST_DATABASE_URL) and drops it afterwards.

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
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from billing.invoicing import invoice_number, issue_date
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


TAXED_PRICES = {"monthly": 30000, "quarterly": 85000, "yearly": 320000}  # EUR and USD
CYCLES = ("monthly", "quarterly", "yearly")


def _plans(conn: psycopg.Connection) -> dict[str, int]:
    """Growth and Premium (monthly prices from the migration) and a plan with GST 10 % and a
    price for every cycle, like an admin would add it (seed 002)."""
    conn.execute(
        "INSERT INTO plans (name, display_name, plan_type, enabled, free_escalations, "
        "overflow_price_cents, tam_kind, queue_priority, beta_access, gst_rate_bp, hidden, "
        "archived, created_at) VALUES ('taxed', 'Taxed', 'usage-based', true, 3, 2000, "
        "'community', 0, 'on_request', 1000, false, false, now())")
    plans = dict(conn.execute("SELECT name, id FROM plans").fetchall())
    for cycle, cents in TAXED_PRICES.items():
        for currency in ("EUR", "USD"):
            conn.execute("INSERT INTO plan_prices (plan_id, cycle, currency, amount_cents) "
                         "VALUES (%s, %s, %s, %s)", (plans["taxed"], cycle, currency, cents))
    return plans


def load(conninfo: str, orgs: int, escalations: int, seed: int) -> None:
    """Bulk-load organizations on plans and cycles, license fees, cases and escalations.

    A quarter of the organizations are on Premium, a quarter on the GST plan (monthly,
    quarterly or yearly), the rest on Growth; one in ten Growth organizations has a derived
    automatic upgrade to Premium in some month (it keeps the cycle and does not restart it).
    """
    rng = random.Random(seed)
    created = "2024-12-01 00:00:00+00"
    with psycopg.connect(conninfo) as conn:
        # Bulk load without per-row foreign-key triggers (the generated ids are consistent).
        conn.execute("SET session_replication_role = replica")
        conn.execute("SET synchronous_commit = off")
        plans = _plans(conn)
        _copy(conn, "organizations", "id, name, currency, billing_model, created_at", [
            f"{i}\torg-{i}\t{'EUR' if i % 3 else 'USD'}\t"
            f"{'direct-paid' if i % 5 == 0 else 'partner-paid'}\t{created}\n"
            for i in range(1, orgs + 1)])
        rows = []
        for i in range(1, orgs + 1):
            plan, cycle = {0: ("premium", "monthly"), 1: ("taxed", CYCLES[i % 3])}.get(
                i % 4, ("growth", "monthly"))
            rows.append(f"{i}\t{plans[plan]}\t{YEAR}-01\tonboarding\t{cycle}\t{created}\n")
            if plan == "growth" and i % 10 == 2:
                upgraded = rng.choice(MONTHS[1:])
                rows.append(f"{i}\t{plans['premium']}\t{upgraded}\tauto-upgrade\t{cycle}\t"
                            f"{created}\n")
        _copy(conn, "plan_assignments",
              "org_id, plan_id, effective_month, reason, billing_cycle, created_at", rows)
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


@dataclass(frozen=True)
class Bare:
    """The reference's time and what it wrote (the same rows close_month writes)."""

    seconds: float
    closes: int
    lines: int
    invoices: int
    seconds_without_closes: float  # aggregation + the lines and invoices only


def baseline(conninfo: str, month: BillingMonth) -> Bare:
    """The bare work of a close, rolled back: the aggregation query (MONTH_ROWS, the same SQL
    the close reads), then one COPY each of the same month_closes rows, invoice lines (plan
    fee in a cycle's first month, overflow, GST where the plan has it, escalations processed)
    and invoices (number, dates, total, paid at issue when zero)."""
    started = time.perf_counter()
    m = str(month)
    issued, now = issue_date(month), datetime.now(UTC)
    with psycopg.connect(conninfo) as conn:
        sql = MONTH_ROWS.replace("%", "%%").replace(":month", "%(month)s")
        rows = conn.execute(sql, {"month": m}).fetchall()
        plans = {pid: (name, rate) for pid, name, rate in conn.execute(
            "SELECT id, display_name, gst_rate_bp FROM plans")}
        closes, lines, invoices = [], [], []
        for (org_id, plan_id, currency, cycle, allowance, counted, expired, overflow, price,
             fee, rate, charge, tax) in rows:
            closes.append((org_id, m, plan_id, currency, allowance, counted, expired, overflow,
                           price, charge, fee, cycle, tax, counted, now))
            name, _rate = plans[plan_id]
            if fee > 0:
                lines.append((org_id, m, "plan_fee", f"Plan fee: {name}", 1, fee, fee,
                              currency))
            lines.append((org_id, m, "escalation_overflow", "Escalations above the allowance",
                          overflow, price, charge, currency))
            if rate is not None:
                lines.append((org_id, m, "gst", f"GST {rate / 100:g} %", 1, tax, tax, currency))
            lines.append((org_id, m, "escalations", "Escalations processed", counted, 0, 0,
                          currency))
            total = fee + charge + tax
            invoices.append((org_id, m, invoice_number(org_id, month), issued, issued,
                             currency, total, 0, fee > 0, counted, now if total == 0 else None,
                             now))
        with conn.cursor() as cursor:
            for table, columns, values in (
                ("invoice_lines", "org_id, month, kind, description, quantity, unit_cents, "
                 "amount_cents, currency", lines),
                ("invoices", "org_id, month, number, issued_on, due_on, currency, total_cents, "
                 "paid_cents, has_plan_fee, escalations_processed, paid_at, created_at",
                 invoices),
                ("month_closes", "org_id, month, plan_id, currency, allowance, counted, "
                 "pending_expired, overflow, overflow_price_cents, charge_cents, "
                 "plan_fee_cents, billing_cycle, tax_cents, escalations_processed, closed_at",
                 closes),
            ):
                if table == "month_closes":
                    without_closes = time.perf_counter() - started
                with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for value in values:
                        copy.write_row(value)
        elapsed = time.perf_counter() - started
        conn.rollback()
    return Bare(elapsed, len(closes), len(lines), len(invoices), without_closes)


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
        bare, full, _narrow = timed_closes(engine, conninfo, args.orgs)
    for month, b, f in zip(CLOSED_MONTHS, bare, full, strict=True):
        print(f"{month}: close_month {f:.3f}s, aggregation + bulk COPY of the same rows "
              f"{b:.3f}s")
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


def timed_closes(engine: Engine, conninfo: str,
                 orgs: int) -> tuple[list[float], list[float], list[float]]:
    """Seconds of the baseline, of close_month, and of the baseline without its month_closes
    COPY, for each of CLOSED_MONTHS (loaded data); both sides must write the same rows."""
    factory = make_session_factory(engine)
    now = datetime(YEAR + 1, 1, 1, 0, 5, tzinfo=UTC)
    bare: list[float] = []
    full: list[float] = []
    narrow: list[float] = []
    for month in CLOSED_MONTHS:
        reference = baseline(conninfo, month)
        bare.append(reference.seconds)
        narrow.append(reference.seconds_without_closes)
        started = time.perf_counter()
        report = close_month(factory, month, now, ZoneInfo("UTC"))
        full.append(time.perf_counter() - started)
        wrote = (report.closed, report.lines, report.invoices)
        if wrote != (orgs, reference.lines, orgs) or reference.closes != orgs:
            raise RuntimeError(f"{month}: close_month wrote {wrote} (closes, lines, invoices), "
                               f"the reference {reference}, for {orgs} organizations")
    return bare, full, narrow


if __name__ == "__main__":
    sys.exit(main())
