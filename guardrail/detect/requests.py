"""Agent requests: which sensitive categories does a line ask the other party to provide?

The guardrail must know *before* the words are spoken that the agent is about
to ask for a card number, so that the request never reaches text-to-speech
and the caller is moved to a secure path instead.

The sentence model
------------------
A line is cut into sentences (at ``. ? ! ;`` and line ends; a sentence longer
than ``_WINDOW`` characters is cut into windows, which keeps every step
linear) and each sentence into clauses (at commas and colons, and before
words that start a new thought: "but", "just", "only", "what", "could you",
"please", ...). A category is asked for when a sentence

1. **names it**: a phrase of the category's table in ``TARGETS`` (its names,
   or an indirect description: "the three digits on the back"; a ``bare``
   phrase, "just the number", names it only in a line that talks of it, or
   after a caller's turn that did: "go ahead with the number on it" after "I'll
   pay with my Visa"; a ``talk`` word right before another category's name, "account" in
   "your account PIN", talks of that one only; a ``heard`` phrase, "what's the new one?",
   only there);
   where phrases overlap, the longest counts, and a look-alike from a
   ``not_it`` list ("the name on the card") counts for nothing;
2. **asks**: the sentence has an asking form (a question word, "can you",
   "could I have", "please", "I'll need", "go ahead", "whenever you're
   ready", ...), starts as a question ("have you ...", "is it ...") or ends
   in "?"; or it is a **phrase**: at most ``_FRAGMENT_WORDS`` words, no verb,
   nothing but names and ``_PHRASE_WORDS`` ("the three digits on the back,
   by the signature", "now the routing number"; health is asked in
   questions only);

and the clause that names it is none of:

- **negated** before the name ("no need for the expiry", "we never ask for
  your PIN") or after it ("your PIN isn't needed"); the negation reaches to
  the end of its clause only, so "no need for the expiry, just the number"
  asks for the number;
- **a report** ("your card ending in 4242 has been charged", "I've updated
  your password", "your date of birth is on file", "thanks for ...", "the
  IBAN you gave doesn't match"), what is done with it ("we use your date of
  birth only to verify who you are") or what someone else will ask ("the
  pharmacy will ask you about allergies"); a report that something was **sent** is
  asked for all the same when a later clause asks for "it" ("I've texted
  you a code, can you read it to me?");
- **a statement** about the name, which opens its clause and is followed by
  a verb ("your CVV is the three digits on the back", "the sort code is on
  your statement", "your password needs eight characters", "the account
  number changes when ...", "your date of birth matches", "the routing number for wires
  is on the letter"), unless that says it
  is all the agent needs ("just the number on the front is fine");
- **an offer** ("want me to read it back?", "shall I repeat the card
  number?", "I'll text you a new PIN", "would you like a copy of your lab
  results?");
- **getting ready** ("do you have your card handy?", "please hold"): the
  card, checkbook or statement in hand is preparation, not a request; a
  *number* one has handy is asked for ("do you have your routing number
  handy?");
- **about having it** ("do you have a PIN on the account?", "did you create
  a password?", "have you logged in with your password?"; "do you have a
  card number for me?" asks, as does health: "do you have any allergies?");
- **a yes-or-no question about a thing one holds**, or its **topic** ("is
  the credit card in your name?", "did you pay with your debit card?", "are
  you calling about your credit card?");
- **an instruction to do something else with it**: the name right after such
  a verb ("you can reset your password online", "call the number on the back
  of your card"; health excepted: "do you use an inhaler?");

and the name itself is not only a **landmark** ("the account number, after
the routing number", "the date under the number on the front"; a label is
read: "what does it say under valid thru?"), an **attribute** of the name before it ("the PIN for
your debit card", "the date of birth for the patient on the prescription"), or **read back**
with its value ("so the card number is 4111 ..., right?", "the security code I have is 338",
"so I have routing two one one ...");

and the sentence is not **about the secure path** ("I'm moving you to our
secure line to enter your card") or another place to give it ("you can fill
it in online"), unless the clause is itself a question
("before I transfer you, what's your date of birth?").

A sentence that names nothing but asks for "it" ("Is that IBAN for a business account?
Please read it out.") asks for what the sentence before it named last.

Brand and kind are not card data: "is it a Visa or Mastercard?", "what name
is on the card?" ask for nothing; but "which card would you like to use?" in a
payment asks for the card (the answer is read from it, and the secure path is
the place to take it). Nor
are other numbers: an account number on a utility bill, a member or policy
number on the back of an insurance card. A one-time code the caller was
sent, or a passcode of digits ("six digit passcode", "telephone banking
passcode", "the passcode on your account"), an access code, an app's or portal's
PIN and the number from an authenticator is a PIN; a plain passcode, a
password, security word or passphrase is a password. An elliptical follow-up in
a bundle asks for what it names: "and the code?" for the card's security code,
"and the account you'd like to use" for a bank account.

Adding a phrasing
-----------------
Find the category's ``Target`` below and add the phrase to ``names`` or
``descriptions`` (or a look-alike to ``not_it``). A phrase is a regular
expression over normalised text (lower case; every run of spaces, hyphens
and underscores is one space; curly quotes are straight; dotted acronyms are
joined: "s.s.n." is "ssn"). It starts with a word or with a group of
alternatives that each start with a word (``(?:three|3) digits``), because
it is tried only where such a word starts, and it must match whole words.
Keep quantifiers bounded (no ``.*``). ``tests/test_request_kinds.py`` holds
the cases by kind; add one there too.

Health has a lexicon of its own in ``health_terms.py`` (medicines, with
drug-class endings such as "-statin" for names it does not list yet,
conditions, tests, pain, pregnancy, mental health).

A re-ask ("sorry, could you say that again?", "I only got two digits, could
you give me all three?", "whenever you've got it", "and the day?") names
nothing itself;
:func:`asks_again` tells the conversation (``CallScanner``) that the last
request is asked again.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from . import categories as c
from .health_terms import DRUG_SUFFIXES, DRUGS, HEALTH_PHRASES, HEALTH_WORDS, words

__all__ = ["TARGETS", "Target", "asks_again", "find_requests", "named_in", "talked_of"]


@dataclass(frozen=True)
class Target:
    """One category's table: how a sentence names it, and what only looks like it."""

    category: str
    names: tuple[str, ...]
    """What it is called: "security code", "cvv"."""
    descriptions: tuple[str, ...] = ()
    """Indirect descriptions: "the three digits on the back"."""
    bare: tuple[str, ...] = ()
    """Phrases that name it only in a line that talks of it (``talk``): "just the number"."""
    talk: str = ""
    """Words (space-separated): a line with one of them talks of the category; so does a
    line after the other party's turn with one of them (``find_requests``'s ``heard``)."""
    heard: tuple[str, ...] = ()
    """Phrases that name it only after the other party's last turn talked of it (``talk``
    among the words they said): "what's the new one?" after "I'll use a different card"."""
    not_it: tuple[str, ...] = ()
    """Look-alikes: where one of these covers a name's words, the name does not count."""


_CARD = r"(?:the|your|this|that) (?:credit |debit )?card"
_CARD_OR_BRAND = (
    r"(?:the|your|this|that) (?:(?:credit |debit )?card|(?:visa|mastercard|amex|discover)"
    r"(?: card)?)"
)
_CARD_ENDS = r"(?= ?(?:$|[,.?!;]|(?:please|now|then|next|first|whenever|when|again)\b))"
"""After "I'll need your card": it ends the clause, so the card's number is what is needed."""
_ELLIPSIS_ENDS = r"(?= ?(?:$|[,.?!;]|(?:please|now|then|too|as well|next|first)\b))"
"""After an elliptical follow-up in a bundle ("and the code?"): it ends the clause."""
_CHECK = r"(?:your|the|a|one of your|any of your) (?:checks|cheques|check|cheque)"
_BARE_NUMBER = r"(?:the|your) (?:full |whole |long |entire )?(?:number|numbers|digits)"

