# ruff: noqa: E501
"""Disclosure kinds from issue 10, as callers phrase them on real calls.

One test per kind of miss: several phrasings each, written and spoken (lower
case, no punctuation, as speech-to-text gives them), and the realistic
negatives that a looser rule would flag. A case is (what the agent said
before or None, the caller's text, [(category, substring)]): each substring
must be covered by a finding of its category, and no finding may fall
outside them. Card numbers are public test cards; the other numbers are made
up.
"""

from __future__ import annotations

import time

import pytest

from guardrail.detect import CallScanner, scan

CARD = "payment_card"
CSC = "card_security_code"
EXP = "card_expiry"
SSN = "ssn"
ACCT = "bank_account"
IBAN = "iban"
DOB = "date_of_birth"
PIN = "pin"
PWD = "password"


def _findings(prev: str | None, text: str) -> list[tuple[str, int, int]]:
    cs = CallScanner()
    if prev:
        cs.agent(prev)
    return [(f.category, f.start, f.end) for f in cs.caller(text).findings]


def _check(prev: str | None, text: str, expected: list[tuple[str, str]]) -> None:
    got = _findings(prev, text)
    spans = []
    for cat, sub in expected:
        s = text.index(sub)
        e = s + len(sub)
        spans.append((cat, s, e))
        assert any(c == cat and fs <= s and e <= fe for c, fs, fe in got), (
            f"{cat} {sub!r} not found in {text!r}: {got}"
        )
    for c, fs, fe in got:
        assert any(c == cat and fs < e and s < fe for cat, s, e in spans), (
            f"unexpected {c} {text[fs:fe]!r} in {text!r}"
        )


EXPIRY = [
    (None, "exp 11/2029", [(EXP, "11/2029")]),
    ("When does the card expire?", "8/31", [(EXP, "8/31")]),
    ("And the expiration date?", "10-27", [(EXP, "10-27")]),
    ("What's the expiry date on the card?", "12 29", [(EXP, "12 29")]),
    (None, "it's valid thru eleven twenty nine", [(EXP, "eleven twenty nine")]),
    (None, "good till march of twenty eight", [(EXP, "march of twenty eight")]),
    (None, "it runs out in august thirty", [(EXP, "august thirty")]),
    (None, "the card expires end of june twenty seven", [(EXP, "june twenty seven")]),
    (None, "expiration oh nine slash twenty six", [(EXP, "oh nine slash twenty six")]),
    (
        "Go ahead with the card details.",
        "4111 1111 1111 1111, 9/29, 384",
        [(CARD, "4111 1111 1111 1111"), (EXP, "9/29"), (CSC, "384")],
    ),
    (
        None,
        "5105 1051 0510 5100 0927 551",
        [(CARD, "5105 1051 0510 5100"), (EXP, "0927"), (CSC, "551")],
    ),
    (
        None,
        "okay 4111111111111111 then 04/2028 then 0 0 6",
        [(CARD, "4111111111111111"), (EXP, "04/2028"), (CSC, "0 0 6")],
    ),
    (
        None,
        "6011 1111 1111 1117, then eight twenty six no sorry seven twenty six, then nine oh seven",
        [
            (CARD, "6011 1111 1111 1117"),
            (EXP, "eight twenty six no sorry seven twenty six"),
            (CSC, "nine oh seven"),
        ],
    ),
    (None, "06/29 is when it expires", [(EXP, "06/29")]),
    (None, "the expiration date is 08-28, sorry, 07-28", [(EXP, "08-28, sorry, 07-28")]),
    (None, "valid um thru 07-30", [(EXP, "07-30")]),
    (
        None,
        "four one one one one one one one one one one one one one one one, oh nine twenty nine, three eight four",
        [
            (CARD, "four one one one one one one one one one one one one one one one"),
            (EXP, "oh nine twenty nine"),
            (CSC, "three eight four"),
        ],
    ),
]

EXPIRY_NEGATIVE = [
    (None, "i called on 8/31 about it"),
    (None, "i'll be home between 10-12"),
    (None, "we moved here in august twenty twenty"),
    (None, "the card was sent out on june 23 2024"),
    (None, "the card was sent out like on 3/3/2023"),
    (None, "my card expired so i need a new one"),
]


@pytest.mark.parametrize(("prev", "text", "expected"), EXPIRY)
def test_card_expiry(prev, text, expected):
    _check(prev, text, expected)


@pytest.mark.parametrize(("prev", "text"), EXPIRY_NEGATIVE)
def test_card_expiry_negatives(prev, text):
    assert _findings(prev, text) == []


SECURITY_CODE = [
    (None, "the code on the back is 737", [(CSC, "737")]),
    (None, "on the back it says 4 1 9", [(CSC, "4 1 9")]),
    (None, "the number by the signature is five five one", [(CSC, "five five one")]),
    (None, "it's an amex so the four on the front are 1234", [(CSC, "1234")]),
    (None, "security code... um, 0 4 1", [(CSC, "0 4 1")]),
    (None, "the code... um, oh four one", [(CSC, "oh four one")]),
    ("What's the CVV?", "uh it's 7 3 7", [(CSC, "7 3 7")]),
    ("And the security code?", "four four one two", [(CSC, "four four one two")]),
    (None, "the three numbers are 965", [(CSC, "965")]),
    (
        None,
        "and the security number is four hundred ninety nine",
        [(CSC, "four hundred ninety nine")],
    ),
    (None, "um 8 7 3 on the um back", [(CSC, "8 7 3")]),
    (
        None,
        "the four digit code on the front is six two... hang on, where was I, three",
        [(CSC, "six two... hang on, where was I, three")],
    ),
    (
        None,
        "378282246310005 and the code is 4412",
        [(CARD, "378282246310005"), (CSC, "4412")],
    ),
]

SECURITY_CODE_NEGATIVE = [
    (None, "the promo code is 4412"),
    (None, "what's the area code 415"),
    (None, "the zip code is 94107"),
]


