"""Numeric findings by kind, round 10: lines scored alone, the cue in the line itself.

Each test holds one kind (a phrasing family, a rendering, a context effect)
that ``guardrail.detect.disclose`` reads with no earlier turn. The lines are
made up for the kind, with public test numbers or invented ones; none is a
line of an evaluation set.
"""

from __future__ import annotations

from test_round9_numeric import _found

from guardrail.detect import categories as c

CARD, CSC, EXP, ACCT, PIN, ROUTING, SSN = (
    c.PAYMENT_CARD,
    c.CARD_SECURITY_CODE,
    c.CARD_EXPIRY,
    c.BANK_ACCOUNT,
    c.PIN,
    c.ROUTING_NUMBER,
    c.SSN,
)


def test_codes_that_open_a_door_a_lock_or_an_alarm_are_pins() -> None:
    """Gate, door, garage, keypad, alarm, lockbox, combination, safe, screen-lock and PUK
    codes are numeric secrets: PINs. Talk about them with no number stays nothing."""
    assert _found("the side gate code's 5 5 0 3, press pound after") == [(PIN, "5 5 0 3")]
    assert _found("Alarm panel code is eight one one four.") == [(PIN, "eight one one four")]
    assert _found("my garage keypad is 7 2 7 2") == [(PIN, "7 2 7 2")]
    assert _found("the lockbox by the porch is 3 3 0 8") == [(PIN, "3 3 0 8")]
    assert _found("The bike padlock combination is 11 22 9.") == [(PIN, "11 22 9")]
    assert _found("the security system code is six oh six one") == [(PIN, "six oh six one")]
    assert _found("the tablet's screen lock is 2 4 6 8 0 1") == [(PIN, "2 4 6 8 0 1")]
    assert _found("The PUK printed on the SIM holder is 55102937.") == [(PIN, "55102937")]
    assert _found("The safe in our cabin, I set it to 4 0 8 8.") == [(PIN, "4 0 8 8")]
    assert _found("the gate code stopped working last night") == []
    assert _found("our gate is number 22 by the lot") == []


def test_a_plain_code_after_a_pin_cue_names_that_pin() -> None:
    """ "the lockbox on the back porch, the code is 0 6 1 9": the plain "code" is the
    lockbox's, a card word ("back", "front") in the line notwithstanding; a code after a
    PIN already given its number is the card's again."""
    assert _found("The lockbox on the back porch has a key, the code is 0 7 1 9.") == [
        (PIN, "0 7 1 9")
    ]
    assert _found("my pin is 0429 and the code is 577") == [(PIN, "0429"), (CSC, "577")]


def test_a_short_number_under_a_card_cue_is_what_the_cue_before_it_names() -> None:
    """ "the PIN on my prepaid card, 4417", "my card PIN, the debit card one, is 2 0 9 1":
    four digits are no card; the PIN or the "last four" before the card word names them."""
    assert _found("the PIN on my gas card, 6 2 0 8") == [(PIN, "6 2 0 8")]
    assert _found("My card PIN, the debit card one, is 2 0 9 1.") == [(PIN, "2 0 9 1")]
    assert _found("the last four of the visa card are 1881") == []


def test_amex_front_code_is_a_security_code() -> None:
    """The four digits on the front of an Amex are its code, not a card number."""
    assert _found("the amex four on the front is 8 8 1 2") == [(CSC, "8 8 1 2")]
    assert _found("The number on the front of my Amex, 4 0 7 7.") == [(CSC, "4 0 7 7")]
    assert _found("the three small numbers next to where I signed, 4 0 2") == [(CSC, "4 0 2")]


def test_three_digit_code_with_homophones_after_a_code_word() -> None:
    """ "cvv to one nine", "the code is for oh six": three numbers with a homophone right
    after a code word are its digits; "from nine to five" stays words."""
    assert _found("cvv to eight one") == [(CSC, "to eight one")]
    assert _found("the back code is for oh six") == [(CSC, "for oh six")]
    assert _found("the cvv is oh to to") == [(CSC, "oh to to")]
    assert _found("the office code works from nine to five") == []


def test_dates_that_are_no_card_expiry() -> None:
    """A coupon's, a passport's, a licence's, a warranty's expiry or end is no card's."""
    assert _found("the voucher expires 11/27, is it still good?") == []
    assert _found("My passport is valid until August 2028.") == []
    assert _found("the warranty on the fridge runs out 04/2029") == []
    assert _found("my license expires in May 2027") == []
    assert _found("the card expires 11/27") == [(EXP, "11/27")]


