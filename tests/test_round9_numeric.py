"""Numeric findings by kind, round 9 (caller answers and read-backs).

Each test holds one kind (a phrasing family, a rendering, a context effect)
that ``guardrail.detect.disclose`` reads. The lines are made up for the kind,
with public test numbers or invented ones; none is a line of an evaluation
set.
"""

from __future__ import annotations

from guardrail.detect import categories as c
from guardrail.detect.disclose import find_disclosures

CSC, EXP, ACCT, PIN, ROUTING = (
    c.CARD_SECURITY_CODE,
    c.CARD_EXPIRY,
    c.BANK_ACCOUNT,
    c.PIN,
    c.ROUTING_NUMBER,
)


def _found(text: str, expected: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    return [(f.category, text[f.start : f.end]) for f in find_disclosures(text, expected)]


def test_long_answer_to_a_card_code_question_is_a_one_time_code() -> None:
    """Asked for the card's code, five to eight digits are a texted code (a PIN), not a
    code a card prints; with the expiry asked too, or a date's slash, they are not."""
    assert _found("yes okay it's eight two two oh one seven", (CSC,)) == [
        (PIN, "eight two two oh one seven")
    ]
    assert _found("Right, 5 0 3 3 1 9.", (CSC,)) == [(PIN, "5 0 3 3 1 9")]
    assert _found("um 71 30 48", (CSC,)) == [(PIN, "71 30 48")]
    assert _found("It's 418.", (CSC,)) == [(CSC, "418")]
    assert (PIN, "04/2031") not in _found("it shows 04/2031 on the back", (EXP,))


def test_a_full_stop_after_a_cue_word_ends_its_sentence() -> None:
    """ "... my other phone. Okay, 71 30 48": the full stop after "phone" ends that
    sentence, so the phone cue does not name the number in the next one; after an
    abbreviation ("exp. 04/29") it does not."""
    assert _found("It's on my work phone. Alright, 3 8 1 1 0 6.", (PIN,)) == [(PIN, "3 8 1 1 0 6")]
    assert _found("exp. 04/29") == [(EXP, "04/29")]


def test_code_said_again_corrected_is_named_by_its_length() -> None:
    """A code said, then said again corrected inside one run ("no wait", "um no"), is
    read by the length of each value said, not of the whole run: four digits after a
    plain "code" with no card in sight are a PIN, three a card code."""
    text = "the code was three oh three oh um no three oh oh three"
    assert _found(text) == [(PIN, text[13:])]
    text = "the code on the back is 6 0 7 sorry 6 7 0"
    assert _found(text) == [(CSC, "6 0 7 sorry 6 7 0")]


def test_pin_corrected_in_a_later_number() -> None:
    """ "the code is 4 0 4 1 1 2, no wait, that's the old one, it's 9 9 1 2 0 3": a
    second number as long, after a correction, replaces the PIN just read."""
    text = (
        "The code in my app is 4 0 4 1 1 2, no wait, that's the wrong one, "
        "the right one is 9 9 1 2 0 3."
    )
    assert _found(text) == [(PIN, "4 0 4 1 1 2"), (PIN, "9 9 1 2 0 3")]


def test_code_just_received_is_a_pin() -> None:
    """ "the app sent me 2 9 0 4", "the text just came through, 6 1 1 ...": a code a
    caller has just been sent is a one-time code."""
    assert _found("The bank sent me 7 0 3 9 a minute ago.") == [(PIN, "7 0 3 9")]
    assert _found("ok the text just came through, 5 5 1 - 0 2 9") == [(PIN, "5 5 1 - 0 2 9")]
    assert _found("i got the message it says four one one nine two six") == [
        (PIN, "four one one nine two six")
    ]
    assert _found("they sent me a replacement card last week") == []


def test_pin_on_a_named_account_or_line() -> None:
    """ "the passcode on the gym account is ...", "the PIN for the work line is ...":
    the account or line is where the PIN belongs, not a bank account or a reference."""
    assert _found("The passcode on the storage account is 6 6 1 4 0.") == [(PIN, "6 6 1 4 0")]
    assert _found("My transfer PIN for the family line is 8 0 2 2 1 7.") == [(PIN, "8 0 2 2 1 7")]


def test_account_after_a_money_word_and_a_place() -> None:
    """ "send the refund to my savings, 4 4 0 1 ...": the account word after a money
    word still names the number after the comma."""
    assert _found("Put the refund in my savings, 6 2 0 0 9 1 4 7.") == [(ACCT, "6 2 0 0 9 1 4 7")]


def test_account_said_before_the_routing_number() -> None:
    """ "use 7 7 0 1 2 9 3 at routing 011000015": the number before the routing cue
    (which has its own number) is the account."""
    assert _found("It goes to 5 8 0 0 2 1 4 4 at routing 011000015.") == [
        (ACCT, "5 8 0 0 2 1 4 4"),
        (ROUTING, "011000015"),
    ]
    assert _found("it's 88104277, routing 021000021") == [
        (ACCT, "88104277"),
        (ROUTING, "021000021"),
    ]
    assert _found("For the refund, use 7 4 4 0 9 1 2 at routing 021000021.") == [
        (ACCT, "7 4 4 0 9 1 2"),
        (ROUTING, "021000021"),
    ]


def test_reference_words_name_a_number_only_with_a_card_or_number_word() -> None:
    """ "my gym card number", "the student id" are references; "health" or "business"
    alone ("the home-health agency", "the business line") name no number."""
    assert _found("The passcode for the pet-health app is 4 4 0 2 9 1.") == [(PIN, "4 4 0 2 9 1")]
    assert _found("my gym card number is 7781 2290") == []


def test_loan_and_hospital_accounts_are_no_bank_accounts() -> None:
    """A loan's, a hospital's or a billing account number is a biller's reference."""
    assert _found("the car loan account number is 5521 0098 44") == []
    assert _found("My clinic account number is 60031942.") == []
    assert _found("the account number for billing is 2200-118") == []
    assert _found("my checking account number is 60031942") == [(ACCT, "60031942")]


def test_the_back_names_the_card_code() -> None:
    """ "and the back is 309", "the back says ...": the card's code by where it is."""
    text = "5555 5555 5555 4444 expires 11 30 and the back is 826"
    assert _found(text) == [
        (c.PAYMENT_CARD, "5555 5555 5555 4444"),
        (EXP, "11 30"),
        (CSC, "826"),
    ]
    assert _found("the back says four oh nine") == [(CSC, "four oh nine")]
    assert _found("the back is scratched up, sorry") == []


def test_expiry_then_code_answering_the_expiry_question() -> None:
    """Asked for the expiry (and the code), one run that reads as a month and year and
    then three or four digits is both."""
    assert _found("eleven thirty one two oh seven", (EXP,)) == [
        (EXP, "eleven thirty one"),
        (CSC, "two oh seven"),
    ]
    assert _found("09/31, 418.", (EXP, CSC)) == [(EXP, "09/31"), (CSC, "418")]


def test_valid_card_with_its_tail_under_another_cue() -> None:
    """A card that validates itself, with its expiry and code after it, is a card even
    beside an address or reference word; the code may come before a slashed expiry."""
    text = "Book the party room on 5555 5555 5555 4444, 10/29, 551."
    assert _found(text)[-3:] == [
        (c.PAYMENT_CARD, "5555 5555 5555 4444"),
        (EXP, "10/29"),
        (CSC, "551"),
    ]
    text = "5555 5555 5555 4444 551 10/29 is how it's written down"
    assert _found(text) == [
        (c.PAYMENT_CARD, "5555 5555 5555 4444"),
        (CSC, "551"),
        (EXP, "10/29"),
    ]


def test_three_homophones_make_a_code() -> None:
    """Speech-to-text writes a short code as homophones alone: three of them, two of
    which are "ate", "won", "too" or "oh", are digits ("to ate ate" is 288); "double"
    starts such a stretch; after a tens word, "ate" or "won" is its unit digit."""
    assert _found("the cvv is to won ate") == [(CSC, "to won ate")]
    assert _found("security code won oh ate") == [(CSC, "won oh ate")]
    assert _found("the code on the back is like to oh ate") == [(CSC, "to oh ate")]
    assert _found("my pin is double won for to") == [(PIN, "double won for to")]
    assert _found("expiry oh six thirty won") == [(EXP, "oh six thirty won")]
    assert _found("we won too, it was for the kids") == []
    assert _found("i ate too much") == []


def test_failed_attempt_before_a_cue_that_names_no_value() -> None:
    """A number tried and reported failed ("locked me out", "neither worked") is a PIN,
    even when a reference cue follows the failure."""
    text = "I entered 9 0 4 4 and it locked me out of the library card renewal."
    assert _found(text) == [(PIN, "9 0 4 4")]
    assert _found("i put 5 1 5 0 and then 5 0 1 5 and neither worked") == [
        (PIN, "5 1 5 0"),
        (PIN, "5 0 1 5"),
    ]
    assert _found("i put in 8642 three times") == []


def test_codes_in_the_plural_are_sent_codes() -> None:
    """ "I got two codes, one said ...": a card has one code; several are sent codes."""
    text = "I have two codes here, 4 4 0 9 1 2 and then 7 7 3 0 1 5."
    assert _found(text) == [(PIN, "4 4 0 9 1 2"), (PIN, "7 7 3 0 1 5")]
    assert _found("the discount codes are 4411 and 5522") == []


def test_the_date_on_it_is_the_expiry() -> None:
    """ "the date on it says ...", "... is the date on it": the card's printed date."""
    assert _found("the date on it says oh nine slash thirty one") == [
        (EXP, "oh nine slash thirty one")
    ]
    assert _found("Eleven thirty is the date on it.") == [(EXP, "Eleven thirty")]


def test_hyphenated_tens_inside_a_cardinal() -> None:
    """ "two thousand twenty-nine" is one number (2029), as "twenty-nine" is."""
    assert _found("oh four, two thousand thirty-one", (EXP,)) == [
        (EXP, "oh four, two thousand thirty-one")
    ]


def test_a_reference_number_for_a_named_card_is_no_card() -> None:
    """ "the tracking number for the replacement card is ...": the card is what the
    reference belongs to, so the number is the reference's (a gift card stays one)."""
    text = "The shipment number for the replacement card is 9400 1118 9922 3041 5577."
    assert _found(text) == []
    text = "I entered 6 1 7 1 and it locked me out of the gift card page."
    assert _found(text) == [(PIN, "6 1 7 1")]


def test_an_instruction_to_key_a_number_in() -> None:
    """ "Enter 0 4 1 1 for the toll account", "you just type 7 7 0 3": a number to key
    in, said as an instruction at the start of a clause, is a PIN."""
    assert _found("Enter 5 2 0 9 on the keypad, the letter says.") == [(PIN, "5 2 0 9")]
    assert _found("so you just type 8 8 1 6 and press pound") == [(PIN, "8 8 1 6")]
    assert _found("i had to enter 12 items") == []


def test_a_second_number_after_remembering_is_another_attempt() -> None:
    """ "I said 1 2 3 3, then I remembered it's 1 2 3 4": after an attempt, a second
    number as long that the caller remembered or meant is a PIN too."""
    text = "The first time I tried 7 1 7 1, then I realized it's 7 1 1 7."
    assert _found(text) == [(PIN, "7 1 7 1"), (PIN, "7 1 1 7")]


def test_may_with_an_apostrophe_year() -> None:
    """ "the expiry is May '31": "may" before an apostrophe and a year is the month."""
    assert _found("The cvv is 402, and the expiry is May '31.") == [
        (CSC, "402"),
        (EXP, "May '31"),
    ]


def test_homophones_after_an_expiry_date_word() -> None:
    """Right after "expiration date" (heard as "exploration date", or followed by
    "is"), a short stretch's homophones are digits: "oh to thirty" is 02/30."""
    assert _found("the exploration date is oh for thirty one") == [(EXP, "oh for thirty one")]
    assert _found("the expiration date is to twenty nine") == [(EXP, "to twenty nine")]
    assert _found("the date is for the party") == []


def test_one_after_another_is_a_pronoun_before_the_digits() -> None:
    """ "... and then another one 0 9 5 5 1 3": "one" after "another", "the new", "that"
    is a pronoun, so the code after it keeps its own length."""
    text = "The app sent me 4 4 0 9 1 2 and then another one 7 7 3 0 1 5."
    assert _found(text) == [(PIN, "4 4 0 9 1 2"), (PIN, "7 7 3 0 1 5")]


def test_a_count_after_the_digits_is_no_digit() -> None:
    """ "6 6 1 4 0, five digits": the count after a separator is not part of the PIN."""
    assert _found("my pin is 6 6 1 4 0, five digits") == [(PIN, "6 6 1 4 0")]
    assert _found("the passcode is 3 0 0 7 - four numbers") == [(PIN, "3 0 0 7")]
