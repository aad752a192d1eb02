"""/plan, /upgrade and /tam: an organization's plan and what comes next, a proactive upgrade
with a confirmation, and who its Technical Account Manager is.

Roles: partners ask about their own organization (another organization's name is answered
exactly like a name that does not exist); an organization's dedicated TAM likewise about theirs.
/plan and /tam: agents, managers, admins and the community TAM pool name any organization.
/upgrade: the organization's partners, and agents and admins for them (`/upgrade ORG [PLAN]`).
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

import locales
from billing.months import BillingMonth
from desk import orgs, outbox, plan_upgrade
from desk.plan_outlook import Change, PlanOutlook, Why, outlook
from desk.plans import find_plan, plan_in_force, terms
from desk.tams import DEDICATED, tams_of
from escalation import service
from handlers.escalation_commands import numbers_reply
from handlers.org_argument import named_org
from handlers.registry import BadArguments, CommandContext, command
from messages import actions
from messages.types import Button, Reply
from store.models import MAX_ID, Organization, Plan, User

PLAN_ROLES = frozenset({"partner", "agent", "tam", "manager", "admin"})
UPGRADE_ROLES = frozenset({"partner", "agent", "admin"})
TAM_ROLES = PLAN_ROLES
VERB = "upg"  # "upg:ORG_ID:PLAN_ID:YYYY-MM:confirm|cancel" stands for a confirmed /upgrade
CONFIRM_WORDS = frozenset({"confirm", "yes", "y"})
ANSWERS = frozenset({"confirm", "cancel"})
MAX_NAME = 120  # longer than any organization name: a malformed argument
MAX_ARGS = 30

actions.register(VERB, "upgrade")


# --- Whose organization

def _own_org(user: User) -> bool:
    """Partners, and a TAM of an organization, ask about their own organization only."""
    return user.role == "partner" or (user.role == "tam" and user.org_id is not None)


def _named(ctx: CommandContext, name: str, command_name: str) -> Organization | Reply:
    """The organization a caller means by `name` ('' for their own); see named_org."""
    return named_org(ctx, name, own_only=_own_org(ctx.user), unknown_key="escalation.unknown_org",
                     required=Reply("plan_chat.org_required", {"command": f"/{command_name}"}))


def _org_argument(ctx: CommandContext, args: list[str], help_key: str,
                  command_name: str) -> Organization | Reply:
    name = " ".join(args).strip()
    if len(name) > MAX_NAME or len(args) > MAX_ARGS:
        raise BadArguments(ctx, help_key)
    return _named(ctx, name, command_name)


# --- Texts built in the reader's language

def fee_text(amount: Decimal | None, currency: str, cycle: str, lang: str) -> str:
    """'€1,000.00 per month' / 'per quarter' / 'per year' ('-' without a price)."""
    if amount is None:
        return "-"
    return locales.render(f"plan_chat.fee.{cycle}",
                          {"fee": locales.money_param(amount, currency)}, lang)


def why_text(why: Why, currency: str, lang: str, *, partner: bool) -> str:
    """Why a plan takes effect: 'your license fees of May 2026 were above €500.00', 'your
    upgrade request', 'assigned by your account team' (staff read it without 'your')."""
    prefix = "plan_chat.why" if partner else "plan_chat.why_staff"
    if why.reason == "auto-upgrade":
        if why.fees_month is None or why.threshold is None:
            return locales.text(f"{prefix}.auto_upgrade_plain", lang)
        return locales.render(f"{prefix}.auto_upgrade", {
            "fees_month": locales.month_param(why.fees_month),
            "threshold": locales.money_param(why.threshold, currency)}, lang)
    return locales.text(f"{prefix}.{why.reason}", lang)


def _plan_fee(plan: Plan, cycle: str, currency: str) -> Decimal | None:
    return terms(plan).fee(cycle, currency)


def change_text(change: Change, currency: str, lang: str, *, partner: bool) -> str:
    """'Premium from June 2026 (€1,000.00 per month): <why>'."""
    return locales.render("plan_chat.change", {
        "plan": change.plan.display_name, "month": locales.month_param(change.month),
        "fee": fee_text(_plan_fee(change.plan, change.cycle, currency), currency, change.cycle,
                        lang),
        "why": why_text(change.why, currency, lang, partner=partner)}, lang)


def _limit(value: int | None, lang: str) -> str:
    return locales.text("plan_chat.no_limit", lang) if value is None else str(value)


