# ruff: noqa: E501
"""Numeric disclosure kinds: SSNs, PINs, dates of birth, card expiries and codes, accounts.

One test per kind of phrasing the detector learned, each with several
phrasings and the realistic negatives a looser rule would flag. A case is
(what the agent said before or None, the caller's text, [(category,
substring)]): each substring must be covered by a finding of its category,
and no finding may fall outside them. Card numbers are public test cards;
every other number is made up.
"""

from __future__ import annotations

import pytest
from test_disclosure_kinds import ACCT, CARD, CSC, DOB, EXP, PIN, SSN, _check

from guardrail.detect import CallScanner

ROUTING = "routing_number"


def _cases(*groups: list) -> list:
    return [case for group in groups for case in group]


# == ssn ===========================================================================================

# nine digits in one breath, said in words or read digit by digit, validate themselves
SSN_SAID_WHOLE = [
    (
        None,
        "uh yeah five twelve oh eight thirty nine forty one",
        [(SSN, "five twelve oh eight thirty nine forty one")],
    ),
    (
        None,
        "five twenty nine eighty one oh three six seven",
        [(SSN, "five twenty nine eighty one oh three six seven")],
    ),
    (
        None,
        "hmm let me think three four five um one two um six seven eight nine",
        [(SSN, "three four five um one two um six seven eight nine")],
    ),
    (None, "ok it's 2 1 9 4 4 7 0 8 3", [(SSN, "2 1 9 4 4 7 0 8 3")]),
    # said again after "no wait": the corrected nine digits
    (
        None,
        "it's three eight nine six one oh seven four four no wait three eight nine six one oh seven four seven",
        [
            (
                SSN,
                "three eight nine six one oh seven four four no wait three eight nine six one oh seven four seven",
            )
        ],
    ),
    # nine words after a "sorry" inside a longer value are no SSN of their own
    (
        None,
        "IBAN G B seven one K T O T six three three nine seven, sorry, zero seven seven eight two nine eight six zero",
        [
            (
                "iban",
                "G B seven one K T O T six three three nine seven, sorry, zero seven seven eight two nine eight six zero",
            )
        ],
    ),
]
SSN_SAID_WHOLE_NEGATIVES = [
    (None, "nine hundred twelve thousand four hundred and one"),  # a cardinal
    (None, "nine eight seven six five four three two one"),  # area 9xx: no SSN
    (None, "one like one one one one one one one one that's um it"),
]


# a restart after a filler ("six oh one uh six oh one, ..."), a cue that only says whose a
# thing is ("the policy's in my name"), "on the claim" after the SSN cue, a pause
SSN_CONTEXT = [
    (
        "What's the SSN on the account?",
        "hold on uh six oh one uh six oh one, three five, two two eight four",
        [(SSN, "six oh one, three five, two two eight four")],
    ),
    (
        "Can I get the policyholder's social?",
        "well the policy's in my name so it'd be mine, five twelve, oh eight, three nine four one",
        [(SSN, "five twelve, oh eight, three nine four one")],
    ),
    (
        None,
        "the ssn on the claim should be three one six, oh two, eight eight four one",
        [(SSN, "three one six, oh two, eight eight four one")],
    ),
    (
        None,
        "uh give me one second it's in my purse... ok 2 1 9 4 4 7 0 8 3",
        [(SSN, "2 1 9 4 4 7 0 8 3")],
    ),
    # a card cue before a number that is an SSN by its grouping
    (
        "Can I get the social security number on the account?",
        "it's on my husband's card actually, his is 512 08 3941",
        [(SSN, "512 08 3941")],
    ),
    # asked for two things: a whole SSN is the SSN, whichever was asked first
    (
        "Can I get the card number or your social security number?",
        "five one two oh eight three nine four one",
        [(SSN, "five one two oh eight three nine four one")],
    ),
    # a date and then the last four, joined by "and"
    (
        "Can I have your date of birth and the last four of your social?",
        "march third 1985 and 3941",
        [(DOB, "march third 1985"), (SSN, "3941")],
    ),
    (
        None,
        "born march third nineteen eighty five, five one two oh eight three nine four one",
        [
            (DOB, "march third nineteen eighty five"),
            (SSN, "five one two oh eight three nine four one"),
        ],
    ),
    # "account holder" names a person, no account number
    (
        None,
        "The account holder is me, the full one is 389-45-1207.",
        [(SSN, "389-45-1207")],
    ),
]
SSN_CONTEXT_NEGATIVES = [
    (None, "the policy number is 4412 8890 in my name"),
    (None, "the number on the claim is 44718823"),
    (None, "call me back in a minute at 415 555 0134"),
]


