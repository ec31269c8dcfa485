"""Agent requests by kind: what a line asks the caller to provide, and what it only mentions.

One test per kind of phrasing (``guardrail.detect.requests`` explains the
sentence model), each with several phrasings, asked and not asked, and each
also in speech-to-text style (lower case, no punctuation), which is how a
bot's text often arrives. The conversation tests hold the re-ask rule of
:class:`~guardrail.detect.CallScanner`.
"""

from __future__ import annotations

import re
import time

import pytest

from guardrail.detect import CallScanner, scan
from guardrail.detect import categories as c
from guardrail.detect.requests import TARGETS, asks_again, find_requests

CARD, CSC, EXP = c.PAYMENT_CARD, c.CARD_SECURITY_CODE, c.CARD_EXPIRY
SSN, ACCT, ROUTE, IBAN = c.SSN, c.BANK_ACCOUNT, c.ROUTING_NUMBER, c.IBAN
DOB, PIN, PWD, HEALTH = c.DATE_OF_BIRTH, c.PIN, c.PASSWORD, c.HEALTH


def _stt(text: str) -> str:
    """``text`` as speech-to-text often gives it: lower case, no punctuation."""
    return re.sub(r"[.,?!;:]", "", text.lower())


def _both(cases: list[tuple[str, list[str]]]) -> list[tuple[str, list[str]]]:
    """Each case as written, in speech-to-text style, and that without apostrophes."""
    return [
        *cases,
        *((_stt(t), want) for t, want in cases),
        *((_stt(t).replace("'", ""), want) for t, want in cases),
    ]


def _check(cases: list[tuple[str, list[str]]]) -> None:
    wrong = [(t, want, find_requests(t)) for t, want in _both(cases) if find_requests(t) != want]
    assert wrong == []


def test_direct_names_of_each_category() -> None:
    _check(
        [
            ("What's the card number?", [CARD]),
            ("Can I get your Visa number please?", [CARD]),
            ("Could you give me the CVV?", [CSC]),
            ("What is the card verification value?", [CSC]),
            ("And the expiry date?", [EXP]),
            ("Please tell me when the card expires.", [EXP]),
            ("Could you read me your routing number?", [ROUTE]),
            ("What is the sort code on the account?", [ROUTE]),
            ("Can you spell out your IBAN for me?", [IBAN]),
            ("May I have your social security number?", [SSN]),
            ("What's your SSN?", [SSN]),
            ("Please say the S.S.N. slowly.", [SSN]),
            ("And your date of birth?", [DOB]),
            ("What year were you born?", [DOB]),
            ("Please key in your PIN.", [PIN]),
            ("What is the passcode on the account?", [PIN]),
            ("What is the password on the account?", [PWD]),
            ("Can you tell me your mother's maiden name?", [PWD]),
            ("What's your checking account number?", [ACCT]),
            ("I'll need the account and routing numbers.", [ACCT, ROUTE]),
        ]
    )


def test_indirect_descriptions() -> None:
    _check(
        [
            ("Could you read me the digits beside the signature strip?", [CSC]),
            ("And the little code on the signature panel?", [CSC]),
            ("What are the three numbers on the back?", [CSC]),
            ("Please give me the four digits printed on the back of the card.", [CSC]),
            ("What's the good-thru date?", [EXP]),
            ("And the date on the front of the card?", [EXP]),
            ("What month and year is printed on the card?", [EXP]),
            ("When will your card stop working?", [EXP]),
            ("Can you read me the nine digits bottom left of your check?", [ROUTE]),
            ("What's the first set of numbers along the bottom of your cheque?", [ROUTE]),
            ("Go ahead with the long number across the front.", [CARD]),
            ("Read me all sixteen digits please.", [CARD]),
            ("Can you read me the numbers embossed on the front?", [CARD]),
            ("What's the last part of your social?", [SSN]),
            ("And the last four of your social?", [SSN]),
            ("What's the code you use at the ATM?", [PIN]),
            ("Can you read me the code we just texted you?", [PIN]),
            ("And the middle set of numbers on your check?", [ACCT]),
        ]
    )


