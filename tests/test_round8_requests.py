"""Agent requests by kind, round 8.

Each test holds one kind of phrasing (``guardrail.detect.requests`` explains the
model), asked and not asked, as written, in speech-to-text style (lower case, no
punctuation) and without apostrophes. The phrasings are made up for the kind;
none is a line of an evaluation set.
"""

from __future__ import annotations

from test_request_kinds_round6 import _check

from guardrail.detect import categories as c

CSC, EXP, ACCT, PIN = c.CARD_SECURITY_CODE, c.CARD_EXPIRY, c.BANK_ACCOUNT, c.PIN


def test_elliptical_follow_up_in_a_bundle() -> None:
    """A bare "and the <name>" in a bundle asks for it: "the code" after the card is its
    security code, "the account" a bank account."""
    _check(
        [
            ("Okay, and the code?", [CSC]),
            ("And the code please.", [CSC]),
            ("And the 3 digits?", [CSC]),
            ("And the three numbers, please.", [CSC]),
            ("And your account?", [ACCT]),
            ("And the account you'd like the money paid into?", [ACCT]),
            ("and the account we should send it to", [ACCT]),
            ("Great, and the expiry date?", [EXP]),
        ]
    )
    _check(
        [
            ("And the code is on its way to you.", []),
            ("and the code will arrive shortly", []),
            ("And the account is closed as of today.", []),
            ("And the account was credited yesterday.", []),
            ("And the account holder's name?", []),
            ("And the account balance is zero.", []),
            ("and the code of conduct applies", []),
        ]
    )


def test_access_codes_and_app_pins() -> None:
    """An access code, or a PIN for an app, portal or account, is a PIN."""
    _check(
        [
            ("What's the access code on the gym membership?", [PIN]),
            ("and your phone access code please", [PIN]),
            ("The app pin for the parking account.", [PIN]),
            ("the library portal pin", [PIN]),
            ("Your parking account pin.", [PIN]),
        ]
    )
    _check(
        [
            ("Your access code has been reset.", []),
            ("The access code expires tonight.", []),
            ("We never ask for your access code.", []),
        ]
    )


def test_authenticator_and_one_time_numbers() -> None:
    """The number from an authenticator, the code on the caller's screen, a code read once
    it arrives, and a texted code read back are PINs."""
    _check(
        [
            ("I'll need the number from your authenticator app.", [PIN]),
            ("Can you give me the digits on the app?", [PIN]),
            ("What's the number on your screen?", [PIN]),
            ("Read me the code showing on your display.", [PIN]),
            ("Please tell me the code as soon as it arrives.", [PIN]),
            ("Read out the code once you get it.", [PIN]),
            ("We just texted you a code, could you read it back?", [PIN]),
        ]
    )
    _check(
        [
            ("Your code has been sent.", []),
            ("The code on your screen expires in ten minutes.", []),
            ("I've texted you a code, want me to read it back?", []),
            ("The authenticator will show a new number every thirty seconds.", []),
        ]
    )
    _check([("We'll send the code when it comes in.", [])], stt=False)


def test_got_it_after_you_is_no_report() -> None:
    """ "whenever you've got it" asks; "we've got it" reports."""
    _check(
        [
            ("Read me the account number whenever you've got it.", [ACCT]),
            ("Tell me the routing number when you have got it.", [c.ROUTING_NUMBER]),
        ],
        stt=False,
    )
    _check([("Thanks, we've got it, the account number is updated.", [])], stt=False)


def test_entering_digits_and_which_code_for_a_brand() -> None:
    """Entering or saying four or six digits is a PIN; "for the amex it's the four digits
    on the front" says which code to give, and asks for it."""
    _check(
        [
            ("Please key in or say the six digits.", [PIN]),
            ("Go ahead and type the four digits.", [PIN]),
            ("For an Amex it's the four digits on the front.", [CSC]),
            ("For the Visa, it's the three digits on the back, above the number.", [CSC]),
            ("And the 4 on the front of your American Express?", [CSC]),
            ("Which are the six digits you picked?", [PIN]),
        ]
    )
    _check(
        [
            ("The four digits on the front are the Amex security code.", []),
            ("For the Visa, the card number is on the front.", []),
            ("The four digits you chose are on file.", []),
        ]
    )


def test_modifiers_before_the_name_in_a_phrase() -> None:
    """In a phrase with no verb, a word or two between a determiner and the name only say
    whose or which it is."""
    _check([("The bike share account pin.", [PIN]), ("your hotel loyalty password", [c.PASSWORD])])
    _check([("The bike share account pin was reset.", [])])