# the last four (or three) that the cue right before names
LAST_DIGITS = [
    (None, "my social's last four are 6789", [(SSN, "6789")]),
    (None, "my ssn last 4 is 6789", [(SSN, "6789")]),
    (
        None,
        "social security, the last four are six seven eight nine",
        [(SSN, "six seven eight nine")],
    ),
    (
        None,
        "the security code on the back um the last three three nine four",
        [(CSC, "three nine four")],
    ),
    (None, "my social, the last four four three two one", [(SSN, "four three two one")]),
]
LAST_DIGITS_NEGATIVES = [
    (None, "my card's last four are 4444"),
    (None, "the card ending in 4444"),
]


@pytest.mark.parametrize(
    ("prev", "text", "expected"), _cases(SSN_SAID_WHOLE, SSN_CONTEXT, LAST_DIGITS)
)
def test_ssn(prev, text, expected):
    _check(prev, text, expected)


@pytest.mark.parametrize(
    ("prev", "text"), _cases(SSN_SAID_WHOLE_NEGATIVES, SSN_CONTEXT_NEGATIVES, LAST_DIGITS_NEGATIVES)
)
def test_ssn_negatives(prev, text):
    _check(prev, text, [])


# == date_of_birth =================================================================================

# a whole date with a year a caller is born in, said with no cue
BARE_BIRTH_DATES = [
    (
        None,
        "twelve twenty five sixty eight no wait twelve fifteen sixty eight",
        [(DOB, "twelve fifteen sixty eight")],
    ),
    (
        None,
        "i'm calling for my son he's a patient there, ten twenty two oh nine",
        [(DOB, "ten twenty two oh nine")],
    ),
    (None, "it was 03/14/1985", [(DOB, "03/14/1985")]),
    (None, "seven four seventy six", [(DOB, "seven four seventy six")]),
    (None, "uh i'm august the first ninety three", [(DOB, "august the first ninety three")]),
    (None, "i'm picking up for myself, august 30 1977", [(DOB, "august 30 1977")]),
    (
        "I'm sorry, was that September fourth or April ninth?",
        "april ninth nineteen seventy two",
        [(DOB, "april ninth nineteen seventy two")],
    ),
    (None, "the 4th of july 1976", [(DOB, "4th of july 1976")]),
    (None, "i was born on march 14, '85", [(DOB, "march 14, '85")]),
    (None, "born the third month of 1985", [(DOB, "third month of 1985")]),
    (None, "born on the 14th of march in 1985", [(DOB, "14th of march in 1985")]),
    # "twenty-second" is one ordinal, a day
    (
        None,
        "August the twenty-second, nineteen fifty-five.",
        [(DOB, "August the twenty-second, nineteen fifty-five")],
    ),
]
BARE_BIRTH_DATES_NEGATIVES = [
    (None, "four one nine two"),  # digits one by one: no date
    (None, "it's been that way since 03/14/1998"),
    (None, "the statement from 03/14/2024"),
    (None, "you sent me a letter dated october 3rd 2024"),
    (None, "The policy renews on March 1st 2026."),
    (None, "we moved in 2019 on june first"),
    (None, "i was born in ohio but moved here in 1992"),
    (None, "Please say your date of birth, for example, March fourth, nineteen eighty."),
    ("When were you born?", "sorry which one me or my husband"),
    (None, "it is three six oh two"),  # digits said one by one
    (None, "three one double eight."),
    (None, "says December of twenty thirty two"),  # a month and a year
    ("Can I get your date of birth?", "Hold on, let me grab my glasses, one second."),
]

