"""`supportdesk cases` (one row per case, streamed) and `supportdesk case show N`."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

import click

from billing.months import BillingMonth
from bot.commands import _export as export
from bot.commands._admin import AdminCommand, AdminGroup, admin_command, unit_of_work
from bot.commands.common import MONTH, WholeNumber, emit_json, json_option
from desk import case_export, orgs
from desk.case_export import COLUMNS, STATUSES, CaseFilter
from locales.plurals import english_count
from sla.targets import format_duration

# Text columns: (title, width); each row is written as it is read, so the widths are fixed
# and longer values are cut with an ellipsis (JSON and CSV carry them whole).
TEXT_COLUMNS = (("#", 6), ("organization", 18), ("partner", 16), ("channel", 8), ("lang", 5),
                ("severity", 8), ("opened", 16), ("first response", 22), ("resolved", 16),
                ("escalation", 15), ("rating", 6), ("category", 0))  # the last one is not cut
_OUTCOME = {"within_target": "answered within the target", "late": "answered late",
            "missed": "missed, no response yet", "pending": "no response yet, not due",
            "resolved_without_response": "resolved without a response"}
_NO_RESPONSE = {"missed": "missed (overdue)", "pending": "pending",
                "resolved_without_response": "none (bare resolution)"}


class CaseNumber(WholeNumber):
    """A case number as partners see it: 42 or #42."""

    name = "N"

    def __init__(self) -> None:
        super().__init__(1, 2**31 - 1)

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> int:
        text = value if isinstance(value, int) else str(value).strip().removeprefix("#")
        return super().convert(text, param, ctx)


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def _first_response(row: dict[str, Any], tz: tzinfo) -> str:
    if row["first_response_at"] is not None:
        late = " late" if row["first_response"] == "late" else ""
        return export.local(row["first_response_at"], tz) + late
    return _NO_RESPONSE.get(row["first_response"] or "", "-")


def _escalation(row: dict[str, Any]) -> str:
    if row["escalation"] is None:
        return "-"
    counted = f" {row['escalation_counted_month']}" if row["escalation"] == "counted" else ""
    return f"{row['escalation']}{counted}"


def _text_cells(row: dict[str, Any], tz: tzinfo) -> list[str]:
    rating = row["satisfaction_rating"]
    return [f"#{row['number']}", row["organization"], row["partner"], row["channel"],
            row["language"], f"{row['severity']} {row['severity_set_by']}",
            export.local(row["opened_at"], tz), _first_response(row, tz),
            export.local(row["resolved_at"], tz), _escalation(row),
            "-" if rating is None else f"{rating}/5", row["escalation_category"] or "-"]


def _text_line(cells: list[str]) -> str:
    return "  ".join(_cut(c, w).ljust(w) if i < len(TEXT_COLUMNS) - 1 else c
                     for i, (c, (_, w)) in enumerate(zip(cells, TEXT_COLUMNS, strict=True))
                     ).rstrip()


def _described(wanted: CaseFilter) -> str:
    parts = [f"opened in {wanted.month}" if wanted.month else "",
             wanted.org.name if wanted.org else "", wanted.status or ""]
    shown = ", ".join(p for p in parts if p)
    return f" ({shown})" if shown else ""


@click.command(cls=AdminCommand)
@click.option("--org", "org_name", metavar="NAME",
              help="Only this organization's cases (any case).")
@click.option("--month", type=MONTH,
              help="Only cases opened in this month (YYYY-MM, billing time zone); default: all.")
@click.option("--status", type=click.Choice(STATUSES, case_sensitive=False),
              help="Only open or only resolved cases.")