def next_text(view: PlanOutlook, lang: str, partner: bool) -> str:
    """Next month's plan: the change that takes effect then and why, or 'no change' (and a
    change planned later, if any)."""
    currency = view.org.currency
    change = view.change
    if change is not None and change.month == view.next_month:
        return locales.render("plan_chat.next.change", {
            "change": change_text(change, currency, lang, partner=partner)}, lang)
    plan = view.next_plan.display_name if view.next_plan is not None else "-"
    same = locales.render("plan_chat.next.same", {
        "month": locales.month_param(view.next_month), "plan": plan}, lang)
    if change is None:
        return same
    return same + " " + locales.render("plan_chat.next.planned", {
        "change": change_text(change, currency, lang, partner=partner)}, lang)


def plan_reply(ctx: CommandContext, org: Organization) -> Reply:
    """The plan in force with its benefits and limits, this month's escalations, what's next."""
    lang, partner = ctx.language, ctx.user.role == "partner"
    view = outlook(ctx.session, org, ctx.desk.clock.now(), ctx.desk.billing_tz)
    t = view.terms
    if t is None or view.plan is None:
        return Reply("plan_chat.no_plan", {"org": org.name})
    cycle = view.cycle.cycle if view.cycle is not None else "monthly"
    extra = ""
    if t.revenue_share is not None:
        extra += " " + locales.render("plan_chat.revenue_share", {
            "share": locales.percent_param(t.revenue_share / 100, decimals=2)}, lang)
    if t.gst_rate is not None:
        extra += " " + locales.render("plan_chat.gst", {
            "rate": locales.percent_param(t.gst_rate / 100, decimals=2)}, lang)
    since = ""
    if view.since is not None and view.since.why.reason != "onboarding":
        since = " " + locales.render("plan_chat.since", {
            "month": locales.month_param(view.month),
            "why": why_text(view.since.why, org.currency, lang, partner=partner)}, lang)
    month = str(view.month)
    figures = service.numbers(ctx.session, org.id, month)
    price = service.overflow_price(ctx.session, org, month)
    told = numbers_reply(figures, month, price, lang)
    return Reply("plan_chat.plan", {
        "org": org.name, "month": locales.month_param(view.month), "plan": t.display_name,
        "since": since, "fee": fee_text(view.fee, org.currency, cycle, lang), "extra": extra,
        "free": t.free_escalations,
        "overflow_price": locales.money_param(t.overflow_price, org.currency),
        "tam": locales.text(f"plan_chat.tam_kind.{t.tam_kind}", lang),
        "priority": locales.text("plan_chat.priority.high" if t.queue_priority > 0
                                 else "plan_chat.priority.normal", lang),
        "betas": locales.text(f"plan_chat.beta.{t.beta_access}", lang),
        "messages": _limit(t.limit_messages, lang),
        "conversations": _limit(t.limit_conversations, lang),
        "members": _limit(t.limit_team_members, lang),
        "numbers": locales.render(told.key, told.params, lang),
        "next": next_text(view, lang, partner),
    })


# --- /plan and /tam

@command("plan", roles=PLAN_ROLES, help_key="plan_chat.help.plan", order=23)
def plan_command(ctx: CommandContext, args: list[str]) -> list[Reply]:
    """/plan [ORGANIZATION]: the plan in force, benefits, limits, this month, next month."""
    org = _org_argument(ctx, args, "plan_chat.help.plan", "plan")
    if isinstance(org, Reply):
        return [org]
    return [plan_reply(ctx, org)]


@command("tam", roles=TAM_ROLES, help_key="plan_chat.help.tam", order=25)
def tam_command(ctx: CommandContext, args: list[str]) -> list[Reply]:
    """/tam [ORGANIZATION]: the dedicated TAM(s) of a Premium organization, or the community
    TAM pool of a Growth one."""
    org = _org_argument(ctx, args, "plan_chat.help.tam", "tam")
    if isinstance(org, Reply):
        return [org]
    month = BillingMonth.of(ctx.desk.clock.now(), ctx.desk.billing_tz)
    tams = tams_of(ctx.session, org.id, month)
    if tams.plan is None:
        return [Reply("plan_chat.no_plan", {"org": org.name})]
    params = {"org": org.name, "plan": tams.plan.display_name,
              "names": ", ".join(p.name for p in tams.people)}
    if tams.kind == DEDICATED:
        return [Reply("plan_chat.tam.dedicated" if tams.people else "plan_chat.tam.dedicated_none",
                      params)]
    return [Reply("plan_chat.tam.pool" if tams.people else "plan_chat.tam.pool_empty", params)]


