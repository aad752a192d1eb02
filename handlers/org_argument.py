"""Which organization a chat command means: the caller's own, or one named in any case."""

from __future__ import annotations

from desk import orgs
from handlers.registry import CommandContext
from messages.types import Reply
from store.models import Organization


def named_org(ctx: CommandContext, name: str, *, own_only: bool, unknown_key: str,
              required: Reply) -> Organization | Reply:
    """The organization meant by `name` ('' for the caller's own), or the answer saying why there
    is none. With `own_only` the caller may only mean their own organization, and another one is
    answered exactly like a name that does not exist; otherwise a name is required."""
    user = ctx.user
    if own_only:
        if user.org_id is None:
            return Reply("escalation.no_org")
        own = ctx.session.get(Organization, user.org_id)
        assert own is not None
        if name and own.id not in {o.id for o in orgs.orgs_named(ctx.session, name)}:
            return Reply(unknown_key, {"org": name[:80]})
        return own
    if not name:
        return required
    found = orgs.orgs_named(ctx.session, name)  # any case, as in the admin CLI
    if len(found) > 1:
        return Reply("escalation.ambiguous_org", {
            "org": name[:80], "names": ", ".join(o.name for o in found)})
    if not found:
        return Reply(unknown_key, {"org": name[:80]})
    return found[0]