@pytest.mark.parametrize(("prev", "text", "expected"), SECURITY_CODE)
def test_card_security_code(prev, text, expected):
    _check(prev, text, expected)


@pytest.mark.parametrize(("prev", "text"), SECURITY_CODE_NEGATIVE)
def test_card_security_code_negatives(prev, text):
    assert _findings(prev, text) == []


IBANS = [
    (None, "my iban is gb82 west 1234 5698 7654 32", [(IBAN, "gb82 west 1234 5698 7654 32")]),
    (
        "Could you read out your IBAN?",
        "delta echo eight nine three seven zero four zero zero four four zero five three two zero one three zero zero zero",
        [
            (
                IBAN,
                "delta echo eight nine three seven zero four zero zero four four zero five three two zero one three zero zero zero",
            )
        ],
    ),
    (
        None,
        "the iban is g b eighty two w e s t twelve thirty four fifty six ninety eight seventy six fifty four thirty two",
        [
            (
                IBAN,
                "g b eighty two w e s t twelve thirty four fifty six ninety eight seventy six fifty four thirty two",
            )
        ],
    ),
    (
        None,
        "iban n as in nancy l as in lima nine one, a b n a, zero four one seven one six four three zero zero",
        [
            (
                IBAN,
                "n as in nancy l as in lima nine one, a b n a, zero four one seven one six four three zero zero",
            )
        ],
    ),
    (
        "And your IBAN please?",
        "sure it's golf bravo eight two whiskey echo sierra tango one two three four five six nine eight seven six five four three two",
        [
            (
                IBAN,
                "golf bravo eight two whiskey echo sierra tango one two three four five six nine eight seven six five four three two",
            )
        ],
    ),
]

IBANS += [
    (
        None,
        "the international account number is es91 2100 0418 4502 0005 1332",
        [(IBAN, "es91 2100 0418 4502 0005 1332")],
    ),
    (
        "Can you read me the account number that starts with the country code?",
        "it starts g b 8 2 w e s t 1 2 3 4 5 6 9 8 7 6 5 4 3 2",
        [(IBAN, "g b 8 2 w e s t 1 2 3 4 5 6 9 8 7 6 5 4 3 2")],
    ),
    (
        None,
        "sure it's F for foxtrot R for romeo 1420041010050500013M02606",
        [(IBAN, "F for foxtrot R for romeo 1420041010050500013M02606")],
    ),
    (
        None,
        "iban n l nine one a b n a oh four one seven, n l nine one a b n a oh four one seven one six four three zero zero",
        [
            (
                IBAN,
                "n l nine one a b n a oh four one seven, n l nine one a b n a oh four one seven one six four three zero zero",
            )
        ],
    ),
]

IBAN_NEGATIVE = [
    (None, "i don't know my iban off hand"),
    (None, "is an iban the same as a sort code"),
]


@pytest.mark.parametrize(("prev", "text", "expected"), IBANS)
def test_iban(prev, text, expected):
    _check(prev, text, expected)


@pytest.mark.parametrize(("prev", "text"), IBAN_NEGATIVE)
def test_iban_negatives(prev, text):
    assert _findings(prev, text) == []


PASSWORDS = [
    (None, "the password's maple77", [(PWD, "maple77")]),
    (None, "pw: Tr0ub4dor", [(PWD, "Tr0ub4dor")]),
    ("What's your password?", "it's Winter2025!", [(PWD, "Winter2025")]),
    (None, "my password is bluebird", [(PWD, "bluebird")]),
    (None, "password is sunshine42 all lowercase", [(PWD, "sunshine42")]),
    (None, "i changed my password to Hunter2024 last week", [(PWD, "Hunter2024")]),
    (
        "What's your password?",
        "capital k, lowercase q, the number five, then a dollar sign",
        [(PWD, "capital k, lowercase q, the number five, then a dollar sign")],
    ),
    (
        None,
        "my password is capital r a i n seven seven exclamation mark",
        [(PWD, "capital r a i n seven seven exclamation mark")],
    ),
]

PASSWORDS += [
    (None, "password tiger52", [(PWD, "tiger52")]),
    (None, "the password I set was M4pl3$", [(PWD, "M4pl3$")]),
    (None, "try maple87 as the password", [(PWD, "maple87")]),
    (None, "my password for the app is s u n s e t 2 8 2", [(PWD, "s u n s e t 2 8 2")]),
    (None, "the password is, um, P!ckl3$", [(PWD, "P!ckl3$")]),
    (
        "Could you give me your online banking password?",
        "i think it's rocket80",
        [(PWD, "rocket80")],
    ),
]

PASSWORD_NEGATIVE = [
    (None, "my password stopped working"),
    (None, "i need to reset my password"),
    (None, "the password reset email never came"),
    (None, "my password is not working"),
    (None, "i forgot my password again"),
    (None, "is the password case sensitive"),
    (None, "the password is wrong apparently"),
    (None, "what password"),
    (None, "my password isn't working"),
    ("What's your password?", "hold on, I don't remember it"),
]


@pytest.mark.parametrize(("prev", "text", "expected"), PASSWORDS)
def test_password(prev, text, expected):
    _check(prev, text, expected)


@pytest.mark.parametrize(("prev", "text"), PASSWORD_NEGATIVE)
def test_password_negatives(prev, text):
    assert _findings(prev, text) == []


@pytest.mark.parametrize(
    "text",
    [
        "What's your password?",
        "Can you tell me your password so I can verify the account?",
        "Please say your password slowly.",
        "Your password must be at least eight characters.",
        "I'll need the passcode for the account.",
        "What's the PIN on the account?",
        "You don't need to give me the PIN, just the password. Thanks!",
        "The password is 12 characters long.",
        "Your password is case sensitive.",
    ],
)
def test_agent_questions_disclose_nothing(text):
    assert scan(text, "agent").findings == ()