@json_option
@export.csv_option
@admin_command
def cases(org_name: str | None, month: BillingMonth | None, status: str | None, as_json: bool,
          as_csv: bool) -> None:
    """Cases, one row each by number: organization, partner, channel, language, severity and
    who set it (auto or agent), opened, first response, resolved, escalation (category, counted
    month or pending/expired) and the latest satisfaction rating.

    Rows are written as they are read, so exports of any size stream. Times are in the billing
    time zone in text, ISO 8601 UTC in JSON and CSV (which also carry the subject, agent, due
    time and first-response outcome: within_target, late, missed, pending or
    resolved_without_response).
    """
    export.one_format(as_json, as_csv)
    with unit_of_work() as (session, desk, now):
        wanted = CaseFilter(org=None if org_name is None else orgs.get_org(session, org_name),
                            month=month, status=status.lower() if status else None)
        found = case_export.rows(session, wanted, desk.billing_tz, now)
        if as_csv:
            export.stream_csv(COLUMNS, (export.plain(r) for r in found))
            return
        if as_json:
            head = {"filters": {"organization": wanted.org.name if wanted.org else None,
                                "month": str(month) if month else None, "status": wanted.status}}
            export.stream_json(head, "cases", (export.plain(r) for r in found))
            return
        tz = desk.billing_tz
        written = 0
        for row in found:
            if written == 0:
                click.echo(_text_line([t for t, _ in TEXT_COLUMNS]))
                click.echo(_text_line(["-" * w for _, w in TEXT_COLUMNS]))
            click.echo(_text_line(_text_cells(row, tz)))
            written += 1
    if written == 0:
        click.echo(f"no cases{_described(wanted)}")
        return
    click.echo(f"{english_count(written, 'case')}{_described(wanted)}; times in "
               f"{export.zone_name(tz)}")


@click.group(cls=AdminGroup)
def case() -> None:
    """One case in full: `supportdesk case show N`."""


@case.command("show")
@click.argument("number", type=CaseNumber())
@json_option
@admin_command
def show_cmd(number: int, as_json: bool) -> None:
    """Case N (or #N): its export row, first-response target and due time, ratings and every
    message (kind, author, time, text)."""
    with unit_of_work() as (session, desk, now):
        doc = case_export.detail(session, number, desk.billing_tz, now)
    if as_json:
        emit_json({**export.plain(doc),
                   "ratings": [export.plain(r) for r in doc["ratings"]],
                   "messages": [export.plain(m) for m in doc["messages"]]})
        return
    _echo_case(doc, desk.billing_tz)


def _echo_case(doc: dict[str, Any], tz: tzinfo) -> None:
    def at(key: str) -> str:
        return export.local(doc[key], tz)

    click.echo(f"Case #{doc['number']} ({doc['status']}): {doc['organization']}, opened by "
               f"{doc['partner']} on {doc['channel']} in {doc['language']}")
    click.echo(f"  subject: {doc['subject']}")
    reasons = ", ".join(str(r) for r in doc["severity_reasons"])
    if doc["severity_set_by"] == "agent":
        click.echo(f"  severity {doc['severity']}, set by an agent")
    else:
        click.echo(f"  severity {doc['severity']}, set automatically"
                   + (f" (decided by: {reasons})" if reasons else ""))
    click.echo(f"  agent: {doc['agent'] or '-'}")
    click.echo(f"  opened {at('opened_at')}, first response {at('first_response_at')}, "
               f"resolved {at('resolved_at')}"
               + (f", reopened {english_count(doc['reopened'], 'time')}"
                  if doc["reopened"] else ""))
    if doc["sla_target_minutes"] is None:
        click.echo("  first-response target: none")
    else:
        click.echo(f"  first-response target {format_duration(doc['sla_target_minutes'])}, "
                   f"due {at('sla_due_at')}: {_OUTCOME[doc['first_response']]}")
    if doc["escalation"] is not None:
        click.echo(f"  escalation: {doc['escalation_category']}, requested "
                   f"{at('escalation_requested_at')}, {_escalation_words(doc)}")
    if doc["resolution_note"]:
        click.echo(f"  resolution note: {doc['resolution_note']}")
    for r in doc["ratings"]:
        said = "not rated" if r["rating"] is None else \
            f"{r['rating']}/5 by {r['rated_by'] or '-'} on {export.local(r['rated_at'], tz)}"
        comment = f": {r['comment']}" if r["comment"] else ""
        click.echo(f"  satisfaction (resolution {r['round'] + 1}): {said}{comment}")
    click.echo(f"Messages (times in {export.zone_name(tz)}):")
    if not doc["messages"]:
        click.echo("  (none)")
    for m in doc["messages"]:
        click.echo(f"  {export.local(m['at'], tz)}  {m['kind']:<7} {m['author'] or 'desk'}")
        for line in (m["text"] or "").splitlines() or [""]:
            click.echo(f"      {line}")


def _escalation_words(doc: dict[str, Any]) -> str:
    if doc["escalation"] == "counted":
        return f"counted in {doc['escalation_counted_month']}"
    if doc["escalation"] == "pending":
        return "pending (counts if the case is resolved this month)"
    return "expired (its month ended without it counting)"