def test_two_requests_in_one_line() -> None:
    _check(
        [
            ("Can you tell me your card number and the expiry date?", [CARD, EXP]),
            ("And the expiration date and the three digits on the back?", [EXP, CSC]),
            ("What's your date of birth, and then your social?", [DOB, SSN]),
            ("Thanks for that, now what's your date of birth?", [DOB]),
        ]
    )


def test_health_medicines_conditions_tests_pain_pregnancy_allergies_mind() -> None:
    _check(
        [
            ("How much atorvastatin are you taking?", [HEALTH]),
            ("What dose of metformin are you on?", [HEALTH]),
            ("Are you still taking the rosuvastatin daily?", [HEALTH]),
            ("How many milligrams of sertraline do you take?", [HEALTH]),
            ("Have you ever been diagnosed with diabetes?", [HEALTH]),
            ("Any history of heart disease?", [HEALTH]),
            ("Do you have high blood pressure?", [HEALTH]),
            ("Are you pregnant or planning to be?", [HEALTH]),
            ("What did your A1C come back at?", [HEALTH]),
            ("And your last blood pressure reading?", [HEALTH]),
            ("On a scale of one to ten, how bad is the pain?", [HEALTH]),
            ("Do you have any allergies to medications?", [HEALTH]),
            ("Are you allergic to penicillin?", [HEALTH]),
            ("Have you been feeling down or hopeless lately?", [HEALTH]),
            ("Are you seeing a therapist at the moment?", [HEALTH]),
            ("Have you had any surgeries in the past five years?", [HEALTH]),
            ("What were your cholesterol levels at the last check?", [HEALTH]),
            ("Do you smoke?", [HEALTH]),
            ("Have you had thoughts of harming yourself?", [HEALTH]),
        ]
    )


def test_health_words_that_are_not_about_health() -> None:
    _check(
        [
            ("Please read the terms and conditions.", []),
            ("Is the package in good condition?", []),
            ("I know the wait is a pain, thanks for holding.", []),
            ("I understand you have a medical condition.", []),
            ("What's your order history of the last month?", []),
            ("Could you describe the condition of the car?", []),
        ]
    )


def test_negation_reaches_to_the_end_of_its_clause() -> None:
    _check(
        [
            ("No need for the expiry, just the number.", [CARD]),
            ("We don't need your social, only the date of birth.", [DOB]),
            ("You can skip the security code, just read me the card number.", [CARD]),
            ("Don't give me your PIN, but could you confirm your date of birth?", [DOB]),
            ("Your PIN isn't needed, what's the account number?", [ACCT]),
            ("We will never ask for your PIN or your password.", []),
            ("You don't need to give me your card number.", []),
            ("Never share your password with anyone.", []),
            ("Don't worry, what's your date of birth?", [DOB]),
            ("If you don't mind, what's the card number?", [CARD]),
        ]
    )


def test_questions_about_the_card_that_do_not_ask_for_its_data() -> None:
    """Brand and kind are not card data: naming the brand asks for nothing."""
    _check(
        [
            ("What name is on the card?", []),
            ("Is the card in your name?", []),
            ("Where is the card billed?", []),
            ("Whose card is it?", []),
            ("Is it a Visa or Mastercard?", []),
            ("Is this a credit or debit card?", []),
            ("What type of card is it?", []),
            ("What's the billing zip code for the card?", []),
            ("Can you confirm the last four digits of your card?", []),
            ("What's the phone number on the back of your card?", []),
            ("Is it a checking or savings account?", []),
            ("Where were you born?", []),
        ]
    )


def test_choosing_the_card_to_pay_with_asks_for_the_card() -> None:
    """In a payment, "which card would you like to use?" is answered from the card: a
    request (fail safe: the secure path takes the answer); whose or which card is on the
    account, paying with the card on file, or a choice between cards ("the Visa or the
    Mastercard?") asks for no data."""
    _check(
        [
            ("Which card would you like to use?", [CARD]),
            ("What card would you like to use for the donation?", [CARD]),
            ("and what card are we using today", [CARD]),
            ("Which card will you be paying with today?", [CARD]),
            ("What card do you want to put this on?", [CARD]),
            ("Which card is on the account?", []),
            ("Would you like to pay with the card on file?", []),
            ("Which card did you lose?", []),
            ("Which card would you like to use, the Visa or the Mastercard?", []),
            ("Which card would you like to use, the one ending in 4444 or a new one?", []),
        ]
    )