# --- /upgrade

def _typed_target(ctx: CommandContext, words: list[str]) -> tuple[Organization | Reply, str | None]:
    """The organization and plan name of a typed /upgrade: `[ORGANIZATION] [PLAN]`. The whole
    text naming an organization (for partners: their own) wins; else a last word naming a plan
    is the plan, and a partner's single word is always a plan name."""
    text = " ".join(words)
    if not words:
        return _named(ctx, "", "upgrade"), None
    named = orgs.orgs_named(ctx.session, text)
    if named and (not _own_org(ctx.user) or ctx.user.org_id in {o.id for o in named}):
        return _named(ctx, text, "upgrade"), None
    last = words[-1]
    is_plan = find_plan(ctx.session, last) is not None
    if len(words) == 1 and (_own_org(ctx.user) or is_plan):
        return _named(ctx, "", "upgrade"), last
    if is_plan:
        return _named(ctx, " ".join(words[:-1]), "upgrade"), last
    return _named(ctx, text, "upgrade"), None


def _pressed(ctx: CommandContext, args: list[str]) -> tuple[Organization | Reply, Plan | None,
                                                          str, str]:
    """A pressed Confirm or Cancel: organization, plan, month shown, answer. Another
    organization's button is answered like an organization that does not exist."""
    if len(args) != 4 or args[3] not in ANSWERS or not all(a.isascii() and a.isdigit()
                                                            for a in args[:2]):
        raise BadArguments(ctx, "plan_chat.help.upgrade")
    org_id, plan_id = int(args[0]), int(args[1])
    org = ctx.session.get(Organization, org_id) if 0 < org_id <= MAX_ID else None
    if org is None or (_own_org(ctx.user) and ctx.user.org_id != org.id):
        return Reply("escalation.unknown_org", {"org": args[0]}), None, "", ""
    plan = ctx.session.get(Plan, plan_id) if 0 < plan_id <= MAX_ID else None
    return org, plan, args[2], args[3]


def _offered_text(found: plan_upgrade.Upgrade, lang: str) -> str:
    org = found.org
    if not found.offered:
        return locales.render("plan_chat.upgrade.none_offered", {"org": org.name}, lang)
    choices = ", ".join(locales.render("plan_chat.upgrade.choice", {
        "name": p.name, "plan": p.display_name,
        "fee": fee_text(_plan_fee(p, found.cycle, org.currency), org.currency, found.cycle,
                        lang)}, lang) for p in found.offered)
    return locales.render("plan_chat.upgrade.offered", {"org": org.name, "choices": choices},
                          lang)


def _command_for(ctx: CommandContext, found: plan_upgrade.Upgrade, *words: str) -> str:
    parts = ["/upgrade"]
    if not _own_org(ctx.user):
        parts.append(found.org.name)
    return " ".join([*parts, *words])


def _confirmation(ctx: CommandContext, found: plan_upgrade.Upgrade) -> Reply:
    assert found.target is not None and found.planned is not None
    org, lang = found.org, ctx.language
    data = (org.id, found.target.id, str(found.month))
    return Reply("plan_chat.upgrade.confirm", {
        "org": org.name, "current": found.planned.display_name,
        "plan": found.target.display_name, "month": locales.month_param(found.month),
        "fee": fee_text(found.fee, org.currency, found.cycle, lang),
        "command": _command_for(ctx, found, found.target.name, "confirm"),
    }, (Button("plan_chat.upgrade.button.confirm", actions.encode(VERB, *data, "confirm"),
               {"plan": found.target.display_name}, "primary"),
        Button("plan_chat.upgrade.button.cancel", actions.encode(VERB, *data, "cancel"))))


def _tell_partners(ctx: CommandContext, found: plan_upgrade.Upgrade) -> None:
    """The organization's other partners hear of the upgrade, each in their language."""
    assert found.target is not None
    now = ctx.desk.clock.now()
    people = ctx.session.scalars(select(User).where(
        User.org_id == found.org.id, User.role == "partner", User.removed_at.is_(None),
        User.id != ctx.user.id).order_by(User.id)).all()
    for person in people:
        lang = person.language or ctx.desk.default_language
        outbox.enqueue_for_user(ctx.session, ctx.desk, person, Reply(
            "plan_chat.upgrade.notice", {
                "by": ctx.user.name, "org": found.org.name, "plan": found.target.display_name,
                "month": locales.month_param(found.month),
                "fee": fee_text(found.fee, found.org.currency, found.cycle, lang)}),
            purpose="notice", now=now)


