"""/rate: a partner rates a resolved case of their organization 1-5, with an optional comment.

Typed: `/rate N SCORE [COMMENT]`. Pressed: the question's buttons send "rate:N:ROUND:SCORE",
where ROUND names the resolution the question was about (a question about an earlier
resolution of a case resolved again since is answered with the question about the latest).
Roles: partners; another organization's case is answered exactly like a missing one.
"""

from __future__ import annotations

from desk import cases, satisfaction
from handlers.registry import BadArguments, CommandContext, command
from handlers.text import parse_case_number
from messages.types import Reply

SCORE_WORDS = {str(s): s for s in satisfaction.SCORES}


def _digits(token: str) -> int | None:
    return int(token) if token.isascii() and token.isdigit() and len(token) <= 9 else None


@command("rate", roles={"partner"}, help_key="help.rate", order=15)
def rate_command(ctx: CommandContext, args: list[str]) -> list[Reply]:
    pressed = ctx.incoming.action is not None
    if pressed:
        if len(args) != 3:
            raise BadArguments(ctx, "help.rate")
        number, asked_round, score = parse_case_number(args[0]), _digits(args[1]), \
            SCORE_WORDS.get(args[2])
        comment = None
    else:
        if len(args) < 2:
            raise BadArguments(ctx, "help.rate")
        number, asked_round, score = parse_case_number(args[0]), None, SCORE_WORDS.get(args[1])
        comment = ctx.text_after(2) or None
    if number is None or score is None or (pressed and asked_round is None):
        raise BadArguments(ctx, "help.rate")
    case = cases.visible_case(ctx.session, ctx.user, number, lock=True)
    if pressed and asked_round != case.reopened_count and case.status == "resolved":
        current = satisfaction.round_of(ctx.session, case, case.reopened_count)
        if current is None or current.rating is None:
            return [satisfaction.question(case, "satisfaction.earlier_round")]
    outcome, row = satisfaction.rate(ctx.session, case=case, partner=ctx.user, score=score,
                                     comment=comment, now=ctx.desk.clock.now())
    params = {"number": case.id, "score": row.rating}
    if outcome is satisfaction.Rated.COMMENT_ADDED:
        return [Reply("satisfaction.comment_added", params)]
    if row.comment:
        return [Reply("satisfaction.thanks_comment", params)]
    return [Reply("satisfaction.thanks", params)]
