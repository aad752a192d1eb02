"""The English catalog reads as one voice: American spelling, one word per idea, no text that
says more than the desk knows."""

from __future__ import annotations

import re

import pytest

from locales import render
from locales.catalog import CATALOG_ROOT, Catalogs


def english_texts() -> dict[str, str]:
    texts = Catalogs(CATALOG_ROOT).language("en").texts()
    return {key: "\n".join(forms) for key, forms in texts.items()}


@pytest.mark.parametrize(("wrong", "why"), [
    (r"\b\w+is(e|ed|ing)\b", "British -ise spelling (summarize, not summarise)"),
    (r"\b\w+isation\b", "British -isation spelling"),
    (r"keep it under", "'under {limit}' refuses the limit itself: say 'at most'"),
    (r"taken by open requests", "the desk's word is 'pending'"),
    (r"I can't find", "one form: 'I couldn't find case #N'"),
    (r"Your user\b", "one form: 'Your account'"),
    (r"\(final\)", "/severity only stops automatic re-classification"),
    (r"because of \{reasons\}", "the reasons explain the severity, not the opening"),
    (r"The agent will", "a new message may reach a case nobody has taken"),
    (r'"', "curly quotes in running text"),
])
def test_english_wording(wrong: str, why: str) -> None:
    pattern = re.compile(wrong)
    allowed = {"otherwise", "raise", "raised", "rise", "precise", "enterprise", "advise",
               "promise", "exercise", "likewise"}
    found = {key: text for key, text in english_texts().items()
             if any(m.group(0).lower() not in allowed for m in pattern.finditer(text))}
    assert not found, f"{why}: {found}"


def test_the_status_of_an_open_case_says_open_once() -> None:
    for key in ("case.status_open", "case.status_assigned"):
        text = render(key, {"number": 7, "severity": 2, "opened": "Mar 10, 2026, 9:05 AM UTC",
                            "agent": "Alex", "subject": "API down"}, "en")
        assert len(re.findall(r"\bopen(ed)?\b", text)) == 1, text


def test_english_sentences_that_were_reworded() -> None:
    assert "write at most 4096 characters" in render("error.too_long", {"limit": 4096}, "en")
    assert "at most 1 character or" in render("error.too_long", {"limit": 1}, "en")
    assert render("case.added", {"number": 3}, "en") == (
        "Added to case #3. Our support team will see it.")
    assert render("error.case_not_found", {"number": 3}, "en").startswith(
        "I couldn't find case #3.")
    assert render("escalation.not_found", {"number": 3}, "en").startswith(
        "I couldn't find case #3.")
    opened = render("case.opened", {"number": 3, "severity": 1, "reasons": "“down”",
                                    "target": "30 min"}, "en")
    assert opened.startswith("Thanks! I opened case #3. Its severity is 1 because your message "
                             "mentions “down”.")
    assert "summarize" in render("escalation.summary.future", {"month": "May 2026"}, "en")
    confirm = render("escalation.confirm", {
        "allowance": 2, "counted": 1, "pending": 1, "month": "March 2026", "outlook": "(O)",
        "number": 9, "category": "Platform issue", "price": "€25.00",
        "command": "/escalate 9 plat confirm"}, "en")
    assert "2 escalations in March 2026, and all of them are counted or pending (counted: 1; " \
        "pending: 1). (O) If case #9" in confirm