def _answer(ctx: CommandContext, found: plan_upgrade.Upgrade, confirm: bool) -> list[Reply]:
    org, lang, partner = found.org, ctx.language, ctx.user.role == "partner"
    status = found.status
    if status == plan_upgrade.NO_PLAN:
        return [Reply("plan_chat.no_plan", {"org": org.name})]
    current = found.current.display_name if found.current is not None else "-"
    if status == plan_upgrade.HIGHEST:
        return [Reply("plan_chat.upgrade.highest", {"org": org.name, "plan": current})]
    if status == plan_upgrade.CHOOSE:
        return [Reply("plan_chat.upgrade.choose", {
            "offered": _offered_text(found, lang),
            "command": _command_for(ctx, found, locales.text("plan_chat.word.plan", lang))})]
    if status == plan_upgrade.UNKNOWN_PLAN:
        return [Reply("plan_chat.upgrade.unknown_plan", {
            "plan": found.asked[:40], "org": org.name, "offered": _offered_text(found, lang)})]
    assert found.target is not None
    target = found.target.display_name
    if status == plan_upgrade.ALREADY_ON:
        return [Reply("plan_chat.upgrade.already_on", {"org": org.name, "plan": target})]
    if status == plan_upgrade.ALREADY_PLANNED:
        change = found.change
        if change is None:  # planned in no row we can name: say what will be in force
            return [Reply("plan_chat.upgrade.already_on", {"org": org.name, "plan": target})]
        return [Reply("plan_chat.upgrade.already_planned", {
            "org": org.name, "change": change_text(change, org.currency, lang,
                                                   partner=partner)})]
    if status == plan_upgrade.NO_PRICE:
        return [Reply("plan_chat.upgrade.no_price", {
            "org": org.name, "plan": target, "currency": org.currency,
            "cycle": locales.text(f"plan_chat.cycle.{found.cycle}", lang)})]
    if status == plan_upgrade.NOT_HIGHER:
        planned = found.planned.display_name if found.planned is not None else "-"
        return [Reply("plan_chat.upgrade.not_higher", {
            "org": org.name, "plan": target, "current": planned})]
    if not confirm:
        return [_confirmation(ctx, found)]
    plan_upgrade.apply(ctx.session, found, ctx.user, now=ctx.desk.clock.now(),
                       tz=ctx.desk.billing_tz)
    _tell_partners(ctx, found)
    return [Reply("plan_chat.upgrade.done", {
        "org": org.name, "plan": target, "month": locales.month_param(found.month),
        "fee": fee_text(found.fee, org.currency, found.cycle, lang)})]


@command("upgrade", roles=UPGRADE_ROLES, help_key="plan_chat.help.upgrade", order=24)
def upgrade_command(ctx: CommandContext, args: list[str]) -> list[Reply]:
    """/upgrade [ORGANIZATION] [PLAN] [confirm]; the buttons carry ids and the month shown."""
    now, tz = ctx.desk.clock.now(), ctx.desk.billing_tz
    if ctx.incoming.action is not None:
        org, plan, shown, answer = _pressed(ctx, args)
        if isinstance(org, Reply):
            return [org]
        if answer == "cancel":
            current = plan_in_force(ctx.session, org.id, BillingMonth.of(now, tz))
            return [Reply("plan_chat.upgrade.cancelled", {
                "org": org.name, "plan": current.display_name if current else "-"})]
        found = plan_upgrade.check(ctx.session, org, plan.name if plan else f"#{args[1]}",
                                   now=now, tz=tz, lock=True)
        # The month shown has passed, or the plan changed since: ask again, never assign.
        return _answer(ctx, found, confirm=str(found.month) == shown)
    words = list(args)
    if len(" ".join(words)) > MAX_NAME + 60 or len(words) > MAX_ARGS:
        raise BadArguments(ctx, "plan_chat.help.upgrade")
    confirm = bool(words) and words[-1].lower() in CONFIRM_WORDS
    if confirm:
        words.pop()
    org_or_reply, plan_name = _typed_target(ctx, words)
    if isinstance(org_or_reply, Reply):
        return [org_or_reply]
    found = plan_upgrade.check(ctx.session, org_or_reply, plan_name, now=now, tz=tz,
                               lock=confirm)
    return _answer(ctx, found, confirm)
