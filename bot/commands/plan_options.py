"""The options of `plan add`, `plan edit` and `plan duplicate`: value types and their terms."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import click

from billing.cycles import CYCLES
from billing.money import CURRENCIES
from billing.plans import PLAN_TYPES
from bot.commands.common import COUNT, MONEY, PRIORITY, WholeNumber, fail
from desk.plan_terms import MAX_LIMITS

NONE_WORDS = ("none", "off")
_PERCENT = re.compile(r"[0-9]+(?:\.[0-9]+)?")


class Percent(click.ParamType):
    """A percentage above 0 and at most 100 with at most two decimals, e.g. 18 or 12.5%;
    with `off`, the word off (or none) too, given as None."""

    name = "percent"

    def __init__(self, off: bool = False) -> None:
        self.off = off

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Decimal | None:
        if isinstance(value, Decimal) or value is None:
            return value
        text = str(value).strip().removesuffix("%").strip()
        if self.off and text.lower() in NONE_WORDS:
            return None
        if _PERCENT.fullmatch(text) is None:
            words = "off or a percentage" if self.off else "a percentage"
            self.fail(f"expected {words} such as 18 or 12.5, got {str(value)[:24]!r}",
                      param, ctx)
        whole, _, decimals = text.partition(".")
        if len(decimals) > 2:
            self.fail(f"at most two decimals, got {text[:24]}", param, ctx)
        if len(whole.lstrip("0")) > 3 or not 0 < Decimal(text) <= 100:
            self.fail(f"must be above 0 and at most 100, got {text[:24]}", param, ctx)
        return Decimal(text)


class Limit(click.ParamType):
    """A limit: a whole number from 0, or none (no limit, given as None)."""

    name = "limit"

    def __init__(self, maximum: int) -> None:
        self.number = WholeNumber(0, maximum)

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> int | None:
        if value is None or (isinstance(value, int) and not isinstance(value, bool)):
            return value
        if str(value).strip().lower() in NONE_WORDS:
            return None
        return self.number.convert(value, param, ctx)


class PriceSpec(click.ParamType):
    """CYCLE:AMOUNT (both currencies) or CYCLE:CURRENCY:AMOUNT; AMOUNT none removes it."""

    name = "CYCLE[:CURRENCY]:AMOUNT"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> list[tuple[tuple[str, str], Decimal | None]]:
        if isinstance(value, list):
            return value
        parts = [p.strip() for p in str(value).split(":")]
        if len(parts) not in (2, 3):
            self.fail(f"expected CYCLE:AMOUNT or CYCLE:CURRENCY:AMOUNT, e.g. quarterly:EUR:1400, "
                      f"got {str(value)[:24]!r}", param, ctx)
        cycle = parts[0].lower()
        if cycle not in CYCLES:
            self.fail(f"unknown billing cycle {parts[0][:24]!r}: expected one of "
                      f"{', '.join(CYCLES)}", param, ctx)
        currencies = list(CURRENCIES)
        if len(parts) == 3:
            if parts[1].upper() not in CURRENCIES:
                self.fail(f"unknown currency {parts[1][:24]!r}: expected one of "
                          f"{', '.join(CURRENCIES)}", param, ctx)
            currencies = [parts[1].upper()]
        amount = None if parts[-1].lower() in NONE_WORDS else MONEY.convert(parts[-1], param, ctx)
        return [((cycle, currency), amount) for currency in currencies]


PRICE = PriceSpec()
RATE = Percent()
GST = Percent(off=True)


def _choice(values: tuple[str, ...]) -> click.Choice:
    return click.Choice(values, case_sensitive=False)


TERMS_OPTIONS = [
    click.option("--display-name", metavar="TEXT", help="Name shown to partners."),
    click.option("--type", "plan_type", type=_choice(PLAN_TYPES),
                 help="usage-based, or revenue-sharing (with --share)."),
    click.option("--share", "revenue_share", type=RATE, metavar="PERCENT",
                 help="Revenue share of a revenue-sharing plan, in percent (e.g. 12.5)."),
    click.option("--fee", type=MONEY, metavar="AMOUNT",
                 help="Plan fee in EUR and USD for each --cycle (default: monthly), e.g. 500."),
    click.option("--price-eur", type=MONEY, metavar="AMOUNT",
                 help="Plan fee in EUR for each --cycle (default: monthly)."),
    click.option("--price-usd", type=MONEY, metavar="AMOUNT",
                 help="Plan fee in USD for each --cycle (default: monthly)."),
    click.option("--cycle", "cycles", type=_choice(CYCLES), multiple=True,
                 help="Billing cycle the --fee/--price-eur/--price-usd are for (repeatable): "
                 "monthly, quarterly (3 months) or yearly (12)."),
    click.option("--price", "prices", type=PRICE, multiple=True,
                 metavar="CYCLE[:CURRENCY]:AMOUNT",
                 help="A price per cycle, repeatable: quarterly:1400 (EUR and USD), "
                 "yearly:USD:5000; AMOUNT none removes it (plan edit)."),
    click.option("--gst", "gst_rate", type=GST, metavar="off|PERCENT",
                 help="GST: off, or on with a rate in percent (e.g. 18)."),
    click.option("--free-escalations", type=COUNT, metavar="N",
                 help=f"Free escalations per calendar month (0-{COUNT.maximum})."),
    click.option("--overflow-price", type=MONEY, metavar="AMOUNT",
                 help="Price of each further escalation, e.g. 25.00."),
    click.option("--tam", "tam_kind", metavar="KIND",
                 help="Technical Account Manager: community or dedicated."),
    click.option("--priority", "queue_priority", type=PRIORITY, metavar="N",
                 help=f"Queue priority, 0-{PRIORITY.maximum} (higher served first)."),
    click.option("--beta", "beta_access", metavar="ACCESS",
                 help="Beta programmes: on_request or invited."),
    click.option("--messages", "limit_messages", type=Limit(MAX_LIMITS["limit_messages"]),
                 metavar="N|none", help="Limit of messages (none: no limit)."),
    click.option("--conversations", "limit_conversations",
                 type=Limit(MAX_LIMITS["limit_conversations"]), metavar="N|none",
                 help="Limit of WhatsApp conversations (none: no limit)."),
    click.option("--team-members", "limit_team_members",
                 type=Limit(MAX_LIMITS["limit_team_members"]), metavar="N|none",
                 help="How many partner users the organization may have (none: no limit)."),
    click.option("--upgrade-above", type=MONEY, metavar="AMOUNT",
                 help="Auto-upgrade when monthly license fees exceed this."),
    click.option("--upgrade-to", metavar="PLAN",
                 help="Plan to auto-upgrade to (with --upgrade-above)."),
]

# Options whose value may be None on purpose (off, none): only what was typed is changed.
_OPTIONAL = ("revenue_share", "gst_rate", "limit_messages", "limit_conversations",
             "limit_team_members")


def terms_options(func: Any) -> Any:
    for option in reversed(TERMS_OPTIONS):
        func = option(func)
    return func


def _lowered(text: str | None) -> str | None:
    return None if text is None else text.strip().lower()


def _prices(options: dict[str, Any]) -> dict[tuple[str, str], Decimal | None]:
    """--cycle with --fee/--price-eur/--price-usd, then every --price, in that order."""
    out: dict[tuple[str, str], Decimal | None] = {}
    per_currency = {"EUR": options.get("price_eur"), "USD": options.get("price_usd")}
    if options.get("fee") is not None and any(v is not None for v in per_currency.values()):
        fail("give either --fee (the price in EUR and USD) or --price-eur/--price-usd")
    if options.get("fee") is not None:
        per_currency = {c: options["fee"] if v is None else v for c, v in per_currency.items()}
    cycles = [c.lower() for c in options.get("cycles") or ()]
    if cycles and all(v is None for v in per_currency.values()):
        fail("--cycle needs the price of that cycle: --fee AMOUNT (EUR and USD), --price-eur "
             "or --price-usd (or use --price CYCLE:CURRENCY:AMOUNT)")
    for cycle in cycles or ["monthly"]:
        for currency, amount in per_currency.items():
            if amount is not None:
                out[(cycle, currency)] = amount
    for spec in options.get("prices") or ():
        out.update(dict(spec))
    return out


def given_terms(options: dict[str, Any]) -> dict[str, Any]:
    """The terms typed on the command line, for desk.plans (absent: not typed)."""
    ctx = click.get_current_context()
    typed = {name for name in options
             if ctx.get_parameter_source(name) == click.core.ParameterSource.COMMANDLINE}
    out: dict[str, Any] = {}
    for name in ("display_name", "free_escalations", "overflow_price", "queue_priority",
                 "limit_messages", "limit_conversations", "limit_team_members",
                 "revenue_share", "gst_rate"):
        if name in typed and (options[name] is not None or name in _OPTIONAL):
            out[name] = options[name]
    for name in ("tam_kind", "beta_access", "plan_type"):
        if name in typed and options[name] is not None:
            out[name] = _lowered(options[name])
    if options.get("upgrade_above") is not None:
        out["auto_upgrade_above"] = options["upgrade_above"]
    if options.get("upgrade_to") is not None:
        out["auto_upgrade_to"] = options["upgrade_to"]
    prices = _prices(options)
    if prices:
        out["prices"] = prices
    return out