# a correction that gives the date again; "3rd" and "twenty second" are days, no road or time
BIRTH_CORRECTIONS = [
    (
        None,
        "i was born october second nineteen ninety two no october twenty second",
        [(DOB, "october second nineteen ninety two"), (DOB, "october twenty second")],
    ),
    (None, "born june 3rd 1990, sorry, june 4th", [(DOB, "june 3rd 1990"), (DOB, "june 4th")]),
]


@pytest.mark.parametrize(("prev", "text", "expected"), _cases(BARE_BIRTH_DATES, BIRTH_CORRECTIONS))
def test_date_of_birth(prev, text, expected):
    _check(prev, text, expected)


@pytest.mark.parametrize(("prev", "text"), BARE_BIRTH_DATES_NEGATIVES)
def test_date_of_birth_negatives(prev, text):
    _check(prev, text, [])


# == card_expiry and card_security_code ============================================================

# a month-name expiry with its code in one breath: the year ends the expiry
MONTH_EXPIRY_AND_CODE = [
    (
        None,
        "2223 0031 2200 3222, expires February 2030, four six two",
        [(CARD, "2223 0031 2200 3222"), (EXP, "February 2030"), (CSC, "four six two")],
    ),
    (
        None,
        "expires april thirty one three eight eight",
        [(EXP, "april thirty one"), (CSC, "three eight eight")],
    ),
    (
        None,
        "august twenty nine seven one two that's everything on the card",
        [(EXP, "august twenty nine"), (CSC, "seven one two")],
    ),
    (
        None,
        "december twenty eight and three one three on the back",
        [(EXP, "december twenty eight"), (CSC, "three one three")],
    ),
    (
        "And the expiration and the code on the back?",
        "november twenty seven, two four six",
        [(EXP, "november twenty seven"), (CSC, "two four six")],
    ),
    # "thirty five" heard as one number: March 30, code 558
    (None, "exp march thirty five five eight", [(EXP, "march thirty"), (CSC, "five five eight")]),
    (
        None,
        "4111 1111 1111 1111 october thirty seven oh seven",
        [(CARD, "4111 1111 1111 1111"), (EXP, "october thirty"), (CSC, "seven oh seven")],
    ),
    # the code after an expiry, said next
    (
        None,
        "expiry july of twenty nine and then one six six",
        [(EXP, "july of twenty nine"), (CSC, "one six six")],
    ),
    (None, "exp march 2029 then 1234", [(EXP, "march 2029"), (CSC, "1234")]),
    (None, "expiry 12/28 then 123", [(EXP, "12/28"), (CSC, "123")]),
]
MONTH_EXPIRY_AND_CODE_NEGATIVES = [
    (None, "june twenty three twenty twenty four"),  # a day and a year
    (None, "the account was opened on may twenty five nineteen ninety"),
    (None, "the card expired in 2019"),
    (None, "the first month of 2024 was cold"),
    (None, "the delivery is june twenty eight, ten thirty"),  # a time, with no cue
    (None, "the 4th of july in 1976 was great"),
]

# the year first, then the month; cue words speech-to-text mishears or that name the code
EXPIRY_PHRASINGS = [
    (
        "And when does that card expire?",
        "uh end of twenty twenty eight, december",
        [(EXP, "twenty twenty eight, december")],
    ),
    (
        "Can I get the expiry?",
        "twenty twenty nine february",
        [(EXP, "twenty twenty nine february")],
    ),
    (None, "the exploration date is oh to twenty nine", [(EXP, "oh to twenty nine")]),
    (
        None,
        "3782 822463 10005 expires june twenty nine and the front four are eight two four four",
        [(CARD, "3782 822463 10005"), (EXP, "june twenty nine"), (CSC, "eight two four four")],
    ),
    (None, "expires march '29", [(EXP, "march '29")]),
    (None, "it expires 2028", [(EXP, "2028")]),
    (
        None,
        "expiration is the fourth month of twenty seven",
        [(EXP, "fourth month of twenty seven")],
    ),
    # the year, then the expiry said again in full
    (
        None,
        "it's good through the end of twenty-eight, 12/28.",
        [(EXP, "twenty-eight, 12/28")],
    ),
]