TARGETS: tuple[Target, ...] = (
    Target(
        c.CARD_SECURITY_CODE,
        names=(
            r"security (?:code|number|digits)(?: (?:on|from|off|of|for) (?:the|your|this|that)"
            r" (?:credit |debit )?card)?",
            r"(?:four|4) (?:digit )?(?:code|number|digits) on the front",
            r"(?:code|digits|number|numbers) on the front of (?:your|the|this|that) (?:amex"
            r"|american"
            r" express)(?: card)?",
            r"(?:cvv|cvv2|cvc|cvc2|csc|cid|cvn|cv2)",
            r"(?:c v v|c v c|c s c|c v n|c v two|c v v two)",
            r"card (?:verification|security) (?:code|value|number)",
            r"verification (?:code|value|number)",
            r"(?:verification) (?:code|value|number) on (?:the|your) card",
            r"(?:three|3) digit (?:security |verification )?(?:code|number)",
            r"(?:four|4) digit (?:security|verification) (?:code|number)",
            r"(?:four|4) on the front of (?:your|the|this|that) (?:amex|american express)",
            r"code(?<=\band the code)" + _ELLIPSIS_ENDS,
            r"three digits(?<=\band the three digits)" + _ELLIPSIS_ENDS,
            r"three numbers(?<=\band the three numbers)" + _ELLIPSIS_ENDS,
            r"3 digits(?<=\band the 3 digits)" + _ELLIPSIS_ENDS,
        ),
        descriptions=(
            r"(?:three|3|four|4|last three|last 3) (?:digits?|numbers?|digit number|digit code)"
            r"(?: code| number)?(?: (?:printed |written )?in (?:italics|small print|small type"
            r"|bold|black|white))? (?:on|at|from|in|printed on|off) the (?:back|reverse|signature)",
            r"(?:digits?|numbers?|code) (?:on|at|from|printed on|written on|off) the"
            r" (?:back|reverse)",
            r"(?:digits?|numbers?|code) (?:on|in|beside|next to|by|near|above|printed on|printed in"
            r"|in the|on the|by the|beside the|next to the|to the right of|right of|to the side of"
            r"|after|behind|following|printed by|printed next to|written by) (?:the |your )?"
            r"(?:signature|white strip)",
            r"(?:digits?|numbers?|code) (?:next to|by|near|beside) where you sign",
            r"(?:three|3|four|4) (?:digits?|numbers?)(?: printed| written)? (?:above|over"
            r"|on top of)"
            r" the (?:card |long |main )?number",
            r"signature (?:strip|stripe|panel|box|line|bar|area)",
            r"code (?:from|on|off|printed on) (?:the|your|this|that) (?:credit |debit )?card",
            r"back of " + _CARD,
            r"(?:three|3|four|4) (?:on|at|from|off) the back",
            r"(?:four|4) (?:digits?|numbers?)(?: printed| written)? on the front",
        ),
        bare=(r"(?:three|3) (?:digits|numbers|digit code|digit number)",),
        talk="card cards cvv cvc cvv2 security flip",
        not_it=(
            r"(?:phone|telephone|service|toll free|contact|support|helpline|customer service|"
            r"customer care|800|member|membership|policy|group|insurance|id|rx|subscriber|serial"
            r"|model|part|imei|product|device|tracking|order|reference|confirmation|mac)"
            r" (?:numbers?|id|code) (?:on|at|from) the back",
            r"(?:numbers?|digits|code) (?:on|at|from) the back of (?:your|the|this"
            r"|that) (?:insurance"
            r"|member|membership|id|health|library|loyalty|rewards|gift|medicare|medicaid|benefits)"
            r" card",
            r"(?:numbers?|digits|code) (?:on|at|from) the back of (?:your|the|this|that) (?:modem"
            r"|router|device|box|phone|remote|tv|television|unit|machine|meter|appliance|laptop"
            r"|computer|receipt|form|package|parcel|label|product|bottle|tablet|console|printer)",
            r"(?:call|ring|dial) the numbers? on the back",
            r"(?:billing zip|billing postal|zip|postal|post|area) code(?: (?:on|from|for)"
            r" (?:the|your|this|that) (?:credit |debit )?card)?",
        ),
    ),
    Target(
        c.CARD_EXPIRY,
        names=(
            r"(?:expiration|expiry|expiration date|expiry date|exp date|expiry month|exp)",
            r"(?:expires|expire)",
            r"(?:credit|debit) card (?:expiration|expiry)",
            r"card (?:expiration|expiry)",
            r"(?:valid|good) (?:thru|through|until|till)(?: date)?",
            r"(?:two|2) digit month and (?:the )?(?:two|2|four|4) digit year",
            r"(?:two|2) (?:numbers|digits) for the month",
            r"month and (?:the )?year(?:(?<=\band the month and year)"
            r"|(?<=\band the month and the year))" + _ELLIPSIS_ENDS,
        ),
        descriptions=(
            r"(?:date|month and year|month and the year|month year|end date)"
            r"(?: is| that's| it says)? (?:on|printed on|shown on|written on|on the front of"
            r"|at the front of) (?:the|your) (?:front|card|credit card|debit card)",
            r"(?:date|month and year) on the front",
            r"(?:date|month and year|month and the year|month year)(?: is| that's)?(?: printed"
            r"| shown"
            r"| written)? (?:under|below|beneath|underneath) the (?:card |long )?number",
            r"(?:date|end date|month and year|month and the year|month slash year|month)(?: that)?"
            r" (?:it|the card|your card|that card) (?:expires|runs out|is good until|is valid"
            r" until|stops working)",
            r"end date(?: is| that's)?(?: printed| shown| written)? on (?:it|there|the card|your"
            r" card|the front)",
            r"(?:does|will|did) (?:it|the card|your card|that card|the credit card|the debit card)"
            r" (?:expire|run out|stop working)",
            r"(?:is|'s) (?:it|the card|your card|that card|the credit card|the debit card)"
            r" (?:valid|good)",
        ),
        bare=(
            r"(?:date|month and year) (?:under|below|beneath|underneath) (?:it|that|them|those)",
        ),
        talk="number numbers digits",
        not_it=(
            r"(?:expires|expired|expiring|expire) (?:at|in|on|next|soon|this|today|tomorrow|every"
            r"|after|before|at the end)",
            r"(?:before|after|until|once|if) (?:your|the|it|that|a) (?:card |credit"
            r" card |debit card )?(?:expires|expired|expire)",
            r"(?:expiry|expiration) (?:policy|policies|rules|notice|reminder|email|letter|period)",
            r"(?:offer|promotion|promo|trial|subscription|session|link|quote|membership|warranty|"
            r"contract|lease|policy|coupon|voucher|password|code) (?:expires|expire|expiry|"
            r"expiration)",
            r"(?:passport|passports|license|licence|permit|visa|id|document|documents|ticket"
            r"|pass|insurance|registration|certificate)(?: [a-z']+){0,4}? (?:valid|good)"
            r" (?:thru|through|until|till)",
        ),
    ),
    Target(
        c.ROUTING_NUMBER,
        names=(
            r"routing(?: number| numbers| no| code)?",
            r"(?:aba|abn)(?: number| routing number| code)?",
            r"(?:transit|bsb) (?:number|code)",
            r"sort code",
            r"bank (?:routing|transit|sort) (?:number|code)",
            r"(?:bank|branch) (?:code|transit number)",
        ),
        descriptions=(
            r"(?:nine|9) (?:digits?|digit number|numbers?)(?: (?:at|on|in|from) the)? (?:bottom|"
            r"lower) left",
            r"(?:bottom|lower) left (?:corner |side |hand corner )?(?:of|on) " + _CHECK,
            r"(?:nine|9) (?:digits?|digit number|digit code|numbers?)(?: [a-z']+){0,6}? (?:on|of"
            r"|from|at the bottom of|along the bottom of) " + _CHECK,
            r"(?:nine|9) (?:digits?|digit number|numbers?) on the left",
            r"(?:number|code|digits) (?:that )?(?:identifies|identify|identifying)"
            r" (?:your|the) bank",
            r"(?:bank's|banks) (?:nine|9) digit (?:code|number)",
            r"(?:nine|9) digit bank (?:code|number)",
            r"(?:first|left) (?:set of )?(?:numbers|digits|number) (?:at|on|along"
            r"|across) the (?:bottom|"
            r"lower edge) of " + _CHECK,
            r"(?:number|numbers|digits) (?:on|at|in) the (?:bottom|lower) left(?: corner| side"
            r"| hand"
            r" corner)?(?: (?:of|on) " + _CHECK + ")?",
        ),
        not_it=(
            r"routing (?:you|your call|the call|this|that|it|them|him|her|calls|over|through|to"
            r"|your request|your complaint|your case)",
        ),
    ),
    Target(
        c.IBAN,
        names=(
            r"iban(?: number| code)?",
            r"international bank account number",
            r"(?:international|intl) account number",
        ),
        descriptions=(
            r"(?:account number|number|account|code) (?:that |which )?(?:starts|starting|begins"
            r"|beginning) with (?:the |a |your )?(?:country code|two letters|letters)",
            r"(?:starts|starting|begins|beginning) with (?:the|a|your) country code",
        ),
    ),
    Target(
        c.SSN,
        names=(
            r"social security(?: number| no| card number)?",
            r"(?:ssn|ssns|s s n)",
            r"ss (?:number|no|num)",
            r"(?:social insurance|national insurance) number",
        ),
        descriptions=(
            r"(?:your|the|his|her|their)(?: full| whole| nine digit| 9 digit)? social(?: security"
            r"(?: number| no)?)?",
            r"(?:your|the|his|her|their) (?:policyholder|policy holder|account holder"
            r"|accountholder|cardholder|patient|member|insured|applicant|spouse|child|son"
            r"|daughter|husband|wife|primary|primary member)(?:'s|s) social(?:"
            r" security(?: number| no)?)?",
            r"last (?:four|4)(?: digits| numbers)? (?:of|on"
            r"|from) (?:[a-z']+ ){1,4}?(?:social security"
            r" number|social security|social|ssn)",
            r"(?:nine|9) digit (?:social|ssn)",
            r"(?:number|numbers|digits) (?:on|from|off) (?:your|the|his|her"
            r"|their) (?:social security"
            r"|social|ss) card",
            r"last (?:four|4|five|5|part|digits|few digits)(?: digits| numbers)? (?:of|on|from) "
            r"(?:your|the) (?:social security number|social security|social|ssn)",
        ),
        not_it=(
            r"social (?:media|worker|workers|services|service|club|event|events|life|skills|"
            r"network|security (?:office|offices|benefits?|administration|checks?|payments?|"
            r"income|disability|card(?! number)|retirement))",
        ),
    ),
    Target(
        c.DATE_OF_BIRTH,
        names=(
            r"date of birth",
            r"(?:birth date|birthdate|birthday|dob|d o b)",
            r"(?:year|month|day) of birth",
            r"birth (?:year|month|day)",
        ),
        descriptions=(
            r"(?:were|was) (?:you|he|she|they|the patient|the account holder) born",
            r"(?:date|day|year|month) (?:you were|he was|she was|they were) born",
            r"born (?:on|in) what",
        ),
        not_it=(
            r"(?:where|which city|which country|what city|what country) (?:were|was) (?:you|he|"
            r"she|they) born",
            r"(?:place|country|city|town) of birth",
            r"(?:birth certificate|birthplace|birth place)",
        ),
    ),
    Target(
        c.PIN,
        names=(
            r"(?:pin|pins)(?: number| code)?",
            r"personal identification number",
            r"(?:four|4|six|6) digit pin",
            r"atm (?:code|pin|number)",
            r"(?:credit|debit|bank|atm|card|visa|mastercard|telephone|phone|security|card's|cards)"
            r" (?:card )?pin(?: number| code)?",
            r"personal (?:code|access code|security code|pin)",
            r"(?:login|log in|sign in|authentication|authenticator|2fa|two factor|mfa) code",
            r"(?:one time|onetime) (?:code|passcode|pass code|password|pin|security code|number)",
            r"(?:otp|otp code)",
            r"(?:four|4|five|5|six|6|seven|7|eight|8) digit (?:code|passcode|pass code|access code"
            r"|phone code|verification code|security number|security code|login code|text code)",
            r"(?:account|numeric|number|telephone banking|phone banking|telephone|phone|ivr|keypad)"
            r" (?:passcode|pass code)",
            r"(?:passcode|pass code|access code) (?:on|for) (?:your|the|this|that) account",
            r"(?:passcode|pass code|access code|security code) (?:on|for) (?:your|the|this|that)"
            r"(?: [a-z']+){0,3}? (?:account|profile|portal|line|phone line)\b(?! (?:number|no)\b)",
            r"(?:passcode|pass code) (?:on|for) (?:your |the )?(?:telephone|phone|online) banking",
            r"(?:passcode|pass code) number",
            r"access code",
            r"(?:override|manager override|manager's override|supervisor) (?:code|pin)",
        ),
        bare=(r"(?:the|your|those|all|all the) (?:four|4|six|6) (?:digits|numbers)",),
        talk="pin pins",
        not_it=(r"pin (?:mailer|letter|envelope|reminder|reset|change|pad)",),
        descriptions=(
            r"(?:code|number|digits) you (?:use|enter|type|punch in) at the (?:atm|cash machine|"
            r"cashpoint|till|keypad|card reader)",
            r"(?:code|codes|passcode|number|digits|numbers) (?:we|i|that we|that i|they|that they"
            r"|the app)"
            r"(?: just)? (?:sent|texted|emailed|messaged|sent you|texted you|emailed you)",
            r"(?:verification|authentication|access|login|confirmation|security|one time|text"
            r"|sms) (?:code|number|passcode) (?:we|i|that we|that i)(?: just)? (?:sent|texted"
            r"|emailed)",
            r"(?:verification|authentication|access|login|confirmation|security|one time|text|sms)"
            r" (?:code|number|passcode) (?:sent|texted|emailed|on your phone|in the text|in your"
            r" email|from the app|from the text|from your text|from the message|in the message"
            r"|on your screen|on the screen|in the app|on the app"
            r"|you (?:got|received|just got|just received))",
            r"(?:code|passcode) (?:from|in) (?:the|your|that) (?:text|sms|text message|message"
            r"|email|app|authenticator|authenticator app|authentication app)",
            r"(?:what does|what did|what do) (?:the|your|that|this) (?:new |latest |last |second )?"
            r"(?:text|texts|message|sms|email|text message) say(?! about)",
            r"(?:number|numbers|digits) (?:from|in|on) (?:the|your|that) (?:text|sms|text message"
            r"|authenticator|authenticator app|authentication app|app)",
            r"(?:code|number|digits) (?:on|showing on|shown on|displayed on) (?:the|your)"
            r" (?:screen|display)",
            r"(?:code|passcode) (?:when|once|as soon as) (?:it|that|the text|the message)"
            r" (?:comes in|arrives|comes through|shows up|pops up|lands)",
            r"(?:code|passcode) (?:when|once|as soon as) you (?:get|receive|see) it",
            r"(?:code|passcode) (?:that |which )?(?:you (?:just )?(?:got|received)"
            r"|(?:just )?(?:came|arrived|came in|came through|showed up|popped up))",
            r"(?:four|4|six|6) (?:digits|numbers) (?:you|that you) (?:chose|picked|set|set up"
            r"|created|made|selected)",
            r"(?:enter|key|punch|type)(?: in)?(?: or (?:say|tell me|read me))? (?:the|your)"
            r" (?:four|4|six|6) (?:digits|numbers|digit code)",
            r"(?:text|texted|sms|email|emailed) (?:verification |security |confirmation |access )?"
            r"(?:code|passcode)",
            r"(?:sent|texted|emailed) (?:you )?(?:a (?:new|fresh|second|different) one"
            r"|another one)",
            r"(?:sent|texted|emailed) (?:you )?(?:a|the|your)(?: new| fresh| second| different)?"
            r" (?:code|passcode|verification code"
            r"|security code|one time code|access code|text code)",
        ),
    ),
    Target(
        c.PASSWORD,
        names=(
            r"(?:password|passwords|passcode|passcodes|passphrase|pass code|pass word|pass phrase)",
            r"(?:verbal|spoken) (?:passcode|pass code|password)(?: (?:on|for) (?:your|the|this"
            r"|that)(?: [a-z']+){0,3}? (?:account|profile|portal|line|phone line))?",
            r"(?:secret|security|memorable) (?:word|phrase|answer|answers)",
            r"(?:answer|answers) to (?:your|the) (?:security|secret) questions?",
            r"(?:security|secret) questions?",
            r"(?:first pet's|first pets|first pet) name",
            r"name of your first (?:pet|school|street|car)",
            r"memorable (?:information|info|date|name|place)",
            r"(?:mother's|mothers|mother) maiden name",
            r"maiden name",
            r"(?:login|log in|sign in|signin) (?:details|credentials|info|information)",
            r"credentials",
        ),
    ),
    Target(
        c.BANK_ACCOUNT,
        names=(
            r"(?:bank|checking|savings|chequing|current|deposit) account(?: number| numbers| no|"
            r" details| info| information)?",
            r"account (?:number|numbers|no)",
            r"account(?= and (?:routing|sort|the routing|transit))",
            r"account(?<=routing and account)",
            r"account(?<=routing and the account)",
            r"account(?<=routing and your account)",
            r"account(?<=sort code and account)",
            r"account(?:(?<=\band the account)|(?<=\band your account)|(?<=\bthen the account)"
            r"|(?<=\bthen your account))"
            r"(?= ?(?:$|[,.?!;]|(?:please|now|then|too|you|you'd|youd|you'll|that|which|where"
            r"|to|for|we|i)\b))",
            r"bank (?:details|info|information|account details)",
            r"(?:checking|savings|chequing) (?:number|no)",
            r"account(?:(?<=\bwhat account)|(?<=\bwhich account))(?=(?: [a-z']+){0,5}?"
            r" (?:drafted|debited|withdrawn|pulled|taken|paid|deducted) (?:from|out of)\b)",
            r"(?:acct|a c) (?:number|no)",
        ),
        descriptions=(
            r"(?:second|middle) (?:set of )?(?:numbers|digits) (?:on|at|along) (?:the bottom of )?"
            + _CHECK,
            r"(?:longer|long|second|other|next|middle) (?:number|numbers|digits|set of numbers)"
            r"(?: [a-z']+){0,6}? (?:on|of|from|at the bottom of|along the bottom of) " + _CHECK,
        ),
        bare=(_BARE_NUMBER,),
        talk="account accounts checking savings chequing check cheque checkbook",
        not_it=(
            r"account(?= (?:holder|holders|name|type|balance|settings|status|manager|page|"
            r"password|pin))",
            r"(?:checking|savings) or (?:a )?(?:checking|savings)(?: account)?",
            r"(?:checking|savings) account or",
            r"(?:card|credit card|debit card) or (?:your |the |a )?(?:bank|checking|savings)"
            r" account",
            r"(?:bank|checking|savings) account or (?:your |the |a )?(?:credit |debit )?card",
            r"(?:which|what|whose) (?:bank )?account(?! number)(?!(?: [a-z']+){0,5}? (?:drafted"
            r"|debited|withdrawn|pulled|taken|paid|deducted) (?:from|out of)\b)",
            r"(?:type|kind) of (?:bank )?account",
            r"name on the account",
            r"account (?:number|numbers|no)(?= (?:on|from|off) " + _CARD + ")",
            r"account (?:number|numbers|no)(?: (?:printed|shown|listed|written))? (?:on|from|for"
            r"|at|in) (?:the (?:top|bottom|front|back|corner|side)(?: (?:left|right))? (?:of )?)?"
            r"(?:your|the|a|an|this|that)(?: [a-z]+){0,2}? (?:bill|bills|invoice|utility bill"
            r"|utility|letter|notice|service|order|paperwork|renewal|subscription)\b",
            r"account (?:number|numbers|no) with (?:us|our company|the company)",
            r"(?:account|card|acct) no(?= (?:the|wait|sorry|actually|i mean|scratch that|hold on|um"
            r"|uh|make that) )",
            r"(?:electric|electricity|gas|water|utility|phone|cable|internet|power|energy|insurance"
            r"|policy|member|membership|customer|loyalty|frequent flyer|rewards|mobile|wireless)"
            r" account (?:number|numbers|no)",
        ),
    ),
    Target(
        c.PAYMENT_CARD,
        names=(
            r"card (?:number|numbers|no|details|detail|info|information|digits)",
            r"(?:credit|debit|payment|bank|visa|mastercard|amex|american express|discover|atm"
            r"|check) card(?: number| numbers| details| info| information| digits| no)?",
            r"(?:visa|mastercard|amex|discover) (?:number|card number)",
            r"(?:credit|debit) card account (?:number|numbers|no)",
            r"card account (?:number|numbers|no)",
            r"(?:payment) (?:details|information|info)",
        ),
        descriptions=(
            r"(?:long|main|big|raised|embossed) (?:card )?(?:number|numbers|digits)",
            r"(?:full|whole|entire|complete) card (?:number|numbers|digits)",
            r"(?:sixteen|16|fifteen|15)(?: digits?| digit number| digit card number| numbers)",
            r"(?:sixteen|16|fifteen|15) (?:on|from|off) " + _CARD_OR_BRAND,
            r"ready for " + _CARD_OR_BRAND + _CARD_ENDS,
            r"(?:got|have|get) "
            + _CARD
            + r"(?= (?:in front of you|handy|to hand|with you|on you)\b)",
            r"read (?:it|them|the numbers?|the digits)(?: out)? (?:off|from) " + _CARD_OR_BRAND,
            r"(?:number|numbers|digits) (?:on|across|along|printed on|printed across|embossed on|"
            r"written on|running across) the front",
            r"(?:number|numbers|digits) (?:on|across|printed on|from|off) " + _CARD,
            r"go ahead with " + _CARD_OR_BRAND,
            r"card (?:whenever|when) you're ready",
            r"read (?:me |out |off |me out |me off )?" + _CARD_OR_BRAND,
            r"(?:give|tell) me " + _CARD_OR_BRAND,
            r"(?:i|we|i'll|we'll|ill) (?:will )?need " + _CARD_OR_BRAND + _CARD_ENDS,
            r"(?:may|can|could) (?:i|we) (?:have|get|take|grab) " + _CARD_OR_BRAND + _CARD_ENDS,
            r"(?:i'll|ill|we'll) take " + _CARD_OR_BRAND + _CARD_ENDS,
            r"(?:start|begin) with " + _CARD_OR_BRAND + _CARD_ENDS,
            r"(?:the|your) card please",
            r"first (?:twelve|12|eleven|11)(?: digits| numbers)?",
            r"(?:which|what) (?:number|numbers|digits) (?:is|are) (?:on|across|along|printed on) "
            + _CARD,
            r"(?:which|what) (?:credit |debit )?card (?:would|will|do|are|shall) (?:you|we)"
            r" (?:like to |want to |wanna |prefer to |be )?(?:use|using|pay with|paying with"
            r"|put (?:it|this|that) on|charge|charging)(?![^?.!;]{0,60}\bor\b)",
        ),
        bare=(_BARE_NUMBER, r"(?:number|numbers|digits) first"),
        heard=(
            r"(?:the|your|that) (?:new|other|different|replacement|second|next) one",
            r"go ahead(?: with (?:it|that|that one|this one))?" + _CARD_ENDS,
        ),
        talk="card cards expiry expiration expires exp security cvv cvc visa mastercard amex thru",
        not_it=(
            r"name on " + _CARD,
            r"(?:go ahead with|read|read me|read out|read off|give me|tell me|need|have|get"
            r"|take) " + _CARD_OR_BRAND + r"(?= (?:pin|pins)\b)",
            r"(?:card holder|cardholder|card holder's|cardholder's)",
            r"card (?:on file|ending|that ends|in (?:your|whose|my|his|her|their) name|type|brand|"
            r"issuer|company|balance|limit|statement|account)",
            r"last (?:four|4|two|2)(?: digits| numbers)? (?:of|on|from) (?:the|your|this|that)"
            r" (?:credit |debit )?card(?: number)?",
            r"(?:type|kind|brand|sort) of (?:credit |debit )?card",
            r"(?:which|what|whose|another|a new|a different|new|a|any|other|replacement|gift|"
            r"library|sim|id|business|loyalty|rewards|membership|insurance) (?:credit |debit )?card"
            r"(?! (?:number|numbers|details|digits|info|information))",
            r"credit or debit",
            r"(?:any|all|most|every|all the|all of the) (?:major |of the major |major )?(?:credit "
            r"|debit"
            r" )?(?:card|cards)(?! (?:number|numbers|details|digits|info|information))",
            r"(?:visa|mastercard|amex|discover) or (?:visa|mastercard|amex|discover|a)",
            r"billing (?:address|zip|postcode|post code)",
            r"(?:zip|postal|post) code",
            r"(?:the|your|a) (?:best |good )?(?:number|phone number) (?:you're calling from|you are"
            r" calling from|to (?:call|reach|contact|text) you|we can (?:call|reach|text) you)",
        ),
    ),
    Target(
        c.HEALTH,
        names=(*HEALTH_PHRASES, *sorted(HEALTH_WORDS), *sorted(DRUGS)),
        not_it=(
            r"terms and conditions",
            r"conditions? (?:apply|of (?:the|your|this|that) (?:account|loan|offer|contract|"
            r"policy|service|sale|use|package|item|car|vehicle|road|roads|property|agreement))",
            r"(?:good|bad|new|working|mint|perfect|poor|excellent|great|used) condition",
            r"(?:weather|road|market|economic|network|traffic|driving|trading) conditions",
            r"(?:special|preferential|vip|silent) treatment",
            r"(?:a|such a|what a|bit of a) pain",
            r"pain in the (?:neck|butt|backside)",
            r"(?:stroke|strokes) of (?:luck|genius|midnight)",
            r"(?:side|hearing|visual|teaching) (?:effects? of the (?:update|change))",
            r"(?:allergic|allergy) to (?:spam|paperwork|mornings)",
            r"prescription (?:refill|refills|pickup|ready|order|delivery|status|number|benefits|"
            r"coverage|plan|drug plan|card|mailed|posted|shipped|delivered|sent|picked up|filled"
            r"|renewed|transferred)",
            r"(?:prescription|prescriptions|medication|medications) (?:is|are) (?:ready|on its way"
            r"|on their way|shipped|covered)",
            r"(?:purchase|payment|order|transaction|call|account|billing|credit|browsing|search|"
            r"service|employment|rental|address|delivery) history",
        ),
    ),
)
"""The categories in priority order: where phrases of two categories cover the same
words, the longer phrase counts ("credit card expiration" is an expiry), and of two as
long, the earlier category's."""