def test_offers_are_not_requests() -> None:
    _check(
        [
            ("Want me to read it back?", []),
            ("Shall I repeat the last four?", []),
            ("Would you like me to read back the card number?", []),
            ("Shall I send a new PIN to your phone?", []),
            ("Let me read the account number back to you.", []),
            ("I'll text you a link to reset your password.", []),
        ]
    )


def test_statements_are_not_requests() -> None:
    _check(
        [
            ("Your card has been charged.", []),
            ("Your card ending in 4242 has been charged forty dollars.", []),
            ("I've updated your password.", []),
            ("We never ask for your PIN.", []),
            ("Your date of birth is on file.", []),
            ("Thanks for confirming your date of birth.", []),
            ("Your card number has been updated.", []),
            ("I have your routing number here.", []),
            ("The payment was declined on your card.", []),
        ]
    )


def test_instructions_to_do_something_else_are_not_requests() -> None:
    _check(
        [
            ("You can reset your password online.", []),
            ("Please change your PIN at any ATM.", []),
            ("You can find your routing number on your check.", []),
            ("Please call the number on the back of your card.", []),
            ("To block your card, press one.", []),
            ("If you forgot your password, use the link we sent.", []),
        ]
    )


def test_the_secure_path_itself_is_no_request() -> None:
    _check(
        [
            ("I'm moving you to our secure line to enter your card number.", []),
            ("I'll transfer you to a specialist who can take your card details.", []),
            ("Before I transfer you, what's your date of birth?", [DOB]),
            ("The system will ask you to key in your card number.", []),
        ]
    )


def test_getting_ready_is_no_request() -> None:
    _check(
        [
            ("Do you have your card handy?", []),
            ("Please have your checkbook ready.", []),
            ("Please have your card ready, then read me the long number.", [CARD]),
        ]
    )


def test_landmarks_attributes_and_choices_are_not_asked_for() -> None:
    _check(
        [
            ("And the account number, after the routing number on the check?", [ACCT]),
            ("Can you read me the longer number after the routing number on your check?", [ACCT]),
            ("Can you confirm the PIN for your debit card?", [PIN]),
            ("What's the security code for your credit card?", [CSC]),
            ("What's the routing number for your checking account?", [ROUTE]),
            ("Do you want to use your card or your bank account?", []),
            ("Can you read me the account number that starts with the country code?", [IBAN]),
            ("Which account should the refund go to? Just read me the number.", [ACCT]),
        ]
    )


def test_read_backs_are_not_requests() -> None:
    _check(
        [
            ("Just to confirm, the card number is 4111 1111 1111 1111, is that right?", []),
            ("So your date of birth is March 3rd 1980, correct?", []),
            ("Let me confirm, your routing number is 021000021?", []),
            ("Could you read me your card number, one digit at a time?", [CARD]),
        ]
    )


def test_mentions_of_the_thing_in_passing_are_not_requests() -> None:
    _check(
        [
            ("Your card expires at the end of the month, would you like to update it?", []),
            ("What's the expiry policy on returns?", []),
            ("Did you receive the PIN mailer?", []),
            ("Your prescription is ready for pickup.", []),
            ("Is this about a prescription refill?", []),
            ("Your card expires soon, what's the new expiration date?", [EXP]),
            ("Would you like a reminder before your card expires?", []),
            ("Do you need a new PIN?", []),
        ]
    )


def test_health_questions_with_a_doing_verb_still_ask() -> None:
    _check(
        [
            ("Do you use an inhaler?", [HEALTH]),
            ("Are you taking anything for the pain?", [HEALTH]),
            ("Are you being treated for anything at the moment?", [HEALTH]),
            ("Has a doctor ever told you that you have high blood pressure?", [HEALTH]),
            ("When was your last period?", [HEALTH]),
        ]
    )


def test_lines_that_name_nothing() -> None:
    _check(
        [
            ("How can I help you today?", []),
            ("Thanks for calling, is there anything else?", []),
            ("What's the best phone number to reach you?", []),
            ("Can I have your order number?", []),
            ("", []),
        ]
    )


