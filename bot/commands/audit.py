"""`supportdesk audit`: the audit trail, newest first, paged; text, JSON or CSV."""

from __future__ import annotations

import sys
from datetime import date, datetime, tzinfo
from typing import Any

import click

from bot.commands import _export as export
from bot.commands._admin import AdminCommand, admin_command, print_table, unit_of_work
from bot.commands.common import WholeNumber, emit_json, fail, json_option, stdout_is_terminal
from desk import audit_trail, orgs
from desk.audit_trail import DEFAULT_PER_PAGE, MAX_PER_PAGE, AuditFilter

CSV_COLUMNS = ("id", "at", "actor", "action", "entity", "entity_id", "details")
MAX_ACTOR, MAX_ACTION = 120, 60


def _entry(row: Any) -> dict[str, Any]:
    return {"id": row.id, "at": export.iso(row.at), "actor": row.actor, "action": row.action,
            "entity": row.entity, "entity_id": row.entity_id, "details": row.details or {}}


def details_text(details: dict[str, Any], separator: str = " ") -> str:
    """key=value pairs, nested values as compact JSON: one readable line (or one pair a line)."""
    return separator.join(f"{k}={v if isinstance(v, str) else export.json_text(v)}"
                          for k, v in (details or {}).items())


def _checked(value: str | None, option: str, longest: int) -> str | None:
    if value is None:
        return None
    cleaned = value.strip()
    if not cleaned:
        fail(f"{option} must not be empty")
    if len(cleaned) > longest:
        fail(f"{option} is at most {longest} characters, got {len(cleaned)}")
    return cleaned


def _echo_text(page: audit_trail.AuditPage, names: dict[str, str], tz: tzinfo,
               filtered: bool) -> None:
    if page.total == 0:
        click.echo("no audit entries match" if filtered else "no audit entries")
        return
    zone = export.zone_name(tz)
    terminal = stdout_is_terminal()  # there a table whose details wrap, one pair a line
    rows = [[export.local(e.at, tz, seconds=True), e.actor, e.action,
             f"{e.entity} {e.entity_id}" + (f" ({names[e.entity_id]})"
                                            if e.entity == "organization"
                                            and e.entity_id in names else ""),
             details_text(e.details, "\n" if terminal else " ")] for e in page.entries]
    headers = [f"at ({zone})", "actor", "action", "about", "details"]
    if terminal:
        _rich_table(headers, rows)
    else:
        print_table(headers, rows)
    first = (page.page - 1) * page.per_page + 1
    last = first + len(page.entries) - 1
    more = f"; --page {page.page + 1} for older ones" if page.page < page.pages else ""
    click.echo(f"page {page.page} of {page.pages}: entries {first}-{last} of {page.total}, "
               f"newest first{more}")


def _rich_table(headers: list[str], rows: list[list[str]]) -> None:
    """In a terminal: a table whose details column wraps within the window."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    table = Table(*headers, box=box.SIMPLE_HEAD, highlight=False, pad_edge=False)
    for row in rows:
        table.add_row(*row)
    for column in table.columns[:4]:
        column.no_wrap = True
    table.columns[4].overflow = "fold"
    Console(file=sys.stdout, markup=False, emoji=False, highlight=False).print(table)


@click.command(cls=AdminCommand)
@click.option("--org", "org_name", metavar="NAME",
              help="Only entries about this organization (any case): its own changes (entity "
                   "organization with its id), its cases, invoices and users, and entries whose "
                   "details name it (\"organization\" or \"org\": NAME). A month close or a new "
                   "beta, about every organization at once, is about none.")
@click.option("--since", type=export.SINCE,
              help="Only entries at or after this date (its midnight) or date and time "
                   "(YYYY-MM-DDTHH:MM), in the billing time zone unless an offset is given.")
@click.option("--actor", metavar="ID",
              help="Only entries by this actor: 'scheduler', 'user:12' ('user': any user), "
                   "'cli' (any login: 'cli' also matches 'cli:alice') or 'cli:alice'.")
@click.option("--action", metavar="PREFIX",
              help="Only actions starting so: 'plan' (plan.add, plan.assign...), 'case.resolve'.")
@click.option("--limit", type=WholeNumber(1, MAX_PER_PAGE),
              help=f"Entries per page (default {DEFAULT_PER_PAGE}, at most {MAX_PER_PAGE}).")
@click.option("--page", type=WholeNumber(1, 2**31 - 1), help="Which page (default 1: the newest).")
@json_option
@export.csv_option
@admin_command
def audit(org_name: str | None, since: date | datetime | None, actor: str | None,
          action: str | None, limit: int | None, page: int | None, as_json: bool,
          as_csv: bool) -> None:
    """The audit trail: who changed what and when, newest first, a page at a time.

    Text and --json show one page (--limit entries, default 50) and say which page of how
    many; --csv exports every matching entry (streamed) unless --page or --limit is given.
    Times are in the billing time zone in text, ISO 8601 UTC in JSON and CSV.
    """
    export.one_format(as_json, as_csv)
    actor = _checked(actor, "--actor", MAX_ACTOR)
    action = _checked(action, "--action", MAX_ACTION)
    action = action.lower() if action is not None else None
    with unit_of_work() as (session, desk, _now):
        org = orgs.get_org(session, org_name) if org_name is not None else None
        wanted = AuditFilter(org=org, since=None if since is None else
                             export.instant(since, desk.billing_tz), actor=actor, action=action)
        if as_csv and page is None and limit is None:
            export.stream_csv(CSV_COLUMNS, (_csv_row(_entry(e))
                                            for e in audit_trail.stream(session, wanted)))
            return
        found = audit_trail.page_of(session, wanted, page or 1, limit or DEFAULT_PER_PAGE)
        names = audit_trail.org_names(session, found.entries)
        if as_csv:
            export.stream_csv(CSV_COLUMNS, (_csv_row(_entry(e)) for e in found.entries))
            return
        if as_json:
            emit_json({"filters": {"organization": org.name if org else None,
                                   "since": export.iso(wanted.since), "actor": actor,
                                   "action": action},
                       "page": found.page, "pages": found.pages, "per_page": found.per_page,
                       "total": found.total, "entries": [_entry(e) for e in found.entries]})
            return
        _echo_text(found, names, desk.billing_tz,
                   filtered=any(v is not None for v in (org, since, actor, action)))


def _csv_row(entry: dict[str, Any]) -> dict[str, Any]:
    return {**entry, "details": export.json_text(entry["details"])}