def _heads(phrase: str) -> tuple[str, ...]:
    """The words a phrase can start with: its first word, or each first word of its
    leading group of alternatives; a first word with an optional last letter
    ("cards?") gives both forms."""
    group = re.match(r"\(\?:([a-z0-9' #|?]+)\)(?![?*{])", phrase)
    if group:
        alternatives = group.group(1).split("|")
    elif re.match(r"[a-z0-9']+\??(?![*{+a-z0-9'])", phrase):
        alternatives = [phrase]
    else:
        raise ValueError(
            f"a request phrase must start with a word or a group of words: {phrase!r}; "
            "write optional first words as separate phrases"
        )
    heads: list[str] = []
    for alternative in alternatives:
        head = re.match(r"([a-z0-9']+)(\??)(?![*{+])", alternative)
        if not head:
            raise ValueError(f"each alternative must start with a word: {phrase!r}")
        heads.append(head.group(1))
        if head.group(2):
            heads.append(head.group(1)[:-1])
    return tuple(dict.fromkeys(heads))


_DECOY = ""
"""The category of a look-alike: it takes words from names without asking for anything."""


class _Phrase:
    """One phrase: ``rank`` orders overlapping phrases (lower wins); with ``talk``, it
    counts only in a line with one of those words. Compiled with the others of its first
    word (``_at_head``), when that word is first seen."""

    __slots__ = ("category", "heard", "pattern", "rank", "talk")

    def __init__(
        self, pattern: str, category: str, rank: int, talk: str = "", heard: bool = False
    ) -> None:
        if re.search(r"(?<!\\)\((?!\?)", pattern):
            raise ValueError(f"a request phrase must not capture, use (?:...): {pattern!r}")
        self.pattern = pattern + r"(?![a-z0-9])"
        self.category = category
        self.rank = rank
        self.talk = words(talk) if talk else None
        self.heard = heard


