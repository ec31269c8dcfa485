# ruff: noqa: E501
"""Password kinds as callers phrase them, each with the negatives a looser rule would flag.

Two levels:

- through :class:`~guardrail.detect.CallScanner` (what the agent asked before,
  the caller's text): kinds that a password cue or the request brings to the
  password reader;
- through :func:`~guardrail.detect.passwords.find_passwords` itself: values
  with no cue right before them ("it's qwerty123, i know"), which the reader
  finds wherever :func:`~guardrail.detect.passwords.may_hold_loose_value`
  lets it look.

A case is (what the agent said before or None, the text, [substrings]): each
substring must be covered by a password span, and no span may fall outside
them. All values are made up.
"""

from __future__ import annotations

import time

import pytest

from guardrail.detect import CallScanner
from guardrail.detect.disclose import find_disclosures
from guardrail.detect.numbers import tokenize
from guardrail.detect.passwords import find_passwords, may_hold_loose_value
from guardrail.detect.scan import _worth_scanning

PWD = "password"


def _scanned(prev: str | None, text: str) -> list[tuple[int, int]]:
    cs = CallScanner()
    if prev:
        cs.agent(prev)
    return [(f.start, f.end) for f in cs.caller(text).findings if f.category == PWD]


def _read(prev: str | None, text: str) -> list[tuple[int, int]]:
    expected = (PWD,) if prev else ()
    return find_passwords(text, tokenize(text), expected)


def _check(got: list[tuple[int, int]], text: str, subs: list[str]) -> None:
    spans = []
    for sub in subs:
        s = text.index(sub)
        e = s + len(sub)
        spans.append((s, e))
        assert any(fs <= s and e <= fe for fs, fe in got), f"{sub!r} not found in {text!r}: {got}"
    for fs, fe in got:
        assert any(fs < e and s < fe for s, e in spans), f"unexpected {text[fs:fe]!r} in {text!r}"


# --- with a cue or a request -------------------------------------------------

PHRASES = [
    (None, "the passphrase is my cat eats tuna on fridays", ["my cat eats tuna on fridays"]),
    (None, "the security phrase is the rain in spain", ["the rain in spain"]),
    (None, "the passphrase they had me make is blue skies over denver", ["blue skies over denver"]),
    (
        None,
        "my secret phrase is purple rain in the morning, i think",
        ["purple rain in the morning"],
    ),
]
PHRASES_NEGATIVE = [
    (None, "the passphrase is not working"),
    (None, "my passphrase is the same as before"),
    (None, "the passphrase is a long one"),
]

BETWEEN_CUE_AND_VALUE = [
    (None, "my password i think is orange crush 4 or maybe without the space", ["orange crush 4"]),
    (None, "my password i guess is Bluebird!7", ["Bluebird!7"]),
    (None, "password um let me check my notes yeah mango tree three", ["mango tree three"]),
    (None, "my password, hold on, let me look, ok it's Lantern#42", ["Lantern#42"]),
    (None, "i have the password as peppermint is that right", ["peppermint"]),
    (None, "ravioli is the password", ["ravioli"]),
]
BETWEEN_NEGATIVE = [
    (None, "my password, hold on, let me see, yeah it's not working"),
    (None, "password hang on yeah i need to reset it"),
    (None, "i forgot my password as well"),
    (None, "it says my password is wrong but i know it's right"),
    (None, "i need to reset my password"),
    (None, "my password stopped working"),
]

BEFORE_THE_CUE = [
    (None, "purple elephant is the password", ["purple elephant"]),
    (None, "ok so blue moon, that's my password", ["blue moon"]),
]
SAID_TWICE = [
    "tangerine the security word is tangerine",
    "bluebird, my password is bluebird",
    "so marigold um the password is marigold",
]
BEFORE_NEGATIVE = [
    (None, "password is password is password"),
    (None, "my password is fine, password is fine"),
    (None, "it stopped working the password is wrong"),
]

DESCRIBED = [
    (None, "my verbal password is my mother's maiden name, which is Kowalski", ["Kowalski"]),
    (None, "my password is my street name, elmhurst", ["elmhurst"]),
    (None, "my pass code is tiger lily", ["tiger lily"]),
]
DESCRIBED_NEGATIVE = [
    (None, "my password is my dog's name"),
    (None, "the security word is my mothers maiden name"),
]