SSNS = [
    (
        None,
        "my social is one two three four five double nine eight seven",
        [(SSN, "one two three four five double nine eight seven")],
    ),
    (
        None,
        "social is double one two, three four, five six seven eight",
        [(SSN, "double one two, three four, five six seven eight")],
    ),
    (None, "the social on the account is 123-45-6789", [(SSN, "123-45-6789")]),
    (None, "the social security number on my account is 219 09 9999", [(SSN, "219 09 9999")]),
    (
        None,
        "ssn on the account is one two three four five six seven eight nine",
        [(SSN, "one two three four five six seven eight nine")],
    ),
]


SSNS += [
    (None, "my ss number is 8 7 6 7 1 2 4 0 3", [(SSN, "8 7 6 7 1 2 4 0 3")]),
    (
        "Can I get your social, please?",
        "5 8 1 1 7, 5 8 1 1 7 2 4 4 7",
        [(SSN, "5 8 1 1 7, 5 8 1 1 7 2 4 4 7")],
    ),
    (None, "152793377, sorry, 152793357 is my social", [(SSN, "152793377, sorry, 152793357")]),
    (
        None,
        "last four of the social, 3 9 4 6, no wait, 3 5 4 6",
        [(SSN, "3 9 4 6, no wait, 3 5 4 6")],
    ),
]


@pytest.mark.parametrize(("prev", "text", "expected"), SSNS)
def test_ssn(prev, text, expected):
    _check(prev, text, expected)


PINS = [
    (None, "the pin on the account is 4321", [(PIN, "4321")]),
    (None, "my passcode is 9 9 8 8", [(PIN, "9 9 8 8")]),
    (None, "passcode is one nine seven five", [(PIN, "one nine seven five")]),
    ("Please say your PIN.", "1 9 7 5, no wait, 1 9 7 6", [(PIN, "1 9 7 5, no wait, 1 9 7 6")]),
    (None, "my pin is 1 9 7 5, no wait, 1 9 7 6", [(PIN, "1 9 7 5, no wait, 1 9 7 6")]),
    (None, "i tried 2 4 6 8 but it said wrong pin", [(PIN, "2 4 6 8")]),
    (
        None,
        "i entered one three five seven and it said incorrect pin",
        [(PIN, "one three five seven")],
    ),
]

PIN_NEGATIVE = [
    (None, "i tried 3 times but it said wrong pin"),
    (None, "my pin stopped working"),
]


@pytest.mark.parametrize(("prev", "text", "expected"), PINS)
def test_pin(prev, text, expected):
    _check(prev, text, expected)


@pytest.mark.parametrize(("prev", "text"), PIN_NEGATIVE)
def test_pin_negatives(prev, text):
    assert _findings(prev, text) == []


CARDS = [
    (None, "my card number is 5,105,105,105,105,100", [(CARD, "5,105,105,105,105,100")]),
    (None, "5,105,105,105,105,100", [(CARD, "5,105,105,105,105,100")]),
    (
        None,
        "4111 1111 1111 where was i 1111 1111",
        [(CARD, "4111 1111 1111 where was i 1111 1111")],
    ),
    (
        None,
        "card is 4111 1111 1112 i mean 4111 1111 1111 1111",
        [(CARD, "4111 1111 1112 i mean 4111 1111 1111 1111")],
    ),
]

CARDS += [
    (
        None,
        "it's a mastercard ending well the whole thing is 5555555555554444",
        [(CARD, "5555555555554444")],
    ),
    (
        None,
        "i want to increase the limit on my card # 4012888888881881",
        [(CARD, "4012888888881881")],
    ),
    (
        None,
        "my card 4111111111111111 is lost, send a new one to 05405 main street",
        [(CARD, "4111111111111111")],
    ),
]

CARD_NEGATIVE = [
    (None, "the card has a limit of 5000"),
    (None, "i'll pay 1500 on the card"),
    (None, "i spent 2300 on the card last month"),
    (None, "i've had the card since 2015"),
    (None, "it's the card i got in 2019"),
    (None, "it's the card ending fifty two ten"),
    (None, "the card ending in five two one zero"),
    (None, "the billing zip for the card is 94107"),
    (None, "the billing zip code on the card is nine four one oh seven"),
    (None, "my insurance card member id is 987654321"),
    (None, "the number on my insurance card is 987654321"),
    (None, "the member number on my card is 12345678"),
    (None, "it's a visa last uh four 9813"),
]


@pytest.mark.parametrize(("prev", "text", "expected"), CARDS)
def test_payment_card(prev, text, expected):
    _check(prev, text, expected)


@pytest.mark.parametrize(("prev", "text"), CARD_NEGATIVE)
def test_payment_card_negatives(prev, text):
    assert _findings(prev, text) == []


BANK_ACCOUNTS = [
    (None, "my account number is 12345678901", [(ACCT, "12345678901")]),
    (None, "checking account 0012 3456 789", [(ACCT, "0012 3456 789")]),
    (
        "What's your account number?",
        "it's four four five five six six seven seven",
        [(ACCT, "four four five five six six seven seven")],
    ),
]

BANK_ACCOUNT_NEGATIVE = [
    (None, "i want to transfer 25000 from my savings account"),
    (None, "i opened the account in 2015"),
    (None, "the phone number on the account is 415 555 0134"),
    (None, "the account was opened on 03/14/2019"),
    (None, "i've had this account since twenty ten"),
    (None, "the account has about 2,500 in it"),
    (None, "i have 2 accounts with you"),
]


@pytest.mark.parametrize(("prev", "text", "expected"), BANK_ACCOUNTS)
def test_bank_account(prev, text, expected):
    _check(prev, text, expected)


@pytest.mark.parametrize(("prev", "text"), BANK_ACCOUNT_NEGATIVE)
def test_bank_account_negatives(prev, text):
    assert _findings(prev, text) == []