@pytest.mark.parametrize(
    "text",
    [
        "That didn't go through, could you say it again?",
        "Please try again.",
        "Sorry, one more time?",
        "Can you repeat that?",
        "sorry you cut out there say that once more",
        "I didn't quite catch that.",
        "No problem, take your time, whenever you're ready.",
        "Hmm, that number didn't work. Can you read it one more time?",
        "Let's try that again from the beginning.",
        "Could you say that a little slower?",
        "Sorry, what was that?",
    ],
)
def test_re_asks_are_recognised(text: str) -> None:
    assert asks_again(text)
    assert asks_again(_stt(text))
    assert find_requests(text) == []


@pytest.mark.parametrize(
    "text",
    ["Please try again later.", "Thanks for calling.", "Your card has been charged.", ""],
)
def test_lines_that_do_not_ask_again(text: str) -> None:
    assert not asks_again(text)


def test_a_re_ask_after_a_request_re_opens_it() -> None:
    cs = CallScanner()
    assert cs.agent("What's the security code on the back?").requests == (CSC,)
    cs.caller("uh hold on")
    again = cs.agent("Sorry, that didn't go through, could you say it again?")
    assert again.requests == (CSC,)
    assert cs.expected == (CSC,)
    assert [f.category for f in cs.caller("seven three seven").findings] == [CSC]


def test_a_re_ask_keeps_a_two_category_request_and_health_out_of_expected() -> None:
    cs = CallScanner()
    cs.agent("Can you tell me the card number and the expiry?")
    assert cs.agent("can you repeat that").requests == (CARD, EXP)
    assert cs.expected == (CARD, EXP)
    cs.agent("What medications are you taking?")
    assert cs.agent("Sorry, one more time?").requests == (HEALTH,)
    assert cs.expected == ()


def test_a_re_ask_with_no_request_before_it_asks_for_nothing() -> None:
    cs = CallScanner()
    cs.agent("Thanks for calling, how can I help?")
    assert cs.agent("Sorry, could you repeat that?").requests == ()
    assert cs.expected == ()


def test_a_re_ask_reaches_over_a_few_plain_lines_only() -> None:
    cs = CallScanner()
    cs.agent("What's your date of birth?")
    cs.agent("One moment please.")
    assert cs.expected == ()
    assert cs.agent("Please try again.").requests == (DOB,)
    cs = CallScanner()
    cs.agent("What's your date of birth?")
    for _ in range(CallScanner.REASK_REACH):
        cs.agent("Okay, let me look at something.")
    assert cs.agent("Please try again.").requests == ()


def test_a_new_request_replaces_the_last_one() -> None:
    cs = CallScanner()
    cs.agent("What's your date of birth?")
    cs.agent("Thanks. And your social?")
    assert cs.agent("can you say that again").requests == (SSN,)


def test_scan_alone_does_not_know_the_conversation() -> None:
    assert scan("Could you say it again?", "agent").requests == ()


def test_every_table_phrase_asked_for_is_found() -> None:
    """Each category's simplest names, asked plainly, are found as that category."""
    plain = {
        CARD: "card number",
        CSC: "security code",
        EXP: "expiration date",
        ROUTE: "routing number",
        IBAN: "iban",
        SSN: "social security number",
        DOB: "date of birth",
        PIN: "pin",
        PWD: "password",
        ACCT: "bank account number",
        HEALTH: "medications",
    }
    assert {t.category for t in TARGETS} == set(plain)
    for category, name in plain.items():
        assert find_requests(f"What is your {name}?") == [category]
        assert find_requests(f"can you give me your {name}") == [category]


