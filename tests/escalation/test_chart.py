"""The summary chart, checked on the figure's texts and shapes rather than on pixels: the
allowance marker in the legend, preliminary vs billed, 'no escalations', ellipsized names, the
top organizations and 'and K more', charges per currency never added, service quality."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

import locales
from billing.money import Money
from escalation.chart import TOP_ORGS, build_figure, render_png
from escalation.quality import AgentRatings, FirstResponse, Ratings
from escalation.summary import MonthSummary, OrgLine


def line(org_id: int, name: str, *, currency: str = "EUR", allowance: int = 2,
         counted: int = 0, pending: int = 0, expired: int = 0, closed: bool = False) -> OrgLine:
    over = max(0, counted - allowance)
    return OrgLine(org_id=org_id, org=name, plan="Growth", currency=currency,
                   allowance=allowance, counted=counted, pending_expired=expired,
                   overflow=over, charge_cents=over * 2500, plan_fee_cents=50000,
                   closed=closed, pending=pending)


def summary_of(*orgs: OrgLine, ended: bool = True, month: str = "2026-03") -> MonthSummary:
    summary = MonthSummary(month, ended=ended, orgs=list(orgs))
    for o in orgs:
        zero = Money.zero(o.currency)
        summary.charges[o.currency] = (summary.charges.get(o.currency, zero)
                                       + Money.from_cents(o.charge_cents, o.currency))
        summary.fees[o.currency] = (summary.fees.get(o.currency, zero)
                                    + Money.from_cents(o.plan_fee_cents, o.currency))
    return summary


def texts(figure: Any) -> list[str]:
    """Every text drawn: titles, tick labels, legend entries, annotations, the footer."""
    from matplotlib.text import Text

    return [t.get_text() for t in figure.findobj(Text) if t.get_text() and t.get_visible()]


def plain(text: str) -> str:
    return text.replace("\xa0", " ").replace("\u202f", " ")


def footer(drawn: list[str]) -> list[str]:
    """The lines below the chart: charges per currency, compliance, satisfaction."""
    return next(t for t in drawn if t.startswith(("Overflow charges", "No overflow"))).splitlines()


def bars(figure: Any) -> Any:
    return next(a for a in figure.axes if a.axison and a.get_yticklabels())


EURO_USD = (line(1, "Euro Org", counted=5, expired=1), line(2, "Dollar Org", currency="USD",
            counted=4), line(3, "Quiet Org", currency="USD", allowance=5, counted=1))


def test_a_month_not_closed_is_preliminary_and_its_overflow_not_billed() -> None:
    drawn = texts(build_figure(summary_of(*EURO_USD)))
    assert "Escalations in March 2026 — preliminary (not closed yet)" in drawn
    assert "overflow (preliminary, not billed yet)" in drawn
    assert "overflow (billed)" not in drawn
    assert footer(drawn)[0] == "Overflow charges (preliminary): €75.00 · $50.00"
    assert "allowance (included in the plan)" in drawn  # the marker is in the legend
    assert "expired unresolved (not counted)" in drawn and not any("pending" in t for t in drawn)


def test_a_closed_month_is_billed() -> None:
    closed = summary_of(*(line(o.org_id, o.org, currency=o.currency, allowance=o.allowance,
                               counted=o.counted, expired=o.pending_expired, closed=True)
                          for o in EURO_USD))
    drawn = texts(build_figure(closed))
    assert "Escalations in March 2026 — closed and billed" in drawn
    assert "overflow (billed)" in drawn
    assert not any("preliminary" in t for t in drawn)
    assert footer(drawn)[0] == "Overflow charges (billed): €75.00 · $50.00"


def test_a_running_month_shows_pending_never_expired() -> None:
    running = summary_of(line(1, "Acme", counted=3, pending=2), ended=False)
    drawn = texts(build_figure(running))
    assert "Escalations in March 2026 so far — preliminary (the month has not ended)" in drawn
    assert "pending (not resolved yet, may still count)" in drawn
    assert not any("expired" in t for t in drawn)
    assert "+€25.00" in drawn  # the charge beside the organization's bar, in its currency


def test_charges_per_currency_are_never_added() -> None:
    drawn = texts(build_figure(summary_of(*EURO_USD)))
    assert "+€75.00" in drawn and "+$50.00" in drawn
    assert not any("125" in t for t in drawn)


def test_an_empty_month_says_so_instead_of_bare_axes() -> None:
    figure = build_figure(summary_of(line(1, "Acme"), line(2, "Beta")))
    drawn = texts(figure)
    assert "No escalations in March 2026" in drawn
    assert not any(a.axison for a in figure.axes)  # no axes from -0.04 to 0.04
    assert not any(t.startswith(("−0.04", "-0.04", "0.04")) for t in drawn)
    assert footer(drawn)[0] == "No overflow charges."
    assert render_png(summary_of())[:8] == b"\x89PNG\r\n\x1a\n"  # no organizations at all


def test_long_names_are_ellipsized_and_many_organizations_stay_readable() -> None:
    orgs = [line(i, f"Organization number {i:02d} with a rather long legal name Ltda.",
                 counted=i % 9, expired=i % 2) for i in range(30)]
    figure = build_figure(summary_of(*orgs))
    labels = [t.get_text() for t in bars(figure).get_yticklabels()]
    assert len(labels) == TOP_ORGS + 1
    assert labels[-1] == "… and 10 more organizations (all are in the CSV)"
    assert all(len(label) == 28 and label.endswith("…") for label in labels[:-1])
    assert labels[0].startswith("Organization number 17")  # most escalations first: 8 + 1
    heights = figure.get_size_inches()[1]
    assert heights < 14  # 20 rows, not 30 or a squashed chart


def test_an_organization_name_that_fits_is_not_cut() -> None:
    labels = [t.get_text() for t in bars(build_figure(summary_of(*EURO_USD))).get_yticklabels()]
    assert labels == ["Euro Org", "Dollar Org", "Quiet Org"]


def test_first_response_and_satisfaction_per_organization_and_agent() -> None:
    summary = summary_of(*EURO_USD)
    summary.first_response = {1: FirstResponse(within_target=7, late=1), 2: FirstResponse(3, 0, 1)}
    summary.satisfaction_by_org = {1: Ratings(asked=5, ratings=4, average=Decimal("4.25"))}
    summary.satisfaction = Ratings(asked=6, ratings=4, average=Decimal("4.25"))
    summary.satisfaction_by_agent = [
        AgentRatings(7, "Hannah Schmidt-Wolfenstein von Rabenau", Ratings(4, 3, Decimal("4.67"))),
        AgentRatings(8, "Bo", Ratings(2, 1, Decimal("3.00")))]
    drawn = texts(build_figure(summary))
    assert "first response\nwithin target" in drawn and "satisfaction\n(ratings)" in drawn
    assert "87.5%" in drawn and "75%" in drawn and "4.25 (4)" in drawn
    assert "Hannah Schmidt-Wolfenstein…" in drawn and "4.67 (3)" in drawn
    assert "Satisfaction per agent: average from 1 to 5 (ratings)" in drawn
    lines = footer(drawn)
    assert lines[1] == "First response within target: 83.3% of 12 cases."
    assert lines[2] == ("Satisfaction: 4.25 out of 5 from 4 ratings; 66.7% of those asked "
                         "answered.")


@pytest.mark.parametrize(("lang", "title", "more"), [
    ("en", "Escalations in March 2026 — preliminary", "… and 21 more organizations"),
    ("de", "Eskalationen im März 2026 – vorläufig", "… und 21 weitere Organisationen"),
    ("es", "Escalamientos de marzo de 2026 — provisional", "… y 21 organizaciones más"),
    ("pt-BR", "Escalonamentos de março de 2026 — preliminar", "… e mais 21 organizações"),
    ("ru", "Эскалации за март 2026 г. — предварительно", "… и ещё 21 организация"),
])
def test_the_chart_speaks_the_readers_language(lang: str, title: str, more: str) -> None:
    orgs = [line(i, f"Org {i}", counted=1 + i % 4) for i in range(TOP_ORGS + 21)]
    figure = build_figure(summary_of(*orgs), lang)
    drawn = [plain(t) for t in texts(figure)]
    assert any(t.startswith(title) for t in drawn), drawn[:3]
    assert any(t.startswith(more) for t in drawn)
    assert not any("{" in t or "summary.chart" in t for t in drawn)
    assert locales.render("summary.chart.legend_allowance", None, lang) in drawn
    assert render_png(summary_of(*orgs), lang)[:4] == b"\x89PNG"
