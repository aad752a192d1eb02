"""Beta programmes in chat: /betas, /beta NAME (partners), /enrol and /live (TAMs and admins).

Roles: /betas for everybody on the desk (partners see the open betas, staff all of them with
their counts); /beta for partners (their own organization's interest); /enrol and /live for
TAMs and admins, a dedicated TAM only for their own organization (another organization is
answered exactly like one that does not exist).
"""

from __future__ import annotations

import re
from datetime import date

import locales
from desk import beta_enrolment, betas, orgs
from desk.users import USER_ROLES
from handlers.registry import BadArguments, CommandContext, command
from messages.types import Button, Reply
from store.models import Beta, Organization

STAFF_ROLES = frozenset({"tam", "admin"})
MAX_BUTTONS = 8  # interest buttons under /betas
MAX_ORG = 120
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def stage_text(stage: str, lang: str) -> str:
    return locales.text(f"betas.stage.{stage}", lang)


def _partner_betas(ctx: CommandContext) -> list[Reply]:
    user = ctx.user
    if user.org_id is None:
        return [Reply("escalation.no_org")]
    org = ctx.session.get(Organization, user.org_id)
    assert org is not None
    lang = ctx.language
    found = betas.list_betas(ctx.session)
    notes = ""
    if org.beta_banned_at is not None:
        key, params = betas.ban_reply_params(ctx.session, org)
        notes = "\n\n" + locales.render(key, params, lang)
    if not found:
        return [Reply("betas.none", {"notes": notes})]
    counts = betas.figures(ctx.session, [b.id for b in found])
    mine = betas.interested_beta_ids(ctx.session, org.id)
    lines = []
    buttons: list[Button] = []
    for beta in found:
        params = {"name": beta.name, "stage": stage_text(counts[beta.id].stage, lang),
                  "description": beta.description, "org": org.name}
        key = "betas.line_interested" if beta.id in mine else "betas.line"
        lines.append(locales.render(key, params, lang))
        if beta.id not in mine and org.beta_banned_at is None and len(buttons) < MAX_BUTTONS:
            buttons.append(betas.interest_button(beta))
    return [Reply("betas.list", {"lines": "\n".join(lines), "notes": notes,
                                 "names": [b.name for b in found]}, tuple(buttons))]


def _staff_betas(ctx: CommandContext) -> list[Reply]:
    lang = ctx.language
    found = betas.list_betas(ctx.session, include_closed=True)
    if not found:
        return [Reply("betas.none_staff")]
    counts = betas.figures(ctx.session, [b.id for b in found])
    lines = [locales.render("betas.line_staff", {
        "name": b.name, "status": locales.text(f"betas.status.{b.status}", lang),
        "stage": stage_text(counts[b.id].stage, lang), "description": b.description,
        "interested": counts[b.id].interested, "enrolled": counts[b.id].enrolments,
        "live": counts[b.id].live}, lang) for b in found]
    return [Reply("betas.list_staff", {"lines": "\n".join(lines),
                                       "names": [b.name for b in found]})]


@command("betas", roles=set(USER_ROLES), help_key="betas.help.betas", order=40)
def betas_command(ctx: CommandContext, args: list[str]) -> list[Reply]:
    """/betas: the open beta programmes (partners); every beta with its counts (staff)."""
    if args:
        raise BadArguments(ctx, "betas.help.betas")
    if ctx.user.role == "partner":
        return _partner_betas(ctx)
    return _staff_betas(ctx)


@command("beta", roles={"partner"}, help_key="betas.help.beta", order=41)
def beta_command(ctx: CommandContext, args: list[str]) -> list[Reply]:
    """/beta NAME: the partner's organization is interested in an open beta (once)."""
    if len(args) != 1 or betas.NAME.fullmatch(args[0]) is None:
        raise BadArguments(ctx, "betas.help.beta")
    if ctx.user.org_id is None:
        return [Reply("escalation.no_org")]
    result = betas.express_interest(ctx.session, args[0], ctx.user, now=ctx.desk.clock.now())
    params = {"org": result.org.name, "beta": result.beta.name}
    if result.created:
        return [Reply("betas.registered", params)]
    return [Reply("betas.already_registered", {
        **params, "since": locales.date_param(result.row.created_at.date())})]


