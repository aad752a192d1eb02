"""Agent commands: /queue, /take, /reply, /note, /severity, /resolve, /reopen.

Roles: agents and admins. A pressed button stands for the same command (messages.actions).
"""

from __future__ import annotations

import locales
from desk import cases, satisfaction
from handlers import ai_assist, notices
from handlers.partner_commands import parse_number
from handlers.registry import BadArguments, CommandContext, command
from messages import actions
from messages.types import Button, Reply
from sla.display import queue_label
from store.models import Case, User

AGENTS = {"agent", "admin"}


def _case(ctx: CommandContext, args: list[str], help_key: str, *,
          min_args: int = 1, max_args: int | None = 1) -> Case:
    """The case named by the first argument; BadArguments when the arguments are wrong."""
    if len(args) < min_args or (max_args is not None and len(args) > max_args):
        raise BadArguments(ctx, help_key)
    number = parse_number(args[0])
    if number is None:
        raise BadArguments(ctx, help_key)
    return cases.visible_case(ctx.session, ctx.user, number, lock=True)


@command("queue", roles=AGENTS, help_key="help.queue", order=30)
def queue_command(ctx: CommandContext, args: list[str]) -> list[Reply]:
    now = ctx.desk.clock.now()
    entries = cases.queue(ctx.session, ctx.desk, now)
    if not entries:
        return [Reply("queue.empty")]
    lines = []
    for e in entries:
        params = {"number": e.case.id, "severity": e.case.severity, "org": e.org_name,
                  "plan": e.plan_name, "subject": e.case.subject[:80],
                  "opened": locales.datetime_param(e.case.opened_at)}
        if e.assignee_name:
            line = locales.render("queue.line_assigned", {**params, "agent": e.assignee_name},
                                  ctx.language)
        else:
            line = locales.render("queue.line", params, ctx.language)
        label = queue_label(e.case, now, ctx.language)  # first-response time left or overdue
        lines.append(f"{line} · {label}" if label else line)
    return [Reply("queue.list", {"count": len(entries), "lines": "\n".join(lines),
                                 "numbers": [e.case.id for e in entries]})]


@command("take", roles=AGENTS, help_key="help.take", order=31)
def take_command(ctx: CommandContext, args: list[str]) -> list[Reply]:
    case = _case(ctx, args, "help.take")
    now = ctx.desk.clock.now()
    # A button pressed on an old notice must not snatch a case a colleague has taken since.
    previous = cases.take(ctx.session, case=case, agent=ctx.user, now=now,
                          only_if_free=ctx.incoming.action is not None)
    notices.to_partner(ctx.session, ctx.desk, case,
                       Reply("case.taken_notice", {"number": case.id, "agent": ctx.user.name}),
                       purpose="notice", now=now)
    if previous is not None:
        holder = ctx.session.get(User, previous)
        return [Reply("case.taken_over", {"number": case.id,
                                          "agent": holder.name if holder else "?"})]
    return [Reply("case.taken", {"number": case.id})]


@command("reply", roles=AGENTS, help_key="help.reply", order=32)
def reply_command(ctx: CommandContext, args: list[str]) -> list[Reply]:
    as_is = len(args) > 1 and args[1].lower() == "--as-is"  # never translated
    case = _case(ctx, [args[0], *args[2:]] if as_is else args, "help.reply", min_args=2,
                 max_args=None)
    text = ctx.text_after(2 if as_is else 1)
    now = ctx.desk.clock.now()
    cases.reply(ctx.session, case=case, agent=ctx.user, text=text, now=now)
    queued = notices.to_partner(ctx.session, ctx.desk, case,
                                Reply("case.agent_reply", {"number": case.id,
                                                           "agent": ctx.user.name,
                                                           "text": text}),
                                purpose="reply", now=now)
    if queued is not None and not as_is and ai_assist.wants_reply_translation(ctx, case):
        ai_assist.hold_reply(ctx, queued.id, case, text, ctx.user.name)
    return [Reply("case.reply_sent", {"number": case.id})]


@command("note", roles=AGENTS, help_key="help.note", order=33)
def note_command(ctx: CommandContext, args: list[str]) -> list[Reply]:
    case = _case(ctx, args, "help.note", min_args=2, max_args=None)
    cases.note(ctx.session, case=case, agent=ctx.user, text=ctx.text_after(1),
               now=ctx.desk.clock.now())
    return [Reply("case.noted", {"number": case.id})]


@command("severity", roles=AGENTS, help_key="help.severity", order=34)
def severity_command(ctx: CommandContext, args: list[str]) -> list[Reply]:
    if len(args) != 2 or args[1] not in {"1", "2", "3"}:
        raise BadArguments(ctx, "help.severity")
    case = _case(ctx, args[:1], "help.severity")
    old = cases.set_severity(ctx.session, case=case, agent=ctx.user, value=int(args[1]),
                             now=ctx.desk.clock.now(), tz=ctx.desk.billing_tz)
    return [Reply("case.severity_set", {"number": case.id, "old": old,
                                        "severity": case.severity})]


@command("resolve", roles=AGENTS, help_key="help.resolve", order=35)
def resolve_command(ctx: CommandContext, args: list[str]) -> list[Reply]:
    case = _case(ctx, args, "help.resolve", max_args=None)
    text = ctx.text_after(1) or None
    now = ctx.desk.clock.now()
    cases.resolve(ctx.session, ctx.desk, case=case, agent=ctx.user, text=text, now=now)
    notice = (Reply("case.resolved_notice_note", {"number": case.id, "note": text}) if text
              else Reply("case.resolved_notice", {"number": case.id}))
    notices.to_partner(ctx.session, ctx.desk, case, notice, purpose="notice", now=now)
    satisfaction.ask(ctx.session, ctx.desk, case, ctx.user, now)  # after the notice, in order
    return [Reply("case.resolved", {"number": case.id},
                  (Button("button.reopen", actions.encode("reo", case.id)),))]


@command("reopen", roles=AGENTS, help_key="help.reopen", order=36)
def reopen_command(ctx: CommandContext, args: list[str]) -> list[Reply]:
    case = _case(ctx, args, "help.reopen")
    now = ctx.desk.clock.now()
    cases.reopen(ctx.session, case=case, agent=ctx.user, now=now)
    notices.to_partner(ctx.session, ctx.desk, case, Reply("case.reopened_notice",
                                                          {"number": case.id}),
                       purpose="notice", now=now)
    return [Reply("case.reopened", {"number": case.id})]