DATES_OF_BIRTH = [
    (None, "born 7/4/1990", [(DOB, "7/4/1990")]),
    (None, "my birthday's 04/07/90", [(DOB, "04/07/90")]),
    ("What's your date of birth?", "six oh two eighty-one", [(DOB, "six oh two eighty-one")]),
    ("What's your date of birth?", "six oh two eighty one", [(DOB, "six oh two eighty one")]),
    (
        None,
        "i was born on the third of may nineteen seventy",
        [(DOB, "third of may nineteen seventy")],
    ),
    (None, "dob is one twelve ninety", [(DOB, "one twelve ninety")]),
    (None, "my date of um birth is 10/17/1983", [(DOB, "10/17/1983")]),
    (None, "dob 11 12, 11 12 2006", [(DOB, "11 12, 11 12 2006")]),
    (
        "And your date of birth?",
        "four twenty one two thousand two",
        [(DOB, "four twenty one two thousand two")],
    ),
    (None, "1958-08-14 that's my date of like birth", [(DOB, "1958-08-14")]),
]


@pytest.mark.parametrize(("prev", "text", "expected"), DATES_OF_BIRTH)
def test_date_of_birth(prev, text, expected):
    _check(prev, text, expected)


@pytest.mark.parametrize(
    "text",
    [
        "password is " * 4000,
        "1 " * 4000,
        "1-" * 4000,
        "pin is 1 " * 2000,
        "iban g b 8 2 " * 1500,
        "one two sorry " * 1200,
        "try x as the password " * 800,
        "1/2/" * 4000,
    ],
    ids=["password", "ones", "dashes", "pins", "ibans", "corrections", "try_as", "slashes"],
)
def test_long_inputs_stay_fast(text):
    """Work grows linearly with the text: 16k characters take well under a second."""
    t0 = time.perf_counter()
    scan(text, "caller")
    assert time.perf_counter() - t0 < 2.0


ROUTING = [
    (
        None,
        "the nine digits on the left are oh one six, three seven one, three two five",
        [("routing_number", "oh one six, three seven one, three two five")],
    ),
    (
        None,
        "the routing number on the the bottom left of the check is 0 4 8 7 3 5 5 9 9",
        [("routing_number", "0 4 8 7 3 5 5 9 9")],
    ),
]


@pytest.mark.parametrize(("prev", "text", "expected"), ROUTING)
def test_routing_number(prev, text, expected):
    _check(prev, text, expected)


def test_agent_reading_back_card_and_expiry_is_a_finding():
    text = "I have your card as 4111 1111 1111 1111, expiring 04/29, is that right?"
    got = [(f.category, text[f.start : f.end]) for f in scan(text, "agent").findings]
    assert got == [(CARD, "4111 1111 1111 1111"), (EXP, "04/29")]


def test_valid_card_after_a_money_word_is_still_a_card():
    text = "i want to pay with 4111 1111 1111 1111"
    assert [f.category for f in scan(text, "caller").findings] == [CARD]


CUE_PHRASINGS = [
    ("exp. 04/29", EXP),
    ("expiry date's oh three slash two seven", EXP),
    ("the card's valid until april twenty nine", EXP),
    ("the last three digits on the back are 737", CSC),
    ("the three digit security code is 123", CSC),
    ("cvv's 123", CSC),
    ("my ssn's 123 45 6789", SSN),
    ("social security number's 123-45-6789", SSN),
    ("the social on my bank account is 123-45-6789", SSN),
    ("the pin for my debit card is 1234", PIN),
    ("pin code's 1234", PIN),
    ("routing and transit number 021000021", "routing_number"),
    ("aba routing 021000021", "routing_number"),
    ("d.o.b. 01/02/1980", DOB),
    ("my birthdate is 1/2/80", DOB),
    ("the password to my account is Maple77", PWD),
    ("passwd hunter2", PWD),
    ("it's a savings account, number 987654321", ACCT),
    ("account number oh oh one two three four five six seven", ACCT),
]


@pytest.mark.parametrize(("text", "category"), CUE_PHRASINGS)
def test_cue_phrasings(text, category):
    assert {f.category for f in scan(text, "caller").findings} == {category}


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("my account number is 12,345,678", ACCT),
        ("my social is 123,456,789", SSN),
        ("pin is 1,234", PIN),
        ("my pin is four thousand three hundred twenty one", PIN),
        ("the security code is eight hundred and two", CSC),
    ],
)
def test_a_value_said_as_a_cardinal_right_after_its_cue(text, category):
    assert {f.category for f in scan(text, "caller").findings} == {category}


@pytest.mark.parametrize(
    "text", ["my card is 5,000 over the limit", "the account has 12,345 in it"]
)
def test_an_amount_near_a_cue_is_not_a_value(text):
    assert scan(text, "caller").findings == ()


VALUES = {
    CARD: "4111 1111 1111 1111",
    CSC: "7 3 7",
    EXP: "04/29",
    SSN: "219-09-9999",
    ACCT: "000123456789",
    "routing_number": "021000021",
    DOB: "07/04/1980",
    PIN: "4 3 2 1",
    PWD: "Tr0ub4dor&3",
    IBAN: "DE89 3704 0044 0532 0130 00",
}
BEFORE = [
    (CARD, "the primary account number is"),
    (CARD, "the number across the front is"),
    (CSC, "the code next to the signature is"),
    (CSC, "the back of the card says"),
    (EXP, "the expiration month and year are"),
    (EXP, "the date on the front is"),
    (ACCT, "my checking number is"),
    (ACCT, "deposit it into account"),
    ("routing_number", "the routing and transit number is"),
    (DOB, "my d.o.b. is"),
    (PIN, "the personal identification number is"),
    (PWD, "the password for online banking is"),
    (IBAN, "the international bank account number is"),
]
AFTER = [
    (CARD, "is the number on the front"),
    (CSC, ", those are the three digits on the back"),
    (EXP, ", that's when the card expires"),
    (SSN, "that's my social security number"),
    (ACCT, "is the checking account"),
    ("routing_number", "is the aba"),
    (DOB, "is my birthday"),
    (PIN, "is my passcode"),
    (PWD, "that's my password"),
    (IBAN, "that's my iban"),
]


