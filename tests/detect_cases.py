# ruff: noqa: E501
"""Hand-written detector cases, as callers and agents actually talk.

Each case: the agent's previous line (or None), the text, and the expected
findings as (category, exact substring). Numbers are public test cards or
made up; none belongs to a person.
"""

from __future__ import annotations

CARD = "payment_card"
CSC = "card_security_code"
EXP = "card_expiry"
SSN = "ssn"
ACCT = "bank_account"
ROUTE = "routing_number"
IBAN = "iban"
DOB = "date_of_birth"
PIN = "pin"
PWD = "password"

# (agent said before, caller text, [(category, substring), ...])
CALLER = [
    # written cards, any IIN, no context needed
    (None, "4111 1111 1111 1111", [(CARD, "4111 1111 1111 1111")]),
    (None, "it's 5555-5555-5555-4444 thanks", [(CARD, "5555-5555-5555-4444")]),
    (None, "the number is 378282246310005", [(CARD, "378282246310005")]),
    (None, "6011111111111117 is the one", [(CARD, "6011111111111117")]),
    (None, "use 2223003122003222 please", [(CARD, "2223003122003222")]),
    (None, "try 3530111333300000", [(CARD, "3530111333300000")]),
    (None, "30569309025904", [(CARD, "30569309025904")]),
    (None, "6200000000000005", [(CARD, "6200000000000005")]),
    (None, "4000 0566 5566 5556 is my debit", [(CARD, "4000 0566 5566 5556")]),
    (None, "it is 6250941006528599", [(CARD, "6250941006528599")]),
    (None, "my nineteen digit card 4111 1111 1111 1111 003", [(CARD, "4111 1111 1111 1111 003")]),
    # spoken cards
    (
        None,
        "four one one one, one one one one, one one one one, one one one one",
        [(CARD, "four one one one, one one one one, one one one one, one one one one")],
    ),
    (
        None,
        "my card is four one one one one one one one one one one one one one one one",
        [(CARD, "four one one one one one one one one one one one one one one one")],
    ),
    (
        None,
        "forty one eleven, eleven eleven, eleven eleven, eleven eleven",
        [(CARD, "forty one eleven, eleven eleven, eleven eleven, eleven eleven")],
    ),
    (
        None,
        "4 one 1 1 eleven 1 1 1 1 1 1 1 1 1 1",
        [(CARD, "4 one 1 1 eleven 1 1 1 1 1 1 1 1 1 1")],
    ),
    (
        None,
        "five five five five, double five double five, five five five five, four four four four",
        [
            (
                CARD,
                "five five five five, double five double five, five five five five, four four four four",
            )
        ],
    ),
    (
        None,
        "three seven eight two, eight two two four, six three one, double oh oh five",
        [(CARD, "three seven eight two, eight two two four, six three one, double oh oh five")],
    ),
    (
        None,
        "um it's four one one one uh one one one one, one one one one, one one one one",
        [(CARD, "four one one one uh one one one one, one one one one, one one one one")],
    ),
    (
        None,
        "four one one one one one one one one one one one one one one two, sorry, one",
        [(CARD, "four one one one one one one one one one one one one one one two, sorry, one")],
    ),
    (
        None,
        "five five five five, five five five five, five five five five, four four four four",
        [
            (
                CARD,
                "five five five five, five five five five, five five five five, four four four four",
            )
        ],
    ),
    # near-miss cards in card context: STT got a digit wrong
    ("What's the card number?", "4111 1111 1111 1112", [(CARD, "4111 1111 1111 1112")]),
    (None, "my card number is 4111 1111 1111 1121", [(CARD, "4111 1111 1111 1121")]),
    (
        "Go ahead with the card whenever you're ready.",
        "four one one one one one one one one one one one one one one two",
        [(CARD, "four one one one one one one one one one one one one one one two")],
    ),
    (
        "Could you read me the long number on the front of the card?",
        "sure it's 4111 1111",
        [(CARD, "4111 1111")],
    ),
    # security codes, expiry
    ("And the three digits on the back?", "seven three seven", [(CSC, "seven three seven")]),
    ("What's the security code?", "it's 123", [(CSC, "123")]),
    (None, "the cvv is 737", [(CSC, "737")]),
    (None, "security code four two four two", [(CSC, "four two four two")]),
    ("When does the card expire?", "oh four twenty nine", [(EXP, "oh four twenty nine")]),
    ("What's the expiry date?", "04/29", [(EXP, "04/29")]),
    (None, "it expires 03/2030", [(EXP, "03/2030")]),
    (None, "expiration is april twenty twenty nine", [(EXP, "april twenty twenty nine")]),
    (
        None,
        "4111 1111 1111 1111, expires 04/29 and the code is 737",
        [(CARD, "4111 1111 1111 1111"), (EXP, "04/29"), (CSC, "737")],
    ),
    # SSN
    (None, "my social is 078-05-1123", [(SSN, "078-05-1123")]),
    (None, "ssn 219 09 9999", [(SSN, "219 09 9999")]),
    (
        None,
        "my social security number is oh seven eight, oh five, one one two three",
        [(SSN, "oh seven eight, oh five, one one two three")],
    ),
    ("Can I get the last four of your social?", "one one two three", [(SSN, "one one two three")]),
    (None, "the last four of my social are 1123", [(SSN, "1123")]),
    (
        "What is your social security number?",
        "two one nine, zero nine, nine nine nine nine",
        [(SSN, "two one nine, zero nine, nine nine nine nine")],
    ),
    # bank
    (None, "routing number 121000358", [(ROUTE, "121000358")]),
    (None, "my account number is 12345678901", [(ACCT, "12345678901")]),
    ("What's your checking account number?", "it's 000123456789", [(ACCT, "000123456789")]),
    (
        "And the routing number?",
        "zero two one zero zero zero zero two one",
        [(ROUTE, "zero two one zero zero zero zero two one")],
    ),
    (None, "routing 021000021 account 123456789", [(ROUTE, "021000021"), (ACCT, "123456789")]),
    (None, "my IBAN is GB82 WEST 1234 5698 7654 32", [(IBAN, "GB82 WEST 1234 5698 7654 32")]),
    (None, "iban DE89370400440532013000", [(IBAN, "DE89370400440532013000")]),
    # DOB
    (None, "I was born on July 4th, 1980", [(DOB, "July 4th, 1980")]),
    (
        "What's your date of birth?",
        "july fourth nineteen eighty",
        [(DOB, "july fourth nineteen eighty")],
    ),
    (
        "Can you confirm your date of birth?",
        "oh seven oh four nineteen eighty",
        [(DOB, "oh seven oh four nineteen eighty")],
    ),
    (None, "my date of birth is 07/04/1980", [(DOB, "07/04/1980")]),
    (
        None,
        "my birthday is the fourth of july nineteen eighty",
        [(DOB, "fourth of july nineteen eighty")],
    ),
    ("And your date of birth?", "12/25/1975", [(DOB, "12/25/1975")]),
    # PIN, password
    (None, "my pin is 4321", [(PIN, "4321")]),
    ("Please say your PIN.", "one two three four", [(PIN, "one two three four")]),
    (None, "the password is hunter2", [(PWD, "hunter2")]),
    (
        "What's your password?",
        "it's correct horse battery staple",
        [(PWD, "correct horse battery staple")],
    ),
    # a numeric passcode is a PIN (issue 10); a passcode in letters stays a password
    (None, "my passcode is 9 9 8 8", [(PIN, "9 9 8 8")]),
    (
        None,
        "yeah it's a visa, four two four two, four two four two, four two four two, four two four two",
        [(CARD, "four two four two, four two four two, four two four two, four two four two")],
    ),
    (
        None,
        "card number: 4111-1111-1111-1111, exp 12/26, cvc 123",
        [(CARD, "4111-1111-1111-1111"), (EXP, "12/26"), (CSC, "123")],
    ),
    (None, "my social's 123-45-6789", [(SSN, "123-45-6789")]),
    (
        "What's your social security number?",
        "nine eight seven six five four three two one",
        [(SSN, "nine eight seven six five four three two one")],
    ),
    (None, "my date of birth is march 3rd 1985", [(DOB, "march 3rd 1985")]),
    (None, "DOB 3/3/85", [(DOB, "3/3/85")]),
    (None, "I was born 1985-03-03", [(DOB, "1985-03-03")]),
    (None, "my pin is one one one one", [(PIN, "one one one one")]),
    (None, "4111 1111 1111 1112, no wait, 1111", [(CARD, "4111 1111 1111 1112, no wait, 1111")]),
    (
        None,
        "it's like four one one one one one one one one one one one one one one one",
        [(CARD, "four one one one one one one one one one one one one one one one")],
    ),
    ("What's the security code on the back?", "it's 7 3 7", [(CSC, "7 3 7")]),
    (
        None,
        "card number is 4111111111111111 and my phone is 4155551234",
        [(CARD, "4111111111111111")],
    ),
]