def _by_head() -> dict[str, tuple[_Phrase, ...]]:
    """For each word a phrase can start with, those phrases."""
    table: dict[str, list[_Phrase]] = {}

    def add(pattern: str, phrase: _Phrase) -> None:
        for head in _heads(pattern):
            table.setdefault(head, []).append(phrase)

    for target in TARGETS:
        for pattern in target.not_it:
            add(pattern, _Phrase(pattern, _DECOY, 0))
    for rank, target in enumerate(TARGETS, 1):
        for pattern in (*target.names, *target.descriptions):
            add(pattern, _Phrase(pattern, target.category, rank))
        for pattern in target.bare:
            add(pattern, _Phrase(pattern, target.category, len(TARGETS) + rank, target.talk))
        for pattern in target.heard:
            phrase = _Phrase(pattern, target.category, len(TARGETS) + rank, target.talk, True)
            add(pattern, phrase)
    return {head: tuple(phrases) for head, phrases in table.items()}


_BY_HEAD = _by_head()
_HEADS = frozenset(_BY_HEAD)


@functools.cache
def _at_head(word: str) -> re.Pattern[str]:
    """Every place ``word`` starts a word, with all phrases that start with it tried there
    at once: searched in the sentence with a space in front, a match takes the character
    before the word, and its group ``i`` is where phrase ``i - 1`` of ``_BY_HEAD[word]``
    matches (or ``-1``)."""
    tries = "".join(f"(?:(?=({p.pattern}))|)" for p in _BY_HEAD[word])
    return re.compile(f"{_WORD_EDGE}(?={re.escape(word)}(?![a-z0-9'])){tries}")


@functools.cache
def _here(word: str) -> re.Pattern[str]:
    """The phrases of ``_BY_HEAD[word]``, tried at once where ``word`` starts (``match`` at
    its place): group ``i`` is where phrase ``i - 1`` matches (or ``-1``); the one group
    of ``_at_head`` without its scan."""
    return re.compile("".join(f"(?:(?=({p.pattern}))|)" for p in _BY_HEAD[word]))


def _needs(pattern: str, head: str) -> frozenset[str] | None:
    """Words of which every match of ``pattern`` that starts with ``head`` holds one besides
    ``head`` (``None``: not known, or it may match ``head`` alone): a sentence with none of
    them need not be tried there. Only a pattern of whole literal words (optional endings
    like ``cards?`` aside) whose first word is followed by something it must match
    answers; read from the pattern's text, no compiling. A positive lookaround only adds
    to what a match needs and a negative one only narrows the matches, so both are left out
    (``_without_lookarounds``)."""
    pattern = _without_lookarounds(pattern)
    if re.search(r"[a-z0-9']\(\?:[a-z0-9']|\)[a-z0-9']|[\[\\#.]", pattern):
        return None
    group = re.match(r"\(\?:([^()]*)\)", pattern) or re.match(r"[a-z0-9']+\??", pattern)
    if group is None:  # _heads has refused such a pattern already
        return None
    rest = pattern[group.end() :]
    if not _must_match_more(rest):
        return None
    firsts = group.group(1 if group.re.groups else 0).split("|")
    required = _required_word(rest)
    if required:  # "(?:got|have) (?:the|your) card": every match holds "card"
        word = required.rstrip("?")
        return frozenset((word, word[:-1]) if required.endswith("?") else (word,))
    text = " ".join(f for f in firsts if f.split(" ")[0].rstrip("?") in (head, head + "s"))
    words: set[str] = set()
    for word, optional in re.findall(r"([a-z0-9']+)(\?)?", f"{text} {rest}"):
        words.update((word, word[:-1]) if optional else (word,))
    return frozenset(words - {head})


_LOOKAROUNDS = ("(?=", "(?<=", "(?!", "(?<!")


def _without_lookarounds(pattern: str) -> str:
    """``pattern`` without its lookarounds, ``(?=...)``, ``(?<=...)``, ``(?!...)`` and
    ``(?<!...)``: each only narrows the matches, so what every match of the rest needs,
    every match of ``pattern`` needs too."""
    out, i = [], 0
    while True:
        j = min((k for k in (pattern.find(x, i) for x in _LOOKAROUNDS) if k >= 0), default=-1)
        if j < 0:
            return "".join(out) + pattern[i:]
        out.append(pattern[i:j])
        depth, k = 0, j
        while k < len(pattern):
            if pattern[k] == "\\":
                k += 2
                continue
            depth += pattern[k] == "("
            depth -= pattern[k] == ")"
            k += 1
            if depth == 0:
                break
        i = k


def _required_word(rest: str) -> str:
    """The longest word that ``rest`` (a pattern's text after its first word or group, its
    lookarounds left out) holds outside every group, so every match holds it ("cards?"
    for "card" or "cards"), or "" where there is none, or an alternative outside a group
    may skip it."""
    depth = 0
    plain: list[str] = []
    for ch in rest:
        depth += ch == "("
        plain.append(ch if depth == 0 else " ")
        depth -= ch == ")"
        if depth < 0 or (depth == 0 and ch == "|"):
            return ""
    outside = re.sub(r"(?<= )(?:[?*+]|\{[0-9,]*\}\??)", " ", "".join(plain))  # a group's quantifier
    words = [w for w in outside.split() if re.fullmatch(r"[a-z0-9']+\??", w)]
    return max(words, key=lambda w: len(w.rstrip("?")), default="")


def _must_match_more(rest: str) -> bool:
    """Whether ``rest`` (a pattern's text after its first word or group) must match a word:
    after any optional groups and negative lookaheads, a word or a group that is not
    optional comes."""
    i = 0
    while i < len(rest):
        if rest[i] == " ":
            i += 1
        elif rest.startswith(("(?:", "(?!"), i):
            depth, j = 0, i
            while j < len(rest):
                depth += rest[j] == "("
                depth -= rest[j] == ")"
                if depth == 0:
                    break
                j += 1
            optional = rest[j + 1 : j + 2] in ("?", "*", "{") or rest.startswith("(?!", i)
            if not optional:
                return True
            i = j + 2 if rest[j + 1 : j + 2] in ("?", "*") else j + 1
        else:
            return re.match(r"[a-z0-9']", rest[i:]) is not None
    return False


def _head_needs(*, names_only: bool = False) -> dict[str, frozenset[str] | None]:
    """For each first word, the union of ``_needs`` of its phrases (``None``: always try);
    ``names_only``: of the phrases that name a category (no look-alikes)."""
    out: dict[str, frozenset[str] | None] = {}
    for target in TARGETS:
        decoys = () if names_only else target.not_it
        for pattern in (*decoys, *target.names, *target.descriptions, *target.bare, *target.heard):
            for head in _heads(pattern):
                needs = _needs(pattern, head)
                known = out.get(head, frozenset())
                out[head] = None if needs is None or known is None else known | needs
    return out


_HEAD_NEEDS = _head_needs()
_NAME_NEEDS = _head_needs(names_only=True)
_NAMING = frozenset(w for w, ps in _BY_HEAD.items() if any(p.category != _DECOY for p in ps))
"""The words a name (not only a look-alike) can start with."""
_HEALTH_RANK = next(i for i, t in enumerate(TARGETS, 1) if t.category == c.HEALTH)
_DRUG_MIN = 7
"""A word with a drug-class ending is taken for a medicine from this many letters."""

_WINDOW = 400
"""At most this many characters of one sentence are read together."""

_FOLD = str.maketrans(
    {
        "\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u201c": '"', "\u201d": '"',
        "\u2014": ", ", "\u2013": ", ", "\u00a0": " ", "\u0131": "i", "\u017f": "s",
    }
)  # fmt: skip
_ACRONYM = re.compile(r"(?<![a-z0-9])[a-z](?:\.[a-z]){1,5}(?![a-z0-9])\.?")
_DECIMAL = re.compile(r"(?<=[0-9])\.(?=[0-9])")
_SPACES = re.compile(r"[ \t\r\f\v_\-]+")
_SPACED = ("  ", "\t", "\r", "\f", "\v", "_", "-")
"""What ``_SPACES`` changes: text without any of these is left as it is."""
_SENTENCE_END = re.compile(r"[.?!;\n]+")
_BARE_CONTRACTION = re.compile(
    r"\b(?:(don|won|can|doesn|isn|aren|didn|shouldn|wouldn|couldn|wasn|weren|haven|hasn|mustn)t"
    r"|(you|they)re|(i|we|you|they)ve|(what|that|when|where|how|who)s|(you|they)ll)\b"
)
"""Contractions as speech-to-text writes them without the apostrophe ("dont", "youre")."""
_CONTRACTED = words(
    """
    dont wont cant doesnt isnt arent didnt shouldnt wouldnt couldnt wasnt werent havent hasnt
    mustnt youre theyre ive weve youve theyve whats thats whens wheres hows whos youll theyll
    """
)
"""Every word ``_BARE_CONTRACTION`` rewrites: ASCII text with none of them is left as it is."""
_DIGIT = re.compile(r"[0-9]")
_DOT_LETTER = re.compile(r"\.[a-z]")
"""Every match of ``_DECIMAL`` holds a digit; every match of ``_ACRONYM`` a dot and a letter."""

_WORD_EDGE = "[^a-z0-9']"


def _at_words(pattern: str) -> re.Pattern[str]:
    """``pattern``, every match of which starts a word, compiled to be searched in the text
    with a space in front: the match takes the character before the word too, which lets
    re skip every letter instead of trying the pattern there."""
    return re.compile(f"{_WORD_EDGE}(?:{pattern})")


