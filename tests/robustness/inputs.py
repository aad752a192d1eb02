"""Hypothesis strategies for hostile input: text, commands with odd arguments, button data."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from escalation.categories import CATEGORIES, CODES
from handlers import commands
from handlers.registry import COMMANDS
from messages.actions import ACTIONS
from tests.robustness.world import CAST, ORGS, World

commands.load()

# Deterministic in CI: derandomized, no example database, no wall-clock deadline.
FAST = settings(
    max_examples=150, deadline=None, derandomize=True, database=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.large_base_example, HealthCheck.function_scoped_fixture],
)

SPECIALS = [
    "\x00", "\x07", "\x1b[31m", "\x7f", "\u0085", "\u200b", "\u200d", "\u200e", "\u200f",
    "\u202a", "\u202e", "\u2066", "\u2069", "\ufeff", "\ufffd", "\U0010fffd", "\u0301",
    "\r\n", "\r", "\t", "\n\n", "  ", "/", "#", "@", ":", "{", "}", "{number}", "{0}", "{}",
    "%s", "%(x)s", "<b>", "</code>", "*_`~", "\\", "'; DROP TABLE cases; --", "İ", "ß",
    "ﷺ", "Ⅻ", "٣", "१२", "👩‍💻", "🔥🔥", "🇧🇷", "مرحبا", "שלום", "日本語",
]
PHRASES = [
    "the API is down for all our clients", "vazamento de dados",
    "Nachrichten werden bei einigen Kunden nicht zugestellt", "el panel va lento pero funciona",
    "все клиенты не получают сообщения", "is the API down?", "customer data lost",
    "hello", "ok", "policy violation appeal", "green tick", "confirm",
]

# Digits str.isdigit() accepts but int() refuses; they once crashed the case commands.
NON_ASCII_DIGIT_TOKENS = ("²", "①", "#²")

ROLE_ACTORS = sorted([*CAST, "stranger", "stranger_slack"])
CASE_FIELDS = ("open_free", "open_taken", "resolved", "escalated", "counted")
EXTRA_COMMANDS = ["frobnicate", "HELP", "Status", "x" * 32, "esc", "take", "res", "start"]
HINTS = [None, "en", "pt-BR", "pt_br", "de_DE", "es-419", "ru", "zz", "", "x" * 40]


@dataclass(frozen=True)
class CaseRef:
    """A case named symbolically; resolved to a number only once the world is seeded."""

    org: str
    field: str
    prefix: str = ""

    def render(self, world: World) -> str:
        return f"{self.prefix}{getattr(world.cases[self.org], self.field)}"


Token = str | CaseRef


def render_tokens(tokens: list[Token], world: World, sep: str = " ") -> str:
    return sep.join(t.render(world) if isinstance(t, CaseRef) else t for t in tokens)


no_space_text = st.text(
    alphabet=st.characters(exclude_categories=("Zs", "Zl", "Zp", "Cs", "Cc")),
    min_size=1, max_size=30,
)

unicode_text = st.one_of(
    st.text(max_size=200),
    st.lists(st.one_of(st.sampled_from(SPECIALS + PHRASES), st.text(max_size=12)),
             max_size=14).map("".join),
)

case_refs = st.builds(CaseRef, st.sampled_from(sorted(ORGS)), st.sampled_from(CASE_FIELDS),
                      st.sampled_from(["", "#"]))

arguments: st.SearchStrategy[Token] = st.one_of(
    case_refs,
    case_refs,
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from([*NON_ASCII_DIGIT_TOKENS, "0", "-1", "#", "##1", "#-1", "1e3", "0x10",
                     "１２", "٣", "१२",
                     "999999999999", "9999999999999", "2147483648", "9223372036854775808",
                     "00000000001", "+1", "1.0"]),
    st.sampled_from([*CODES, *(c.name for c in CATEGORIES), "confirm", "CONFIRM", "yes", "y",
                     "no"]),
    st.sampled_from(["2026-02", "2026-03", "2026-04", "2026-13", "0001-01", "9999-12",
                     "2025-1", "1970-01", "garbage"]),
    st.sampled_from(["en", "pt_BR", "pt-br", "DE", "es", "ru", "zz", "pt", "ru-RU"]),
    st.sampled_from([w for name, _, _ in ORGS.values() for w in name.split()]
                    + [name for name, _, _ in ORGS.values()]),
    no_space_text,
    st.integers(min_value=50, max_value=5000).map(lambda n: "9" * n),
    st.integers(min_value=50, max_value=5000).map(lambda n: "ж" * n),
)

command_names = st.one_of(st.sampled_from(sorted(COMMANDS)), st.sampled_from(EXTRA_COMMANDS))


@st.composite
def command_tokens(draw: st.DrawFn) -> list[Token]:
    """`/name[@bot] args...` as tokens; rendered with a space between them."""
    name = draw(command_names)
    suffix = draw(st.sampled_from(["", "", "", "@SupportDeskBot", "@other_bot"]))
    args = draw(st.lists(arguments, max_size=6))
    return [f"/{name}{suffix}", *args]


@st.composite
def valid_actions(draw: st.DrawFn) -> list[Token]:
    """Button data the desk itself could have sent ("take:42", "esc:42:bv:confirm")."""
    verb = draw(st.sampled_from(sorted(ACTIONS)))
    parts: list[Token] = [verb, draw(case_refs.map(lambda r: CaseRef(r.org, r.field)))]
    if verb == "esc":
        parts.append(draw(st.sampled_from(CODES)))
        if draw(st.booleans()):
            parts.append("confirm")
    return parts


@dataclass(frozen=True)
class Mutation:
    kind: str
    position: int
    value: str

    def apply(self, data: str) -> str:
        i = self.position % (len(data) + 1)
        if self.kind == "truncate":
            return data[:i]
        if self.kind == "insert":
            return data[:i] + self.value + data[i:]
        if self.kind == "delete":
            return data[:i] + data[i + 1:]
        if self.kind == "append":
            return f"{data}:{self.value}"
        if self.kind == "upper":
            return data.upper()
        return data.replace(":", self.value or "")  # "separator"


mutations = st.builds(
    Mutation, st.sampled_from(["truncate", "insert", "delete", "append", "upper", "separator"]),
    st.integers(min_value=0, max_value=80),
    st.one_of(st.sampled_from(SPECIALS), st.text(max_size=70)),
)


@dataclass(frozen=True)
class ActionInput:
    parts: list[Token]
    mutations: tuple[Mutation, ...] = ()
    raw: str | None = None

    def render(self, world: World) -> str:
        if self.raw is not None:
            return self.raw
        data = render_tokens(self.parts, world, sep=":")
        for m in self.mutations:
            data = m.apply(data)
        return data


action_inputs = st.one_of(
    st.builds(ActionInput, valid_actions()),
    st.builds(ActionInput, valid_actions(), st.lists(mutations, min_size=1, max_size=3)
              .map(tuple)),
    st.builds(ActionInput, st.just([]), st.just(()), st.one_of(st.text(max_size=100),
                                                               st.sampled_from(SPECIALS))),
)


@dataclass(frozen=True)
class Op:
    """One update from one actor: plain text, a command, a button press, or a redelivery."""

    actor: str
    kind: str  # text | command | action | oversized | empty | redeliver | month_end
    text: str = ""
    tokens: tuple[Token, ...] = ()
    action: ActionInput | None = None
    chat: str = "own"
    hint: str | None = None
    thread_id: str | None = None


actors = st.sampled_from(ROLE_ACTORS)
chats = st.sampled_from(["own", "own", "shared"])
hints = st.sampled_from(HINTS)
threads = st.sampled_from([None, None, None, "1700000000.000100"])

text_ops = st.builds(Op, actors, st.just("text"), unicode_text, chat=chats, hint=hints,
                     thread_id=threads)
command_ops = st.builds(Op, actors, st.just("command"), tokens=command_tokens().map(tuple),
                        chat=chats, hint=hints)
action_ops = st.builds(Op, actors, st.just("action"), st.one_of(st.just(""), unicode_text),
                       action=action_inputs, chat=chats, hint=hints)


@st.composite
def oversized_text(draw: st.DrawFn) -> str:
    unit = draw(st.sampled_from(["a", "é", "ж", "🔥", " a", "x\n", "日"]))
    size = draw(st.integers(min_value=4097, max_value=7000))
    body = (unit * size)[: max(size, 4097)]
    prefix = draw(st.sampled_from(["", "/new ", "/reply 1 ", "/escalate ", "/help "]))
    return prefix + body


empty_texts = st.one_of(
    st.just(""),
    st.lists(st.sampled_from([" ", "\n", "\t", "\r\n", "\x00", "\x01", "\x7f", "\u202e",
                              "\u2066", "\u0085", "\x1b"]), min_size=1, max_size=30)
    .map("".join),
)

oversized_ops = st.builds(Op, actors, st.just("oversized"), oversized_text(), chat=chats)
empty_ops = st.builds(Op, actors, st.just("empty"), empty_texts, chat=chats, hint=hints)
redeliver_ops = st.builds(Op, actors, st.just("redeliver"))
month_end_ops = st.builds(Op, st.just("agent"), st.just("month_end"))

any_op = st.one_of(text_ops, command_ops, command_ops, action_ops, oversized_ops, empty_ops,
                   redeliver_ops)


# -- well-formed requests by the people who would send them (so success paths run too) -----

any_ref = case_refs.map(lambda r: CaseRef(r.org, r.field))
say = st.sampled_from(["we are on it", "fixed now", "Nachricht", "готово 🔥", "x"])


@st.composite
def plausible_commands(draw: st.DrawFn) -> Op:
    """A staff or partner command with real case numbers (of any organization).

    /summary is left to the authorization test and the random commands: its chart costs more
    than everything else here together.
    """
    ref = draw(any_ref)
    partner = draw(st.sampled_from(["partner_a", "partner_a2", "partner_b", "partner_c"]))
    staff = draw(st.sampled_from(["agent", "agent2", "admin"]))
    tam = draw(st.sampled_from(["tam_a", "tam_b", "tam_pool"]))
    category = draw(st.sampled_from([*CODES, "", ""]))
    confirm = draw(st.sampled_from(["confirm", "", "confirm"]))
    org = ORGS[draw(st.sampled_from(sorted(ORGS)))][0]
    choices: list[tuple[str, tuple[Token, ...]]] = [
        (staff, ("/take", ref)),
        (staff, ("/reply", ref, draw(say))),
        (staff, ("/note", ref, draw(say))),
        (staff, ("/severity", ref, draw(st.sampled_from(["1", "2", "3"])))),
        (staff, ("/resolve", ref)),
        (staff, ("/resolve", ref, draw(say))),
        (staff, ("/reopen", ref)),
        (staff, ("/queue",)),
        (staff, ("/escalate", ref, category, confirm)),
        (partner, ("/escalate", ref, category, confirm)),
        (partner, ("/escalate", ref, category, confirm)),
        (partner, ("/status", ref)),
        (partner, ("/cases",)),
        (partner, ("/escalations",)),
        (partner, ("/new", draw(st.sampled_from(PHRASES)))),
        (tam, ("/escalate", ref, category, confirm)),
        (tam, ("/escalations", org)),
        ("manager", ("/escalations", org)),
    ]
    actor, tokens = draw(st.sampled_from(choices))
    return Op(actor, "command", tokens=tuple(t for t in tokens if t != ""),
              chat=draw(chats))


@st.composite
def plausible_presses(draw: st.DrawFn) -> Op:
    """A button the desk sends, pressed by someone who might have it (or a forwarded copy)."""
    actor = draw(st.sampled_from(["agent", "agent2", "admin", "partner_a", "partner_b",
                                  "partner_c", "tam_a", "tam_pool", "manager"]))
    return Op(actor, "action", action=ActionInput(draw(valid_actions())), chat=draw(chats))


plausible_ops = st.one_of(plausible_commands(), plausible_presses(), text_ops)