@pytest.mark.parametrize(("category", "cue"), BEFORE)
def test_cue_before_the_value(category, cue):
    text = f"{cue} {VALUES[category]}"
    _check(None, text, [(category, VALUES[category])])


@pytest.mark.parametrize(("category", "cue"), AFTER)
def test_cue_after_the_value(category, cue):
    text = f"um {VALUES[category]} {cue}"
    _check(None, text, [(category, VALUES[category])])


# ---- round 2: homophones, one-time codes, passphrases, non-card codes -------------------

HOMOPHONE_DIGITS = [
    ("Please say your PIN.", "for for seven won", [(PIN, "for for seven won")]),
    ("Please say your PIN again.", "ate three oh to", [(PIN, "ate three oh to")]),
    (None, "pin number to five ate oh", [(PIN, "to five ate oh")]),
    (None, "my pin is won to three for", [(PIN, "won to three for")]),
    (None, "the pin is four to ate won", [(PIN, "four to ate won")]),
    (None, "my pin is for for seven won", [(PIN, "for for seven won")]),
    (None, "i was born oh ate oh to eighty five", [(DOB, "oh ate oh to eighty five")]),
    (
        None,
        "my social is won to three, for five, six seven ate nine",
        [(SSN, "won to three, for five, six seven ate nine")],
    ),
    (
        None,
        "social security number to three for five six seven ate nine won",
        [(SSN, "to three for five six seven ate nine won")],
    ),
    (None, "my atm pin is ate ate won too i mean 8812", [(PIN, "ate ate won too"), (PIN, "8812")]),
    (None, "the pin is ate won too for", [(PIN, "ate won too for")]),
    # homophones that are words: too few digits, or no single digit beside them
    (None, "for to for to", []),
    (None, "to to to to the store", []),
    (None, "we are open from nine to five on weekdays", []),
    (None, "it's a two for one deal on pizzas", []),
    (None, "it took from 10 to 20 for 30 minutes", []),
    (None, "i ate four eggs for breakfast", []),
    (None, "we won two games to one last night", []),
    (None, "i need to go to the store for milk", []),
]


@pytest.mark.parametrize(("prev", "text", "expected"), HOMOPHONE_DIGITS)
def test_digit_homophones_in_a_stretch_of_digits_are_digits(prev, text, expected):
    _check(prev, text, expected)


ONE_TIME_CODES = [
    (None, "the code they texted me is 482913", [(PIN, "482913")]),
    (None, "the verification code is 2 2 6 1 9 0", [(PIN, "2 2 6 1 9 0")]),
    (
        None,
        "the code is nine three two eight one four from the text",
        [(PIN, "nine three two eight one four")],
    ),
    (None, "the code i got was for ate to nine won three", [(PIN, "for ate to nine won three")]),
    # a three or four digit code is still the card's security code
    (None, "the code on the back is 123", [(CSC, "123")]),
    (None, "the security code is seven three seven", [(CSC, "seven three seven")]),
]


@pytest.mark.parametrize(("prev", "text", "expected"), ONE_TIME_CODES)
def test_a_five_to_eight_digit_code_is_a_one_time_passcode(prev, text, expected):
    _check(prev, text, expected)


NON_CARD_CODES = [
    (None, "Response Status Code: 200", []),
    (None, "HTTP status code 503 from the payment page", []),
    (None, "it gave me error code 404 when i tried to pay", []),
    (None, "the app crashed with exit code 137", []),
    (None, "the http error codes were 500 and 502", []),
    (None, "the country code is 44 for the uk", []),
    (None, "my area code is 415", []),
    (None, "the promo code is 1234", []),
    (None, "the gate code is 4821", [(PIN, "4821")]),  # an access code: a secret, no card's
    (None, "status code 200, and the security code is 123", [(CSC, "123")]),
    ("And the three digits on the back?", "the code is 384", [(CSC, "384")]),
]


@pytest.mark.parametrize(("prev", "text", "expected"), NON_CARD_CODES)
def test_a_code_in_a_non_card_sense_is_no_security_code(prev, text, expected):
    _check(prev, text, expected)


def test_the_log_scrubber_keeps_an_http_status_code():
    from guardrail.logs import scrub

    assert scrub("Response Status Code: 200") == "Response Status Code: 200"


PASSPHRASES = [
    (None, "my password is tiger lily two words", [(PWD, "tiger lily")]),
    (
        None,
        "ok um the passphrase is correct horse battery staple",
        [(PWD, "correct horse battery staple")],
    ),
    (None, "the verbal password is purple elephant", [(PWD, "purple elephant")]),
    (
        None,
        "password is sunshine forty two like sunshine and the number",
        [(PWD, "sunshine forty two")],
    ),
    (None, "ok the password is chicago bears 85 with spaces i think", [(PWD, "chicago bears 85")]),
    (None, "my password is grandma's garden", [(PWD, "grandma's garden")]),
    (None, "my password is bluebird and that's all", [(PWD, "bluebird")]),
    # a cue followed by words that are no password
    (None, "my password is not working", []),
    (None, "my password is the same as before", []),
    (None, "my password is correct but it still fails", []),
    (None, "my password is wrong again i think", []),
    (None, "my password was changed last week by my son", []),
    (None, "the password is on a sticky note", []),
    (None, "my password is in my email somewhere", []),
    (None, "the password is my dog's name and the year", []),
    (None, "your password must be at least eight characters long", []),
]


@pytest.mark.parametrize(("prev", "text", "expected"), PASSPHRASES)
def test_a_passphrase_of_words_after_a_password_cue(prev, text, expected):
    _check(prev, text, expected)


def test_a_social_card_is_an_ssn_cue_not_a_payment_card_one():
    _check(None, "the number on my social card is 618 24 5570", [(SSN, "618 24 5570")])
    _check(None, "my social security card number is 123-45-6789", [(SSN, "123-45-6789")])


