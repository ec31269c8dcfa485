"""Utterances of up to 40 words, as a support call carries them, for the text benches.

About half hold a number or ask for one; the rest is the small talk that
makes up most of a call. Numbers are public test cards or made up.
"""

from __future__ import annotations

UTTERANCES: list[tuple[str, str]] = [
    ("agent", "Thanks for calling, how can I help you today?"),
    ("caller", "Hi, I'd like to pay my bill please, it's the one that came last week."),
    (
        "agent",
        "Sure, I can help with that. Could you read me the long number on the front of the card?",
    ),
    ("caller", "yeah it's four one one one, one one one one, one one one one, one one one one"),
    ("agent", "And the expiry date and the three digits on the back?"),
    ("caller", "expires oh four twenty nine and the code is seven three seven"),
    ("caller", "my card number is 4111 1111 1111 1111 and it expires 04/29"),
    ("agent", "Your card ending in 4242 has been charged forty one dollars and eleven cents."),
    ("caller", "great, and can you send the receipt to my email as well please"),
    ("agent", "Of course. Is there anything else I can help you with today?"),
    ("caller", "my social is 078-05-1123 and my date of birth is july fourth nineteen eighty"),
    ("agent", "To verify your identity, may I have your date of birth?"),
    ("caller", "sure, it's the twelfth of march, nineteen seventy five"),
    ("caller", "call me back at 555-867-5309 if the line drops, I'm in the car"),
    ("caller", "the order number is 1234567890123 and the tracking number starts with 1Z"),
    ("agent", "We will never ask for your PIN or your online banking password."),
    ("caller", "um so the routing number is 121000358 and the account is 12345678901"),
    ("caller", "I moved in 2019 and my zip code is 94107, the apartment is number 12"),
    ("agent", "I'm moving you to our secure line to enter your card, it takes a minute."),
    ("caller", "it was about three hundred and twenty dollars, maybe a bit more"),
    ("agent", "Are you currently taking any medications I should know about?"),
    ("caller", "forty one eleven, eleven eleven, eleven eleven, eleven eleven, sorry, one"),
    ("caller", "okay hold on let me find my wallet, it's in the other room somewhere"),
    ("agent", "No problem, take your time, I'll be right here when you're ready."),
    ("caller", "my IBAN is GB82 WEST 1234 5698 7654 32 and the bank is in London"),
    ("caller", "the last four digits are 4242 and the name on the card is the same as mine"),
    ("agent", "Perfect. I've updated the address on your account to the new one."),
    ("caller", "what time do you close on saturdays, is it five or six in the evening"),
    ("caller", "the meeting is at 3:45 pm on the fourteenth, can we move it to the fifteenth"),
    ("agent", "Please say your PIN now, or enter it on your keypad followed by the pound key."),
    ("caller", "one two three four"),
    ("caller", "my password is correct horse battery staple but I think I changed it last month"),
]
