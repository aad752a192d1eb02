"""The summary chart: per organization, counted vs allowance with the overflow marked (PNG)."""

from __future__ import annotations

import io

from escalation.summary import MonthSummary

MAX_ORGS = 40  # a readable chart; the CSV has every organization


def chart_title(summary: MonthSummary, shown: int) -> str:
    """'Escalations 2026-03: counted vs allowance'; a month still running says 'so far' and
    how many requests are pending (never 'expired' before the month ends)."""
    if summary.ended:
        title = f"Escalations {summary.month}: counted vs allowance"
    else:
        title = (f"Escalations {summary.month} so far: counted vs allowance, "
                 f"{summary.pending} pending")
    if len(summary.orgs) > shown:
        title += f" (top {shown} of {len(summary.orgs)})"
    return title


def render_png(summary: MonthSummary) -> bytes:
    """A bar chart as PNG bytes; matplotlib (Agg backend) is imported only when drawing."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib.figure import Figure

    orgs = sorted(summary.orgs, key=lambda o: (-o.counted, o.org))[:MAX_ORGS]
    figure = Figure(figsize=(max(6.0, 0.45 * len(orgs) + 2), 4.5), dpi=100)
    axes = figure.subplots()
    positions = list(range(len(orgs)))
    within = [min(o.counted, o.allowance) for o in orgs]
    over = [o.overflow for o in orgs]
    axes.bar(positions, within, color="#4c72b0", label="counted (within allowance)")
    axes.bar(positions, over, bottom=within, color="#c44e52", label="overflow (billed)")
    axes.scatter(positions, [o.allowance for o in orgs], marker="_", s=400, color="black",
                 label="allowance", zorder=3)
    axes.set_xticks(positions)
    axes.set_xticklabels([o.org[:14] for o in orgs], rotation=45, ha="right", fontsize=8)
    axes.set_ylabel("escalations")
    axes.set_title(chart_title(summary, len(orgs)))
    if orgs:
        axes.legend(fontsize=8)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