_ASK = _at_words(
    r"\b(?:what|what's|whats|which|when|how|who|whose)\b"
    r"|\bwhere (?:is|are|was|were|does|do|did)\b"
    r"|\b(?:can|could|would|will|may|might|shall|should) (?:you|i|we)\b"
    r"|\b(?:do|did|does|are|were|have|had|is|has) (?:you|your|anyone|there)\b"
    r"|\b(?:provide|share|confirm|verify|enter|input|say|spell|state|repeat|read|key|type|punch"
    r"|dial|tell me|give me|tell us|give us|go ahead|require|please|kindly|next"
    r"|let's|start with|begin with|walk me through|i'd like|i would like|i want|any|mind"
    r"|describe|last thing|one last thing|one more thing|whenever you're ready|when you're ready"
    r"|ready when you are|(?:when|whenever) you(?:'ve| have)? got (?:it|them|that)"
    r"|(?:i'm|im|i am|we're|we are) ready for"
    r"|(?:i'll|ill|i will|we'll|we will) (?:take|grab)(?![a-z' ]{0,40}\b(?:off|out of|away)\b))\b"
    r"|(?<!\byou )(?<!\byou'll )(?<!\byoull )(?<!\byou will )\b(?:need|needs)\b"
    r"|\b(?:let me|lemme) (?:get|have|take|grab|know)\b"
    r"|\b(?:gonna|going to|gotta|got to|have to) (?:need|get|grab|take|have)\b"
    r"|\b(?:and|also|plus|now|then|lastly|finally|next) (?:the|your)\b"
    r"|(?<!is )(?<!'s )(?<!its )(?<!was )\bjust (?:the|your)\b"
    r"|\bfor (?:the |an |a |your )?(?:amex|american express|visa|mastercard|discover)"
    r"(?: cards?)?,? (?:it's|it is|its|that's|that is|it'll be|you want|you need|i need"
    r"|we need) (?:the|your)\b"
)
"""Asking forms: a sentence with none of these asks only if it ends in "?" or starts as a
question (``_QUESTION_START``). "just the" asks ("just the number on the front is fine"),
but not in a cleft ("it's just the expiry that changes"); nor does "for the amex it's the four
digits on the front" say more than which one to give."""

_PUNCT_BREAK = re.compile(r'[,:()"]')
_CLAUSE_BREAK = _at_words(
    r"(?<!\bi )(?<!\bwe )(?<!\bi've )(?<!\bwe've )\bjust\b"
    r"|\b(?:but|only|instead|rather|except|though|although|however|then|so|now|also|if"
    r"|what|what's|whats|which|when|how|please|could you|can you|would you|will you|may i"
    r"|can i|could i|do you|did you|are you|have you|is there)\b"
    r"|\band (?=(?:read|tell|give|say|enter|type|key|provide|confirm|spell|share|let|what)\b)"
)
"""Where a new clause starts: at one of these words (or after a ``_PUNCT_BREAK``)."""

_NEGATIONS = (
    "never", "not", "no need", "no one", "nobody", "neither", "nor", "no longer", "without",
    "don't", "do not", "doesn't", "does not", "won't", "will not", "wouldn't", "would not",
    "shouldn't", "should not", "cannot", "can't", "mustn't", "must not", "isn't", "aren't",
    "skip", "ignore", "leave out", "leave off", "omit", "forget about", "never mind",
)  # fmt: skip
"""Words that negate what follows them in their clause."""
_NEGATION = _at_words(
    r"(?P<ok>\bdon't (?:worry|forget|hesitate|mind)\b(?! about)|\bwhy don't\b"
    r"|\bnot (?:sure|a problem|only)|\bno (?:problem|worries)|\bif not\b|\bor not\b"
    r"|\bwhether or not\b"
    r"|\b(?:didn't|did not|wasn't|was not|couldn't|could not|can't|cannot) (?:catch|get|hear|"
    r"quite|go through|work|come through|register|match|take|find|see|read|locate|clear)\b"
    r"|\b(?:i|we) (?:don't|do not|can't|cannot) (?:have|see|find|locate|hear|read|catch|get)\b"
    r"|\bdoes(?:n't| not) (?:match|look right|seem right|work))"
    rf"|(?P<no>\b(?:{'|'.join(_NEGATIONS)})\b)"
)
"""Negations (``no``), and phrases with a negation word that negate no request (``ok``)."""
_NOT_NEEDED = _at_words(
    r"\b(?:is|are|isn't|aren't|won't be|will not be|is not|are not|not)(?: not| no longer)?"
    r" (?:needed|required|necessary)\b|\b(?:unnecessary|not needed|not required)\b"
)
_DIGIT_WORD = r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)"
_VALUE_AFTER = re.compile(
    r",? ?(?:still )?[0-9]|,? (?:still )?(?:january|february|march|april|june|july|august"
    r"|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\b"
    r"|,? (?:still )?may (?=[0-9]|(?:twenty|thirty|two thousand|oh|zero)\b)"
    rf"|,? {_DIGIT_WORD}(?: {_DIGIT_WORD}){{2}}\b"
    r"|(?: (?:that |which )?(?:i|we) (?:have|had|see|got|'ve got|show)(?: here| on file| down"
    r"| on record)?)?"
    r",? (?:is|was|as"
    r"|shows as|reads|being) (?:[0-9]|(?:zero|oh|one|two|three|four"
    r"|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|sixty|seventy"
    r"|eighty|ninety|january|february|march|april|may|june|july|august|september|october"
    r"|november|december)\b)"
)
"""Right after a name, its value: the line reads a value back ("the card number is 4111
..., is that right?", "the security code I have is 338", "routing two one one oh ..."), it
asks for none."""
_NEEDED = ("needed", "required", "necessary")
"""Every match of ``_NOT_NEEDED`` holds one of these."""
_QUESTION_START = re.compile(
    r"^\s*(?:and |so |now |also |ok |okay |great |then )?(?:what|what's|whats|which|when|how"
    r"|where|who|whose|do|does|did|are|is|was|were|have|has|had|can|could|would|will|may|might"
    r"|should|shall)\b"
)
_WH_START = re.compile(
    r"^\s*(?:and |so |now |also |ok |okay |great |then )?(?:what|what's|whats|which)\b"
)
"""A clause that asks what a value is: "on file" in it is no report."""
_CLAUSE_KIND = _at_words(
    # asking, though it holds "i have your": consumed first
    r"(?P<ok>\b(?:may|can|could|might) (?:i|we)(?: please| just)? (?:have|see|get|grab)\b"
    r"|\b(?:we|you|i) (?:have|keep|hold|had)(?: on file| on record| for you)\b"
    r"|\b(?:put|keep|save|store|add|place|want|wanted|leave)(?: it| this| that| them)?"
    r" on (?:file|record)\b"
    r"|\b(?:code|codes|passcode|number|digits|numbers|text|message|email|sms)(?: that)?"
    r" (?:we|i)(?:'ve)?"
    r"(?: just)? (?:sent|texted|emailed"
    r"|messaged)\b"
    r"|\b(?:can|could|would|will) you(?: please| just)? read (?:it|that|them|this) back(?: to (?:me"
    r"|us))?\b)"
    # a report, whatever form the clause has
    r"|(?P<report>\b(?:ending|ends) (?:in|with)\b|\bon file\b"
    r"|\b(?:thank you|thanks)(?: so much)? for\b"
    r"|(?<!\byou )(?<!\byou've )(?<!\byou have )\bgot it\b(?! (?:and|so|now|then|ok|okay|um"
    r"|uh)\b)|\bi understand\b"
    r"|\b(?:you|they|he|she)(?: just| already)? (?:gave|entered|provided|typed|keyed"
    r"|told me|told us|mentioned|gave me|gave us)\b(?! (?:me|us) (?:the|your)\b)"
    r"|\bsorry (?:to hear|about)\b"
    r"|\b(?:i|we)(?:'ve| have)?(?: just| already| now| successfully)? (?:updated|changed|reset|"
    r"sent|added|removed|saved|charged|processed|verified|confirmed|cancelled|canceled|blocked|"
    r"unlocked|locked|ordered|mailed|noted|received|recorded|applied|refunded|credited|issued|"
    r"replaced|activated|deactivated|linked|stored|found|located|pulled up|got|have got|taken|"
    r"used|deleted|cleared|texted|emailed)\b"
    r"|\b(?:i|we)(?:'ve| have| see| can see|'ve got| got| already have) (?:your|the|that)\b"
    r"|\b(?:they|he|she|pharmacy|pharmacist|doctor|nurse|clinic|hospital|specialist|lab|office"
    r"|receptionist|provider|insurer|bank|technician|courier)(?:'ll| will| may| might| would"
    r"| is going to| are going to)(?: also| probably| likely)? ask\b)"
    # a report in a clause that is no question ("has your card been charged?" is one)
    r"|(?P<statement>(?:has|have|had|[a-z]+'ve|[a-z]+'s|is|was|were|are)"
    r"(?: now| already| just| still| successfully)? (?:been|charged|declined|approved|accepted|"
    r"updated|processed|verified|saved|confirmed|valid|expired|correct|incorrect|locked|unlocked"
    r"|active|blocked|cancelled|"
    r"canceled|changed|reset|removed|added|sent|received|linked|stored|encrypted|masked|"
    r"protected|secure|safe|due|listed|registered|showing|shown|set up|on record)\b"
    r"|\b(?:we|i) (?:only |just |also |always )?(?:use|store|keep|hold|collect|encrypt|save"
    r"|retain|protect) (?:your|the|this|that)\b)"
    # an offer
    r"|(?P<offer>\b(?:want|like|need) me to\b"
    r"|\b(?:shall|should|can|could|may) (?:i|we) (?:read|repeat|go over|send|text|email|resend"
    r"|reset|spell|update|change|cancel|block|look up|pull up|check|help)\b"
    r"|\blet me (?:read|repeat|go over|send|text|email|reset|update|change|check|look|pull"
    r"|just read|just repeat|help)\b"
    r"|\b(?:i|we)(?:'ll| will| can| could|'d| would| am going to|'m going to) (?:read|repeat|"
    r"go over|send|text|email|mail|reset|update|change|cancel|block|unlock|resend|help|look|"
    r"check|never)\b"
    r"|\bread (?:it|that|them|those|this) back\b"
    r"|\b(?:do you need|would you like|do you want) (?:a|an) (?:new|replacement|different)\b"
    r"|\b(?:would you|do you|you'd|did you) (?:like|want|need) (?:a|an|another) (?:copy|copies"
    r"|printout|summary|receipt|reminder)\b"
    r"|\byou(?:'ll| will)(?: soon| shortly)? (?:get|receive|be sent|be getting|be receiving)\b)"
    # getting ready
    r"|(?P<handy>\b(?:have|got|grab|get|keep|find|fetch|take out|pull out) (?:your|the|a|an)"
    r"(?: [a-z']+){0,3}? (?:handy|ready|nearby|with you|on you|available|in front of you|to hand"
    r"|close by)\b)"
    r"|(?P<wait>\bplease (?:hold|wait|stay|bear)\b|\bone moment\b|\bjust a (?:moment|second|sec"
    r"|minute)\b"
    r"|\btake your time\b|\b(?:grab|get|find|fetch) (?:your|the) (?:wallet|purse|checkbook|"
    r"cheque book|statement)\b)"
)
"""What a clause is, where it is no request: a report, a statement (unless the clause is a
question), an offer, getting ready."""
_INSTRUCTION_VERBS = words(
    """
    reset resetting change changing update updating replace cancel block freeze unfreeze lock
    unlock activate deactivate renew order report recover create choose pick set use using keep
    protect forget forgot forgotten store save destroy shred sign call ring flip turn check find
    locate grab insert swipe tap charge add remove link register manage access guess lost stolen
    misplaced
    """
) | {
    "set up", "write down", "look at", "get out", "take out", "pay with", "help you with",
    "help with", "log in with", "sign in with",
}  # fmt: skip
"""Verbs right before a name (but for up to two of ``_DETERMINERS``): the sentence is
about doing that with it, not telling it ("reset your password")."""
_PLACE_WORDS = words("after before beside besides following near by") | {
    "next to",
    "right of",
    "left of",
}
"""Words right before a name (but for one determiner) that only say where the asked thing
is ("the account number, after the routing number")."""
_OF_WORDS = frozenset({"for", "of", "on", "from", "with", "linked to", "tied to", "attached to"})
"""Words between two names that make the second an attribute of the first ("the PIN for
your debit card"): the second is not asked for."""
_DETERMINERS = words(
    "your the a an new this that my his her their its same current old existing online own"
)


