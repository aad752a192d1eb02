"""Partner commands (/help, /new, /cases, /status, /language) and the partner's plain message.

Roles: /help and /language are for everybody; /new is for partners; /cases for partners and
an organization's dedicated TAM (their organization's open cases); /status for partners and
TAMs (own organization) and for agents and admins (any case).
"""

from __future__ import annotations

import locales
from desk import cases
from desk.first_response import first_response_target
from desk.users import USER_ROLES
from handlers import ai_assist, invoice_commands, notices
from handlers.registry import BadArguments, CommandContext, allowed_commands, command
from handlers.text import parse_case_number
from messages.types import Reply
from sla.display import duration_text
from store.models import Case, Organization, User

parse_number = parse_case_number


def status_reply(case: Case, assignee: User | None) -> Reply:
    params = {"number": case.id, "severity": case.severity, "subject": case.subject,
              "opened": locales.datetime_param(case.opened_at)}
    if case.status != "open":
        params["resolved"] = locales.datetime_param(case.resolved_at)
        return Reply("case.status_resolved", params)
    if assignee is not None:
        params["agent"] = assignee.name
        return Reply("case.status_assigned", params)
    return Reply("case.status_open", params)


def handle_partner_text(ctx: CommandContext, text: str, *, force_new: bool = False) -> list[Reply]:
    """A partner's message: opens a case or joins the conversation's open case."""
    now = ctx.desk.clock.now()
    incoming = ctx.incoming
    placed = cases.place_partner_message(
        ctx.session, partner=ctx.user, channel=incoming.channel, chat_id=incoming.chat_id,
        thread_key=incoming.thread_id or "", text=text, language=ctx.language, now=now,
        tz=ctx.desk.billing_tz, force_new=force_new,
    )
    case = placed.case
    if placed.opened:
        # A direct-paid organization with an overdue plan invoice cannot onboard new clients:
        # the partner is told with the acknowledgement, the agents with the new-case notice.
        block = invoice_commands.onboarding_block(ctx.session, ctx.desk, case.org_id, now)
        notices.new_case(ctx.session, ctx.desk, case, ctx.user, text, now, block=block)
        ai_assist.after_partner_message(ctx, case, text, ask_triage=True)
        params = {"number": case.id, "severity": case.severity,
                  "target": duration_text(first_response_target(case), ctx.language)}
        if case.severity_reasons:
            ack = Reply("case.opened", {**params, "reasons": notices.reasons_text(case)})
        else:
            ack = Reply("case.opened_plain", params)
        if block is None:
            return [ack]
        org = ctx.session.get(Organization, case.org_id)
        return [ack, invoice_commands.partner_block_reply(org.name if org else "", block)]
    notices.partner_message(ctx.session, ctx.desk, case, ctx.user, text, now, placed.raised_from)
    ai_assist.after_partner_message(ctx, case, text, ask_triage=placed.raised_from is not None)
    if placed.raised_from is not None:
        return [Reply("case.added_raised", {"number": case.id, "severity": case.severity,
                                            "reasons": notices.reasons_text(case)})]
    return [Reply("case.added", {"number": case.id})]


@command("help", roles=set(USER_ROLES), help_key="help.help", order=1)
def help_command(ctx: CommandContext, args: list[str]) -> list[Reply]:
    lines = [locales.text(spec.help_key, ctx.language) for spec in allowed_commands(ctx.user.role)]
    listed = Reply("help.list", {"commands": "\n".join(lines),
                                 "names": [s.name for s in allowed_commands(ctx.user.role)]})
    if ctx.incoming.channel == "slack":  # commands are typed after /support, or a mention
        return [listed, Reply("help.slack")]
    return [listed]


@command("new", roles={"partner"}, help_key="help.new", order=10)
def new_command(ctx: CommandContext, args: list[str]) -> list[Reply]:
    text = ctx.text_after(0)
    if not text:
        raise BadArguments(ctx, "help.new")
    return handle_partner_text(ctx, text, force_new=True)


@command("cases", roles={"partner", "tam"}, help_key="help.cases", order=11)
def cases_command(ctx: CommandContext, args: list[str]) -> list[Reply]:
    if ctx.user.org_id is None:
        return [Reply("error.no_org")]
    found = cases.org_cases(ctx.session, ctx.user.org_id)
    if not found:
        return [Reply("cases.none")]
    lines = [
        locales.render("cases.line", {"number": c.id, "severity": c.severity,
                                      "subject": c.subject[:80],
                                      "opened": locales.datetime_param(c.opened_at)},
                       ctx.language)
        for c in found
    ]
    return [Reply("cases.list", {"count": len(found), "lines": "\n".join(lines),
                                 "numbers": [c.id for c in found]})]


@command("status", roles={"partner", "tam", "agent", "admin"}, help_key="help.status", order=12)
def status_command(ctx: CommandContext, args: list[str]) -> list[Reply]:
    number = parse_number(args[0]) if len(args) == 1 else None
    if number is None:
        raise BadArguments(ctx, "help.status")
    case = cases.visible_case(ctx.session, ctx.user, number)
    assignee = ctx.session.get(User, case.assignee_id) if case.assignee_id else None
    replies = [status_reply(case, assignee)]
    translated = None if ctx.user.role == "partner" else \
        ai_assist.latest_translation(ctx.session, case.id)
    if translated is not None:  # the model's translation of the partner's latest message
        replies.append(Reply("ai.translation", {"number": case.id, "text": translated}))
    if ctx.user.role != "partner":  # staff are asked "why can't they onboard?"
        block = invoice_commands.onboarding_block(ctx.session, ctx.desk, case.org_id,
                                                  ctx.desk.clock.now())
        if block is not None:
            org = ctx.session.get(Organization, case.org_id)
            replies.append(invoice_commands.staff_block_reply(
                case.id, org.name if org else "?", block))
    return replies


@command("language", roles=set(USER_ROLES), help_key="help.language", order=90)
def language_command(ctx: CommandContext, args: list[str]) -> list[Reply]:
    if len(args) != 1:
        raise BadArguments(ctx, "help.language")
    if args[0].lower() == "auto":  # back to following the language the partner writes in
        ctx.user.language_chosen = False
        return [Reply("language.auto")]
    code = locales.normalize(args[0])
    if code is None:
        return [Reply("language.unknown", {"code": args[0][:20],
                                           "choices": ", ".join(locales.LANGUAGES)})]
    ctx.user.language = code
    ctx.user.language_chosen = True
    ctx.language = code
    return [Reply("language.set", {"language_name": locales.language_name(code, code)})]
