"""Small parts of the conversation: text hygiene, command parsing, button codec, rate limit."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from desk.clock import FixedClock
from desk.ratelimit import RateLimiter, Verdict
from handlers.text import (
    ParsedCommand,
    clean,
    excerpt,
    mention_command,
    parse_command,
    tail,
)
from messages import actions


def test_clean_keeps_newlines_and_tabs_and_normalises() -> None:
    assert clean("  a\x00b\x7fc\u0085d \r\n e\tf  ") == "abcd \n e\tf"
    assert clean("e\u0301") == "é"
    assert clean("\u202eevil\u2066") == "evil"
    assert clean("👩\u200d💻") == "👩\u200d💻"
    assert clean(None) == ""


def test_parse_command() -> None:
    assert parse_command("/reply 42 hello\nworld").args == ["42", "hello", "world"]
    assert parse_command("/Status@DeskBot 7").name == "status"
    assert parse_command("/help").args == []
    assert parse_command("hello /help") is None
    assert parse_command("/ 42") is None
    assert parse_command("/path/to/file broken") is None


def test_tail_keeps_the_rest_verbatim() -> None:
    assert tail("/reply 42 line one\n  line two", 2) == "line one\n  line two"
    assert tail("/resolve 42", 2) == ""
    assert excerpt("a  b\n c") == "a b c"
    assert len(excerpt("x" * 1000, 50)) == 50


def test_action_codec_round_trip_and_validation() -> None:
    assert actions.encode("take", 42) == "take:42"
    decoded = actions.decode("res:42")
    assert decoded is not None and decoded.command == "resolve" and decoded.params == ("42",)
    for bad in (None, "", "nope:1", "take:4 2", "take:" + "9" * 80, "TAKE:1", "take:é"):
        assert actions.decode(bad) is None, bad
    with pytest.raises(ValueError):
        actions.encode("take", "x" * 70)
    with pytest.raises(ValueError):
        actions.encode("unknown", 1)


def test_owned_buttons_name_the_one_person_who_may_press_them() -> None:
    data = actions.owned("esc:42:bv:confirm", "8013")
    assert data == "esc:42:bv:confirm~8013"
    decoded = actions.decode(data)
    assert decoded is not None and decoded.owner == "8013"
    assert decoded.command == "escalate" and decoded.params == ("42", "bv", "confirm")
    assert actions.decode("res:42").owner is None  # type: ignore[union-attr]
    assert actions.owned(data, "9") == data  # owned once
    assert actions.owned("res:42", "bad id") == "res:42"  # an owner it cannot carry
    long = "take:" + "9" * 55
    assert actions.owned(long, "123456789") == long  # would pass Telegram's 64 bytes
    for bad in ("res:42~", "res:42~a b", "res:42~1~2"):
        assert actions.decode(bad) is None, bad


def test_action_registration() -> None:
    actions.register("tst", "help")
    try:
        assert actions.decode("tst:1:bv").command == "help"  # type: ignore[union-attr]
        assert actions.encode("tst", 1, "bv") == "tst:1:bv"
        with pytest.raises(ValueError):
            actions.register("tst", "queue")
    finally:
        del actions.ACTIONS["tst"]


def test_rate_limiter_sliding_window() -> None:
    clock = FixedClock(datetime(2026, 3, 10, 9, 0, tzinfo=UTC))
    limiter = RateLimiter(2, clock)
    assert limiter.check("telegram", "1") is Verdict.ALLOW
    clock.advance(seconds=30)
    assert limiter.check("telegram", "1") is Verdict.ALLOW
    assert limiter.check("telegram", "1") is Verdict.WARN
    assert limiter.check("telegram", "1") is Verdict.DROP
    assert limiter.check("slack", "1") is Verdict.ALLOW  # other key
    clock.advance(seconds=30)  # the first message left the window
    assert limiter.check("telegram", "1") is Verdict.ALLOW
    assert limiter.check("telegram", "1") is Verdict.WARN


def test_severity_button_stands_for_the_severity_command() -> None:
    decoded = actions.decode("sev:42:1")
    assert decoded is not None and decoded.command == "severity"
    assert decoded.params == ("42", "1")


def test_a_command_built_by_the_desk_is_not_parsed_again() -> None:
    """A relayed agent reply becomes /reply N with its text as typed, line breaks kept."""
    relayed = ParsedCommand.of("reply", "42", text="first line\n  /resolve 42 is not a command")
    assert relayed.name == "reply" and relayed.args[:2] == ["42", "first"]
    assert relayed.text_after(1) == "first line\n  /resolve 42 is not a command"
    pressed = ParsedCommand.of("severity", "42", "1")
    assert (pressed.args, pressed.text_after(2)) == (["42", "1"], "")
    typed = parse_command("/note 7 line one\nline two")
    assert typed is not None and typed.text_after(1) == "line one\nline two"
    assert typed.text_after(0) == "7 line one\nline two"


def test_a_mention_reads_as_a_command_only_when_it_looks_like_one() -> None:
    names = {"escalate", "status", "cases", "help", "language", "rate"}
    assert mention_command("escalate 42", names) == "/escalate 42"
    assert mention_command("Escalate #42 bv confirm", names) == "/Escalate #42 bv confirm"
    assert mention_command("rate 42 5 quick and kind", names) == "/rate 42 5 quick and kind"
    assert mention_command("cases", names) == "/cases"
    assert mention_command("language de", names) == "/language de"
    assert mention_command("/status 7", names) == "/status 7"  # typed with its slash
    for text in ("help, our API is down", "Help our API is down", "status of our number?",
                 "language settings are wrong in the dashboard", "ping 42", "", "   "):
        assert mention_command(text, names) == text, text
