"""More agent requests by kind: descriptions, asking forms, look-alikes and conversation.

Each test holds one kind of phrasing (``guardrail.detect.requests`` explains
the sentence model), asked and not asked, as written, in speech-to-text style
(lower case, no punctuation) and without apostrophes. The phrasings are made
up for the kind; none is a line of an evaluation set.
"""

from __future__ import annotations

import re

from guardrail.detect import CallScanner, scan
from guardrail.detect import categories as c
from guardrail.detect.requests import asks_again, find_requests, talked_of

CARD, CSC, EXP = c.PAYMENT_CARD, c.CARD_SECURITY_CODE, c.CARD_EXPIRY
ACCT, ROUTE = c.BANK_ACCOUNT, c.ROUTING_NUMBER
DOB, PIN, HEALTH = c.DATE_OF_BIRTH, c.PIN, c.HEALTH


def _stt(text: str) -> str:
    """``text`` as speech-to-text often gives it: lower case, no punctuation."""
    return re.sub(r"[.,?!;:]", "", text.lower())


def _check(cases: list[tuple[str, list[str]]]) -> None:
    variants = [
        (variant, want)
        for text, want in cases
        for variant in (text, _stt(text), _stt(text).replace("'", ""))
    ]
    wrong = [(t, want, got) for t, want in variants if (got := find_requests(t)) != want]
    assert wrong == []


def _conversation(turns: list[str], line: str) -> list[str]:
    """The requests of agent ``line`` after ``turns`` ("a: ..." or "c: ...")."""
    cs = CallScanner()
    for turn in turns:
        role, text = turn.split(": ", 1)
        if role == "a":
            cs.agent(text)
        else:
            cs.caller(text)
    return list(cs.agent(line).requests)


def test_parts_and_places_of_the_card_number() -> None:
    _check(
        [
            ("Could you read me the first twelve digits, then the rest?", [CARD]),
            ("Go ahead with the first 12, slowly.", [CARD]),
            ("What number is on your card?", [CARD]),
            ("Which digits are on the credit card?", [CARD]),
            ("Card number first, then the expiry.", [CARD, EXP]),
            ("Digits first, then the expiration.", [CARD, EXP]),
            ("Which card is on the account?", []),
        ]
    )


def test_descriptions_of_the_expiry() -> None:
    _check(
        [
            ("What's the date the card expires?", [EXP]),
            ("Can you tell me the month and year that your card runs out?", [EXP]),
            ("And the end date on the card?", [EXP]),
            ("What's the end date printed on it?", [EXP]),
            ("Please read the 2-digit month and 4-digit year.", [EXP]),
            ("Read me the number on the front and then the month and year under it.", [CARD, EXP]),
            ("The date under it is the expiry.", []),
            ("What's the end date of your contract?", []),
        ]
    )


def test_the_security_code_in_small_print_on_the_back() -> None:
    _check(
        [
            ("And the four digits printed in small print on the back?", [CSC]),
            ("What are the three numbers in italics on the back?", [CSC]),
        ]
    )


def test_codes_from_an_app_or_a_text_are_a_pin() -> None:
    _check(
        [
            ("What's the eight-digit security code from the app?", [PIN]),
            ("Can you read me the code from your authenticator app?", [PIN]),
            ("What did the text message say?", [PIN]),
            ("And what does the latest text say?", [PIN]),
            ("And the access code for the account?", [PIN]),
            ("What's the four digit security code on the front of the Amex?", [CSC]),
        ]
    )


def test_phrases_with_a_step_or_a_pronoun() -> None:
    _check(
        [
            ("Final step, your date of birth.", [DOB]),
            ("Next step, the sort code.", [ROUTE]),
            ("Final thing, the date of birth.", [DOB]),
            ("and the security code on it", [CSC]),
        ]
    )


def test_all_the_agent_needs_is_asked_for() -> None:
    """ "just the X is fine" / "will do" asks for X; the same words as a verdict do not."""
    _check(
        [
            ("Skip the CVV, just the card number is fine.", [CARD]),
            ("Just the expiry date will do.", [EXP]),
            ("No need for the routing number, just the account number is enough.", [ACCT]),
            ("The card number is fine, thanks.", []),
            ("It's just the expiry that we update automatically.", []),
            ("Just your date of birth matches.", []),
        ]
    )


def test_statements_with_other_verbs_ask_for_nothing() -> None:
    _check(
        [
            ("The security code changes every time you get a new card.", []),
            ("Your routing number stays the same when you move.", []),
            ("The account number changed when the banks merged.", []),
            ("Your date of birth matched.", []),
            ("We store your card number securely.", []),
            ("We use your date of birth just to confirm it is you.", []),
            ("I only use your date of birth to look up the account.", []),
            ("Can we use your date of birth to look you up? What is it?", [DOB]),
        ]
    )