@pytest.mark.parametrize(
    ("prev", "text", "expected"), _cases(MONTH_EXPIRY_AND_CODE, EXPIRY_PHRASINGS)
)
def test_card_expiry_and_code(prev, text, expected):
    _check(prev, text, expected)


@pytest.mark.parametrize(("prev", "text"), MONTH_EXPIRY_AND_CODE_NEGATIVES)
def test_card_expiry_and_code_negatives(prev, text):
    _check(prev, text, [])


# == pin ===========================================================================================

PIN_CUES = [
    (None, "the access code they gave me is 3 8 1 7 2 2", [(PIN, "3 8 1 7 2 2")]),
    (None, "um the access code is um four four uh one one", [(PIN, "four four uh one one")]),
    (None, "my telephone access code is 4471", [(PIN, "4471")]),
    (
        None,
        "the code on my phone is six one nine two eight three",
        [(PIN, "six one nine two eight three")],
    ),
    (None, "the code from my cell is 739214", [(PIN, "739214")]),
    (None, "the passcode for phone banking is six six six one two", [(PIN, "six six six one two")]),
    (None, "the otp is 482913", [(PIN, "482913")]),
    (None, "my 2fa code is 4829", [(PIN, "4829")]),
    (None, "the sign in code is 4829", [(PIN, "4829")]),
    # asked for an account PIN: a PIN's length is the PIN
    (
        "To port your number out, I'll need your account PIN.",
        "It's 7 4 2 0 8 1.",
        [(PIN, "7 4 2 0 8 1")],
    ),
]
PIN_CUES_NEGATIVES = [
    (None, "my phone number is 415 555 0134"),
    (None, "the gate code stopped working this morning"),
]

# a tried number that failed, and the one tried after it
PIN_ATTEMPTS = [
    (None, "i tried 1357 but it said wrong", [(PIN, "1357")]),
    (
        None,
        "i tried one three five seven and then seven five three one and it locked me out",
        [(PIN, "one three five seven"), (PIN, "seven five three one")],
    ),
    (
        None,
        "i entered oh oh seven one and it said it was wrong so i tried oh oh one seven",
        [(PIN, "oh oh seven one"), (PIN, "oh oh one seven")],
    ),
    (None, "I typed 9 3 1 4 and it didn't work", [(PIN, "9 3 1 4")]),
    # another PIN beside one in the same sentence: the new one, the one it may be instead
    (None, "my pin used to be 1234 but now it's 5678", [(PIN, "1234"), (PIN, "5678")]),
    (
        None,
        "the pin was oh nine one two but i changed it at the atm to oh nine two one",
        [(PIN, "oh nine one two"), (PIN, "oh nine two one")],
    ),
    (None, "it might be 1234 or 4321, the pin i mean", [(PIN, "1234"), (PIN, "4321")]),
    # (and no other number of the sentence)
    (None, "my pin is 1234. my extension is 5678", [(PIN, "1234")]),
    (None, "my pin is 1234 and my zip is 90210", [(PIN, "1234")]),
    (None, "pin 1234 since 2019", [(PIN, "1234")]),
]
PIN_ATTEMPTS_NEGATIVES = [
    (None, "i entered 90210 but it said invalid zip"),
    (None, "i tried 1500 dollars but it was wrong"),
    (None, "i tried calling 415 555 0134 but the number was wrong"),
    (None, "i tried 2019 and it worked"),
]


@pytest.mark.parametrize(("prev", "text", "expected"), _cases(PIN_CUES, PIN_ATTEMPTS))
def test_pin(prev, text, expected):
    _check(prev, text, expected)


