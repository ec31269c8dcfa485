"""Passwords and agent requests by kind, round 7.

Each test holds one kind of phrasing (``guardrail.detect.requests`` and
``guardrail.detect.passwords`` explain their models), asked and not asked or
said and not said, as written, in speech-to-text style (lower case, no
punctuation) and without apostrophes. The phrasings are made up for the kind;
none is a line of an evaluation set.
"""

from __future__ import annotations

from test_request_kinds_round6 import _check

from guardrail.detect import categories as c
from guardrail.detect.numbers import tokenize
from guardrail.detect.passwords import find_passwords

CARD, CSC, EXP = c.PAYMENT_CARD, c.CARD_SECURITY_CODE, c.CARD_EXPIRY
ACCT, ROUTE, IBAN, SSN = c.BANK_ACCOUNT, c.ROUTING_NUMBER, c.IBAN, c.SSN
DOB, PIN, PASSWORD, HEALTH = c.DATE_OF_BIRTH, c.PIN, c.PASSWORD, c.HEALTH


def _password_answer(text: str) -> list[str]:
    """The password values of ``text`` said right after the agent asked for a password."""
    return [text[a:b] for a, b in find_passwords(text, tokenize(text), (PASSWORD,))]


def test_being_ready_for_a_name_asks_for_it() -> None:
    _check(
        [
            ("Okay, I'm ready for the card number.", [CARD]),
            ("we're ready for your routing number now", [ROUTE]),
            ("I am ready for the security code whenever you are.", [CSC]),
            ("I'm ready for the long weekend.", []),
            ("We're ready for your visit on Monday.", []),
        ]
    )


def test_reading_out_a_card_by_its_brand_asks_for_its_number() -> None:
    _check(
        [
            ("Can you read me your Mastercard?", [CARD]),
            ("Go ahead with the Visa card.", [CARD]),
            ("Could you tell me your Amex, please?", [CARD]),
            ("Is it a Visa or a Mastercard?", []),
            ("Do you have your Visa handy?", []),
        ]
    )


def test_a_new_code_sent_is_asked_for_when_it_is_read_out() -> None:
    _check(
        [
            ("I just sent you a new code; can you read it off?", [PIN]),
            ("i've texted you a fresh code, could you read it to me", [PIN]),
            ("I sent you a new code, it should arrive shortly.", []),
            ("That code timed out. I just sent a new one; can you read it off?", [PIN]),
            ("I've texted another one, can you read it to me?", [PIN]),
            ("Your card was damaged, so we sent a new one; it should arrive Friday.", []),
        ]
    )


def test_taking_a_name_asks_for_it_unless_it_is_taken_off() -> None:
    _check(
        [
            ("If you have the card in front of you, I'll take the number now.", [CARD]),
            ("Okay, I'll grab your routing number next.", [ROUTE]),
            ("I'll take your card details off the account.", []),
            ("I'll take care of the rest for you.", []),
        ]
    )


def test_a_value_to_be_put_on_file_is_asked_for() -> None:
    _check(
        [
            ("Can I get the card number you'd like to put on file?", [CARD]),
            ("Could I have the account number you want to keep on record?", [ACCT]),
            ("We have your card number on file.", []),
            ("Your date of birth is on file.", []),
        ]
    )


def test_waiting_until_you_got_it_asks_and_you_got_it_is_no_report() -> None:
    _check(
        [
            ("Yeah, no problem, whenever you got it, the card number.", [CARD]),
            ("when you got it the routing number", [ROUTE]),
            ("Okay, got it, the card number is saved.", []),
        ]
    )


def test_a_value_read_back_may_start_with_may() -> None:
    _check(
        [
            ("So the expiry May twenty seven, right?", []),
            ("Just to confirm, expiry May 2028?", []),
            ("The expiry, may I have it?", [EXP]),
            ("The expiry may be printed on the front.", []),
        ]
    )


def test_a_phrase_may_end_with_what_its_name_is_for() -> None:
    _check(
        [
            ("The password for the vet portal.", [PASSWORD]),
            ("the pin on the streaming app", [PIN]),
            ("The account number for the refund, please.", [ACCT]),
            ("The password for the portal was reset.", []),
            ("Your PIN on the app is locked.", []),
        ]
    )


def test_someone_else_holding_the_password_is_no_answer() -> None:
    for line in (
        "I think my husband set that up, he's at work",
        "oh my wife made that one, she's not home",
        "they're the ones who set it, my partner knows",
    ):
        assert _password_answer(line) == [], line
    assert _password_answer("fluffy and max") == ["fluffy and max"]


def test_a_form_word_ending_a_sentence_still_tells_the_form() -> None:
    def loose(text: str) -> list[str]:
        return [text[a:b] for a, b in find_passwords(text, tokenize(text), ())]

    assert loose("It's ramen forever, two words.") == ["ramen forever"]
    assert loose("it's purple rain, all lowercase!") == ["purple rain"]
    assert loose("the flag is sensitive_operation, two words") == []


def test_needing_or_taking_the_card_alone_asks_for_its_number() -> None:
    _check(
        [
            ("I'll need your Visa, please.", [CARD]),
            ("May I have the card?", [CARD]),
            ("Let's start with the card.", [CARD]),
            ("Do you have the card handy?", []),
            ("I need your card to be active first.", []),
            ("Could I get the card in the mail?", []),
            ("May I have the card type?", []),
        ]
    )


def test_a_careful_spelling_with_a_digit_after_a_frame_is_a_password() -> None:
    def loose(text: str) -> list[str]:
        return [text[a:b] for a, b in find_passwords(text, tokenize(text), ())]

    assert loose("it's T as in tango, R, U, F, F, L, E, 7") == [
        "T as in tango, R, U, F, F, L, E, 7"
    ]
    assert loose("its k as in kilo a t e nine nine") == ["k as in kilo a t e nine nine"]
    assert loose("its t as in tango r u f f l e seven") == []  # one number word: scan sees none
    assert loose("it's B as in bravo, 4, 7, 2") == []  # few letters: a reference as often
    assert loose("my booking code, it's p as in papa, q, r, s, 4, 2") == []
    assert loose("it's s as in sam, m, i, t, h") == []  # no digit: a name as often


def test_an_account_number_of_a_bill_letter_or_service_is_no_bank_account() -> None:
    _check(
        [
            ("Can I get the account number from your renewal letter?", []),
            ("What's the account number for your gas service?", []),
            ("Could you read me the account number shown on the top right of your bill?", []),
            ("What's the account number printed on the notice?", []),
            ("What's the account number for the direct deposit?", [ACCT]),
            ("What's the account number on your bank statement?", [ACCT]),
        ]
    )


def test_a_card_account_number_is_the_card_number() -> None:
    _check(
        [
            ("What's your credit card account number?", [CARD]),
            ("and the card account number please", [CARD]),
            ("What's your checking account number?", [ACCT]),
        ]
    )


def test_what_the_caller_will_need_elsewhere_is_not_asked_for() -> None:
    _check(
        [
            ("You'll need your PIN at the store.", []),
            ("you will need your card at the front desk", []),
            ("I'll need your PIN.", [PIN]),
            ("You'll need to give me your card number.", [CARD]),
        ]
    )
