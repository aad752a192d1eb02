"""The summary chart (PNG) in the reader's language: per organization the allowance, counted,
pending or expired and overflow escalations with the overflow charge in its currency, the
first-response compliance and satisfaction per organization, and satisfaction per agent.

A month not closed yet is marked *preliminary* everywhere (its overflow is not billed); an
empty month says so instead of drawing bare axes. The top organizations by escalations are
drawn, the rest summed up in one line (the CSV has every one).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import locales
from billing.money import Money
from escalation.quality import (
    FirstResponse,
    Ratings,
    average_text,
    first_response_line,
    satisfaction_line,
    share_text,
)
from escalation.summary import MonthSummary, OrgLine, ellipsize, escalations_of
from locales.formatting import format_money

TOP_ORGS = 20  # organizations drawn; the rest are "and K more"
TOP_AGENTS = 12
NAME_WIDTH = 28  # characters of an organization or agent name before the ellipsis
WITHIN, OVERFLOW, PENDING, EXPIRED = "#4c72b0", "#c44e52", "#f2b45a", "#a9a9a9"
ALLOWANCE = "#111111"


def _t(key: str, lang: str, **params: Any) -> str:
    return locales.render(key, params, lang)


def chart_title(summary: MonthSummary, lang: str = "en") -> str:
    """'Escalations in March 2026 — closed and billed'; a month not closed is preliminary, and
    a month still running says so (its unresolved requests are pending, never expired)."""
    key = ("summary.chart.title_so_far" if not summary.ended else
           "summary.chart.title_closed" if summary.closed else "summary.chart.title_preliminary")
    return _t(key, lang, month=locales.month_param(summary.month))


def overflow_label(summary: MonthSummary, lang: str = "en") -> str:
    """'overflow (billed)' only for a closed month; otherwise it is preliminary."""
    key = ("summary.chart.legend_overflow_billed" if summary.closed
           else "summary.chart.legend_overflow_preliminary")
    return _t(key, lang)


def charges_text(summary: MonthSummary, lang: str = "en") -> str:
    """The overflow charges per currency, side by side and never added together."""
    charges = [format_money(m.amount, c, lang) for c, m in sorted(summary.charges.items())
               if m.amount]
    if not charges:
        return _t("summary.chart.no_charges", lang)
    key = "summary.chart.charges_billed" if summary.closed else "summary.chart.charges_preliminary"
    return _t(key, lang, charges=" · ".join(charges))


@dataclass(frozen=True)
class Rows:
    """The organizations drawn (most escalations first) and how many are left out."""

    shown: list[OrgLine]
    more: int


def top_orgs(summary: MonthSummary, limit: int = TOP_ORGS) -> Rows:
    ranked = sorted(summary.orgs, key=lambda o: (-escalations_of(o), -o.counted, o.org.lower()))
    return Rows(ranked[:limit], max(0, len(ranked) - limit))


def _bars(axes: Any, legend: Any, summary: MonthSummary, rows: Rows, lang: str) -> None:
    """Stacked horizontal bars per organization with the allowance marked and the charge; the
    legend goes into its own axes above them."""
    shown = rows.shown
    ys = list(range(len(shown)))
    within = [min(o.counted, o.allowance) for o in shown]
    over = [o.counted - w for o, w in zip(shown, within, strict=True)]
    unresolved = [o.pending if not summary.ended else o.pending_expired for o in shown]
    preliminary = not summary.closed
    axes.barh(ys, within, height=0.6, color=WITHIN,
              label=_t("summary.chart.legend_within", lang))
    axes.barh(ys, over, left=within, height=0.6, color=OVERFLOW,
              hatch="//" if preliminary else None, edgecolor="white" if preliminary else None,
              label=overflow_label(summary, lang))
    starts = [w + v for w, v in zip(within, over, strict=True)]
    if summary.ended:
        axes.barh(ys, unresolved, left=starts, height=0.6, color=EXPIRED,
                  label=_t("summary.chart.legend_expired", lang))
    else:
        axes.barh(ys, unresolved, left=starts, height=0.6, color=PENDING, hatch="xx",
                  edgecolor="white", label=_t("summary.chart.legend_pending", lang))
    axes.vlines([o.allowance for o in shown], [y - 0.42 for y in ys], [y + 0.42 for y in ys],
                colors=ALLOWANCE, linewidths=3, zorder=4)
    ends = [s + u for s, u in zip(starts, unresolved, strict=True)]
    widest = max([*ends, *(o.allowance for o in shown), 1])
    for y, o, end in zip(ys, shown, ends, strict=True):
        if o.charge_cents:
            charge = Money.from_cents(o.charge_cents, o.currency)
            axes.text(max(end, o.allowance) + widest * 0.02, y,
                      "+" + format_money(charge.amount, o.currency, lang),
                      va="center", fontsize=8, color=OVERFLOW)
    labels = [ellipsize(o.org, NAME_WIDTH) for o in shown]
    if rows.more:
        ys.append(len(shown))
        labels.append(_t("summary.chart.more", lang, count=rows.more))
    axes.set_yticks(ys)
    axes.set_yticklabels(labels, fontsize=9)
    if rows.more:
        axes.get_yticklabels()[-1].set_fontstyle("italic")
    axes.set_ylim(len(ys) - 0.5, -0.5)  # most escalations on top
    axes.set_xlim(0, widest * 1.3 + 0.5)
    from matplotlib.ticker import MaxNLocator

    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel(_t("summary.chart.axis", lang))
    axes.grid(axis="x", color="#dddddd", zorder=0)
    axes.set_axisbelow(True)
    axes.spines[["top", "right"]].set_visible(False)
    from matplotlib.lines import Line2D

    handles, _ = axes.get_legend_handles_labels()
    handles.append(Line2D([], [], color=ALLOWANCE, marker="|", markersize=13, mew=3,
                          linestyle="None", label=_t("summary.chart.legend_allowance", lang)))
    legend.set_axis_off()
    legend.legend(handles=handles, loc="center", ncol=2, fontsize=8.5, frameon=False)


def _column(axes: Any, title: str, values: list[str], rows: int) -> None:
    """A column of texts beside the bars, one per organization row."""
    axes.set_axis_off()
    axes.set_ylim(rows - 0.5, -0.5)
    axes.set_xlim(0, 1)
    axes.set_title(title, fontsize=8)
    for y, value in enumerate(values):
        axes.text(0.5, y, value, ha="center", va="center", fontsize=9)


def _agents(axes: Any, summary: MonthSummary, lang: str) -> None:
    agents = sorted((a for a in summary.satisfaction_by_agent if a.ratings.average is not None),
                    key=lambda a: (-a.ratings.ratings, a.agent.lower()))[:TOP_AGENTS]
    ys = list(range(len(agents)))
    averages = [float(a.ratings.average or 0) for a in agents]  # drawing only, never money
    axes.barh(ys, averages, height=0.6, color="#55a868")
    for y, a in zip(ys, agents, strict=True):
        assert a.ratings.average is not None
        axes.text(float(a.ratings.average) + 0.05, y,
                  f"{average_text(a.ratings.average, lang)} ({a.ratings.ratings})",
                  va="center", fontsize=8)
    axes.set_yticks(ys)
    axes.set_yticklabels([ellipsize(a.agent, NAME_WIDTH) for a in agents], fontsize=9)
    axes.set_ylim(len(ys) - 0.5, -0.5)
    axes.set_xlim(0, 5.6)
    axes.set_xticks([0, 1, 2, 3, 4, 5])
    axes.set_title(_t("summary.chart.agents_title", lang), fontsize=9, loc="left")
    axes.spines[["top", "right"]].set_visible(False)


def footer_lines(summary: MonthSummary, lang: str = "en") -> list[str]:
    """Below the chart: the charges per currency, first-response compliance, satisfaction."""
    lines = [charges_text(summary, lang), first_response_line(summary.first_response_total, lang)]
    rated = satisfaction_line(summary.satisfaction, lang)
    return lines + ([rated] if rated else [])


def _org_columns(summary: MonthSummary, rows: Rows, lang: str) -> tuple[list[str], list[str]]:
    answered, rated = [], []
    for o in rows.shown:
        share = summary.first_response.get(o.org_id, FirstResponse()).share_percent
        answered.append("–" if share is None else share_text(share, lang))
        r = summary.satisfaction_by_org.get(o.org_id, Ratings())
        rated.append("–" if r.average is None
                     else f"{average_text(r.average, lang)} ({r.ratings})")
    return answered, rated


def render_png(summary: MonthSummary, lang: str = "en") -> bytes:
    """The chart as PNG bytes; matplotlib (Agg backend) is imported only when drawing."""
    figure = build_figure(summary, lang)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()


def build_figure(summary: MonthSummary, lang: str = "en") -> Any:
    """The matplotlib Figure of the chart (tests read its texts)."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib.figure import Figure

    empty = summary.escalations == 0
    rows = top_orgs(summary)
    org_rows = 2 if empty else len(rows.shown) + (1 if rows.more else 0)
    agents = sum(1 for a in summary.satisfaction_by_agent if a.ratings.average is not None)
    agents = min(agents, TOP_AGENTS)
    main_h = 1.6 if empty else 0.32 * org_rows + 1.9
    agent_h = 0.3 * agents + 0.9 if agents else 0.0
    footer_h = 0.75
    legend_h = 0.0 if empty else 0.5
    figure = Figure(figsize=(12.0, legend_h + main_h + agent_h + footer_h + 0.6),
                    layout="constrained")
    figure.suptitle(chart_title(summary, lang), fontsize=12, fontweight="bold")
    heights = ([] if empty else [0.5]) + [main_h] + ([agent_h] if agents else []) + [footer_h]
    grid = figure.add_gridspec(len(heights), 3, height_ratios=heights, width_ratios=[7, 1.5, 1.5])
    top = 0 if empty else 1
    if empty:
        main = figure.add_subplot(grid[0, :])
        main.set_axis_off()
        main.text(0.5, 0.5, _t("summary.chart.no_escalations", lang,
                               month=locales.month_param(summary.month)),
                  ha="center", va="center", fontsize=16, color="#444444",
                  transform=main.transAxes)
    else:
        _bars(figure.add_subplot(grid[1, 0]), figure.add_subplot(grid[0, 0]), summary, rows,
              lang)
        answered, rated = _org_columns(summary, rows, lang)
        _column(figure.add_subplot(grid[1, 1]),
                _t("summary.chart.column_first_response", lang), answered, org_rows)
        _column(figure.add_subplot(grid[1, 2]),
                _t("summary.chart.column_satisfaction", lang), rated, org_rows)
    if agents:
        _agents(figure.add_subplot(grid[top + 1, 0]), summary, lang)
    footer = figure.add_subplot(grid[-1, :])
    footer.set_axis_off()
    footer.text(0.0, 1.0, "\n".join(footer_lines(summary, lang)), ha="left", va="top",
                fontsize=9.5, linespacing=1.6, transform=footer.transAxes)
    return figure
