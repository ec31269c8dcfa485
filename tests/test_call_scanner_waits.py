"""An agent line that only waits keeps the question before it in force.

"What's the expiry on the card?" -- "hang on, let me grab it" -- "Sure, take
your time." -- "okay, oh four twenty nine": the answer answers the question,
not the agent's last words. A line that says anything else ends it, as any
agent line that asks for nothing does.
"""

from __future__ import annotations

import pytest

from guardrail.detect import CallScanner


def _last(turns: list[tuple[str, str]]) -> list[tuple[str, str]]:
    cs = CallScanner()
    result = None
    for role, text in turns:
        result = cs.agent(text) if role == "a" else cs.caller(text)
    return [(f.category, turns[-1][1][f.start : f.end]) for f in result.findings]


@pytest.mark.parametrize(
    ("ask", "waits", "answer", "expected"),
    [
        ("What's the expiry date on the card?", ["Sure, take your time."],
         "okay oh four twenty nine", [("card_expiry", "oh four twenty nine")]),
        ("Can I get your PIN?", ["no problem, I'll wait"], "uh 4 8 2 1", [("pin", "4 8 2 1")]),
        ("Can I get your PIN?", ["no problem, I'll wait", "take your time"], "4821",
         [("pin", "4821")]),
        ("and the three digits on the back?", ["mhm", "whenever you're ready"],
         "it's seven three seven", [("card_security_code", "seven three seven")]),
        ("what's your date of birth", ["okay no rush"], "march third eighty one",
         [("date_of_birth", "march third eighty one")]),
        ("What's the expiry on the card?", ["Sure."], "it's oh four twenty nine",
         [("card_expiry", "oh four twenty nine")]),
        ("and the security code?", ["Okay, I'm still here."], "three four one",
         [("card_security_code", "three four one")]),
        ("What's the routing number?", ["no problem", "mhm, go ahead"], "0 2 1 0 0 0 0 2 1",
         [("routing_number", "0 2 1 0 0 0 0 2 1")]),
    ],
)  # fmt: skip
def test_an_answer_after_the_agent_waited_answers_the_question(ask, waits, answer, expected):
    turns = [("a", ask), ("c", "hang on let me find it")]
    for w in waits:
        turns += [("a", w), ("c", "um")]
    assert _last([*turns[:-1], ("c", answer)]) == expected


@pytest.mark.parametrize(
    "between",
    [
        "Is there anything else I can help with today?",
        "Thanks, and which plan are you on?",
        "Great, I've updated your address.",
    ],
)
def test_an_agent_line_that_says_something_else_ends_the_question(between):
    turns = [("a", "Can I get your PIN?"), ("c", "one sec"), ("a", between), ("c", "4821")]
    assert _last(turns) == []


def test_waiting_keeps_the_question_only_so_long():
    turns = [("a", "Can I get your PIN?")]
    for _ in range(CallScanner.REASK_REACH + 1):
        turns += [("c", "hang on"), ("a", "no problem")]
    assert _last([*turns, ("c", "4821")]) == []