def test_expiry_by_the_card_end_date_and_a_card_date() -> None:
    """ "the end date is ...", "the expiration month is ...", "the new card, the date is
    08/30": a card's expiry by other names."""
    assert _found("The end date is October 2029.") == [(EXP, "October 2029")]
    assert _found("the expiration month is june twenty twenty eight") == [
        (EXP, "june twenty twenty eight")
    ]
    assert _found("the replacement card, the date is 07/31") == [(EXP, "07/31")]


def test_card_then_expiry_then_code_in_one_breath_and_a_count_before_a_place_cue() -> None:
    """ "4111 ... 1111 0528 123": a card, then its expiry and code, even when a later
    stretch happens to pass Luhn; "..., 03/29, three on the back 604": "three" starts the
    code's cue, no part of the expiry."""
    assert _found("4111 1111 1111 1111 0730 418") == [
        (CARD, "4111 1111 1111 1111"),
        (EXP, "0730"),
        (CSC, "418"),
    ]
    assert _found("5555 5555 5555 4444, valid thru 06/28, three on the back 392") == [
        (CARD, "5555 5555 5555 4444"),
        (EXP, "06/28"),
        (CSC, "392"),
    ]


def test_account_numbers_named_by_where_money_goes() -> None:
    """ "direct deposit goes to ...", "deposited into ...", "my car loan pays from ...",
    "the account for the refund is ...": a bank account."""
    assert _found("direct deposit goes to 5502 1188 47") == [(ACCT, "5502 1188 47")]
    assert _found("my paycheck is deposited into 7730 1194 02") == [(ACCT, "7730 1194 02")]
    assert _found("the car note pays from 4410 9921 337") == [(ACCT, "4410 9921 337")]
    assert _found("the account for the refund is 6 6 0 2 9 1 7 4") == [(ACCT, "6 6 0 2 9 1 7 4")]
    assert _found("the car note paid from my visa 4111 1111 1111 1111") == [
        (CARD, "4111 1111 1111 1111")
    ]


def test_account_grouped_like_a_phone_number_after_its_cue() -> None:
    """ "checking 501 227 3049": grouped 3-3-4, but right after the account's cue; a phone
    number's 555 exchange stays a phone number."""
    assert _found("My savings, 220 781 4093.") == [(ACCT, "220 781 4093")]
    assert _found("checking is four one one, two nine oh, three three eight one") == [
        (ACCT, "four one one, two nine oh, three three eight one")
    ]
    assert _found("the account is 415 555 0134") == []


def test_a_cue_right_after_a_number_is_that_numbers() -> None:
    """ "011000015 for the routing and 6610 2291 08 for the account": "for the routing"
    names the number before it, not the one after."""
    text = "it's 011000015 for the routing and 6610 2291 08 for the account"
    assert _found(text) == [(ROUTING, "011000015"), (ACCT, "6610 2291 08")]
    assert _found("the account ending, well all of it is 4471 0093 2218") == [
        (ACCT, "4471 0093 2218")
    ]


def test_a_passcode_of_digits_under_a_password_cue_is_a_pin() -> None:
    """ "my voicemail password is 7 7 1 0, just numbers": an account passcode of digits is
    a PIN."""
    assert _found("my voicemail password is 7 7 1 0, just numbers") == [(PIN, "7 7 1 0")]


def test_pin_after_a_pronoun_one_and_at_the_end_of_a_line() -> None:
    """ "the debit PIN, the one I use at the ATM, is ...": the pronoun "one" is no number
    between the cue and its value; "..., that's my ATM PIN" names the number before it;
    "the account PIN on the phone plan": the phone is where the PIN belongs."""
    assert _found("the kiosk PIN, the one I badge in with, is 3 1 0 4") == [(PIN, "3 1 0 4")]
    assert _found("It's double seven, one nine, that's my ATM PIN.") == [
        (PIN, "double seven, one nine")
    ]
    assert _found("The account PIN on the phone plan is 5151.") == [(PIN, "5151")]
    assert _found("The six digit code on my phone says 118 402.") == [(PIN, "118 402")]
    assert _found("I keep typing 8 1 2 0 at the ATM, that's the PIN I set.") == [(PIN, "8 1 2 0")]


def test_numbers_that_are_no_ssn_card_or_code() -> None:
    """A frequent flyer or transponder number is no SSN, a rewards card's number no card, a
    course code or a serial number on the back no card code."""
    assert _found("my frequent flyer number is 6 1 2 0 4 4 8 9 3") == []
    assert _found("the transponder number is 0 2 2 9 4 1 8 7 3") == []
    assert _found("the course code is CHEM 1 1 0") == []
    assert _found("the serial number on the back is SN 4410 2281") == []
    assert _found("the loyalty card is 44 9900 1234") == []