BILLER_ACCOUNTS = [
    (None, "the account number on my electric bill is 2200 4471 9938", []),
    (None, "my gas account is nine nine one two three four five five six seven", []),
    (None, "the water bill account is 0091 2234 55", []),
    (None, "cable account number eight three one two two oh nine four four five", []),
    (None, "the electric account is 1 0 0 4 4 7 2 8 9 1", []),
    (None, "my internet account number is 55 0012 3488", []),
    (None, "the order number is 1234567890123", []),
    (None, "my member number is 88 1044 7721", []),
    (None, "call me back at 555-867-5309", []),
    (
        None,
        "it's the electric account 1004472891, pay it from checking 8821046633 routing 053000219",
        [(ACCT, "8821046633"), ("routing_number", "053000219")],
    ),
    (None, "044000037 checking 91827364", [("routing_number", "044000037"), (ACCT, "91827364")]),
    (
        None,
        "my checking seven seven oh four three two one nine",
        [(ACCT, "seven seven oh four three two one nine")],
    ),
    (None, "my savings account 00123456789", [(ACCT, "00123456789")]),
    (None, "my checking account number is 12345678", [(ACCT, "12345678")]),
    (None, "i'm checking 3 things on my list", []),
]


@pytest.mark.parametrize(("prev", "text", "expected"), BILLER_ACCOUNTS)
def test_a_billers_account_number_is_no_bank_account(prev, text, expected):
    _check(prev, text, expected)


CARD_CODE_PHRASINGS = [
    (None, "security code ate one five", [(CSC, "ate one five")]),
    (None, "code on the back is won too three", [(CSC, "won too three")]),
    (
        None,
        "card number 4111111111111111. expiration 1127 security 445",
        [(CARD, "4111111111111111"), (EXP, "1127"), (CSC, "445")],
    ),
    (
        None,
        "number 4012-8888-8888-1881 exp 2028-06 cvc 090",
        [(CARD, "4012-8888-8888-1881"), (EXP, "2028-06"), (CSC, "090")],
    ),
    (None, "the security deposit is 500 dollars", []),
    (None, "we won two to one on saturday", []),
    (None, "my social security number is 123-45-6789", [(SSN, "123-45-6789")]),
]


@pytest.mark.parametrize(("prev", "text", "expected"), CARD_CODE_PHRASINGS)
def test_card_codes_with_homophones_a_bare_security_cue_and_year_first_expiry(prev, text, expected):
    _check(prev, text, expected)


ROUTING_BESIDE_CHECKING = [
    (None, "the routing on my checking is 021000021", [("routing_number", "021000021")]),
    (None, "routing number for checking, 021000021", [("routing_number", "021000021")]),
    (None, "checking, 021000021", [("routing_number", "021000021")]),
    (
        None,
        "checking 021000021 and the account is 12345678",
        [("routing_number", "021000021"), (ACCT, "12345678")],
    ),
    (None, "my checking account is 021000021", [(ACCT, "021000021")]),
    (None, "my checking is 12345678", [(ACCT, "12345678")]),
]


@pytest.mark.parametrize(("prev", "text", "expected"), ROUTING_BESIDE_CHECKING)
def test_a_routing_number_beside_a_bare_checking_cue_stays_a_routing_number(prev, text, expected):
    _check(prev, text, expected)


CARDS_BESIDE_HOMOPHONES = [
    (
        None,
        "yeah uh five five five five five five five five five five five five for for for for",
        [(CARD, "five five five five five five five five five five five five for for for for")],
    ),
    (
        None,
        "charge it to 4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 please",
        [(CARD, "4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1")],
    ),
    (
        None,
        "4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 for the payment",
        [(CARD, "4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1")],
    ),
    (
        None,
        "four zero one two eight eight eight eight eight eight eight eight one eight eight one to be charged",
        [
            (
                CARD,
                "four zero one two eight eight eight eight eight eight eight eight one eight eight one",
            )
        ],
    ),
    (None, "the card is 4111 1111 1111 1111 for 9 dollars", [(CARD, "4111 1111 1111 1111")]),
    (
        None,
        "my card is four won one one one one one one one one one one one one one one",
        [(CARD, "four won one one one one one one one one one one one one one one")],
    ),
]


@pytest.mark.parametrize(("prev", "text", "expected"), CARDS_BESIDE_HOMOPHONES)
def test_a_homophone_at_the_edge_of_a_card_number_is_a_word(prev, text, expected):
    _check(prev, text, expected)


SECURITY_WORDS = [
    (None, "security word is Bluebonnet", [(PWD, "Bluebonnet")]),
    (None, "the security word is springfield", [(PWD, "springfield")]),
    (None, "my memorable word is Pickle", [(PWD, "Pickle")]),
    (None, "the security word is hollyhock like the flower", [(PWD, "hollyhock")]),
    (None, "my memorable word is sunshine all lowercase", [(PWD, "sunshine")]),
    (None, "security word, it is Pumpkin", [(PWD, "Pumpkin")]),
    (None, "the security word is grandma's garden", [(PWD, "grandma's garden")]),
    (None, "my security phrase is Tr0ub4dor", [(PWD, "Tr0ub4dor")]),
    (None, "my passcode for the app is the word pineapple", [(PWD, "pineapple")]),
    (None, "my password is the word banana all lowercase", [(PWD, "banana")]),
    (None, "my password is maple like the tree", [(PWD, "maple")]),
    (
        None,
        "my password is the phrase correct horse battery staple",
        [(PWD, "correct horse battery staple")],
    ),
    # named without a value
    (None, "I forgot my security word", []),
    (None, "my security word was changed last week", []),
    (None, "the security word is the same as before", []),
    (None, "my security question is my first pet", []),
    (None, "what is the memorable word on my account for", []),
    (None, "my password is the word I told you", []),
    (None, "my password is like the old one", []),
]