# Caller texts with nothing sensitive (naive detectors flag many of these).
CALLER_NEGATIVE = [
    (None, "call me back at 555-867-5309"),
    (None, "my phone number is four one five, five five five, one two three four"),
    (None, "my order number is 1234567890123456"),
    (None, "tracking number 9400111899223197428490"),
    (None, "the confirmation number is 4111111111111112"),
    (None, "the timestamp was 1700000000000"),
    (None, "my zip code is 94107"),
    (None, "the zip is 94107-1234"),
    (None, "I paid $1,250.00 last month"),
    (None, "it was four thousand one hundred eleven dollars"),
    (None, "the meeting is at 3:45 pm"),
    (None, "call me at five thirty"),
    (None, "my appointment is on July 4th, 2024"),
    (None, "the last four digits are 4242"),
    (None, "my card ending in 4242"),
    ("What's the card number?", "hold on, let me find it"),
    ("What's the card number?", "it ends in 4242"),
    (None, "I have 2 cards and 3 accounts"),
    (None, "oh, I see, that makes sense"),
    (None, "I live at 1600 Pennsylvania Avenue"),
    (None, "flight 1234 leaves at 10 am"),
    (None, "that's about 30 percent"),
    (None, "version 10.2.1 of the app"),
    (None, "the reference is 123456789012"),
    (None, "my customer number is 45678912"),
    (None, "i was born in a small town"),
    (None, "the password reset didn't work"),
    (None, "in 2019 I moved"),
    (None, "my account ending in 6789"),
    (None, "my member ID is 123456789"),
    (None, "I need to pay 1,234.56"),
    (None, "can we do it at ten thirty"),
    (None, "on 07/04/2024 I called you"),
    (None, "I'm 45 years old"),
    (None, "I sent 4111 dollars"),
    (None, "one moment please"),
    (None, "I'll be there in twenty minutes"),
]