@pytest.mark.parametrize(("prev", "text"), _cases(PIN_CUES_NEGATIVES, PIN_ATTEMPTS_NEGATIVES))
def test_pin_negatives(prev, text):
    _check(prev, text, [])


# == bank_account ==================================================================================

ACCOUNTS = [
    # the routing number, then the account number said right after it
    (
        None,
        "the check says 011000138 then 1029384756 then the check number 1042",
        [(ROUTING, "011000138"), (ACCT, "1029384756")],
    ),
    # speech-to-text writes "account's" as "accounts"
    (
        None,
        "accounts won won to to three three for for",
        [(ACCT, "won won to to three three for for")],
    ),
    # "to my savings" names an account, as "to my account" does
    (None, "transfer it to my savings 1029384756", [(ACCT, "1029384756")]),
    # two values asked for together, joined by "and" or in one run
    (
        "What's your routing number and account number?",
        "011000138 and 1029384756",
        [(ROUTING, "011000138"), (ACCT, "1029384756")],
    ),
    (
        None,
        "my routing and account numbers are 011000138 and 1029384756",
        [(ROUTING, "011000138"), (ACCT, "1029384756")],
    ),
    (
        None,
        "my routing and account numbers are 011000138, 1029384756",
        [(ROUTING, "011000138"), (ACCT, "1029384756")],
    ),
    (
        "Can I get your account number and your social?",
        "1029384756 and 512083941",
        [(ACCT, "1029384756"), (SSN, "512083941")],
    ),
]
ACCOUNTS_NEGATIVES = [
    (None, "the routing number is 011000138 and the amount is 1500 dollars"),
]


@pytest.mark.parametrize(("prev", "text", "expected"), ACCOUNTS)
def test_bank_account(prev, text, expected):
    _check(prev, text, expected)


@pytest.mark.parametrize(("prev", "text"), ACCOUNTS_NEGATIVES)
def test_bank_account_negatives(prev, text):
    _check(prev, text, [(ROUTING, "011000138")])


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("i reset the pin to four four five five", "four four five five"),
        ("the pin was 0912 but i changed it at the atm to oh nine two one", "oh nine two one"),
    ],
)
def test_to_before_a_number_after_a_word_is_the_preposition(text, value):
    found = [text[f.start : f.end] for f in CallScanner().caller(text).findings]
    assert value in found, found


# == round 7: phrasings of a fifth author's calls ==================================================