@pytest.mark.parametrize(("prev", "text", "expected"), SECURITY_WORDS)
def test_a_security_or_memorable_word_is_a_password(prev, text, expected):
    _check(prev, text, expected)


def test_an_agent_asking_for_the_security_word_discloses_nothing():
    assert scan("what is the security word on file?", "agent").findings == ()
    assert scan("can you tell me your memorable word please", "agent").findings == ()


ANSWERS_AFTER_A_FAILED_SECRET = [
    (
        "That password was incorrect. Do you want to try another one?",
        "try summer1988",
        [(PWD, "summer1988")],
    ),
    ("I'm sorry, the password didn't match.", "oh maybe it's Sunflower22", [(PWD, "Sunflower22")]),
    ("Sorry, the security word did not match.", "maybe Marmalade", [(PWD, "Marmalade")]),
    ("What is your password?", "try Maple77", [(PWD, "Maple77")]),
    ("What's the security word on file?", "marmalade", [(PWD, "marmalade")]),
    (
        "That PIN didn't match. Can you try again?",
        "ok five five eight oh",
        [(PIN, "five five eight oh")],
    ),
    ("I am sorry, that pin is not correct.", "one two three four", [(PIN, "one two three four")]),
    ("Ok, I'll need the passcode for telephone banking.", "let me try 7272", [(PIN, "7272")]),
    # no value in the answer
    ("I'm sorry, the password didn't match.", "hold on let me check", []),
    ("That password was incorrect. Do you want to try another one?", "try resetting it", []),
    ("That PIN didn't match. Can you try again?", "ok let me find it", []),
    ("Your password was incorrect.", "ok I will try again later", []),
    ("Did you forget your password? That can be reset.", "yeah I forgot my password", []),
]


@pytest.mark.parametrize(("prev", "text", "expected"), ANSWERS_AFTER_A_FAILED_SECRET)
def test_an_answer_after_a_failed_secret_is_that_secret(prev, text, expected):
    _check(prev, text, expected)


@pytest.mark.parametrize(
    ("line", "asks"),
    [
        ("What's the security word on file?", ("password",)),
        ("What's the password on file?", ("password",)),
        ("your date of birth is on file", ()),
        ("is my date of birth on file?", ()),
        ("we have your password on file, what else can I help with?", ()),
    ],
)
def test_a_what_question_about_a_value_on_file_asks_for_it(line, asks):
    assert scan(line, "agent").requests == asks


HOLIDAY_BIRTHS = [
    (None, "i was born on christmas day 1969", [(DOB, "christmas day 1969")]),
    (
        None,
        "birthday valentines day nineteen sixty three",
        [(DOB, "valentines day nineteen sixty three")],
    ),
    (None, "born on new year's day eighty two", [(DOB, "new year's day eighty two")]),
    (None, "my birthday is on halloween 1985", [(DOB, "halloween 1985")]),
    (None, "my date of birth is st patricks day 1955", [(DOB, "st patricks day 1955")]),
    ("And your date of birth?", "christmas eve 1971", [(DOB, "christmas eve 1971")]),
    # a holiday and a year that are no birth date
    (None, "we met on christmas day 1999", []),
    (None, "i paid 40 dollars on christmas day", []),
    (None, "christmas day 2019 was when i opened the account", []),
    ("What's the card number?", "the card was sent on boxing day", []),
]


@pytest.mark.parametrize(("prev", "text", "expected"), HOLIDAY_BIRTHS)
def test_a_holiday_and_a_year_after_a_birth_word_is_a_date_of_birth(prev, text, expected):
    _check(prev, text, expected)


PASSCODE_ANSWERS = [
    ("Go ahead with the passcode.", "six two four eight", [(PIN, "six two four eight")]),
    ("Go ahead with the passcode.", "it's 4 8 1 9", [(PIN, "4 8 1 9")]),
    (
        "Can I take the passcode please?",
        "yeah it's nine one nine three",
        [(PIN, "nine one nine three")],
    ),
    ("Whenever you're ready, the passcode.", "oh seven oh seven", [(PIN, "oh seven oh seven")]),
    # a passcode in letters stays a password
    ("Go ahead with the passcode.", "its bluebird22", [(PWD, "bluebird22")]),
    # a password asked for by name: digits are that password
    ("What is your password?", "six two four eight", [(PWD, "six two four eight")]),
    ("What's the password or passcode?", "six two four eight", [(PWD, "six two four eight")]),
    # no value
    ("Go ahead with the passcode.", "hold on i don't remember it", []),
    ("Go ahead with the passcode.", "i forgot my passcode", []),
]


@pytest.mark.parametrize(("prev", "text", "expected"), PASSCODE_ANSWERS)
def test_digits_after_a_plain_passcode_request_are_a_pin(prev, text, expected):
    _check(prev, text, expected)


SPELL_IT = [
    (
        "Can you spell it for me?",
        "sure, K as in kite, A, Y, A, K, 2, 0, 0, 7",
        [(PWD, "K as in kite, A, Y, A, K, 2, 0, 0, 7")],
    ),
    ("Could you spell that out?", "b as in bravo, 4, 7, x", [(PWD, "b as in bravo, 4, 7, x")]),
    ("Can you spell it for me?", "it is m a p l e 7 7", [(PWD, "m a p l e 7 7")]),
    ("Sorry, can you spell it again?", "capital r o c k e t 8 8", [(PWD, "r o c k e t 8 8")]),
    # a spelled name or word, no digit: nothing secret was asked for
    ("Can you spell it for me?", "s m i t h", []),
    ("Could you spell that out?", "yeah its j o h n s o n", []),
    # no "spell it" before: a spelled string alone is no password
    ("Thanks.", "m a p l e 7 7", []),
    ("Can you spell it for me?", "sorry i don't know how it's spelled", []),
]


@pytest.mark.parametrize(("prev", "text", "expected"), SPELL_IT)
def test_a_spelled_mix_after_a_bare_spell_it_is_a_password(prev, text, expected):
    _check(prev, text, expected)