def _follows(before: str, words: frozenset[str], skip: int) -> bool:
    """Whether ``before`` (the text up to a name) ends in one of ``words`` (of one to
    three words), with up to ``skip`` of ``_DETERMINERS`` after it."""
    tail = before.split()[-(skip + 3) :]
    i = len(tail)
    while i and skip and tail[i - 1] in _DETERMINERS:
        i -= 1
        skip -= 1
    if not i:
        return False
    last = tail[i - 1]
    if last in words:
        return True
    if i < 2:
        return False
    two = f"{tail[i - 2]} {last}"
    return two in words or (i >= 3 and f"{tail[i - 3]} {two}" in words)


_HANDOFF = _at_words(
    r"\b(?:transfer|transferring|move|moving|connect|connecting|put|putting|send|sending|redirect"
    r"|redirecting|pass|passing|hand|handing|take|taking|route|routing) you\b"
    r"|\bsecure (?:line|system|payment|path|form|portal|link|channel|keypad|page|site|ivr)\b"
    r"|\b(?:automated|payment) (?:system|line)\b"
    r"|\byou(?:'ll| will) (?:be able|hear|be asked|be prompted|be connected|be transferred|enter"
    r"|type|key|punch|input|use the keypad)\b"
    r"|\b(?:the|our) (?:system|automated system|line|ivr|keypad|secure line) will (?:ask|prompt)\b"
    r"|\bspecialist\b|\b(?:a|an|our) (?:agent|representative|colleague|team member)\b"
    r"|\byou can (?:fill|enter|type|add|submit|update|change|complete|do|put|upload|provide)"
    r"(?: [a-z']+){0,3}? (?:online|on (?:the|our) (?:website|site|app|portal)|in (?:the|our)"
    r" (?:app|portal))\b"
)
_REASK = _at_words(
    r"\b(?:say|repeat|read|give|tell|spell|enter|type|key|try|do|go through|send)\b"
    r"(?: [a-z']+){0,4}? (?:again|one more time|once more|over again)\b"
    r"|\b(?:repeat|redo) (?:that|it|this|them|those|yourself|the (?:number|numbers|digits|last|"
    r"first|whole|full))\b"
    r"|\b(?:can|could|would|will) you (?:please )?repeat\b|\brepeat (?:please|that please)\b"
    r"|\b(?:come again|say again|pardon|once again|one more time|once more|try again|start over"
    r"|from the (?:top|beginning|start)|a bit slower|more slowly)\b"
    r"|\b(?:i|we) (?:didn't|did not|couldn't|could not|don't think i) (?:quite )?(?:catch|get|hear"
    r"|understand|make out)\b|\bi missed (?:that|it|the|some|part)\b"
    r"|\b(?:didn't|did not|doesn't|does not|won't|wouldn't) (?:go through|work|come through"
    r"|register|match|take|look right|seem right|validate)\b"
    r"|\b(?:wasn't|was not|isn't|is not) (?:valid|accepted|recognized|recognised|right|correct"
    r"|complete|long enough)\b|\b(?:invalid|incorrect|too short|too long|declined|cut out"
    r"|broke up|breaking up)\b"
    r"|\b(?:whenever|when) you're ready\b|\btake your time\b|\bno rush\b|\bready when you are\b"
    r"|\b(?:can|could|would|will) you (?:please )?(?:check|confirm|verify|double check)"
    r"(?: [a-z']+){0,4}? (?:again|one more time|once more)\b"
    r"|\b(?:whenever|when) you(?:'ve got| have| find|'ve found) (?:it|them|that)\b"
    r"|\b(?:i|we) only (?:got|heard|caught)\b"
    r"|\b(?:give|read|tell|say) (?:me |us )?(?:all|the other|the remaining|the missing|the rest of"
    r" the) (?:two|three|four|five|six|nine|sixteen|digits|numbers)\b"
    r"|\bin your own time\b|\bgo ahead\b|\bi'm (?:still )?here\b"
    r"|\b(?:slower|slowly)\b|\bwhat was that\b|\b(?:start|begin|go) (?:again|over)\b"
    r"|\bagain from\b"
    r"|\b(?:give it|have) a (?:try|go|shot)\b|\btry it\b|\b(?:go|take it) (?:slow|slowly)\b"
    r"|\b(?:one|two|three|four|five|a few) (?:characters?|digits?|letters?|numbers?) at a time\b"
    r"|\b(?:and|now|then) the (?:year|month|day|rest|last part|last few|remaining|other half"
    r"|second half|second part|last bit)\b|\bthe rest of (?:it|them|the number|the code)\b"
    r"|\bthe one (?:you|that you|we|that we) (?:set up|use|used|created|chose|picked|made)\b"
    r"|(?<!don't )(?<!do not )(?<!never )\bread (?:it|that|that one|them)(?: back| out)?"
    r" to (?:me|us)\b|(?<!don't )(?<!do not )(?<!never )\bread me (?:it|that|that one)\b"
    r"|\b(?:that's|thats|that is|it's|its) not (?:it|the one)\b"
    r"|\b(?:check|double check|recheck|look at) the (?:year|month|day|date|digits|numbers?"
    r"|last (?:digit|digits|one|two|few))\b"
    r"|\b(?:anything|something|more) (?:after|before) (?:that|it)\b"
    r"|\b(?:the|that) (?:last|first|second|next|other|remaining|whole|full) [a-z]+"
    r"(?: [a-z]+)? again\b"
)
_BARE_SORRY = re.compile(r"\W*(?:sorry|pardon|excuse me)\W*")
_REASK_NOT = _at_words(
    r"\b(?:later|tomorrow|another time|next time|in a few minutes|in a little while)\b"
)


def _normalize(text: str, gated: bool = True) -> str:
    """``text`` lower case, with the spellings of one word made one (see "Adding a
    phrasing"). ``gated``: each rewrite runs only where a cheap test finds something it
    could change; ``False`` runs every rewrite (the two agree: ``test_requests_speed_equiv``)."""
    low = text.lower()
    if not low.isascii():
        low = low.translate(_FOLD)
    if "." in low:
        if not gated or _DIGIT.search(low) is not None:
            low = _DECIMAL.sub("", low)
        if not gated or _DOT_LETTER.search(low) is not None:
            low = _ACRONYM.sub(lambda m: m.group().replace(".", ""), low)
    if "#" in low:
        low = low.replace("#", " number ")
    if "'" not in low and (
        not gated or not low.isascii() or not _CONTRACTED.isdisjoint(_spaced(low).split())
    ):
        low = _BARE_CONTRACTION.sub(_apostrophe, low)
    if _has(low, _SPACED):
        low = _SPACES.sub(" ", low)
    return low


def _apostrophe(m: re.Match[str]) -> str:
    """ "dont" as "don't", "youre" as "you're" (a ``_BARE_CONTRACTION`` match)."""
    endings = ("t", "re", "ve", "s", "ll")
    stem, ending = next((g, e) for g, e in zip(m.groups(), endings, strict=True) if g)
    return f"{stem}'{ending}"


def _sentences(low: str) -> list[str]:
    """The sentences of ``low``, each at most ``_WINDOW`` characters (longer ones are cut
    into windows at spaces); a sentence keeps its closing marks."""
    if len(low) <= _WINDOW and not _has(low.rstrip(".?!;\n"), (".", "?", "!", ";", "\n")):
        return [low]
    out = []
    start = 0
    for m in _SENTENCE_END.finditer(low):
        out.append(low[start : m.end()])
        start = m.end()
    if start < len(low):
        out.append(low[start:])
    windows = []
    for sentence in out:
        while len(sentence) > _WINDOW:
            cut = sentence.rfind(" ", 0, _WINDOW)
            if cut <= 0:
                cut = _WINDOW
            windows.append(sentence[:cut])
            sentence = sentence[cut:]
        windows.append(sentence)
    return windows


def _drug_like(words: Iterable[str]) -> list[str]:
    """The words with a drug-class ending that no phrase starts with."""
    return [
        w for w in words if len(w) >= _DRUG_MIN and w.endswith(DRUG_SUFFIXES) and w not in _HEADS
    ]


_NOT_WORD_BYTES = bytes(
    b if chr(b).isascii() and (chr(b).isalnum() or chr(b) == "'") else 32 for b in range(256)
)
_NOT_WORD = {i: " " for i in range(128) if not (chr(i).isalnum() or chr(i) == "'")}


def _spaced(s: str) -> str:
    """``s`` with every character that is no part of a word a space (same length), and a
    space either side: words are ``split()`` away, and ``find(f" {word} ")`` finds them."""
    if s.isascii():
        return f" {s.encode().translate(_NOT_WORD_BYTES).decode()} "
    return f" {s.translate(_NOT_WORD)} "


def find_requests(text: str, *, heard: str = "") -> list[str]:
    """Categories ``text`` asks the other party to provide, in order of first mention.

    ``heard``: what the other party said last. Where it talks of a category (a word of
    its ``talk``), a bare phrase ("go ahead with the number on it") and a ``heard`` phrase
    ("what's the new one?") name it, as they do in a line that talks of it itself.
    """
    return _find_requests(text, gated=True, heard=heard)


def _find_requests(text: str, *, gated: bool, heard: str = "") -> list[str]:
    """:func:`find_requests`; ``gated=False`` skips every shortcut that only saves time (the
    cheap rewrites of ``_normalize`` and the word gate of the line), which must never change
    the answer (``tests/test_requests_speed_equiv.py`` compares the two)."""
    low = _normalize(text, gated)
    words = _spaced(low).split()
    whole = len(low) <= _WINDOW
    drugs = not gated or not whole or bool(_drug_like(words))
    if gated and not _may_name(words, whole, drugs):
        return []
    said = frozenset(_spaced(_normalize(heard, gated)).split()) if heard else frozenset()
    own = _talk_words(words)
    line = own.union(said) if said else own
    found: list[str] = []
    before = ""
    for sentence in _sentences(low):
        asked = _sentence_requests(sentence, line, gated, drugs, said)
        if not asked and before and _asks_for_it_alone(sentence):
            named = _mentions(before, line, gated, drugs, None, said)
            asked = [named[-1][2]] if named else []
        for category in asked:
            if category not in found:
                found.append(category)
        before = sentence
    if c.PIN not in found and _has(low, _SENDS) and _SEND_THEN_READ.search(low) is not None:
        found.append(c.PIN)
    return found


_SENDS = ("send", "sent", "text", "email")
_SEND_THEN_READ = re.compile(
    r"\b(?:sending|send|sent|resending|resend|resent|texting|texted|emailing|emailed)"
    r"(?: you| over| out| through)?(?: [a-z']+){0,3}? (?:code|passcode|pin|one)\b"
    r"[^.?!;]{0,80}?(?<!don't )(?<!do not )(?<!never )(?<!me to )(?<!i'll )(?<!i can )"
    r"(?<!shall i )(?<!should i )(?<!i will )\bread (?:it|that|them|me it|me that)\b"
)
"""A code the agent sends (or is sending) and asks the caller to read back, in one
sentence: "I'm texting you a code now, read it to me when it lands" asks for a PIN."""


