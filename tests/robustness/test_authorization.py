"""Every registered command and button x every role, against rules taken from the documents.

The expectations come from DOMAIN.md ("Who is involved") and issues 3 and 4, not from the code:
- partners see and act on their own organization's cases only (issue 3, DOMAIN);
- agent commands (/queue /take /reply /note /severity /resolve /reopen) need the agent role
  (issue 3); the admin is the desk's superuser and may do what an agent does;
- /new is a partner's (a partner opens cases); /cases lists "their organization's" open cases,
  so it is for people with an organization: partners and an organization's dedicated TAM;
- /status: the partner (own organization), agents and the admin; a dedicated TAM for their
  organization (they are notified of its escalations and follow its cases); a TAM of the
  community pool only the escalated cases it was notified of (issue 14), not this one;
- /escalate: the partner (own organization), and an agent or TAM on the partner's behalf
  (issue 4); a dedicated TAM only for their organization, a pool TAM only the cases it sees;
  a manager does not escalate;
- /escalations: partners get their own organization's numbers; agents, managers (and the
  admin) may ask for any organization (issue 4); a dedicated TAM only their organization;
- /summary: managers on demand (DOMAIN, issue 4), and the admin;
- /invoices: the partner (own organization: another organization's name is answered like a
  name that does not exist), agents and the admin for any organization (issue 13);
- /rate: the partners of the case's organization only (DOMAIN "Satisfaction", issue 14:
  "the partner ... may rate"); another organization's case is answered like a missing one;
- /betas: everybody on the desk (DOMAIN "Beta programmes": any partner may express interest,
  so every partner sees the open betas; staff see them all); /beta NAME: partners, for their
  own organization (issue 14);
- /enrol and /live: "an admin or TAM enrols" (issue 14): TAMs and the admin; a dedicated TAM
  only for their organization (another organization, or its WABA, is answered like one that
  does not exist);
- /plan and /tam: the partner and a dedicated TAM for their own organization (another
  organization's name is answered like a name that does not exist); agents, the community
  TAM pool, managers and the admin for any organization (issue 14);
- /upgrade: a partner of the organization; agents and admins for them (issue 14);
- somebody with no identity on the desk gets the no-access explanation for everything.
A refusal is the not-allowed / no-access / not-found answer and changes no row (the inbound
de-duplication key aside). "own" means the command works but only on the caller's own
organization: it must not reveal or touch the case's organization.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from handlers.registry import COMMANDS
from messages.types import Outcome
from store.models import (
    BetaEnrolment,
    BetaInterest,
    Case,
    CaseMessage,
    Escalation,
    Organization,
    SatisfactionRating,
    User,
)
from tests.robustness.runner import outcome_problems
from tests.robustness.world import BETA, SEEDED_WABA, World, build_world, snapshot

ROLES = {  # role in the table -> actor of the world (the case belongs to organization A)
    "none": "stranger",
    "partner_own": "partner_a",
    "partner_other": "partner_b",
    "agent": "agent",
    "tam_own": "tam_a",  # dedicated TAM of the case's organization
    "tam_other": "tam_b",  # dedicated TAM of another organization
    "tam_pool": "tam_pool",  # community TAM, no organization
    "manager": "manager",
    "admin": "admin",
}

A, R, OWN = "allow", "refuse", "own"
EVERYONE = {r: A for r in ROLES} | {"none": R}
AGENT_ONLY = {r: R for r in ROLES} | {"agent": A, "admin": A}

EXPECTED: dict[str, dict[str, str]] = {
    "help": EVERYONE,
    "language": EVERYONE,
    "new": {r: R for r in ROLES} | {"partner_own": A, "partner_other": OWN},
    "cases": {r: R for r in ROLES} | {"partner_own": A, "partner_other": OWN, "tam_own": A,
                                      "tam_other": OWN},
    "status": {r: R for r in ROLES} | {"partner_own": A, "agent": A, "tam_own": A,
                                       "admin": A},
    "queue": AGENT_ONLY,
    "take": AGENT_ONLY,
    "reply": AGENT_ONLY,
    "note": AGENT_ONLY,
    "severity": AGENT_ONLY,
    "resolve": AGENT_ONLY,
    "reopen": AGENT_ONLY,
    "escalate": {r: R for r in ROLES} | {"partner_own": A, "agent": A, "tam_own": A,
                                         "admin": A},
    "escalations": {r: A for r in ROLES} | {"none": R, "partner_other": OWN, "tam_other": R},
    "summary": {r: R for r in ROLES} | {"manager": A, "admin": A},
    "invoices": {r: R for r in ROLES} | {"partner_own": A, "agent": A, "admin": A},
    "plan": {r: A for r in ROLES} | {"none": R, "partner_other": R, "tam_other": R},
    "upgrade": {r: R for r in ROLES} | {"partner_own": A, "agent": A, "admin": A},
    "tam": {r: A for r in ROLES} | {"none": R, "partner_other": R, "tam_other": R},
    "rate": {r: R for r in ROLES} | {"partner_own": A},
    "betas": EVERYONE,
    "beta": {r: R for r in ROLES} | {"partner_own": A, "partner_other": OWN},
    "enrol": {r: R for r in ROLES} | {"tam_own": A, "tam_pool": A, "admin": A},
    "live": {r: R for r in ROLES} | {"tam_own": A, "tam_pool": A, "admin": A},
}

BUTTONS = {  # button -> (command it stands for, data with {n} the open case, {r} resolved one)
    "take-button": ("take", "take:{n}"),
    "resolve-button": ("resolve", "res:{n}"),
    "reopen-button": ("reopen", "reo:{r}"),
    "escalate-button": ("escalate", "esc:{n}:oth"),
    "confirm-button": ("escalate", "esc:{n}:oth:confirm"),
    "rate-button": ("rate", "rate:{r}:0:4"),
    "interest-button": ("beta", f"beta:{BETA}"),
}

SUCCESS = {
    "help": {"help.list"}, "language": {"language.set"},
    "new": {"case.opened", "case.opened_plain"}, "cases": {"cases.list", "cases.none"},
    "status": {"case.status_open"}, "queue": {"queue.list"}, "take": {"case.taken"},
    "reply": {"case.reply_sent"}, "note": {"case.noted"}, "severity": {"case.severity_set"},
    "resolve": {"case.resolved"}, "reopen": {"case.reopened"},
    "escalate": {"escalation.registered", "escalation.registered_behalf"},
    "escalations": {"escalation.org_numbers", "escalation.org_numbers_pending"},
    "summary": {"escalation.summary.message", "summary.nothing"},  # nothing: a quiet month
    "invoices": {"invoices.list", "invoices.none"},
    "plan": {"plan_chat.plan"},
    "upgrade": {"plan_chat.upgrade.highest"},  # A is on Premium, the highest plan
    "tam": {"plan_chat.tam.dedicated"},
    "rate": {"satisfaction.thanks", "satisfaction.thanks_comment"},
    "betas": {"betas.list", "betas.list_staff"}, "beta": {"betas.registered"},
    "enrol": {"betas.enrolled"}, "live": {"betas.live"},
}
REFUSED = {"error.not_allowed", "error.no_access", "error.case_not_found",
           "escalation.not_found", "escalation.unknown_org", "error.no_org",
           "escalation.no_org", "invoices.unknown_org", "betas.unknown_org",
           "betas.unknown_enrolment"}


def command_text(world: World, name: str) -> str:
    n, r = world.cases["A"].open_free, world.cases["A"].resolved
    args = {
        "new": "Our API is down for all clients since this morning",
        "status": str(n), "language": "de", "take": str(n), "reply": f"{n} we are on it",
        "note": f"{n} internal remark", "severity": f"{n} 1", "resolve": f"{n} fixed",
        "reopen": str(r), "escalate": f"{n} oth",
        "escalations": world.org_name("A"), "summary": "2026-02",
        "plan": world.org_name("A"), "upgrade": world.org_name("A"), "tam": world.org_name("A"),
        "invoices": world.org_name("A"), "rate": f"{r} 4 quick and clear",
        "beta": BETA, "enrol": f"{BETA} {world.org_name('A')} 100200300499 2026-03-20",
        "live": f"{BETA} {SEEDED_WABA['A']}",
    }.get(name, "")
    return f"/{name} {args}".strip()


@pytest.fixture(scope="module")
def auth_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    path: Path = tmp_path_factory.mktemp("authorization") / "desk.db"
    built = build_world(f"sqlite:///{path}", everyone_has_language=True)
    yield built
    built.engine.dispose()


def _effect(world: World, command: str, role: str, actor_key: str) -> None:
    """The allowed action really happened, and on the right organization."""
    actor = world.actors[actor_key]
    n, r = world.cases["A"].open_free, world.cases["A"].resolved
    with world.sessions() as s:
        case = s.get(Case, n)
        checks: dict[str, Callable[[], bool]] = {
            "take": lambda: case.assignee_id == actor.user_id,
            "resolve": lambda: case.status == "resolved",
            "reopen": lambda: s.get(Case, r).status == "open",
            "severity": lambda: case.severity == 1 and case.severity_source == "agent",
            "reply": lambda: s.scalar(select(CaseMessage.kind).where(
                CaseMessage.case_id == n, CaseMessage.author_id == actor.user_id)) == "reply",
            "note": lambda: s.scalar(select(CaseMessage.kind).where(
                CaseMessage.case_id == n, CaseMessage.author_id == actor.user_id)) == "note",
            "escalate": lambda: s.scalar(select(Escalation.requested_by_id).where(
                Escalation.case_id == n)) == actor.user_id,
            "language": lambda: s.get(User, actor.user_id).language == "de",
            "rate": lambda: s.scalar(select(SatisfactionRating.rating).where(
                SatisfactionRating.case_id == r,
                SatisfactionRating.rated_by_id == actor.user_id)) == 4,
            "beta": lambda: s.scalar(select(BetaInterest.org_id)) == world.org_ids["A"],
            "enrol": lambda: s.scalar(select(BetaEnrolment.org_id).where(
                BetaEnrolment.waba_id == "100200300499")) == world.org_ids["A"],
            "live": lambda: s.scalar(select(BetaEnrolment.status).where(
                BetaEnrolment.waba_id == SEEDED_WABA["A"])) == "live",
        }
        if command in checks:
            assert checks[command](), f"/{command} by {role} answered success but did nothing"


def _own_only(world: World, command: str, role: str, actor_key: str, outcome: Outcome) -> None:
    """The command worked on the caller's own organization and showed nothing of A's."""
    actor = world.actors[actor_key]
    reply = outcome.replies[0]
    a_cases = set(world.cases["A"].all())
    own_org = world.org_name(actor.org) if actor.org else None
    if command == "cases":
        assert not a_cases & set(reply.params.get("numbers", [])), f"{role} sees A's cases"
    elif command == "escalations":
        assert reply.params["org"] == own_org, f"{role} got another organization's numbers"
    elif command == "beta":
        with world.sessions() as s:
            assert list(s.scalars(select(BetaInterest.org_id))) == [world.org_ids[actor.org]]
    elif command == "new":
        with world.sessions() as s:
            newest = s.scalars(select(Case).order_by(Case.id.desc()).limit(1)).one()
            org = s.get(Organization, newest.org_id)
            assert org is not None and org.name == own_org


def check_cell(world: World, command: str, role: str,
               message: Callable[[World], tuple[str, str | None]]) -> None:
    """Reset, send message(world) = (text, button data) as the role, check the outcome."""
    expected = EXPECTED.get(command, {}).get(role)
    assert expected is not None, f"/{command} x {role} is missing from the expectation table"
    world.reset()
    text, action = message(world)
    actor_key = ROLES[role]
    before = snapshot(world.sessions)
    outcome = world.send(world.actors[actor_key], text, action=action)
    keys = [r.key for r in outcome.replies]
    assert outcome_problems(outcome) == [], keys
    label = f"{action or text!r} by {role}: {keys} {[dict(r.params) for r in outcome.replies]}"
    if expected == R:
        assert keys and keys[0] in REFUSED, f"expected a refusal: {label}"
        if role == "none":
            assert keys == ["error.no_access"], label
        after = snapshot(world.sessions)
        changed = [t for t in before if before[t] != after[t]]
        assert not changed, f"refused but changed {changed}: {label}"
        return
    assert keys and keys[0] in SUCCESS[command], f"expected success ({expected}): {label}"
    if expected == OWN:
        _own_only(world, command, role, actor_key, outcome)
    else:
        _effect(world, command, role, actor_key)


def test_every_registered_command_is_in_the_table() -> None:
    assert set(COMMANDS) == set(EXPECTED), (
        f"missing: {sorted(set(COMMANDS) - set(EXPECTED))}, "
        f"stale: {sorted(set(EXPECTED) - set(COMMANDS))}"
    )
    for name, row in EXPECTED.items():
        assert set(row) == set(ROLES), name


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_command_by_role(auth_world: World, command: str, role: str) -> None:
    check_cell(auth_world, command, role, lambda w: (command_text(w, command), None))


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("button", list(BUTTONS))
def test_button_by_role(auth_world: World, button: str, role: str) -> None:
    command, template = BUTTONS[button]
    check_cell(auth_world, command, role, lambda w: (
        "", template.format(n=w.cases["A"].open_free, r=w.cases["A"].resolved)))


@pytest.mark.parametrize("actor", ["partner_a", "tam_a"])
@pytest.mark.parametrize("template", ["esc:{n}:oth", "esc:{n}:oth:confirm", "take:{n}",
                                      "res:{n}", "reo:{r}"])
def test_buttons_on_another_organizations_case(auth_world: World, actor: str,
                                               template: str) -> None:
    """Buttons of organization B's cases pressed by people of A: refused, nothing changes."""
    auth_world.reset()
    b = auth_world.cases["B"]
    before = snapshot(auth_world.sessions)
    outcome = auth_world.send(auth_world.actors[actor],
                              action=template.format(n=b.open_free, r=b.resolved))
    assert [r.key for r in outcome.replies][:1] in (["error.not_allowed"],
                                                    ["escalation.not_found"])
    assert snapshot(auth_world.sessions) == before
