"""Shared pieces of the export commands (audit, cases): formats, times, --since, streaming."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, tzinfo
from typing import Any

import click

from bot.commands.common import _default, fail

csv_option = click.option("--csv", "as_csv", is_flag=True,
                          help="Print CSV (a header, then one row per line).")

_SINCE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?)?"
                    r"(?:Z|[+-]\d{2}:\d{2})?")


def one_format(as_json: bool, as_csv: bool) -> None:
    if as_json and as_csv:
        fail("choose one of --json and --csv")


class Since(click.ParamType):
    """A date (YYYY-MM-DD: from its midnight) or a date and time (YYYY-MM-DDTHH:MM[:SS]),
    read in the billing time zone unless it carries an offset (Z, +02:00)."""

    name = "DATE"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> date | datetime:
        if isinstance(value, date):
            return value
        text = str(value).strip()
        if _SINCE.fullmatch(text) is None:
            self.fail(f"malformed date {text[:24]!r}: expected YYYY-MM-DD or "
                      "YYYY-MM-DDTHH:MM, e.g. 2026-03-01 or 2026-03-01T09:30", param, ctx)
        try:
            if len(text) == 10:
                return date.fromisoformat(text)
            return datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            self.fail(f"no such date or time {text!r}", param, ctx)


SINCE = Since()


def instant(value: date | datetime, tz: tzinfo) -> datetime:
    """--since as an aware UTC instant: a date is its midnight, naive times are in `tz`."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(0))
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(UTC)


def iso(value: datetime | None) -> str | None:
    """An instant in ISO 8601, UTC (JSON and CSV)."""
    return None if value is None else value.astimezone(UTC).isoformat()


def local(value: datetime | None, tz: tzinfo, seconds: bool = False) -> str:
    """An instant on the billing time zone's wall clock (text); '-' when there is none."""
    if value is None:
        return "-"
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def zone_name(tz: tzinfo) -> str:
    return str(getattr(tz, "key", None) or tz)


def plain(row: dict[str, Any]) -> dict[str, Any]:
    """A row with its instants in ISO 8601 UTC (for JSON and CSV)."""
    return {k: iso(v) if isinstance(v, datetime) else v for k, v in row.items()}


def csv_line(values: Sequence[Any]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(["" if v is None else v for v in values])
    return out.getvalue()


def stream_csv(columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> int:
    """Write the header, then each row as soon as it is read; returns the number of rows."""
    click.echo(csv_line(columns), nl=False)
    written = 0
    for row in rows:
        click.echo(csv_line([row.get(c) for c in columns]), nl=False)
        written += 1
    return written


def json_text(value: Any) -> str:
    return json.dumps(value, default=_default, ensure_ascii=False)


def stream_json(head: dict[str, Any], key: str, rows: Iterable[dict[str, Any]]) -> int:
    """One JSON document: `head`, then `key` with the rows, each written as soon as it is read
    (one line each), then "count"; returns the number of rows."""
    opening = json.dumps(head, default=_default, ensure_ascii=False, indent=2)
    prefix = opening[:-1].rstrip() + ("," if head else "") + f'\n  "{key}": ['
    click.echo(prefix, nl=False)
    written = 0
    for row in rows:
        click.echo(("," if written else "") + "\n    " + json_text(row), nl=False)
        written += 1
    click.echo(("\n  ]" if written else "]") + f',\n  "count": {written}\n}}')
    return written