def _asks_for_it_alone(s: str) -> bool:
    """Whether sentence ``s`` asks for "it" (``_IT_ASK``) in a clause that asks: "Is that
    IBAN for a business account? Please read it out." asks for what the sentence before
    named last (``_find_requests``)."""
    m = _IT_ASK.search(" " + s)
    if m is None:
        return False
    at = m.start()
    starts = _clauses(s)
    k = bisect.bisect_right(starts, at) - 1
    lo = starts[k]
    hi = starts[k + 1] if k + 1 < len(starts) else len(s)
    if _has(s, _NEGATIONS) and any(
        lo <= n.start() < at for n in _NEGATION.finditer(" " + s) if n.lastgroup == "no"
    ):
        return False
    return _clause_asks(s[lo:hi], _HANDOFF.search(" " + s) is not None) == _ASKS


_TALK = frozenset().union(*(words(t.talk) for t in TARGETS if t.talk))
"""Every word of a ``talk``: what ``heard`` is looked at for."""


def talked_of(text: str) -> str:
    """The words of ``text`` that tell what it talks of (``talk`` words), space-separated.

    As ``heard``, it gives :func:`find_requests` the same answer as the whole
    text, and it keeps no number or name the other party said.
    """
    return " ".join(w for w in _talk_words(_spaced(_normalize(text)).split()) if w in _TALK)


_MODIFIED = words("pin pins password passwords passcode passcodes")
"""Names of another category that a ``talk`` word can modify ("account PIN"): only the
head counts."""


def _talk_words(words: list[str]) -> frozenset[str]:
    """``words`` as a line's words for ``talk``: a ``talk`` word right before one of
    ``_MODIFIED`` only modifies it ("your account PIN" talks of the PIN, not the account)."""
    if _MODIFIED.isdisjoint(words):
        return frozenset(words)
    last = len(words) - 1
    return frozenset(
        w
        for i, w in enumerate(words)
        if not (w in _TALK and i < last and words[i + 1] in _MODIFIED)
    )


def _may_name(words: list[str], whole: bool, drugs: bool) -> bool:
    """Whether a line with ``words`` can name a category at all: a word looks like a
    medicine (``drugs``), or one of its words starts a name and the line holds a word that
    name needs besides (``_NAME_NEEDS``). The needs test holds only where every sentence's
    words are the line's (``whole``: the line is one window, so no word is cut in two)."""
    if drugs:
        return True
    heads = _NAMING.intersection(words)
    if not heads:
        return False
    if not whole:
        return True
    line = None
    for head in heads:
        needs = _NAME_NEEDS[head]
        if needs is None:
            return True
        if line is None:
            line = frozenset(words)
        if not needs.isdisjoint(line):
            return True
    return False


def asks_again(text: str) -> bool:
    """Whether ``text`` asks the other party to say again what they just said.

    "Sorry, that didn't go through, could you say it again?", "please try
    again", "can you repeat that?". It names no category: what it asks for
    is what was asked last (``CallScanner`` keeps that).
    """
    low = _normalize(text)
    return any(
        (_REASK.search(" " + s) is not None or _BARE_SORRY.fullmatch(s) is not None)
        and _REASK_NOT.search(" " + s) is None
        for s in _sentences(low)
        if s.strip()
    )


def named_in(text: str) -> list[str]:
    """The categories ``text`` names (asked for or not), in order of first mention:
    "the expiry didn't match" names the card's expiry."""
    low = _normalize(text)
    line = _talk_words(_spaced(low).split())
    out: list[str] = []
    for s in _sentences(low):
        for _, _, category in _mentions(s, line):
            if category not in out:
                out.append(category)
    return out


def _mentions(
    s: str,
    line: frozenset[str],
    gated: bool = True,
    drugs_here: bool = True,
    spaced: str | None = None,
    said: frozenset[str] = frozenset(),
) -> list[tuple[int, int, str]]:
    """The category names in sentence ``s`` of a line with the words ``line``: ``(start,
    end, category)`` in order.

    Every phrase is tried where one of its first words starts; of phrases
    that cover the same words, the longer wins ("social security number" over
    "security number"), then the lower rank (look-alikes first, then
    ``TARGETS`` order). ``gated``: in ASCII text, the places of a first word are
    found with ``str.find`` in the spaced text and its phrases tried only there, instead of
    a regular expression scanning the sentence once for each first word (for ASCII text
    the places are the same: ``_spaced`` makes every character no word holds a space).
    ``drugs_here``: whether a word may look like a medicine (``False`` only where no word
    of the whole line does, so no word here does either). ``spaced``: ``_spaced(s)``, when
    the caller has it. ``said``: the words of the other party's last turn, which a
    ``heard`` phrase's ``talk`` is looked for in (a bare phrase's in ``line``).
    """
    if spaced is None:
        spaced = _spaced(s)
    padded = " " + s
    words = spaced.split()
    heads = _HEADS.intersection(words)
    drugs = _drug_like(words) if drugs_here else []
    if _NAMING.isdisjoint(heads) and not drugs:
        return []
    candidates: list[tuple[int, int, int, int, str]] = []
    fast = gated and s.isascii()
    for word in heads:
        needs = _HEAD_NEEDS[word]
        if needs is not None and needs.isdisjoint(words):
            continue
        phrases = _BY_HEAD[word]
        if fast:
            here = _here(word)
            for pos in _places(spaced, word):
                m = here.match(s, pos)
                if m.lastindex is None:  # type: ignore[union-attr]
                    continue  # no phrase starts here
                for phrase, (_, end) in zip(phrases, m.regs[1:], strict=True):  # type: ignore[union-attr]
                    if end < 0:
                        continue
                    if phrase.talk is not None and phrase.talk.isdisjoint(
                        said if phrase.heard else line
                    ):
                        continue
                    candidates.append((pos - end, phrase.rank, pos, end, phrase.category))
            continue
        for m in _at_head(word).finditer(padded):
            pos = m.start()  # in ``s``: the character before the word is the padding's shift
            for phrase, (_, end) in zip(phrases, m.regs[1:], strict=True):
                if end < 0:
                    continue
                if phrase.talk is not None and phrase.talk.isdisjoint(
                    said if phrase.heard else line
                ):
                    continue
                candidates.append((pos + 1 - end, phrase.rank, pos, end - 1, phrase.category))
    for word in set(drugs):
        for pos in _places(spaced, word):
            candidates.append((-len(word), _HEALTH_RANK, pos, pos + len(word), c.HEALTH))
    if len(candidates) < 2:
        return [t[2:] for t in candidates if t[4] != _DECOY]  # type: ignore[misc]
    candidates.sort()  # longest first, then by rank
    taken: list[tuple[int, int, str]] = []
    for _, _, a, b, category in candidates:
        for s0, e0, _ in taken:
            if a < e0 and s0 < b:
                break
        else:
            taken.append((a, b, category))
    return sorted(t for t in taken if t[2] != _DECOY)


def _places(spaced: str, word: str) -> list[int]:
    """Where ``word`` starts in the text that ``spaced`` is ``_spaced`` of."""
    needle = f" {word} "
    out = []
    i = spaced.find(needle)
    while i >= 0:
        out.append(i)  # the space in front of it is one place early: the front padding
        i = spaced.find(needle, i + 1)
    return out


def _clauses(s: str) -> list[int]:
    """Where the clauses of ``s`` start (the first at 0)."""
    breaks = {m.end() for m in _PUNCT_BREAK.finditer(s)}
    breaks.update(m.start() for m in _CLAUSE_BREAK.finditer(" " + s))
    return [0, *sorted(b for b in breaks if 0 < b < len(s))]


def _sentence_requests(
    s: str,
    line: frozenset[str],
    gated: bool = True,
    drugs: bool = True,
    said: frozenset[str] = frozenset(),
) -> list[str]:
    """The categories sentence ``s`` of a line with the words ``line`` asks for (see the
    module docstring); ``drugs``: whether a word of it may look like a medicine (``False``
    only where the whole line has none). ``gated``: a sentence that cannot name anything
    (``_may_name`` of its own words) is answered before its asking form is looked for.
    ``said``: the words of the other party's last turn (``line`` holds them too)."""
    spaced = _spaced(s)
    if gated:
        words = spaced.split()
        if not _may_name(words, True, drugs and bool(_drug_like(words))):
            return []
    body = s.strip()
    padded = " " + s
    asks = (
        body.endswith("?")
        or _ASK.search(padded) is not None
        or _QUESTION_START.match(body) is not None
    )
    if not asks and not _may_be_fragment(body):
        return []
    mentions = _mentions(s, line, gated, drugs, spaced, said)
    if not mentions:
        return []
    if not asks:  # a phrase with no verb asks for what it names; health is asked in questions
        mentions = [m for m in mentions if m[2] != c.HEALTH]
        if not mentions or not _only_phrase_words(s, mentions):
            return []
    starts = _clauses(s)
    negations = (
        [m.start() for m in _NEGATION.finditer(padded) if m.lastgroup == "no"]
        if _has(s, _NEGATIONS)
        else []
    )
    needed = _has(s, _NEEDED)
    handoff: bool | None = None
    verdicts: dict[int, str] = {}
    memo: dict[str, list] = {}
    out: list[str] = []
    k = 0
    last_end = -1
    for a, b, category in mentions:
        owner_end, last_end = last_end, b
        if category in out:
            continue
        while k + 1 < len(starts) and starts[k + 1] <= a:
            k += 1
        lo = starts[k]
        hi = starts[k + 1] if k + 1 < len(starts) else len(s)
        before = s[lo:a]
        if (
            any(lo <= n < a for n in negations)
            or (needed and _NOT_NEEDED.search(padded, b, hi + 1) is not None)
            or _VALUE_AFTER.match(s, b) is not None
            or (owner_end >= lo and _only_of(s[owner_end:a]))
            or (
                category != c.HEALTH
                and _follows(before, _INSTRUCTION_VERBS, 2)
                and _WE_TAKE.search(before) is None
            )
            or _follows(before, _PLACE_WORDS, 1)
            or _under(before, s[a:b])
            or (category != c.HEALTH and _about_having(before, s[a:b]))
            or (category != c.HEALTH and _follows(before, _TOPIC_WORDS, 2))
            or (s[a:b].endswith(_OBJECTS) and _YES_NO.match(s, lo) is not None)
            or (
                category != c.HEALTH
                and before.endswith(_COPULA_ENDS)
                and _IS_IT.fullmatch(before) is not None
                and not _has(s[b:hi], _HANDY_WORDS)
            )
        ):
            continue
        if k not in verdicts:
            if handoff is None:
                handoff = _HANDOFF.search(padded) is not None
            verdict = _clause_asks(s[lo:hi], handoff)
            if (
                verdict == _ASKS
                and _IS_SAID.match(s, b) is not None
                and _leads_only(before)
                and _IS_ENOUGH.match(s, b) is None
            ):
                verdict = _STATED  # "your security code is the three digits on the back"
            verdicts[k] = verdict
        verdict = verdicts[k]
        if (
            verdict == _ASKS
            or (verdict == _HANDY and not s[a:b].endswith(_OBJECTS))
            or (
                verdict == _HANDY
                and category != c.HEALTH
                and _IT_ASK.search(" " + s[b:]) is not None
                and not any(n >= b for n in negations)
            )
            or (verdict == _SENT and _asks_for_it(s, starts, k, negations, handoff, memo))
        ):
            out.append(category)
    return out


_ASKS, _HANDY, _SENT, _STATED, _NOT = "asks", "handy", "sent", "stated", "not"
"""What a clause does with the names in it (``_clause_asks``)."""
_WE_TAKE = re.compile(
    r"\b(?:i|we|i'll|ill|we'll|i will|we will) (?:just )?(?:grab|get|take|check|use|find|pull"
    r"|have)\b"
)
"""Before a name: the agent takes it ("can I grab the card details?"), it is no instruction to
the caller to do something else with it."""
_UNDER = re.compile(r"\b(?:above|below|under|underneath|beneath|over) (?:the|your|that|this) $")
"""Right before a name: the name is where the asked thing is printed ("the date under the
number on the front"); a label is read with no determiner ("what does it say under valid
thru?")."""
_UNDER_ENDS = ("the ", "your ", "that ", "this ")
_UNDER_WORDS = ("above ", "below ", "under ", "underneath ", "beneath ", "over ")


