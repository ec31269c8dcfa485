"""Agent requests: the fast ``find_requests`` answers as a plain version does.

``guardrail.detect.requests`` skips patterns that cannot match, shapes them so
that re finds matches sooner, and does not ignore case where that changes
nothing (see its module docstring). Each of those is only a speed-up; this
holds the function to ``_plain``, written the straightforward way from the
same phrase tables: every pattern tried on every sentence, ignoring case.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guardrail.detect import categories as c
from guardrail.detect import requests as rq

_TERMS = [
    (
        term.label,
        tuple(term.stems.split("|")),
        re.compile(rf"(?<![^\W_])(?:{'|'.join(term.branches)})(?![^\W_])", re.IGNORECASE),
    )
    for term in rq._TERMS
]
_RULES = [
    (rule.hints, re.compile(rf"\b(?:{'|'.join(rule.branches)})", re.IGNORECASE))
    for rule in rq._EXCLUSIONS
]
_ASK = re.compile(rf"\b(?:{'|'.join(rq._ASK)})\b", re.IGNORECASE)
_CARD_NOT_NUMBER = re.compile(rq._CARD_NOT_NUMBER, re.IGNORECASE)
_STRONG_CARD = re.compile(rq._STRONG_CARD, re.IGNORECASE)


def _has(text: str, subs: tuple[str, ...]) -> bool:
    return any(sub in text for sub in subs)


def _plain(text: str) -> list[str]:
    found: list[str] = []
    for sentence in rq._SENTENCE.findall(text.lower()):
        terms: list[tuple[int, str]] = []
        spans: list[tuple[int, int]] = []
        for label, stems, rx in _TERMS:
            if not _has(sentence, stems):
                continue
            for t in rx.finditer(sentence):
                a, b = t.span()
                if any(a < e and s < b for s, e in spans) or (
                    label == c.PAYMENT_CARD
                    and not _STRONG_CARD.search(t.group())
                    and _has(sentence, rq._CARD_NOT_HINTS)
                    and _CARD_NOT_NUMBER.search(sentence)
                ):
                    continue
                spans.append((a, b))
                terms.append((a, label))
        s = sentence.strip()
        if (
            not terms
            or any(_has(s, hints) and rx.search(s) for hints, rx in _RULES)
            or not (_ASK.search(s) or (s.endswith("?") and len(s.split()) <= 8))
        ):
            continue
        for _, label in sorted(terms):
            if label not in found:
                found.append(label)
    return found


_TERM_BRANCHES = sorted({branch for term in rq._TERMS for branch in term.branches})
_OTHER_BRANCHES = sorted(
    {branch for rule in rq._EXCLUSIONS for branch in rule.branches} | {rq._CARD_NOT_NUMBER}
)
_WORDS = sorted(
    {
        word
        for branch in _TERM_BRANCHES + _OTHER_BRANCHES + list(rq._ASK)
        for word in re.findall(r"[a-z]+(?:'[a-z]+)?", branch)
    }
    | set(rq._ALL_STEMS)
    | {hint for rule in rq._EXCLUSIONS for hint in rule.hints}
    | {"i", "you", "your", "the", "my", "a", "it", "is", "of", "and", "now", "4242", "16", "terms"}
    | {"s", "d", "do", "ss"}
)
_SEPARATORS = [" "] * 8 + [", ", "  ", "\t", "_", "-", ". ", "? ", "! ", "; ", "\n", "'"]


def _phrases(branches: list[str], ascii_only: bool) -> st.SearchStrategy[str]:
    alphabet = st.characters(codec="ascii") if ascii_only else st.characters()
    phrase = st.sampled_from(branches).flatmap(
        lambda branch: st.from_regex(branch, fullmatch=True, alphabet=alphabet)
    )
    return st.one_of(phrase, phrase.map(lambda p: re.sub(r"\s+", " ", p)))


def _texts(ascii_only: bool) -> st.SearchStrategy[str]:
    """Runs of phrases of the patterns and words from them, in sentences and not."""
    term = _phrases(_TERM_BRANCHES, ascii_only)
    piece = st.one_of(
        term,
        term,
        _phrases(list(rq._ASK), ascii_only),
        _phrases(_OTHER_BRANCHES, ascii_only),
        st.sampled_from(_WORDS),
        st.sampled_from(_WORDS),
    )
    parts = st.lists(st.tuples(piece, st.sampled_from(_SEPARATORS)), min_size=1, max_size=12)
    text = parts.map(lambda ps: "".join(p + sep for p, sep in ps))
    return st.tuples(text, st.sampled_from(["", "?", ".", " ?"]), st.booleans()).map(
        lambda t: (t[0] + t[1]).upper() if t[2] else t[0] + t[1]
    )


@settings(max_examples=600, deadline=None)
@given(_texts(ascii_only=True))
def test_ascii_text_answers_as_the_plain_version(text: str) -> None:
    assert rq.find_requests(text) == _plain(text)


@settings(max_examples=300, deadline=None)
@given(_texts(ascii_only=False))
def test_any_text_answers_as_the_plain_version(text: str) -> None:
    assert rq.find_requests(text) == _plain(text)


@pytest.mark.parametrize("branch", _TERM_BRANCHES)
@settings(max_examples=8, deadline=None)
@given(data=st.data())
def test_each_term_phrase_asked_for_answers_as_the_plain_version(
    branch: str, data: st.DataObject
) -> None:
    ascii_text = st.characters(codec="ascii")
    phrase = data.draw(st.from_regex(branch, fullmatch=True, alphabet=ascii_text))
    ask = data.draw(_phrases(list(rq._ASK), ascii_only=True))
    other = data.draw(st.one_of(st.just(""), _phrases(_OTHER_BRANCHES, ascii_only=True)))
    for text in (f"{ask} {phrase}?", f"{other} {ask} the {phrase}.", f"{phrase}?"):
        assert rq.find_requests(text) == _plain(text)


@pytest.mark.parametrize("branch", _OTHER_BRANCHES)
@settings(max_examples=8, deadline=None)
@given(data=st.data())
def test_each_exclusion_answers_as_the_plain_version(branch: str, data: st.DataObject) -> None:
    ascii_text = st.characters(codec="ascii")
    phrase = data.draw(st.from_regex(branch, fullmatch=True, alphabet=ascii_text))
    ask = data.draw(_phrases(list(rq._ASK), ascii_only=True))
    term = data.draw(_phrases(_TERM_BRANCHES, ascii_only=True))
    for text in (f"{phrase} {ask} {term}?", f"{ask} {term} {phrase}", f"{term} {phrase}?"):
        assert rq.find_requests(text) == _plain(text)


def test_only_the_dotless_i_and_the_long_s_fold_to_ascii_letters() -> None:
    """What ``find_requests`` takes for granted when it matches text without ignoring case."""
    letter = re.compile(r"[a-z0-9]", re.IGNORECASE)
    folding = {
        ch
        for code in range(0x110000)
        for ch in chr(code).lower()
        if not ch.isascii() and letter.match(ch)
    }
    assert folding == set(rq._FOLDS_TO_ASCII)


@pytest.mark.parametrize(
    "text",
    [
        "Could you read me the long number on the front of the card?",
        "And the expiry date and the three digits on the back?",
        "To verify your identity, may I have your date of birth?",
        "I'm moving you to our secure line to enter your card, it takes a minute.",
        "Please say your PIN now, or enter it on your keypad followed by the pound key.",
        "We will never ask for your PIN or your online banking password.",
        "What's the long\tnumber on the card?",
        "What's your long  number?",
        "Please read me the _csc and the csc.",
        "Could you confirm the name on the card? And your card number?",
        "Please confirm your card, the one ending in 4242.",
        "I see your card here. May I see your card number?",
        "Please accept the terms and conditions. Any conditions I should know of?",
        "What's your \u017focial \u017fecurity number?",
        "What\u2019s your card number \u2014 and the expiry?",
        "Caf\u00e9card number? Your card\u00a0number?",
        "\u00bfCu\u00e1l es tu n\u00famero de tarjeta? What's your card number?",
        "WHAT IS YOUR DATE OF BIRTH?",
        "Kindly provide the s.s.n. and the d.o.b.",
        "Card number? Expiry? CVV?",
        "please have your card handy, then read me the number on the front",
        "I have your card number?",
        "Can I have your card number? I see the card number?",
        "What's the CVV, back of your card?",
        "Please read me the long number and the three digits on the back of the card.",
        "Thanks for calling, how can I help you today?",
        "",
    ],
)
def test_examples_answer_as_the_plain_version(text: str) -> None:
    assert rq.find_requests(text) == _plain(text)