def test_spell_it_after_a_password_request_asks_for_the_password_again():
    cs = CallScanner()
    cs.agent("What's your password?")
    assert cs.agent("Can you spell it for me?").requests == (PWD,)
    assert [f.category for f in cs.caller("t i g e r").findings] == [PWD]


SLASHED_HOMOPHONES = [
    (None, "dob is ate slash twelve slash sixty one", [(DOB, "ate slash twelve slash sixty one")]),
    (
        None,
        "my birthday is twelve slash ate slash eighty",
        [(DOB, "twelve slash ate slash eighty")],
    ),
    (
        None,
        "born won slash twenty slash nineteen ninety",
        [(DOB, "won slash twenty slash nineteen ninety")],
    ),
    (
        "And your date of birth?",
        "ate slash for slash seventy",
        [(DOB, "ate slash for slash seventy")],
    ),
    # a homophone beside a single slash, or slashes with no number, stays a word
    (None, "i went to slash dot com", []),
    (None, "it is for slash to", []),
    (None, "the answer is either or slash and", []),
]


@pytest.mark.parametrize(("prev", "text", "expected"), SLASHED_HOMOPHONES)
def test_a_homophone_in_a_slashed_date_is_its_digit(prev, text, expected):
    _check(prev, text, expected)


@pytest.mark.parametrize(
    ("line", "asks"),
    [
        ("Thanks for calling, can I get the policyholder's social?", ("ssn",)),
        ("what's the account holder's social", ("ssn",)),
        ("and your husband's social security number?", ("ssn",)),
        ("can I get the patient's social?", ("ssn",)),
        # a holder's social something else, or no social at all
        ("the policyholder's social media account was hacked", ()),
        ("the patient's social worker will call you back", ()),
        ("can I get the policyholder's name?", ()),
    ],
)
def test_a_holders_social_is_an_ssn_request(line, asks):
    assert scan(line, "agent").requests == asks


WORD_THEN_SPELLING = [
    (
        None,
        "yeah my password is tangerine t a n g e r i n e",
        [(PWD, "tangerine t a n g e r i n e")],
    ),
    (None, "my password is tangerine, t a n g e r i n e", [(PWD, "tangerine, t a n g e r i n e")]),
    (None, "my password is maple77 m a p l e 7 7", [(PWD, "maple77 m a p l e 7 7")]),
    (
        None,
        "password is bluebird b l u e b i r d all lower case",
        [(PWD, "bluebird b l u e b i r d")],
    ),
    (None, "my password is Tiger T-I-G-E-R", [(PWD, "Tiger T-I-G-E-R")]),
    (
        "What's your password?",
        "its tangerine t a n g e r i n e",
        [(PWD, "tangerine t a n g e r i n e")],
    ),
    # a word and letters that do not spell it: no spelling joins it
    (None, "my password is tangerine and i forgot it", [(PWD, "tangerine")]),
    (None, "i forgot my password, can you reset it", []),
    (None, "my password has a t in it somewhere", []),
    ("Can I have your name?", "tangerine t a n g e r i n e", []),
    (None, "my password stopped working", []),
]


@pytest.mark.parametrize(("prev", "text", "expected"), WORD_THEN_SPELLING)
def test_a_written_password_spelled_again_is_one_value(prev, text, expected):
    _check(prev, text, expected)


SENT_CODE = [
    (
        "I sent a six-digit code to your email.",
        "ok i see it, seven seven one, oh nine two",
        [(PIN, "seven seven one, oh nine two")],
    ),
    (
        "I just sent a one-time code to your phone. Can you read it to me?",
        "yep it's 3 9 1 8 0 6",
        [(PIN, "3 9 1 8 0 6")],
    ),
    ("We've just sent you a verification code.", "it says 48 2 9 1 3", [(PIN, "48 2 9 1 3")]),
    (
        "I've resent the code.",
        "got it, five five one two oh nine",
        [(PIN, "five five one two oh nine")],
    ),
    # told not to share it, no code sent, or no value in the answer
    ("I've sent a code to your phone, don't share it with anyone.", "ok 3 9 1 8 0 6", []),
    ("I sent the letter to your address.", "ok 3 9 1 8 0 6", []),
    ("I sent a code to your phone.", "ok thanks, i'll wait for it", []),
]


@pytest.mark.parametrize(("prev", "text", "expected"), SENT_CODE)
def test_digits_after_the_agent_sent_a_code_are_a_pin(prev, text, expected):
    _check(prev, text, expected)


def test_a_sent_code_report_is_no_request():
    cs = CallScanner()
    assert cs.agent("I sent a six-digit code to your email.").requests == ()
    assert cs.expected == (PIN,)


CORRECTIONS = [
    (
        None,
        "my password is hunter2... no, it's Hunter2024!",
        [(PWD, "hunter2"), (PWD, "Hunter2024!")],
    ),
    (
        None,
        "my password is hunter2, no wait, it's Hunter2024!",
        [(PWD, "hunter2"), (PWD, "Hunter2024!")],
    ),
    (
        None,
        "my password is hunter2... no, that was the old one, it's Hunter2024!",
        [(PWD, "hunter2"), (PWD, "Hunter2024!")],
    ),
    (None, "my password is maple77, sorry, i mean Maple77!", [(PWD, "maple77"), (PWD, "Maple77!")]),
    # a "no" after the value that corrects nothing
    (None, "my password is maple77, no it is not working", [(PWD, "maple77")]),
    (None, "my password is maple77 no i think that's right", [(PWD, "maple77")]),
    (None, "my password is maple77, wait, it's fine", [(PWD, "maple77")]),
    (None, "my password is maple77, no, it's the same one", [(PWD, "maple77")]),
    (None, "i forgot my password, no, it's not on file", []),
]


@pytest.mark.parametrize(("prev", "text", "expected"), CORRECTIONS)
def test_a_corrected_password_gives_both_values(prev, text, expected):
    _check(prev, text, expected)