LATER_IN_THE_TEXT = [
    (
        None,
        "i forgot the portal password, i think it's Doctor!123 but that's not working",
        ["Doctor!123"],
    ),
    (None, "the password is my dog's name and the year, biscuit2016", ["biscuit2016"]),
    (
        None,
        "my grandson set up the password for me, he wrote it on a sticky note, it says Grandpa#2021",
        ["Grandpa#2021"],
    ),
    (None, "the old password was maple77 and the new one is Maple78!", ["maple77", "Maple78!"]),
    (None, "password was changed to Sunset44 yesterday", ["Sunset44"]),
    (None, "the pass is rocketman3", ["rocketman3"]),
]
LATER_NEGATIVE = [
    (None, "i forgot my password for the iphone15"),
    (None, "my password stopped working after the windows11 update"),
    (None, "the password reset email went to jsmith42@gmail.com"),
    (None, "password reset for user jsmith42"),
    (None, "i reset my password, the case number is cs12345"),
    (None, "my password and my username jsmith42"),
    (None, "my password has a capital letter and a number in it"),
]

ANSWERS = [
    ("What's the password?", "it should be buttercup unless my daughter changed it", ["buttercup"]),
    ("And the security word?", "i'd have to check but it might be marigold", ["marigold"]),
    ("What's the password?", "i think it's Maple77 but i can't remember exactly", ["Maple77"]),
    ("What's the password?", "hold on, i don't remember, maybe Maple77", ["Maple77"]),
]
ANSWERS_NEGATIVE = [
    ("What's the password or the PIN you set up?", "It's a number, 5 5 0 1."),
    ("What's the password?", "i don't know, it's complicated"),
    ("And the security word?", "it's written down somewhere at home i'm not sure"),
    ("What's the password?", "hold on i don't remember it"),
    ("What's the password?", "hold on... it's alright, i found it"),
    ("What's the password?", "it's alright, i'll do it online"),
    ("What's the password?", "oh it's been a while since i used it"),
]


@pytest.mark.parametrize(
    ("prev", "text", "subs"),
    [*PHRASES, *BETWEEN_CUE_AND_VALUE, *BEFORE_THE_CUE, *DESCRIBED, *LATER_IN_THE_TEXT, *ANSWERS],
)
def test_values_after_a_cue_or_a_request(prev, text, subs):
    _check(_scanned(prev, text), text, subs)


@pytest.mark.parametrize("text", SAID_TWICE)
def test_a_value_said_just_before_its_cue_is_found_too(text):
    word = text.split()[-1]
    got = _scanned(None, text)
    assert [text[s:e] for s, e in got] == [word, word]


def test_a_form_before_the_value_is_skipped():
    # the reader's part; "two" itself is the number reader's to judge
    text = "the password is two words, purple elephant"
    _check(_read(None, text), text, ["purple elephant"])
    text = "the password is all lowercase, riverbend"
    _check(_read(None, text), text, ["riverbend"])


@pytest.mark.parametrize(
    ("prev", "text"),
    [
        *PHRASES_NEGATIVE,
        *BETWEEN_NEGATIVE,
        *BEFORE_NEGATIVE,
        *DESCRIBED_NEGATIVE,
        *LATER_NEGATIVE,
        *ANSWERS_NEGATIVE,
    ],
)
def test_no_value_after_a_cue_or_a_request(prev, text):
    _check(_scanned(prev, text), text, [])


# --- with no cue right before the value ---------------------------------------

FRAMED = [
    "it's {qwerty123}, i know, i know",
    "it's the one i always use, {Rover1999}, capital r",
    "oh maybe it's {Sunflower22} with a capital s",
    "it says {Grandpa#2021} on the note",
    "the one i tried was {Applesauce9} with a capital",
    "the old one was {winterfell8} the new one i made today is {kingslanding9}",
    "i reset it yesterday to {harborlights7}",
    "it might be {chiefs2020}",
    "{abc123xyz} that's it",
    "um {Lighthouse12} i think",
]
SETTING = [
    "i set it to {ILoveMyDog} with capitals on the I L M and D",
    "i think i made it {Greenwood!} with an exclamation point at the end",
    "i changed it to {Sunset#44}",
    "it's not case sensitive right it's {MoonRiver}",
]
SPELLED = [
    "its capital {R o c k e t 8 8}",
    "it's capital {k lowercase q the number five then a dollar sign}",
    "i'll spell it {g as in golf r a n i t e six}",
]
NAMED_AFTER = [
    "{nine lives cat} is the phrase",
    "um {red kite} is the phrase i think",
]
NAMED_AFTER_NEGATIVE = [
    "what is the phrase",
    "can you repeat the phrase",
    "that is the phrase",
    "it is the phrase i use",
    "the phrase is wrong",
]