# (agent text, expected request categories)
AGENT = [
    ("What's your card number?", [CARD]),
    ("Could you read me the long number on the front of the card?", [CARD]),
    ("Go ahead with the card whenever you're ready.", [CARD]),
    ("Please provide your credit card number.", [CARD]),
    ("I'll need the sixteen digit number on your card.", [CARD]),
    ("And the three digits on the back?", [CSC]),
    ("What's the security code?", [CSC]),
    ("Can you give me the CVV?", [CSC]),
    ("When does the card expire?", [EXP]),
    ("And the expiration date?", [EXP]),
    ("Can I get the last four of your social?", [SSN]),
    ("What is your social security number?", [SSN]),
    ("To verify your identity, may I have your date of birth?", [DOB]),
    ("When were you born?", [DOB]),
    ("What's your checking account number?", [ACCT]),
    ("And the routing number?", [ROUTE]),
    ("Could you read out your IBAN?", [IBAN]),
    ("Please say your PIN.", [PIN]),
    ("What's your password?", [PWD]),
    ("Are you currently taking any medications?", ["health"]),
    ("Do you have any medical conditions I should know about?", ["health"]),
    ("Can you tell me your card number and the expiry date?", [CARD, EXP]),
    ("Great. Now, the card number please.", [CARD]),
    ("Let's start with your card number.", [CARD]),
    ("Please enter your card number using your keypad.", [CARD]),
    ("Could I please have the card number?", [CARD]),
    ("May I have your birth date and zip code?", [DOB]),
    ("What medications are you currently on?", ["health"]),
    ("Have you been diagnosed with diabetes?", ["health"]),
    ("Next, your card number.", [CARD]),
    ("What card would you like to use?", [CARD]),
]

AGENT_NEGATIVE = [
    "We will never ask for your PIN.",
    "Your card ending in 4242 has been charged.",
    "I'm moving you to our secure line to enter your card.",
    "Please read the terms and conditions.",
    "Thank you, your payment was accepted.",
    "Never share your password with anyone.",
    "You don't need to give me your card number.",
    "I'm transferring you to a specialist who can take your card details.",
    "Your date of birth is on file.",
    "How can I help you today?",
    "Do you have your card handy?",
    "Please hold while I check your account.",
    "Your card number has been updated.",
    "Thanks for confirming your date of birth.",
    "For security, please confirm the last four digits of your card.",
    "What's the name on the card?",
    "What's the billing zip code for the card?",
    "Is this a credit or debit card?",
    "Would you like to pay with the card on file?",
    "I understand you have a medical condition.",
    "Let me just pull up your account.",
]
