"""Agent requests and the conversation, round 9.

Each test holds one kind: of phrasing (``guardrail.detect.requests`` explains the
model), asked and not asked, as written, in speech-to-text style (lower case, no
punctuation) and without apostrophes; or of conversation (``CallScanner``): what the
caller's answer is expected to hold after a re-ask, a failure report, a report of a
sent code, and the agent reading back what the caller just said. The phrasings are
made up for the kind; none is a line of an evaluation set. Values are made up.
"""

from __future__ import annotations

from test_request_kinds_round6 import _check

from guardrail.detect import CallScanner
from guardrail.detect import categories as c

CSC, EXP, ACCT, PIN, CARD = (
    c.CARD_SECURITY_CODE,
    c.CARD_EXPIRY,
    c.BANK_ACCOUNT,
    c.PIN,
    c.PAYMENT_CARD,
)
PASSWORD, ROUTING = c.PASSWORD, c.ROUTING_NUMBER


def _play(turns: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The findings of the last turn, as ``(category, value)``."""
    cs = CallScanner()
    result = None
    for role, text in turns:
        result = cs.agent(text) if role == "a" else cs.caller(text)
    assert result is not None
    return [(f.category, turns[-1][1][f.start : f.end]) for f in result.findings]


def _asks(turns: list[tuple[str, str]]) -> list[str]:
    """The requests of the last (agent) turn."""
    cs = CallScanner()
    result = None
    for role, text in turns:
        result = cs.agent(text) if role == "a" else cs.caller(text)
    assert result is not None
    return list(result.requests)


def test_a_passcode_or_security_code_on_an_account_or_line_is_a_pin() -> None:
    _check(
        [
            ("What's the passcode on the mobile line?", [PIN]),
            ("I'll need the passcode for your utility account first.", [PIN]),
            ("Can you give me the security code on the gym profile?", [PIN]),
            ("What is the security code for your streaming account?", [PIN]),
            ("What's the verbal passcode on the storage account?", [PASSWORD]),
            ("What's the security code on the back of your card?", [CSC]),
            ("What's the password?", [PASSWORD]),
        ]
    )


def test_a_code_that_just_arrived_is_a_pin() -> None:
    _check(
        [
            ("Can you read me the code you just received?", [PIN]),
            ("Read me the code that just arrived on your phone.", [PIN]),
            ("What's the code that came through a minute ago?", [PIN]),
            ("Tell me the six digits we just texted you.", [PIN]),
            ("The code that came through will expire soon.", []),
        ]
    )


def test_a_code_being_sent_to_read_back_is_a_pin() -> None:
    _check(
        [
            ("I'm texting you a code right now, read it to me when it lands.", [PIN]),
            ("I just sent a new passcode, read it back to me please.", [PIN]),
            ("I'm sending you a code, don't read it to anyone else.", []),
            ("I'm sending you a code now.", []),
            ("I've sent you a code, shall I read it back?", []),
        ]
    )


def test_an_override_code_is_a_pin() -> None:
    _check(
        [
            ("I need the supervisor override code for the register.", [PIN]),
            ("What's the manager override code?", [PIN]),
        ]
    )


def test_a_card_pin_is_no_card_number() -> None:
    _check(
        [
            ("Go ahead with your debit card PIN whenever you're ready.", [PIN]),
            ("Could you read me your Visa PIN?", [PIN]),
            ("Go ahead with your debit card.", [CARD]),
        ]
    )


def test_the_card_in_hand_and_then_read_it() -> None:
    """Getting the card ready is no request, unless a later clause asks to read "it"."""
    _check(
        [
            ("Once you have your credit card handy, read it out to me.", [CARD]),
            ("Do you have your Mastercard handy?", []),
            ("When you've got the card in front of you, tell me it slowly.", [CARD]),
            ("Do you have the card in front of you?", []),
        ]
    )


def test_more_card_number_phrasings() -> None:
    _check(
        [
            ("Alright, I'm ready for your Visa.", [CARD]),
            ("Please read the numbers off your card, first four first.", [CARD]),
            ("And the sixteen on the Mastercard?", [CARD]),
        ]
    )


def test_more_bank_account_phrasings() -> None:
    _check(
        [
            ("Now the savings number, please.", [ACCT]),
            ("Which account would you like the payment debited from?", [ACCT]),
            ("Sort code first, then your account.", [ROUTING, ACCT]),
            ("Which account are you calling about?", []),
        ]
    )


def test_more_expiry_and_security_code_phrasings() -> None:
    _check(
        [
            ("And the two digits for the month, then the year.", [EXP]),
            ("Okay, and the month and the year?", [EXP]),
            ("The four on the back, please.", [CSC]),
            ("What's the billing postal code for that card?", []),
            ("What's the zip code on the card?", []),
        ]
    )


def test_a_failure_report_with_nothing_asked_expects_another_code() -> None:
    assert _play([("a", "hmm, that one was incorrect"), ("c", "okay try three nine one five")]) == [
        (PIN, "three nine one five")
    ]
    assert _play([("a", "Sorry, that didn't validate either."), ("c", "then 5 0 2 8")]) == [
        (PIN, "5 0 2 8")
    ]


def test_a_failure_report_that_names_a_category_asks_for_it() -> None:
    turns = [("a", "The routing number came back invalid."), ("a", "Could you read it once more?")]
    assert _asks(turns) == [ROUTING]
    assert _play(
        [("a", "The expiration didn't go through, can you check it again?"), ("c", "ten thirty")]
    ) == [(EXP, "ten thirty")]


def test_a_reask_for_it_after_a_request() -> None:
    """ "Read it to me", "that's not it", "check the year", "anything after that" re-ask."""
    assert _asks(
        [
            ("a", "What's the one time code?"),
            ("c", "not yet"),
            ("a", "ok, read it to me once it arrives"),
        ]
    ) == [PIN]
    assert _asks([("a", "What's your PIN?"), ("c", "2 2 2 2"), ("a", "hmm thats not it")]) == [PIN]
    assert _asks(
        [
            ("a", "What's the expiry date?"),
            ("c", "oh four, twenty something"),
            ("a", "Could you check the year for me?"),
        ]
    ) == [EXP]
    assert _asks(
        [("a", "What's your password?"), ("c", "Tulip."), ("a", "Is there something after that?")]
    ) == [PASSWORD]


def test_a_sent_code_report_expects_a_pin() -> None:
    assert _play(
        [("a", "that code timed out, I've sent you a fresh one"), ("c", "ok 4 7 2 9 1 3")]
    ) == [(PIN, "4 7 2 9 1 3")]
    assert _play([("a", "I'm texting you a new code now."), ("c", "got it, 8 1 1 6 0 2")]) == [
        (PIN, "8 1 1 6 0 2")
    ]
    assert _play([("a", "It's the digits we just emailed you."), ("c", "5 5 2 9 0 1")]) == [
        (PIN, "5 5 2 9 0 1")
    ]


def test_a_bare_code_question_expects_a_pin() -> None:
    assert _play([("a", "What did the code say?"), ("c", "um 2 8 4 4 1 9")]) == [
        (PIN, "2 8 4 4 1 9")
    ]
    assert _play(
        [
            ("a", "Read me the digits of the code, one at a time."),
            ("c", "seven, one, one, four, two, six"),
        ]
    ) == [(PIN, "seven, one, one, four, two, six")]


def test_the_agent_reads_back_what_the_caller_gave() -> None:
    assert _play(
        [
            ("a", "What's your PIN?"),
            ("c", "my pin is six two eight one"),
            ("a", "So that's 6281, right?"),
        ]
    ) == [(PIN, "6281")]
    assert _play([("c", "the code they texted is 4 0 9 7 7 2"), ("a", "got it, 409772?")]) == [
        (PIN, "409772")
    ]
    assert _play([("c", "my pin is six two eight one"), ("a", "Thanks, one moment please.")]) == []


def test_telling_where_the_asked_value_is_asks_for_it_again() -> None:
    """After a request the caller could not answer, a line that names the same thing
    (where it is printed, what it looks like) asks for it again; once given, it does not."""
    cant = ("c", "hmm I don't see it")
    assert _asks(
        [
            ("a", "Can I get the card's security code?"),
            cant,
            ("a", "It's the three digits printed by the signature."),
        ]
    ) == [CSC]
    assert _asks(
        [("a", "And the expiry?"), cant, ("a", "The month and year on the front of the card.")]
    ) == [EXP]
    gave = ("c", "it's 3 1 7")
    assert (
        _asks(
            [
                ("a", "Can I get the card's security code?"),
                gave,
                ("a", "Thanks, the three digits by the signature match."),
            ]
        )
        == []
    )


def test_the_part_again_asks_again() -> None:
    turns = [
        ("a", "What's your card number?"),
        ("c", "4111 1111 and then"),
        ("a", "Okay, just the second half again."),
    ]
    assert _asks(turns) == [CARD]