def test_one_megabyte_takes_linear_time() -> None:
    """No backtracking over long text: a megabyte within the design's second (with room for
    a loaded test machine), and four times the text in about four times the time."""
    unit = "could you read me the card number and um the the the expiry date without "
    big = unit * (1_000_000 // len(unit))
    quarter = big[: len(big) // 4]

    def seconds(text: str) -> float:
        start = time.perf_counter()
        find_requests(text)
        return time.perf_counter() - start

    assert find_requests(big) == [CARD, EXP]
    small = min(seconds(quarter) for _ in range(2))
    whole = seconds(big)
    assert whole < 2.0
    assert whole < 8 * small + 0.05  # linear: 4x; quadratic would be 16x
    for text in ("x" * 1_000_000, "9" * 1_000_000, " ." * 500_000, "card " * 200_000):
        assert seconds(text) < 2.0


def test_sent_codes_and_numeric_passcodes_are_pins() -> None:
    """A one-time code the caller was sent, or a passcode of digits, is a PIN; a passcode
    with no such sign stays a password (the hand-written sets' convention)."""
    _check(
        [
            ("What's the one-time passcode on your screen?", [PIN]),
            ("Can you read out the OTP?", [PIN]),
            ("Please tell me the code that we texted to you.", [PIN]),
            ("What's the verification code in the text message?", [PIN]),
            ("And the six digit access code?", [PIN]),
            ("What's your telephone banking passcode?", [PIN]),
            ("Could you give me the passcode for the account?", [PIN]),
            ("What passcode did you choose?", [PWD]),
            ("Can you spell your online password for me?", [PWD]),
        ]
    )


def test_a_report_that_a_code_was_sent_then_asking_for_it() -> None:
    _check(
        [
            ("We just texted you a code, could you read it to me?", [PIN]),
            ("I've emailed you a code, what is it?", [PIN]),
            ("I've sent you a code, please never share it.", []),
            ("We've sent a code to your phone, just enter it in the app.", []),
            ("I've sent a new code.", []),
        ]
    )


def test_having_a_number_handy_asks_for_it_having_the_card_handy_does_not() -> None:
    """Getting the card out is preparation; a number one has handy is asked for."""
    _check(
        [
            ("Do you have your account number handy?", [ACCT]),
            ("Have you got the routing number in front of you?", [ROUTE]),
            ("Do you have your debit card handy?", []),
            ("Please have your credit card ready.", []),
        ]
    )


def test_asking_whether_the_caller_has_or_did_something_is_no_request() -> None:
    _check(
        [
            ("Do you have a PIN on this account?", []),
            ("Did you ever create a password for the app?", []),
            ("Have you signed in with your password this week?", []),
            ("Do you recall choosing a security word?", []),
            ("Did you forget your PIN?", []),
            ("Do you have a routing number for me?", [ROUTE]),
            ("Do you have any allergies?", [HEALTH]),
        ]
    )


def test_a_clause_about_a_name_is_a_statement() -> None:
    """The name opens its clause and a verb says something about it."""
    _check(
        [
            ("Your CVV is the three digits next to the signature, keep it private.", []),
            ("The sort code is on your bank statement if you need it.", []),
            ("Your PIN must be four digits.", []),
            ("Great, the expiry date matched.", []),
            ("Thanks, your password worked.", []),
            ("Your date of birth, please.", [DOB]),
        ]
    )


def test_a_phrase_with_no_verb_asks_for_what_it_names() -> None:
    _check(
        [
            ("The three digit code by the signature.", [CSC]),
            ("Okay, and the expiry, month and year.", [EXP]),
            ("Now the routing number and the account number.", [ROUTE, ACCT]),
            ("Card number confirmed.", []),
            ("Security code updated.", []),
            ("Your card number ending 1881.", []),
            ("Your blood pressure medication.", []),
            ("Social security office hours are nine to five.", []),
        ]
    )


def test_places_on_the_card_are_landmarks_and_labels_are_read() -> None:
    _check(
        [
            ("What are the four digits above the long number?", [CSC]),
            ("And the month and year shown below the card number?", [EXP]),
            ("What does it say under good thru?", [EXP]),
            ("What are the numbers to the right of the signature strip?", [CSC]),
        ]
    )


def test_other_account_and_member_numbers_are_not_bank_or_card_data() -> None:
    _check(
        [
            ("What's the account number on your water bill?", []),
            ("Can you read me your electric account number?", []),
            ("What's the member ID on the back of your card?", []),
            ("What's the policy number on the back of your insurance card?", []),
            ("What's the account number for the refund?", [ACCT]),
        ]
    )


def test_topics_and_yes_no_questions_about_a_card_ask_for_no_data() -> None:
    _check(
        [
            ("Is this regarding your debit card?", []),
            ("Was your credit card used at a gas station?", []),
            ("Did you pay with your debit card?", []),
            ("You can pay with any major credit card.", []),
            ("Can I grab the card details from you?", [CARD]),
            ("Which debit card number should I use?", [CARD]),
        ]
    )


def test_asking_forms_of_calls() -> None:
    _check(
        [
            ("The card number whenever you're ready.", [CARD]),
            ("Can you give me the sort code and account?", [ROUTE, ACCT]),
            ("What's the password we have on file for you?", [PWD]),
            ("Whens your card expire?", [EXP]),
            ("And the c v v?", [CSC]),
            ("Could I have your s s n?", [SSN]),
            ("And your SS number?", [SSN]),
            ("What are the nine digits along the bottom of your checks?", [ROUTE]),
            ("Can you read me the number on your social security card?", [SSN]),
        ]
    )


def test_read_backs_offers_and_the_keypad_are_not_requests() -> None:
    _check(
        [
            ("So that's date of birth June 2nd, 1990?", []),
            ("You'll receive a one-time code by email shortly.", []),
            ("You'll key in your PIN on the phone, I can't hear it.", []),
            ("The IBAN you gave doesn't match, could you check it?", []),
            ("Can you read it back to me?", []),
        ]
    )


@pytest.mark.parametrize(
    ("asked", "again"),
    [
        ("What's the IBAN?", "No problem, two characters at a time."),
        ("What's your PIN?", "That's fine, have a go anyway."),
        ("What's the expiry date?", "Got the month, and the year?"),
        ("What's the account password?", "The one that you set up last year."),
    ],
)
def test_re_asks_that_refer_to_the_last_request(asked: str, again: str) -> None:
    cs = CallScanner()
    want = cs.agent(asked).requests
    assert want
    cs.caller("um hang on")
    assert cs.agent(again).requests == want


def test_speech_with_fillers_and_no_punctuation_still_asks() -> None:
    _check(
        [
            ("uh okay and um the cvc on the back", [CSC]),
            ("got it and uh your sort code please", [ROUTE]),
            ("lemme get your birth date", [DOB]),
            ("ok so i'm gonna need the routing number", [ROUTE]),
            ("um so we're going to need your account number", [ACCT]),
            ("Got it, thank you.", []),
        ]
    )


def test_yes_or_no_questions_about_a_name_do_not_ask_for_it() -> None:
    _check(
        [
            ("Is your password the one you use for email?", []),
            ("Was the routing number on the form correct?", []),
            ("Is your date of birth still March 3rd?", []),
            ("Did you get the PIN we mailed?", []),
            ("Is the pain worse at night?", [HEALTH]),
            ("Is your routing number handy?", [ROUTE]),
        ]
    )


def test_the_whole_number_in_a_re_ask_is_the_number_asked_for_last() -> None:
    """ "The whole number" names a card only in a line that talks of cards; in a re-ask it
    is whatever was asked for last."""
    cs = CallScanner()
    cs.agent("And your social security number?")
    cs.caller("one two three four five")
    assert cs.agent("Sorry, the line dropped, can you repeat the full number?").requests == (SSN,)
    assert find_requests("Can you read me the full card number?") == [CARD]
    assert find_requests("What's the whole number on your card?") == [CARD]


def test_indirect_names_of_routing_numbers_and_codes() -> None:
    _check(
        [
            ("Which number identifies your bank on the check?", [ROUTE]),
            ("What's the bank's 9-digit number?", [ROUTE]),
            ("What are the digits written by your signature?", [CSC]),
            ("And the numbers next to where you sign?", [CSC]),
            ("What's the bank's phone number?", []),
        ]
    )


def test_routing_a_call_is_no_routing_number() -> None:
    _check(
        [
            ("I'm routing you to the claims team, could you stay on the line?", []),
            ("We'll be routing your request to a manager, is that alright?", []),
            ("And the routing, please?", [ROUTE]),
        ]
    )


def test_more_names_of_pins_and_passwords() -> None:
    _check(
        [
            ("What's your credit card PIN?", [PIN]),
            ("Can you tell me your personal access code?", [PIN]),
            ("What's the authenticator code showing in the app?", [PIN]),
            ("Read me the numbers from the text message, please.", [PIN]),
            ("Please read the four digits from the text I sent.", [PIN]),
            ("What's the answer to the secret question?", [PWD]),
            ("And what was your first pet's name?", [PWD]),
        ]
    )
