"""Round 9 of password tuning: kinds of phrasing, each with the negatives a looser rule flags.

A case is (what the agent said before or None, the caller's text, the password
values): the password findings must be exactly those substrings, in order.
All values are made up.
"""

from __future__ import annotations

import pytest

from guardrail.detect import CallScanner, scan

PWD = "password"


def _passwords(prev: str | None, text: str, role: str = "caller") -> list[str]:
    if role == "agent":
        found = scan(text, "agent").findings
    else:
        cs = CallScanner()
        if prev:
            cs.agent(prev)
        found = cs.caller(text).findings
    return [text[f.start : f.end] for f in found if f.category == PWD]


CASES = [
    # a cue word and "word"/"phrase" after it name one cue: "passcode word is ..."
    (None, "the passcode word is lantern, all lowercase", ["lantern"]),
    (None, "our password phrase is the quiet harbor", ["the quiet harbor"]),
    # "if", "unless", "because" end a one-word value's clause
    (None, "my password is pelican if that helps", ["pelican"]),
    # the whole answer to a password ask, the number in it too, minus its tail
    ("what's your password?", "harbor light 19", ["harbor light 19"]),
    ("and the password please", "copper kettle eighty eight", ["copper kettle eighty eight"]),
    ("what's the password on file?", "um willow creek 12 i think", ["willow creek 12"]),
    ("what's the password?", "Heron-2031, thanks", ["Heron-2031"]),
    ("what's the password?", "Osprey-2040, P capital", ["Osprey-2040"]),
    (
        "what would you like the new password to be?",
        "let's make it river stone 31",
        ["river stone 31"],
    ),
    # a second try joined by "and then", "then", "and also"
    (None, "I entered Otter4455 and then otter4455, no luck", ["Otter4455", "otter4455"]),
    (None, "I typed Harbor12 then harbor12 and it failed", ["Harbor12", "harbor12"]),
    (None, "I tried Quill55 and also quill55 today", ["Quill55", "quill55"]),
    # "I" in a spelling followed by a verb is the speaker, not the letter
    ("what's the password?", "b e e 4 i guess", ["b e e 4"]),
    (None, "my password is k l m 9 i believe", ["k l m 9"]),
    # "ate", "won", "too" inside a spelling are digits; "you know" is a filler there
    ("can you spell the password?", "it's capital d o v e won won", ["capital d o v e won won"]),
    (
        None,
        "my password is capital p, a, you know, the number four, then r",
        ["capital p, a, you know, the number four, then r"],
    ),
    # a spelling with a case word and a spoken symbol, at the start of the text
    (None, "star, capital T, o, p, star, that's the one", ["star, capital T, o, p, star"]),
    # a word and digits said as words after it are one value
    (None, "my password is falcon one two three", ["falcon one two three"]),
    (None, "password's cobalt one one, thanks", ["cobalt one one"]),
    # "the new one is ...": the value after the old one
    (
        None,
        "the old password was falcon one two the new one is eagle three four",
        ["falcon one two", "eagle three four"],
    ),
    (None, "old password was maple, new one's birch", ["maple", "birch"]),
    # a phrase before a phrase cue, small words and all
    (None, "over the hill and far away, that's our passphrase", ["over the hill and far away"]),
    (None, "a penny for your thoughts is my passphrase", ["a penny for your thoughts"]),
]

NEGATIVES = [
    # when a password was changed is no value
    (None, "The passphrase on the account was last changed in March.", "agent"),
    (None, "your security phrase was updated on the portal yesterday", "agent"),
    (None, "the passphrase was reset by the branch last week", "caller"),
    # a new one that is no value
    (None, "the new one is fine, thanks", "caller"),
]


@pytest.mark.parametrize(("prev", "text", "values"), CASES)
def test_password_kinds(prev: str | None, text: str, values: list[str]) -> None:
    assert _passwords(prev, text) == values


@pytest.mark.parametrize(("prev", "text", "role"), NEGATIVES)
def test_no_password(prev: str | None, text: str, role: str) -> None:
    assert _passwords(prev, text, role) == []


@pytest.mark.parametrize(
    ("text", "pin"),
    [("um seven two seven one i think", "seven two seven one"), ("5830 i guess", "5830")],
)
def test_digits_and_a_pronoun_after_a_passcode_ask_are_a_pin(text: str, pin: str) -> None:
    """After "what's the passcode?" digits with "I think" after them are a PIN, no password."""
    cs = CallScanner()
    cs.agent("what's your passcode?")
    found = [(f.category, text[f.start : f.end]) for f in cs.caller(text).findings]
    assert found == [("pin", pin)]