FORMS = [
    "its {the cat sat on the mat} the whole sentence",
    "it is {moonlight sonata} two words no capitals",
    "it's {riverbend} all lower case",
    "it's {blue heron}, two words",
    "{paper moon} two words all lowercase",
    "um {tiger lily 9} with spaces i think",
    "{kilo lima four four} that's the whole thing",
    "its {r o b i n 5} thats the whole thing",
]
ALTERNATIVES = [
    "i've tried {Lighthouse12} and {lighthouse#12} and neither works",
    "it might be {Kansas City Chiefs} or {chiefs2020} i can't remember which",
]
TAKEN_BACK = [
    "it's {sparrow12} no wait {sparrow21} i always mix those up",
    "it's {hunter2}... no, that was the old one, it's {Hunter2024!}",
    "it's {elephant} no wait that's the old one it's {elephant2}",
    "it used to be {hazelnut} but i changed it to {hazelnut2}",
    "oh it's {starfish} no sorry that's my email one the bank one is {seahorse12}",
]
UNCUED_NEGATIVE = [
    "it's flight ua1482 on the 18th",
    "it's gate b12",
    "i think it's covid19",
    "it says error404 when i log in",
    "my username, it's jsmith42",
    "the username i tried was jsmith42",
    "it's jsmith42 at gmail dot com",
    "my email is jsmith42@gmail.com",
    "my member id, it's mbr511961",
    "can we use my member id instead it's MBR595710",
    "the reference they gave me, it's ref2231a",
    "it's qx7l2m the confirmation",
    "my license plate is abc1234",
    "it's a MasterCard",
    "i use PayPal for everything",
    "it's the iPhone15",
    "it's unit12",
    "i set it to 7am",
    "i set it to autopay",
    "i changed it to paperless billing",
    "i made it through the menu",
    "Thanks! it's fine",
    "it's fine no wait it's broken",
    "it used to be free but now it costs money",
    "it might be tuesday or wednesday",
    "i'll spell my name it's s m i t h",
    "i'll spell it j o h n s o n",
    "it's capital s m i t h",
    "it's b a two eight seven",
    "its the whole thing that's broken",
    "it's all one word",
    "it's my first name all lowercase",
    "ua1482 is my flight",
    "abc1234 is the plate number",
    "it's abc1234, my license plate",
    "it's a MasterCard, is it case sensitive",
    "my last name is McDonald, capital d",
    "it's Winter$Snow",
    "i changed it to Greenwood!",
    "cancel the whole thing",
    "please cancel the whole thing",
    "is it with spaces or without",
    "hello, two words for you",
    "so that's the whole thing",
    "the whole thing is broken, two words",
    "um yes that's the whole thing",
]


def _marked(marked: str) -> tuple[str, list[str]]:
    subs = []
    text = ""
    rest = marked
    while "{" in rest:
        a = rest.index("{")
        b = rest.index("}")
        text += rest[:a]
        subs.append(rest[a + 1 : b])
        text += rest[a + 1 : b]
        rest = rest[b + 1 :]
    return text + rest, subs


@pytest.mark.parametrize(
    "marked", [*FRAMED, *SETTING, *SPELLED, *NAMED_AFTER, *FORMS, *ALTERNATIVES, *TAKEN_BACK]
)
def test_values_with_no_cue_before_them(marked):
    text, subs = _marked(marked)
    assert may_hold_loose_value(tokenize(text))
    _check(_read(None, text), text, subs)


@pytest.mark.parametrize("text", [*UNCUED_NEGATIVE, *NAMED_AFTER_NEGATIVE])
def test_no_value_with_no_cue(text):
    _check(_read(None, text), text, [])


SYMBOL_WITH_A_WORD_SCAN_SEES = [
    "it's {Winter$Snow} with a capital w",
    "the password is {Winter$Snow}",
    "i changed it to {Greenwood!} with an exclamation point",
]


@pytest.mark.parametrize("marked", SYMBOL_WITH_A_WORD_SCAN_SEES)
def test_a_value_with_a_symbol_and_no_digit_needs_a_word_scan_sees(marked):
    text, subs = _marked(marked)
    _check(_read(None, text), text, subs)


@pytest.mark.parametrize(
    "marked",
    [*FRAMED, *SETTING, *SPELLED, *NAMED_AFTER, *FORMS, *ALTERNATIVES, *TAKEN_BACK,
     *UNCUED_NEGATIVE, *NAMED_AFTER_NEGATIVE, *SYMBOL_WITH_A_WORD_SCAN_SEES],
)  # fmt: skip
def test_the_cheap_scan_test_never_rules_out_a_value(marked):
    # the streaming redactor relies on it: where it says no, nothing may be found
    text, _ = _marked(marked)
    if find_disclosures(text):
        assert _worth_scanning(text, ())


def test_no_value_with_no_cue_after_a_request_for_something_else():
    # after a request the answer is what was asked for: only a cue makes a password
    text = "it's mbr511961"
    assert find_passwords(text, tokenize(text), ("bank_account",)) == []


def test_the_loose_reading_is_linear():
    unit = "it's qwerty123 no wait Lighthouse12 or lighthouse#12 and capital r o c k e t 8 8 "
    times = []
    for reps in (200, 800):
        text = unit * reps
        toks = tokenize(text)
        t0 = time.perf_counter()
        find_passwords(text, toks, ())
        times.append(time.perf_counter() - t0)
    assert times[1] < times[0] * 8