def _under(before: str, name: str) -> bool:
    """Whether ``name`` (with ``before``, its clause up to it) is where the asked thing is
    printed (``_UNDER``); the determiner may open the name itself ("above the number")."""
    if before.endswith(_UNDER_ENDS):
        return _UNDER.search(before) is not None
    if not before.endswith(_UNDER_WORDS):
        return False
    head = name.split(" ", 1)[0] + " "
    return head in _UNDER_ENDS and _UNDER.search(before + head) is not None


_OBJECTS = ("card", "cards", "checkbook", "cheque book", "statement")
"""Names of things one holds: "do you have your card handy?" is getting ready, while "do
you have your routing number handy?" asks for the number."""
_IS_SAID = re.compile(
    r"(?: (?:for|on|of|from|with|in) (?:the |your |a |an )?[a-z']+)?"
    r" ?(?:is|are|'s|was|were|needs|need|must|should|has|have|can|can't|cannot|will|won't"
    r"|matches|match|looks|expires|stays|appears|shows|comes|isn't|aren't|doesn't|don't|lives"
    r"|goes|went|worked|matched|failed|checks|checked|didn't|wasn't|got|changes|changed|stays"
    r"|remains|updates|resets|gets|becomes|works|means|includes|contains|starts|begins|belongs"
    r"|applies|helps|protects|lets|keeps) (?=[a-z0-9])"
    r"| ?(?:matches|matched|changes|changed|works|worked|failed|stays|remains|checks out"
    r"|checked out|went through|is correct|is right|is valid)(?=[.!,;]|\s*$)"
)
"""After a name that opens its clause (and a word that qualifies it: "for wires"), a verb
that says something about it: the clause is a statement ("the IBAN is on your statement",
"your password needs eight characters", "the routing number for wires is on the letter")."""
_IS_ENOUGH = re.compile(
    r"(?: (?:for|on|of|from|with|in) (?:the |your |a |an )?[a-z']+)?"
    r" ?(?:(?:is|are|will be|would be|should be) (?:fine|ok|okay|enough|plenty|all i need"
    r"|all we need|what i need)|will do|would do)(?![a-z0-9])"
)
"""After a name, what says it is all the agent needs: "just the number on the front is
fine" asks for it (no statement)."""
_EXISTS = re.compile(
    r"\b(?:do|did|does|have|has) (?:you|they|he|she)(?: still| already| ever| even| actually)?"
    r" (?:(?:remember|recall)(?: ever)? (?:setting up|creating"
    r"|choosing|making|changing|getting|receiving|using)|set up|setup|created|chosen"
    r"|picked|made|change|changed|reset|use|used|log|logged|sign|signed|setting up|forget|forgot"
    r"|lose|lost|receive|received|get)\b"
)
"""Before a name in its clause: the question is whether the caller has, knows or did
something with it ("do you remember setting up a PIN?", "have you logged in with your
password?"), it asks for nothing (health excepted: "do you have any allergies?")."""
_HAS_ONE = re.compile(
    r"\b(?:do|did|does|have|has) (?:you|they|he|she)(?: still| already| ever| even| actually)?"
    r" (?:have|got|get|need|want) (?:a|an|any)\b"
)
"""Before a name: whether the caller has one ("do you have a PIN on the account?"); it
asks for a number ("do you have a card number for me?", ``_DATA``) all the same."""


def _about_having(before: str, name: str) -> bool:
    """Whether ``before`` (a clause up to ``name``) asks whether the caller has or did
    something with it (``_EXISTS``, ``_HAS_ONE``); every match of those holds a pronoun and
    a space, which the cheap test looks for first."""
    if "he " not in before and "you " not in before and "they " not in before:
        return False
    if _EXISTS.search(before) is not None:
        return True
    return _HAS_ONE.search(before) is not None and not name.endswith(_DATA)


_DATA = ("number", "numbers", "details", "info", "information", "no")
_TOPIC_WORDS = words("about regarding concerning")
"""Right before a name (but for two determiners): the name is the topic ("are you calling
about your credit card?"), not asked for."""
_YES_NO = re.compile(
    r"\s*(?:and |so |now |also |ok |okay |then )?(?:is|are|was|were|did|does|do|has|have|had)\b"
)
"""A clause that opens so asks yes or no about a thing one holds (``_OBJECTS``: "is the
credit card in your name?", "did you use your debit card?"), not for its data."""
_IS_IT = re.compile(
    r"\s*(?:(?:and|so|now|also|ok|okay|then|just|um|uh) )*(?:is|are|was|were) (?:your|the|this"
    r"|that|its|his|her|their) "
)
"""A clause up to a name that opens a yes-or-no question with the name as its subject ("is
your PIN the same one you use at the ATM?"): it asks about it, not for it."""
_HANDY_WORDS = ("handy", "ready", "with you", "on you", "nearby", "in front of you", "to hand")
"""After a name a yes-or-no question asks for all the same: "is your routing number handy?"."""
_COPULA_ENDS = ("your ", "the ", "this ", "that ", "its ", "his ", "her ", "their ")
_LEADS = words(
    "and so ok okay now then just also great perfect thanks alright right um uh oh sorry well"
    " lastly finally next plus"
)
_VERBISH = words(
    "is are was were be been being am has have had will would can could should shall may might"
    " must do does did it's that's i'm we're we've you're i'll we'll you'll let's"
)


def _leads_only(text: str) -> bool:
    """Whether ``text`` (what comes before a name) holds only opening words and determiners."""
    return all(w in _LEADS or w in _DETERMINERS for w in _spaced(text).split())


def _only_phrase_words(s: str, mentions: list[tuple[int, int, str]]) -> bool:
    """Whether sentence ``s`` holds, besides its names, only ``_PHRASE_WORDS``: it is a
    phrase that names the thing ("the three digits on the back, by the signature"); the
    last name may end it with what it is for ("the password for the vet portal")."""
    rest, at = [], 0
    for a, b, _ in mentions:
        rest.append(" ".join(_without_modifiers(_spaced(s[at:a]).split())))
        at = b
    tail = _spaced(s[at:]).split()
    if (
        tail
        and tail[0] in _WHAT_FOR
        and len(tail) <= _WHAT_FOR_WORDS
        and tail[-1] not in _DETERMINERS
    ):
        tail = []
    return all(w in _PHRASE_WORDS for w in _spaced(" ".join(rest)).split() + tail)


def _without_modifiers(before: list[str]) -> list[str]:
    """``before`` (the words before a name in a phrase) without the one or two words
    between a determiner and the name that only say whose or which it is ("the toll
    account PIN", "your hotel loyalty password")."""
    for n in (1, 2):
        if len(before) > n and before[-n - 1] in _DETERMINERS:
            return before[:-n]
    return before


_WHAT_FOR = frozenset({"for", "on"})
_WHAT_FOR_WORDS = 5
"""A phrase's last name may end it with "for" or "on" and a few more words: what it is for."""


def _may_be_fragment(body: str) -> bool:
    """Whether a sentence with no asking form may still ask: a short phrase with no verb,
    which names the thing as it opens ("the three digits on the back, by the signature")."""
    words = _spaced(body).split()
    return (
        0 < len(words) <= _FRAGMENT_WORDS
        and not _NAMING.isdisjoint(words)
        and _VERBISH.isdisjoint(words)
        and not any(w.endswith(("ed", "n't", "'ll", "'ve", "'d")) for w in words)
    )


_FRAGMENT_WORDS = 12
_PHRASE_WORDS = (
    _LEADS
    | _DETERMINERS
    | words(
        """
        on of at in from by to off across along back front bottom top left right side corner
        signature strip panel card check cheque please too as well now also and then next first it
        step final thing
        last just only for me us with digits digit numbers number code three four nine sixteen
        little small long whole full again thank you whenever all both those these one ones
        part bit same slowly slow month year slash date day security verification expiry
        expiration routing account social bank credit debit
        """
    )
)
"""The words a phrase that asks may hold besides the names it asks for."""
_IT_ASK = _at_words(
    r"\b(?:read|tell|give|say|spell)(?: me| us)?(?: out| off)?"
    r" (?:it|that|them|this|the code|the number)\b"
    r"|\bwhat(?:'s| is| was) (?:it|that)\b"
)
_SENT_REPORT = _at_words(r"\b(?:sent|texted|emailed|messaged)\b")


def _asks_for_it(
    s: str, starts: list[int], k: int, negations: list[int], handoff: bool, memo: dict[str, list]
) -> bool:
    """Whether the first later clause of ``s`` than clause ``k`` (a report that something
    was sent) that refers to "it" asks for it: "I've sent a code to your phone, can you read
    it to me?". ``memo`` keeps, per sentence, the clauses that refer to "it" (found once:
    every report asks here in time linear in the sentence)."""
    refs = memo.get("it")
    if refs is None:
        refs = []
        for j, lo in enumerate(starts):
            hi = starts[j + 1] if j + 1 < len(starts) else len(s)
            m = _IT_ASK.search(" " + s[lo:hi])
            if m is not None:
                refs.append((j, lo + m.start()))
        memo["it"] = refs
    i = bisect.bisect_right(refs, (k, len(s)))
    if i == len(refs):
        return False
    j, at = refs[i]
    lo = starts[j]
    if any(lo <= n < at for n in negations):
        return False
    hi = starts[j + 1] if j + 1 < len(starts) else len(s)
    return _clause_asks(s[lo:hi], handoff) == _ASKS


def _only_of(gap: str) -> bool:
    """Whether ``gap`` (the text between two names) makes the second an attribute of the
    first: one of ``_OF_WORDS``, then up to two ``_DETERMINERS``; or one of them, a word
    of its own (with up to two determiners) and another ("the date of birth for the patient
    on the prescription")."""
    words = gap.split()
    for _ in range(2):
        if words and words[-1] in _DETERMINERS:
            words.pop()
    if " ".join(words) in _OF_WORDS:
        return True
    if len(words) < 3 or words[0] not in _OF_WORDS or words[-1] not in _OF_WORDS:
        return False
    inner = words[1:-1]  # "for the patient on the": up to two determiners and one word
    rest = [w for w in inner if w not in _DETERMINERS]
    return len(rest) <= 1 and len(inner) - len(rest) <= 2


def _clause_asks(clause: str, handoff: bool) -> str:
    """What ``clause`` does with the names in it: ``_ASKS``; ``_HANDY`` (getting ready: asks
    only for names that are no ``_OBJECTS``); ``_SENT`` (reports that something was sent:
    a later clause can ask for "it"); ``_NOT`` (a report, offer or wait, or about the secure
    path, ``handoff``, unless a question)."""
    question = _QUESTION_START.match(clause) is not None
    if handoff and not question:
        return _NOT
    verdict = _ASKS
    for m in _CLAUSE_KIND.finditer(" " + clause):
        kind = m.lastgroup
        if kind == "ok" or (kind == "statement" and question):
            continue
        if kind == "report" and m.group().strip() == "on file" and _WH_START.match(clause):
            continue  # "what's the security word on file?" asks for it
        if kind == "handy":
            verdict = _HANDY
            continue
        if kind == "report" and _SENT_REPORT.search(m.group()) is not None:
            return _SENT
        return _NOT
    return verdict


def _has(text: str, parts: tuple[str, ...]) -> bool:
    """Whether ``text`` holds one of ``parts``: a cheap test before a regular expression."""
    for part in parts:  # noqa: SIM110 - a plain loop is cheaper than any() here
        if part in text:
            return True
    return False