ROUND7 = [
    # a count after the value is no part of it, and the cue after the count is the count's
    (None, "i put in 5307 three times and it keeps saying incorrect", [(PIN, "5307")]),
    (None, "i entered 9184 like four times and it said wrong pin", [(PIN, "9184")]),
    # "let me try again": a retry says the number before failed
    (None, "ok let me try again, 6 0 4 9", [(PIN, "6 0 4 9")]),
    # a second guess at the number put in
    (
        None,
        "i put eight three one five but it could be eight three five one",
        [(PIN, "eight three one five"), (PIN, "eight three five one")],
    ),
    # "the six digit one", "the 5-digit code": a one-time code's or a PIN's length
    (
        None,
        "the six digit one is four one seven, two two nine",
        [(PIN, "four one seven, two two nine")],
    ),
    (None, "ok the 5-digit code is 80412", [(PIN, "80412")]),
    # a plain "code" with four digits and no card in sight is a PIN; three digits after a
    # one-time-code phrasing are a card's code
    (None, "so my code is six six oh two", [(PIN, "six six oh two")]),
    (None, "the amex, code 4021", [(CSC, "4021")]),
    (None, "the code you gave me was 772, right?", [(CSC, "772")]),
    # "the front one": the card's code by where it is printed
    (
        None,
        "it's 3782 822463 10005 and the front one is 6 1 3 0",
        [("payment_card", "3782 822463 10005"), (CSC, "6 1 3 0")],
    ),
    # a corrected code after "no wait", with a card word between
    (
        None,
        "the cvv is four one two, no wait that's my other card, it's four one seven",
        [(CSC, "four one two"), (CSC, "four one seven")],
    ),
    # a card or routing word that only says where the asked-for value is printed
    (
        "What's the expiration date?",
        "hang on... it's on the old card... six slash thirty",
        [(EXP, "six slash thirty")],
    ),
    ("And the security code?", "it's the work card, um, 5 0 8", [(CSC, "5 0 8")]),
    (
        "And the account number from the check?",
        "just after the routing it says 7 7 0 1 4 2 9 3 8 1",
        [(ACCT, "7 7 0 1 4 2 9 3 8 1")],
    ),
    # the Nth month of a two-digit year a card runs to, with no cue: an expiry
    (
        "Take your time.",
        "got it, the ninth month of twenty eight",
        [(EXP, "ninth month of twenty eight")],
    ),
    # nine digits said in three groups of three with a valid ABA check: a routing number
    (
        None,
        "zero two one, zero zero zero, zero two one",
        [(ROUTING, "zero two one, zero zero zero, zero two one")],
    ),
    # an account named by its bank right after it
    (
        None,
        "it's six four four, one oh nine, two three with the credit union",
        [(ACCT, "six four four, one oh nine, two three")],
    ),
    # "oh" and a digit are one number of a date; "for my" after it is the preposition
    (
        None,
        "it's oh three nineteen oh eight for my daughter",
        [(DOB, "oh three nineteen oh eight")],
    ),
    (None, "twelve oh four sixty one", [(DOB, "twelve oh four sixty one")]),
]
ROUND7_NEGATIVES = [
    (None, "i called three times and nobody picked up"),
    (None, "i will try again in 2025"),
    (None, "i put 1234 in the box but it might be 5 minutes"),
    (None, "we moved in the fourth month of twenty twenty two"),
    (None, "the gift card number is 6035 7713 2290 4518 but it's only a gift card"),
    (None, "my account number with you is 40 1188 2736, for the gas"),
    (None, "i want to pay 120 for the water bill"),
    (None, "the account number with you is 3301 7725 904, it's on the bill"),
]


@pytest.mark.parametrize(("prev", "text", "expected"), ROUND7)
def test_round7_phrasings(prev, text, expected):
    _check(prev, text, expected)


@pytest.mark.parametrize(("prev", "text"), ROUND7_NEGATIVES)
def test_round7_negatives(prev, text):
    _check(prev, text, [])


def test_six_digit_number_after_a_birth_cue_stays_a_date():
    text = "my date of birth, six digit number, 010185"
    found = [(f.category, text[f.start : f.end]) for f in CallScanner().caller(text).findings]
    assert (DOB, "010185") in found, found
    assert all(cat != PIN for cat, _ in found), found


@pytest.mark.parametrize(
    ("text", "cat"),
    [
        ("the four digits are nine three three one", PIN),
        ("uh the 4-digit code is 7781", PIN),
        ("the four digit code on the front is 4417", CSC),
        ("my visa, the four digits are 1290", CSC),
    ],
)
def test_four_digits_with_no_card_in_sight_are_a_pin(text, cat):
    found = {f.category for f in CallScanner().caller(text).findings}
    assert found == {cat}, found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "ok so oh six thirty one with the code eight eight four",
            [(EXP, "oh six thirty one"), (CSC, "eight eight four")],
        ),
        ("it's 0927 and the code is 215", [(EXP, "0927"), (CSC, "215")]),
        # a PIN named as one stays one; an expiry needs its code said after the cue
        ("my pin is 0429 and the code is 577", [(PIN, "0429"), (CSC, "577")]),
        ("0429 and the code on the back", []),
    ],
)
def test_expiry_said_just_before_the_code(text, expected):
    _check(None, text, expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # right after an expiry word, "for" before a year is the month four
        ("uh the expiration date for twenty nine", [(EXP, "for twenty nine")]),
        ("it expires for twenty eight", [(EXP, "for twenty eight")]),
        ("the date for twenty seven guests", []),
        ("it's valid for twenty seven days", []),
    ],
)
def test_for_after_an_expiry_word_is_a_month(text, expected):
    _check(None, text, expected)
