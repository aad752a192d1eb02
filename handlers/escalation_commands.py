"""Escalation commands: /escalate (partners, and staff on a partner's behalf), /escalations,
and /summary for managers."""

from __future__ import annotations

from sqlalchemy import select

import locales
from billing.money import Money
from billing.months import BillingMonth
from desk import orgs, outbox
from escalation import service
from escalation import summary as summaries
from escalation.categories import CODES, infer_category, parse_category
from escalation.delivery import attachments, nothing_reply, summary_reply
from handlers import ai_assist
from handlers.registry import CommandContext, command
from handlers.text import parse_case_number
from messages import actions
from messages.types import Button, Reply
from sla import report as sla_report
from store.models import Case, CaseMessage, Organization

ESCALATE_ROLES = frozenset({"partner", "agent", "tam", "admin"})
NUMBERS_ROLES = frozenset({"partner", "agent", "tam", "manager", "admin"})
SUMMARY_ROLES = frozenset({"manager", "admin"})
BUTTON_CHANNELS = frozenset({"slack", "telegram"})
VERB = "esc"  # button data "esc:42:bv" and "esc:42:bv:confirm" stand for /escalate
CONFIRM_WORDS = frozenset({"confirm", "yes", "y"})

actions.register(VERB, "escalate")


_number = parse_case_number


def category_choices(lang: str) -> str:
    """One line per category: the code to type and the name in the reader's language."""
    return "\n".join(
        locales.render("escalation.category_choice",
                       {"code": code, "name": summaries.category_name(code, lang)}, lang)
        for code in CODES
    )


def _usage(ctx: CommandContext) -> list[Reply]:
    return [Reply("escalation.usage", {"categories": category_choices(ctx.language)})]


def numbers_params(numbers: service.EscalationNumbers, month: str) -> dict[str, object]:
    return {"month": locales.month_param(month), "allowance": numbers.allowance,
            "counted": numbers.counted, "pending": numbers.pending,
            "remaining": numbers.remaining}


def outlook_text(numbers: service.EscalationNumbers, price: Money, lang: str) -> str:
    """What is left, and billed, if every pending request is resolved this month (DOMAIN.md:
    numbers told so that they cannot be misread); without pending ones, whether any is left."""
    if numbers.pending == 0:
        return locales.render("escalation.outlook.used", {}, lang) if numbers.remaining == 0 \
            else ""
    billable = numbers.billable_if_pending_resolved
    if billable == 0:
        return locales.render("escalation.outlook.free",
                              {"left": numbers.left_if_pending_resolved}, lang)
    charge = numbers.charge_if_pending_resolved(price)
    return locales.render("escalation.outlook.billed", {
        "billable": billable, "price": locales.money_param(price.amount, price.currency),
        "charge": locales.money_param(charge.amount, charge.currency)}, lang)


def numbers_reply(numbers: service.EscalationNumbers, month: str, price: Money, lang: str,
                  org: str | None = None) -> Reply:
    """The month's numbers; with pending requests also what they leave and cost if resolved."""
    params = numbers_params(numbers, month)
    key = "escalation.numbers" if org is None else "escalation.org_numbers"
    if org is not None:
        params["org"] = org
    if numbers.pending == 0:
        return Reply(key, params)
    return Reply(f"{key}_pending", {**params, "outlook": outlook_text(numbers, price, lang)})


def _case_text(ctx: CommandContext, case: Case) -> str:
    texts = ctx.session.scalars(
        select(CaseMessage.text).where(CaseMessage.case_id == case.id,
                                       CaseMessage.kind == "partner")
        .order_by(CaseMessage.id).limit(5)
    ).all()
    return " ".join([case.subject, *texts])


def _category_buttons(number: int, suggested: str) -> tuple[Button, ...]:
    ordered = [suggested, *(c for c in CODES if c != suggested)]
    return tuple(
        Button(f"escalation.category.{code}", actions.encode(VERB, number, code),
               style="primary" if code == suggested else None)
        for code in ordered
    )


def _answer(ctx: CommandContext, result: service.RequestResult) -> list[Reply]:
    number = result.case_id
    if result.status == service.NOT_FOUND:
        return [Reply("escalation.not_found", {"number": number})]
    if result.status == service.CASE_NOT_OPEN:
        return [Reply("escalation.not_open", {"number": number})]
    assert result.numbers is not None and result.month is not None
    assert result.price is not None
    figures = numbers_params(result.numbers, result.month)
    told = numbers_reply(result.numbers, result.month, result.price, ctx.language)
    if result.status == service.ALREADY_ESCALATED:
        return [Reply("escalation.already", {"number": number}), told]
    assert result.category is not None
    price = locales.money_param(result.price.amount, result.price.currency)
    category = f"escalation.category.{result.category}"
    if result.status == service.NEEDS_CONFIRMATION:
        buttons: tuple[Button, ...] = ()
        if ctx.incoming.channel in BUTTON_CHANNELS:
            buttons = (Button("escalation.button.confirm",
                              actions.encode(VERB, number, result.category, "confirm"),
                              style="danger"),)
        return [Reply("escalation.confirm", {
            **figures, "number": number, "price": price,
            "outlook": outlook_text(result.numbers, result.price, ctx.language),
            "category": locales.text(category, ctx.language),
            "command": f"/escalate {number} {result.category} confirm",
        }, buttons)]
    key = "escalation.registered_behalf" if result.on_behalf else "escalation.registered"
    return [Reply(key, {"number": number, "org": result.org_name or "",
                        "category": locales.text(category, ctx.language)}),
            told]