def _date(text: str) -> date | None:
    if _DATE.fullmatch(text) is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _org_for(ctx: CommandContext, name: str) -> Organization | Reply:
    """The organization to enrol: a dedicated TAM sees only their own, like the others do not
    exist; everybody else any organization (any case)."""
    shown = name[:80]
    found = orgs.orgs_named(ctx.session, name)
    scope = ctx.user.org_id if ctx.user.role == "tam" else None
    if scope is not None:
        found = [o for o in found if o.id == scope]
    if len(found) > 1:
        return Reply("escalation.ambiguous_org", {
            "org": shown, "names": ", ".join(o.name for o in found)})
    if not found:
        return Reply("betas.unknown_org", {"org": shown})
    return found[0]


def _scope(ctx: CommandContext) -> int | None:
    """A dedicated TAM acts for their own organization only."""
    return ctx.user.org_id if ctx.user.role == "tam" else None


@command("enrol", roles=STAFF_ROLES, help_key="betas.help.enrol", order=42)
def enrol_command(ctx: CommandContext, args: list[str]) -> list[Reply]:
    """/enrol BETA ORGANIZATION WABA LAUNCH_DATE [client|own|test]"""
    words = list(args)
    kind = "client"
    if words and words[-1].lower() in beta_enrolment.KINDS:
        kind = words.pop().lower()
    if len(words) < 4 or betas.NAME.fullmatch(words[0]) is None \
            or beta_enrolment.WABA.fullmatch(words[-2]) is None:
        raise BadArguments(ctx, "betas.help.enrol")
    org_name = " ".join(words[1:-2])
    if len(org_name) > MAX_ORG:
        raise BadArguments(ctx, "betas.help.enrol")
    launch = _date(words[-1])
    if launch is None:
        return [Reply("betas.bad_date", {"date": words[-1][:24]})]
    org = _org_for(ctx, org_name)
    if isinstance(org, Reply):
        return [org]
    now = ctx.desk.clock.now()
    done = beta_enrolment.enrol(ctx.session, ctx.desk, beta_name=words[0], org=org,
                                waba=words[-2], launch=launch, kind=kind, now=now,
                                actor=f"user:{ctx.user.id}")
    return [Reply("betas.enrolled", {
        "waba": done.row.waba_id, "org": org.name, "beta": done.beta.name,
        "enabled": locales.date_param(done.row.enabled_on), "launch": locales.date_param(launch),
        "latest": locales.date_param(done.latest)})]


@command("live", roles=STAFF_ROLES, help_key="betas.help.live", order=43)
def live_command(ctx: CommandContext, args: list[str]) -> list[Reply]:
    """/live BETA WABA: the enrolled client uses the beta with a real use case."""
    if len(args) != 2 or betas.NAME.fullmatch(args[0]) is None \
            or beta_enrolment.WABA.fullmatch(args[1]) is None:
        raise BadArguments(ctx, "betas.help.live")
    result = beta_enrolment.mark_live(ctx.session, ctx.desk, beta_name=args[0], waba=args[1],
                                      now=ctx.desk.clock.now(), actor=f"user:{ctx.user.id}",
                                      org_id=_scope(ctx))
    row = result.enrolment
    beta = ctx.session.get(Beta, row.beta_id)
    assert beta is not None and row.live_at is not None
    params = {"waba": row.waba_id, "org": result.org.name, "beta": beta.name,
              "live": result.figures.live,
              "stage": stage_text(result.figures.stage, ctx.language)}
    if not result.changed:
        return [Reply("betas.already_live", {**params,
                                             "since": locales.date_param(row.live_at.date())})]
    replies = [Reply("betas.live", params)]
    if result.figures.live == betas.LIVE_FOR_INTEGRATION:
        replies.append(Reply("betas.integration", params))
    return replies
