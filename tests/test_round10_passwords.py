"""Round 10 of password tuning: lines scored alone, the value told by a cue or its shape.

A case is (what the agent said before or None, the caller's text, the password
values): the password findings must be exactly those substrings, in order.
Each kind comes with negatives a looser rule would flag. All values are made up.
"""

from __future__ import annotations

import pytest
from test_round9_passwords import PWD, _passwords

from guardrail.detect import scan

CASES = [
    # an aside between the cue and its linking word; "the one" in it is no number
    (None, "My bank password, the one I use online, is Falcon!88.", ["Falcon!88"]),
    (None, "the locker password, the new one, is tortoise", ["tortoise"]),
    (None, "The app password thing, is marzipan.", ["marzipan"]),
    # a longer phrase between cue and link, a possessive's apostrophe in it
    (None, "The password for my parents' shared laptop is Quokka Hill 3.", ["Quokka Hill 3"]),
    # a spelling announced between the cue and the value
    (None, "My password, I'll spell it out, r o b i n 7 7.", ["r o b i n 7 7"]),
    (None, "The password, let me spell that for you, T u l i p 9.", ["T u l i p 9"]),
    # no linking word, a pause, then words told by their form
    (None, "password um blue whale with a space", ["blue whale"]),
    (None, "pw, lemon drop no spaces", ["lemon drop"]),
    # whole words told in their case, joined by "then"
    (
        None,
        "The password's uppercase OCEAN, then lowercase drive, then 19.",
        ["uppercase OCEAN, then lowercase drive, then 19"],
    ),
    (
        None,
        "password all caps BLUE then lowercase moon 42",
        ["all caps BLUE then lowercase moon 42"],
    ),
    # another of the speaker's passwords after the value: "the old one was ..."
    (
        None,
        "My current password is Maple-Leaf-12, the previous one was Maple-Leaf-11.",
        ["Maple-Leaf-12", "Maple-Leaf-11"],
    ),
    (None, "my password is Otter55, the old one was simpler", ["Otter55"]),  # mixed only
    # "I changed it from X to Y": the old value too
    (None, "I switched it from bluebird7 to Bluebird#8.", ["bluebird7", "Bluebird#8"]),
    # a mixed piece named after the comma: ", the password I mean"
    (None, "The wifi at the cabin is OrangeTree12, the password I mean.", ["OrangeTree12"]),
    # a word with a spoken symbol and digits after it, after a cue or a frame
    (
        None,
        "the wifi password is garden hashtag four four one",
        ["garden hashtag four four one"],
    ),
    (None, "it's falcon underscore 2 2", ["falcon underscore 2 2"]),
    (None, "its walrus dollar sign nine nine to", ["walrus dollar sign nine nine to"]),
    # "pound" before a digit, "to"/"for" between digits or ending them
    (None, "my router password is tundra pound one one", ["tundra pound one one"]),
    (
        None,
        "password is capital m a n g o one to three",
        ["capital m a n g o one to three"],
    ),
    (None, "password is b e r r y 7 7 for to", ["b e r r y 7 7 for to"]),
    (None, "the gym password is r o b i n 7 7 for the front desk", ["r o b i n 7 7"]),
    # a spelled word and its number after a frame, with no cue
    (None, "it's z x c v b 4 5 6 like the bottom row", ["z x c v b 4 5 6"]),
    (None, "It's A, S, D, F, G, 7, 8.", ["A, S, D, F, G, 7, 8"]),
]

NEGATIVES = [
    # asides and pauses that hold no value
    (None, "my password, the one I forgot, is that the problem?"),
    (None, "The password, the old one, is not working."),
    (None, "my password, let me spell it, is it necessary"),
    (None, "the password field with no spaces"),
    (None, "the password box says no spaces allowed"),
    (None, "password, uh, is it with no spaces"),
    # case words that describe the rules, not a value
    (None, "my password needs all caps then lowercase then a number"),
    (None, "the password must have a capital letter, lowercase letters and 8 characters"),
    # changes that are no password
    (None, "I changed it from Monday to Tuesday"),
    (None, "we changed it from 2019 to 2020"),
    # named after, but not a mixed piece
    (None, "I reset it yesterday, the password."),
    # spellings with too few letters, or of another value
    (None, "it's k l m 4 4 7"),
    (None, "my confirmation code, it's K T X Q B 7 7"),
    (None, "my username, it's j s m i t h 4 4"),
]


@pytest.mark.parametrize(("prev", "text", "values"), CASES)
def test_round10_password_kinds(prev: str | None, text: str, values: list[str]) -> None:
    assert _passwords(prev, text) == values


@pytest.mark.parametrize(("prev", "text"), NEGATIVES)
def test_round10_password_negatives(prev: str | None, text: str) -> None:
    assert _passwords(prev, text) == []


def test_the_one_in_an_aside_is_no_number() -> None:
    """ "the one on the router" between a cue and its value: "one" is no password."""
    found = scan("Our office password, the one on the printer, is 8kH3mQ7pL2.").findings
    assert [(f.category, f.start) for f in found] == [(PWD, 48)]