def test_what_someone_else_will_ask_offers_of_a_copy_and_other_places() -> None:
    _check(
        [
            ("Your doctor will ask you about your medications at the visit.", []),
            ("The pharmacist may ask about allergies when you collect it.", []),
            ("The bank will need your account number, you can enter it online.", []),
            ("Your employer needs the routing number, you can add it on our website.", []),
            ("Would you like a copy of your statement with the account number on it?", []),
            ("Do you want a copy of your test results?", []),
            ("I'll ask you about your medications next. Are you taking any?", [HEALTH]),
        ]
    )


def test_numbers_on_other_things_and_self_corrections() -> None:
    _check(
        [
            ("Can you read me the model number on the back of the router?", []),
            ("What's the tracking number on the back of the parcel?", []),
            ("What's the code on the back of the box?", []),
            ("What's your customer account number with us?", []),
            ("What is your account number with us?", []),
            ("What's the account number on the top of your gas bill?", []),
            ("My card was declined, what's the number you're calling from?", []),
            ("What's the best number to reach you?", []),
            ("can you read me the account no the routing first", [ROUTE]),
            ("what's the card no wait the expiry", [EXP]),
            ("What's the account number?", [ACCT]),
        ]
    )


def test_symptoms_reactions_sleep_pregnancy_and_severity() -> None:
    _check(
        [
            ("How long have you had the cough?", [HEALTH]),
            ("Do you have a fever or a rash?", [HEALTH]),
            ("Any vomiting or diarrhea?", [HEALTH]),
            ("Is the swelling worse in the morning?", [HEALTH]),
            ("Have you had an allergic reaction to penicillin?", [HEALTH]),
            ("Have you had any reactions to anesthesia?", [HEALTH]),
            ("How have you been sleeping lately?", [HEALTH]),
            ("Any trouble staying asleep?", [HEALTH]),
            ("And how far along is she now?", [HEALTH]),
            ("Would you say it's mild or severe?", [HEALTH]),
            ("Is it moderate or severe?", [HEALTH]),
            ("How far along is the delivery?", []),
            ("Do you want your prescription sent to the pharmacy?", []),
            ("Would you like the prescription mailed?", []),
        ]
    )


def test_the_callers_last_turn_names_what_a_bare_phrase_asks_for() -> None:
    assert _conversation(
        ["c: I'll pay with my Mastercard."], "Great, what's the number on it?"
    ) == [CARD]
    assert _conversation(["c: It's my savings account."], "Ok, and the number?") == [ACCT]
    assert _conversation(
        ["c: I'd like to use another card."], "Sure, go ahead with the other one."
    ) == [CARD]
    assert (
        _conversation(["c: my card was declined"], "Sorry, what's the number you're calling from?")
        == []
    )
    assert _conversation(["c: I changed my password yesterday"], "Ok, what's the new one?") == []
    assert _conversation(["c: I want a different card.", "a: Sure."], "What's the new one?") == []
    assert find_requests("Right, so what's the other one?") == []
    assert find_requests("Right, so what's the other one?", heard="a different Visa card") == [CARD]
    assert scan("Go ahead with the number on it.", "agent", heard="my visa").requests == (CARD,)


def test_re_asks_after_a_partial_or_a_pause() -> None:
    for line in (
        "I only caught two digits, can you say all three?",
        "Sorry, we only got part of it, could you give me the remaining digits?",
        "No rush, whenever you've got it.",
        "Sure, when you've found it.",
        "Now the day, please?",
        "Sorry, that's showing as expired, could you check that date again?",
    ):
        assert asks_again(line), line
    for line in ("Let me check that again.", "Once you get it in the mail, activate it online."):
        assert not asks_again(line), line
    assert _conversation(["a: What's the CVV?", "c: one two"], "I only caught two digits.") == [CSC]
    assert _conversation(["a: When were you born?", "c: in march"], "And the day?") == [DOB]
    assert _conversation(
        ["a: And the expiry?", "c: oh four"], "Could you confirm that once more?"
    ) == [EXP]


def test_only_the_topic_of_a_finished_caller_turn_is_kept() -> None:
    """After ``end_caller_turn`` the scanner keeps the turn's topic words, no number."""
    said = "it's my visa, 4111 1111 1111 1111"
    assert talked_of(said) == "visa"
    for line in ("Thanks, and the number on it again?", "What's the other one?"):
        assert find_requests(line, heard=said) == find_requests(line, heard=talked_of(said))
    cs = CallScanner()
    cs.caller("I'd like to pay with my Discover card")
    cs.end_caller_turn()
    assert cs._heard == "card"
    assert cs.agent("Perfect, let's have the number on it.").requests == (CARD,)
