"""Agent requests by kind, round 6: modifiers, read-backs, statements, re-asks, health.

Each test holds one kind of phrasing (``guardrail.detect.requests`` explains
the sentence model), asked and not asked, as written, in speech-to-text style
(lower case, no punctuation) and without apostrophes. The phrasings are made
up for the kind; none is a line of an evaluation set.
"""

from __future__ import annotations

import re

from guardrail.detect import categories as c
from guardrail.detect.requests import find_requests

CARD, CSC, EXP = c.PAYMENT_CARD, c.CARD_SECURITY_CODE, c.CARD_EXPIRY
ACCT, ROUTE, IBAN, SSN = c.BANK_ACCOUNT, c.ROUTING_NUMBER, c.IBAN, c.SSN
DOB, PIN, PASSWORD, HEALTH = c.DATE_OF_BIRTH, c.PIN, c.PASSWORD, c.HEALTH


def _stt(text: str) -> str:
    """``text`` as speech-to-text often gives it: lower case, no punctuation."""
    return re.sub(r"[.,?!;:]", "", text.lower())


def _check(cases: list[tuple[str, list[str]]], *, stt: bool = True) -> None:
    variants = [
        (variant, want)
        for text, want in cases
        for variant in ((text, _stt(text), _stt(text).replace("'", "")) if stt else (text,))
    ]
    wrong = [(t, want, got) for t, want in variants if (got := find_requests(t)) != want]
    assert wrong == []


def test_a_category_word_that_modifies_another_name_talks_of_nothing() -> None:
    _check(
        [
            ("To move your line over, I'll need your account PIN.", [PIN]),
            ("i need the account pin to move the number", [PIN]),
            ("Before I change the number, what's the account password?", [PASSWORD]),
            ("For the checking account, what's the number?", [ACCT]),
            ("what's the number on your savings account", [ACCT]),
        ]
    )


def test_a_name_with_an_attribute_phrase_owns_the_names_in_it() -> None:
    _check(
        [
            ("What's the date of birth for the member on the prescription?", [DOB]),
            ("What's the date of birth of the person on the policy?", [DOB]),
            ("What's your date of birth, and which medication are you taking?", [DOB, HEALTH]),
        ]
    )


def test_a_name_read_back_with_its_value_asks_for_nothing() -> None:
    _check(
        [
            ("And the security code I have is 552, expiring 11/27.", []),
            ("The card number we have on file is 4111 1111 1111 1111.", []),
            ("So I have routing two one one oh seven four four seven and the account nine.", []),
            ("the pin i have here is four four one two", []),
            ("What's the security code? I have the expiry.", [CSC]),
            ("what's your routing number", [ROUTE]),
        ],
        stt=False,
    )


def test_a_statement_about_a_qualified_name_asks_for_nothing() -> None:
    _check(
        [
            ("The sort code for transfers is on your welcome letter, no need to say it.", []),
            ("The account number for refunds is on the closing papers, please keep them.", []),
            ("The security code on the back is all I need.", [CSC]),
            ("The routing number for wires, what is it?", [ROUTE]),
        ]
    )


def test_a_document_valid_until_is_no_card_expiry() -> None:
    _check(
        [
            ("Your passport needs to be valid until at least March 2028.", []),
            ("The permit must be valid through the end of your stay.", []),
            ("What's the valid thru date on the card?", [EXP]),
            ("I need the valid until date on the front.", [EXP]),
        ]
    )


def test_a_later_sentence_that_asks_for_it_asks_for_the_name_before() -> None:
    _check(
        [
            ("Is that IBAN for a business account? Please read it out.", [IBAN]),
            ("That security code was rejected. Can you tell me it again?", [CSC]),
            ("We never ask for your PIN. Please don't tell me it.", []),
            ("Your card ending in 4242 is on file. Want me to read it back?", []),
            ("Is that IBAN for a business account? Thanks.", []),
        ],
        stt=False,  # a sentence of its own: speech-to-text without stops makes one of two
    )


def test_the_digits_of_a_pin_in_a_line_that_talks_of_the_pin() -> None:
    _check(
        [
            ("That PIN was not accepted. Could you try the four digits once more?", [PIN]),
            ("Please enter the six digits of your new pin.", [PIN]),
            ("Could you read me the four digits?", []),
        ]
    )


def test_the_code_from_the_card_is_its_security_code() -> None:
    _check(
        [
            ("No rush, just the code from the card you're paying with.", [CSC]),
            ("Can you read me the code on the card?", [CSC]),
            ("What's the code on the back of your insurance card?", []),
        ]
    )


def test_a_possessive_without_its_apostrophe_still_names_the_social() -> None:
    _check(
        [
            ("and your husbands social for the filing", [SSN]),
            ("what is the applicants social", [SSN]),
            ("and your wife's social security number?", [SSN]),
        ]
    )


def test_mood_sleep_and_pain_questions_ask_health() -> None:
    _check(
        [
            ("How many hours of sleep do you get, and has your appetite changed?", [HEALTH]),
            ("Has your mood been low lately?", [HEALTH]),
            ("on a scale of one to ten where is your pain today", [HEALTH]),
            ("where does it hurt the most", [HEALTH]),
            ("Where is the nearest branch?", []),
            ("The mood in the office is great today.", []),
        ]
    )