@command("escalate", roles=ESCALATE_ROLES, help_key="escalation.help.escalate", order=20)
def escalate(ctx: CommandContext, args: list[str]) -> list[Reply]:
    """/escalate NUMBER [CATEGORY] [confirm]"""
    if not args or len(args) > 3:
        return _usage(ctx)
    number = _number(args[0])
    if number is None:
        return _usage(ctx)
    confirm = False
    category: str | None = None
    for token in args[1:]:
        if token.lower() in CONFIRM_WORDS:
            confirm = True
            continue
        category = parse_category(token)
        if category is None:
            return [Reply("escalation.bad_category",
                          {"category": token[:24], "categories": category_choices(ctx.language)})]
    now = ctx.desk.clock.now()
    if category is None:
        blocked = service.precheck(ctx.session, ctx.desk, case_id=number, user=ctx.user,
                                   now=now)
        if blocked is not None:
            return _answer(ctx, blocked)
        case = ctx.session.get(Case, number)
        assert case is not None
        suggested = (ai_assist.suggested_category(ctx.session, case.id)  # the model's, if any
                     or infer_category(_case_text(ctx, case)))
        if ctx.incoming.channel in BUTTON_CHANNELS and not confirm:
            return [Reply("escalation.choose", {
                "number": number,
                "suggested": locales.text(f"escalation.category.{suggested}", ctx.language),
            }, _category_buttons(number, suggested))]
        category = suggested
    result = service.request(ctx.session, ctx.desk, case_id=number, user=ctx.user,
                             category=category, confirm=confirm,
                             on_behalf=ctx.user.role != "partner", now=now)
    return _answer(ctx, result)


@command("escalations", roles=NUMBERS_ROLES, help_key="escalation.help.escalations", order=21)
def escalations(ctx: CommandContext, args: list[str]) -> list[Reply]:
    """/escalations [ORGANIZATION]: this month's allowance, counted, pending, remaining."""
    user = ctx.user
    org: Organization | None
    if user.role == "partner" or (user.role == "tam" and user.org_id is not None and not args):
        if user.org_id is None:
            return [Reply("escalation.no_org")]
        org = ctx.session.get(Organization, user.org_id)
    else:
        if not args:
            return [Reply("escalation.org_required")]
        name = " ".join(args).strip()
        found = orgs.orgs_named(ctx.session, name)  # any case, as in the admin CLI
        if len(found) > 1:
            return [Reply("escalation.ambiguous_org", {
                "org": name[:80], "names": ", ".join(o.name for o in found)})]
        org = found[0] if found else None
        if org is None:
            return [Reply("escalation.unknown_org", {"org": name[:80]})]
        if user.role == "tam" and user.org_id is not None and org.id != user.org_id:
            return [Reply("escalation.unknown_org", {"org": name[:80]})]
    assert org is not None
    month = str(BillingMonth.of(ctx.desk.clock.now(), ctx.desk.billing_tz))
    figures = service.numbers(ctx.session, org.id, month)
    price = service.overflow_price(ctx.session, org, month)
    return [numbers_reply(figures, month, price, ctx.language, org=org.name)]


@command("summary", roles=SUMMARY_ROLES, help_key="escalation.help.summary", order=60)
def summary(ctx: CommandContext, args: list[str]) -> list[Reply]:
    """/summary [YYYY-MM]: the monthly escalation summary; CSV and chart follow as files."""
    now = ctx.desk.clock.now()
    tz = ctx.desk.billing_tz
    current = BillingMonth.of(now, tz)
    if len(args) > 1:
        return [Reply("escalation.summary.bad_month", {"example": str(current.prev())})]
    try:
        month = BillingMonth.parse(args[0]) if args else current.prev()
    except ValueError:
        return [Reply("escalation.summary.bad_month", {"example": str(current.prev())})]
    if month > current:
        return [Reply("escalation.summary.future", {"month": locales.month_param(str(month))})]
    built = summaries.build(ctx.session, month, tz, now=now)
    if built.is_empty:
        return [nothing_reply(built)]  # one line, no empty files
    sla = sla_report.report(ctx.session, month, tz, now)  # first-response compliance
    replies = [summary_reply(built, ctx.language, sla)]
    sent = outbox.enqueue_for_user(
        ctx.session, ctx.desk, ctx.user,
        Reply("escalation.summary.files", {"month": locales.month_param(str(month))}),
        purpose="summary", now=now, attachments=attachments(built, ctx.language),
    )
    if sent is not None:
        replies.append(Reply("escalation.summary.files_coming"))
    return replies
