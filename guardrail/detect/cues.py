"""Context cues: the words around a number that say what it is.

A nine-digit number is an SSN after "social", a routing number after
"routing", and nothing at all after "tracking". :func:`find_cues` finds every
cue phrase in a text, each labelled with the category it points to or with a
``neg:`` label for the things that are *not* sensitive (phone numbers, order
and tracking numbers, ZIP codes, money, times, "the last four digits").
"""

from __future__ import annotations

import re
from bisect import bisect_left
from itertools import compress, islice
from operator import eq
from typing import NamedTuple

from . import categories as c
from .numbers import DIGITS, NUMBER_WORDS, WORD, Tokens, tokenize

__all__ = ["Cue", "find_cues"]

NEG_PHONE = "neg:phone"
NEG_REFERENCE = "neg:reference"
NEG_ZIP = "neg:zip"
NEG_MONEY = "neg:money"
NEG_TIME = "neg:time"
NEG_LAST4 = "neg:last4"
NEG_OTHER = "neg:other"
_DAY_BEFORE = (
    "twenty", "thirty", "the", "january", "february", "march", "april", "may", "june", "july",
    "august", "september", "october", "november", "december", "jan", "feb", "mar", "apr", "jun",
    "jul", "aug", "sep", "sept", "oct", "nov", "dec",
)  # fmt: skip
"""Words after which "second" is a day of the month."""
SKIP = "skip"
"""A phrase that covers words which would otherwise be a cue; never reported."""
COVER = "cover"
"""Words that look like a cue but name no value (whose a thing is, a pause, a service);
never reported, never converted."""

_REFERENCE_ALONE = ("insurance", "medicare", "medicaid", "library", "sim", "benefits")
_REFERENCE_WITH_CARD = ("health", "business", "key", "green", "student", "gym", "club", "store",
                        "metro", "bus", "boarding", "gift", "rewards", "loyalty", "membership",
                        "member", "discount", "pharmacy")  # fmt: skip
_REFERENCE_CARDS = "|".join(_REFERENCE_ALONE + _REFERENCE_WITH_CARD)
"""Words before "card" that make it no payment card ("the gift card", "my library card")."""

# Each entry: (label, head words, pattern matched at a head word's position).
# Cues are found by looking each token up in a table of head words and trying
# only the patterns of that head: a dictionary lookup per token instead of a
# scan of the whole text with one big alternation (about 20x faster).
# Where phrases overlap, the earlier entry for a head wins. Patterns are
# matched with fillers and stammered repeats blanked out ("date of um birth").
#
# To add a phrasing: find the category's section below, and add its head word
# and pattern there (or widen an entry's pattern). A section's entries come
# before the generic ones that share a head ("card verification" before "card").
_ENTRIES: list[tuple[str, tuple[str, ...], str]] = [
    # == no value named ========================================================================
    # "the policy's in my name", "the account is under my wife's name": who owns it, no cue
    # for a number (the one that follows is what was asked for)
    # "the account holder is me": a person, no account number
    (COVER, ("policy", "account", "card", "claim", "membership", "insurance"),
     r"[\w']+(?:(?:\s+(?:is|was))?\s+(?:all\s+)?(?:in|under)\s+(?:my|his|her|our|their|the)\s+"
     r"(?:[\w']+\s+){0,2}?names?|(?:(?<=account)|(?<=card))\s*(?:holders?|owners?|members?)\b)"),
    # "the passcode for phone banking": a service, no phone number
    (COVER, ("telephone", "phone", "mobile", "online", "internet"),
     r"(?:telephone|phone|mobile|online|internet)\s+banking(?!\s+(?:access|passcode|pin|number|code))"),
    # "october second", "twenty-second": a day, no time
    (COVER, ("second",), rf"(?:{'|'.join(f'(?<={w} )' for w in _DAY_BEFORE)}|(?<=-))second"),
    # "give me one second", "hang on a minute": a pause, no time a number tells
    (COVER, ("sec", "second", "minute", "min", "moment"),
     r"(?:(?<=\bone\s)|(?<=\ba\s))(?:sec|second|minute|min|moment)"
     r"(?=\s*(?:[,.!]|please\b|let\b|while\b|i\b|it's\b|ok\b|okay\b|so\b|um\b|uh\b))"),
    # "the SIM card is locked", "the SIM PIN": the SIM names no number unless its own is asked
    (COVER, ("sim",), r"sim(?!\s+(?:card\s+)?(?:number|no|#|id|iccid)\b)(?:\s+card)?"),
    # "the hotel room safe", "the storage unit lock", "the room, I set it to ...": no room or
    # unit number follows, the place a code opens
    (COVER, ("room", "unit", "gate"),
     r"(?:room|unit|gate)(?=\s+(?:safe|lock|locker|door|gate|keypad|combination|combo|i|we)\b"
     r"|\s*,)"),
    # == pin: codes that open a door, a lock, a device or an alarm =============================
    # "the gate code", "the alarm panel code", "the building entry code", "garage keypad",
    # "the lockbox", "my padlock combination", "the safe", "the screen lock", "the PUK"
    (c.PIN, ("alarm", "disarm", "duress", "arming", "keypad", "door", "gate", "garage", "entry",
             "lockbox", "building", "master", "panel", "locker", "mailbox", "keyless"),
     r"(?:alarm|disarm|duress|arming|keypad|door|gate|garage|entry|lockbox|building|master|panel|"
     r"locker|mailbox|keyless)(?:\s+(?:system|panel|keypad|door|entry|access|lock|box)){0,2}\s+"
     r"(?:codes?|pin|passcode|combination|combo)"),
    (c.PIN, ("keypad", "lockbox", "combination", "combo", "padlock"), r"\w+"),
    (c.PIN, ("safe",),
     r"(?:(?<=\bthe\s)|(?<=\bmy\s)|(?<=\bour\s)|(?<=\broom\s)|(?<=\bhotel\s))safe"
     r"(?:\s+(?:code|combination|combo|pin))?"),
    (c.PIN, ("security",), r"security\s+(?:system|alarm)(?:\s+(?:code|pin|passcode))?"),
    (c.PIN, ("screen", "lock"),
     r"(?:screen\s+)?lock(?:\s+screen)?\s+(?:code|pin|passcode)|screen\s+lock"),
    (c.PIN, ("puk", "puk2"), r"\w+(?:\s+(?:code|number))?"),
    (c.PIN, ("atm",), r"atm(?:\s+card)?\s+(?:pin|code|passcode)"),
    # "the code I use at the pump", "the code we punch in": a code keyed in, no card's
    (c.PIN, ("code",), r"code\s+(?:i|we)\s+(?:use|type|enter|punch|put|key)"),
    # a code sent to log in ("the confirmation code they texted"), not a booking's
    (c.PIN, ("confirmation",),
     r"confirmation\s+codes?(?=\s+(?:(?:they|you|the\s+bank|it)\s+(?:just\s+)?(?:sent|texted|"
     r"emailed)|(?:from|in)\s+(?:the|my)\s+(?:text|email|app)))"),
    (c.PIN, ("authenticator",), r"authenticator(?:\s+app)?(?:\s+code)?"),
    # == card_security_code ====================================================================
    # "the Amex four on the front", "the number on the front of my Amex": its code
    (c.CARD_SECURITY_CODE, ("amex",),
     r"amex\s+(?:four|4)(?:[\s-]+digits?)?(?:\s+(?:code|number))?(?:\s+on\s+the\s+front)?"),
    (c.CARD_SECURITY_CODE, ("front",),
     r"front\s+of\s+(?:the|my|your)\s+(?:amex|american\s+express|card)"),
    (c.CARD_SECURITY_CODE, ("next", "by", "near"),
     r"(?:next\s+to|by|near)\s+where\s+(?:i|you)\s+sign(?:ed)?"),
    (c.CARD_SECURITY_CODE, ("last", "final"),
     r"(?:last|final)\s+(?:three|3|four|4)\s+(?:digits?|numbers?)\s+(?:on|at)\s+the\s+back"),
    (c.CARD_SECURITY_CODE, ("on",),
     r"on\s+(?:(?:the|um|uh|er|like)\s+)+back(?:\s+of\s+the\s+card)?"
     r"(?!\s+(?:porch|door|deck|gate|yard|seat|wall|page|side|steps|patio)\b)"),
    (c.CARD_SECURITY_CODE, ("by", "near", "next"),
     r"(?:by|near|next\s+to)\s+the\s+signature(?:\s+(?:strip|panel|box))?"),
    (c.CARD_SECURITY_CODE, ("the",), r"the\s+(?:four|4)(?:\s+digits?)?\s+on\s+the\s+front"),
    (c.CARD_SECURITY_CODE, ("front",), r"front\s+(?:four|4)(?:\s+digits?)?"),
    # "the front one is 8821", "and the back one": the card's code by where it is printed
    (c.CARD_SECURITY_CODE, ("front", "back"), r"(?:front|back)\s+(?:one|code|number)(?!\s+of)"),
    # "and the back is 309", "the back says seven three three"
    (c.CARD_SECURITY_CODE, ("back",),
     r"(?<=\bthe\s)back(?=\s+(?:is|was|says|said|reads|shows|has)\s)"),
    (c.CARD_SECURITY_CODE, ("security",), r"security\s+(?:code|number|digits)"),
    # "expiration 1127 security 445": "security" alone, beside the card's other values
    (c.CARD_SECURITY_CODE, ("security",),
     r"security(?!\s+(?:word|question|answer|phrase|deposit|guard|system|alarm|team|"
     r"department|check|service|services|reasons?|purposes|questions|box|camera|cameras))"),
    (c.CARD_SECURITY_CODE, ("cvv", "cvv2", "cvc", "cvc2", "cid", "csc"), r"\w+"),
    (c.CARD_SECURITY_CODE, ("card",), r"card\s+verification"),
    (c.CARD_SECURITY_CODE, ("three", "3", "four", "4"),
     r"(?:three|3|four|4)[\s-]+(?:(?:little|small)\s+)?(?:digits?|numbers)(?:\s+(?:code|number))?"
     r"|(?:(?<=\bthe\s)|(?<=,\s))(?:three|3|four|4)(?=\s+on\s+the\s+(?:back|front)\b)"),
    (c.CARD_SECURITY_CODE, ("code", "digits", "number", "numbers"),
     r"(?:code|digits|numbers?)\s+on\s+the\s+back"),
    (c.CARD_SECURITY_CODE, ("back",), r"back\s+of\s+the\s+card"),
    (c.CARD_SECURITY_CODE, ("verification",), r"verification\s+(?:code|value|number)"),
    # a one-time code or an app's: a PIN (before "code" alone)
    (c.PIN, ("code", "codes"),
     r"codes?\s+(?:(?:on|in|from)\s+(?:my|the|your)\s+(?:phone|screen|app|authenticator|text|"
     r"email|cell|device)|(?:they|you|you\s+guys|the\s+bank|it)\s+(?:just\s+)?(?:sent|texted|"
     r"emailed|gave))"),
    # a code just received: "the app sent me 4 0 1 9", "the text just came through, 7 3 ..."
    (c.PIN, ("sent", "texted", "emailed"),
     r"(?:sent|texted|emailed)\s+me(?:\s+(?:a|the|this)\s+(?:code|number))?(?!\s+(?:a|the|an)\b)"),
    (c.PIN, ("text", "message"),
     r"(?:text|message)(?:\s+(?:message|msg))?\s+(?:(?:just|it|that)\s+)?"
     r"(?:came|come|comes|says|said|reads)(?:\s+(?:through|in))?"),
    # "I got two codes": a card has one code; codes that come and go are sent ones
    (c.PIN, ("codes",), r"codes"),
    (c.CARD_SECURITY_CODE, ("code",), r"code"),
    # == card_expiry ===========================================================================
    # "the coupon expires", "my passport needs to be valid until": a date that is no card's
    (NEG_OTHER, ("coupon", "membership", "passport", "license", "licence", "warranty",
                 "prescription", "subscription", "lease", "trial", "voucher", "offer",
                 "promo", "permit", "registration", "contract"),
     r"\w+(?:'s)?(?:\s+[\w']+){0,4}?\s+(?:expires?|expired|expiring|expiry|expiration|"
     r"(?:is\s+|be\s+)?(?:valid|good)\s+(?:until|till|thru|through|to)|runs?\s+out|ends?)\b"),
    (c.CARD_EXPIRY, ("end",),
     r"end\s+date|end\s+of\s+(?:the|my)\s+card(?=\s+(?:says|reads|shows))"),
    (c.CARD_EXPIRY, ("date",), r"date\s+(?:printed|under\s+the\s+(?:card\s+)?number)"),
    (c.CARD_EXPIRY, ("expiry", "expire", "expires", "expired", "expiring", "expiration", "exp",
                     "expiries"), r"\w+(?:\s+(?:date|month)(?:\s+and\s+year)?)?"),
    (c.CARD_EXPIRY, ("valid", "good"),
     r"(?:valid|good)(?:\s+(?:um|uh|er|like))?[\s-]+(?:thru|through|until|till|til|to)"),
    (c.CARD_EXPIRY, ("runs", "run", "running"), r"(?:runs|run|running)\s+out"),
    (c.CARD_EXPIRY, ("month",), r"month\s+and\s+year"),
    (c.CARD_EXPIRY, ("card",), r"card(?:'s)?\s+(?:expires|expiry|expiration|exp)\w*"),
    # "the date on it says ...", "... is the date on it."
    (c.CARD_EXPIRY, ("date",),
     r"date\s+on\s+(?:the\s+(?:front|card)|it(?=\s+(?:says|reads|is)\b|\s*[.,!?]|\s*$))"),
    # speech-to-text hears "expiration date" as "exploration date"
    (c.CARD_EXPIRY, ("exploration",), r"exploration\s+date"),
    # == routing_number ========================================================================
    (c.ROUTING_NUMBER, ("routing", "aba"),
     r"(?:routing|aba)(?:\s+(?:and|&)\s+(?:transit|account))?(?:\s+numbers?)?"),
    (c.ROUTING_NUMBER, ("transit",), r"transit\s+number"),
    (c.ROUTING_NUMBER, ("nine", "9", "number", "numbers", "digits", "first"),
     r"(?:(?:nine|9|first)[\s-]+(?:nine\s+)?)?(?:digits?|numbers?)(?:\s+number)?\s+(?:at|on)\s+"
     r"the\s+(?:(?:very|bottom|far)\s+)?left"),
    (c.ROUTING_NUMBER, ("sort",), r"sort\s+code"),
    # == iban (values: ibans.py) ===============================================================
    (c.IBAN, ("iban", "ibans"), r"\w+"),
    (c.IBAN, ("international",), r"international\s+(?:bank\s+)?account(?:\s+(?:number|no))?"),
    # == ssn ===================================================================================
    (c.SSN, ("social",), r"social(?:\s+security)?(?:\s+(?:number|card))?"),
    (c.SSN, ("ssn",), r"ssn"),
    (c.SSN, ("ss",), r"ss(?:\s+(?:number|no|#))?"),
    (c.SSN, ("s",), r"s\s*\.?\s*s\s*\.?\s*n\b"),
    # == date_of_birth =========================================================================
    (c.DATE_OF_BIRTH, ("date",), r"date\s+of\s+birth"),
    (c.DATE_OF_BIRTH, ("birth",), r"birth\s*date"),
    (c.DATE_OF_BIRTH, ("birthdate", "birthday", "dob", "born"), r"\w+"),
    (c.DATE_OF_BIRTH, ("d",), r"d\s*\.?\s*o\s*\.?\s*b\b"),
    # == pin (a numeric passcode is a PIN; one in letters is a password) =======================
    (c.PIN, ("pin",), r"pin(?:\s+(?:um|uh|er))?(?:\s+(?:number|code))?"),
    (c.PIN, ("personal",), r"personal\s+identification\s+number"),
    (c.PIN, ("passcode", "passcodes"), r"\w+"),
    (c.PIN, ("access",), r"access\s+(?:code|number|pin)"),
    # one-time codes from a text or an app
    (c.PIN, ("otp", "2fa", "mfa"), r"\w+(?:\s+code)?"),
    (c.PIN, ("time",), r"(?:(?<=\bone\s)|(?<=\bone-))time\s+(?:pass\s*code|code|pin|password)"),
    (c.PIN, ("authentication", "authenticator", "auth", "login", "sign"),
     r"(?:authentication|authenticator|auth|login|sign[\s-]*in)\s+code"),
    (c.PIN, ("telephone", "phone", "mobile", "online"),
     r"(?:telephone|phone|mobile|online)(?:\s+banking\s+(?:number|code))?"
     r"(?:(?<=number)|(?<=code)|(?:\s+banking)?\s+(?:access\s+code|passcode|pin))"),
    (c.PIN, ("pass",), r"pass\s*code"),
    # "the six digit one": a one-time code's or a PIN's length ("six digit code")
    (c.PIN, ("five", "six", "5", "6"),
     r"(?:five|six|5|6)[\s-]+digit\s+(?:code|pin|passcode|one)(?!\s+(?:account|acct))"
     r"(?:\s+(?:on|in|from)\s+(?:my|the|your)\s+(?:phone|screen|app|text|email|cell|device))?"),
    # == password (values in words: passwords.py) ==============================================
    (c.PASSWORD, ("password", "passphrase", "passwords", "pw", "pwd", "passwd"), r"\w+"),
    (c.PASSWORD, ("pass",), r"pass\s*(?:word|phrase)"),
    (c.PASSWORD, ("secret",), r"secret\s+word"),
    # == bank_account ==========================================================================
    # account numbers that are no bank account: a utility's or a biller's
    (NEG_REFERENCE, ("electric", "electricity", "gas", "water", "cable", "utility", "utilities",
                     "internet", "broadband", "power", "energy", "trash", "sewer", "wireless",
                     "cellular", "streaming", "satellite", "heating", "loan", "loans",
                     "hospital", "clinic", "dental", "medical"),
     r"\w+(?:\s+(?:and\s+\w+\s+)?(?:bill|company|provider))?\s+account(?:\s+(?:number|no|#))?"),
    (NEG_REFERENCE, ("account",),
     r"account(?:\s+(?:number|no|#))?\s+(?:(?:on|from|for)\s+(?:my|the|your|our)\s+(?:\w+\s+)?"
     r"(?:bill|invoice|statement\s+from\s+the\s+\w+)|for\s+billing)"),
    # "... 3384, for the electric", "..., it's on the bill": a biller named right after the
    # number (as an address is)
    (NEG_OTHER, ("for",),
     r"for\s+the\s+(?:electric|electricity|gas|water|cable|utility|utilities|internet|"
     r"broadband|power|energy|trash|sewer)\b(?:\s+(?:bill|company|account))?"),
    (NEG_OTHER, ("on",), r"on\s+(?:the|my|your)\s+(?:bill|invoice)\b"),
    (c.BANK_ACCOUNT, ("bank", "checking", "savings", "chequing"),
     r"(?:bank|checking|savings|chequing)\s+account(?:\s+(?:number|no|#))?"),
    (c.BANK_ACCOUNT, ("checking", "savings", "chequing"),
     r"(?:checking|savings|chequing)\s+(?:number|no|#)"),
    (c.BANK_ACCOUNT, ("checking", "savings", "chequing"), r"(?:checking|savings|chequing)"),
    (c.BANK_ACCOUNT, ("account", "accounts"),
     r"accounts?(?:\s+(?:number|no|#))?(?:\s+for\s+the\s+(?:refund|deposit|draft|payroll)s?)?"),
    # "direct deposit goes to ...", "deposited into ...", "it pays from ...": the account money
    # goes to or comes from
    (c.BANK_ACCOUNT, ("direct",),
     r"direct\s+deposits?\s+(?:account(?:\s+(?:number|no|#))?|(?:(?:goes|go|should\s+go)\s+)?"
     r"(?:to|into))"),
    (c.BANK_ACCOUNT, ("deposited",), r"deposited\s+(?:to|into)"),
    (c.BANK_ACCOUNT, ("pays", "paid", "comes", "drafts", "drafted", "debited", "withdrawn",
                      "pulled"),
     r"\w+\s+(?:out\s+)?(?:from|of)(?!\s+(?:(?:my|the|our|your)\s+)?(?:\w+\s+)?(?:card|visa|"
     r"mastercard|amex|discover)\b)"),
    (c.BANK_ACCOUNT, ("acct",), r"acct"),
    # "... nine one at the credit union": the bank named right after the number
    (c.BANK_ACCOUNT, ("at", "with"), r"(?:at|with)\s+(?:the|my)\s+(?:credit\s+union|bank)"),
    # == payment_card ==========================================================================
    (c.PAYMENT_CARD, ("credit", "debit", "payment", "bank", "visa", "master", "mastercard", "amex",
                      "discover"),
     r"(?:credit|debit|payment|bank|visa|master\s*card|amex|discover)\s+"
     r"card(?:\s+(?:number|no|#|details|info))?"),
    (c.PAYMENT_CARD, ("card",), r"card(?:\s+(?:number|no|#|details|info))?"),
    (c.PAYMENT_CARD, ("visa", "mastercard", "amex", "discover", "cc"), r"\w+"),
    (c.PAYMENT_CARD, ("master",), r"master\s*card"),
    (c.PAYMENT_CARD, ("american",), r"american\s+express"),
    (c.PAYMENT_CARD, ("long",), r"long\s+number"),
    (c.PAYMENT_CARD, ("primary",), r"primary\s+account\s+number"),
    (c.PAYMENT_CARD, ("sixteen", "16", "fifteen", "15"), r"(?:sixteen|16|fifteen|15)[\s-]+digit"),
    # == not the value =========================================================================
    # "the last four", "card ending fifty two ten": what follows is the last digits, not the card
    (NEG_LAST4, ("last", "final"),
     r"(?:last|final)\s+(?:in|with)?\s*(?:four|4|two|2|three|3)?\s*"
     r"(?:digits?|numbers?)?(?:\s+(?:of|on|are|is|were|was))?"),
    (NEG_LAST4, ("end",), r"end\s+(?:in|with)(?:\s+(?:four|4|two|2|three|3))?"),
    (NEG_LAST4, ("ending", "ends"),
     r"(?:ending|ends)(?:\s+(?:in|with))?(?:\s+(?:four|4|two|2|three|3)\s+(?:digits?|numbers?))?"
     r"(?:\s+(?:of|on|are|is|were|was))?"),
    # "the pin on the account", "the zip for the card": the account or card is what the value
    # belongs to; the cue before it decides (with none before, it is the account or card cue)
    (SKIP, ("on", "for", "of", "with", "to", "in", "under", "from"),
     r"(?:on|for|of|with|to|in|under|from)\s+(?:the|my|your|this|that|our|his|her)\s+"
     r"(?:(?:debit|credit|bank|atm|visa|mastercard|amex|checking|savings|online|new|old)\s+"
     rf"|(?!(?:{_REFERENCE_CARDS})\s)[a-z]+(?:-[a-z]+)?\s+(?=(?:account|line|profile|card|plan)\b))?"
     r"(?:account|card|checking|savings|claim|policy|plan|file|record|records|profile|line|phone|"
     r"cell|device|ipad|tablet|laptop|computer)"
     r"(?:\s+on\s+file)?"),
    # cards that are not payment cards
    (NEG_REFERENCE, _REFERENCE_ALONE, r"\w+(?:\s+(?:card|id))?(?:\s+(?:number|no|#))?"),
    # "the health card", "my gym id number": alone, these words name no number ("the
    # home-health agency", "the business line")
    (NEG_REFERENCE, _REFERENCE_WITH_CARD,
     r"\w+(?:\s+(?:card|id)(?:\s+(?:number|no|#))?|\s+(?:number|no|#))"),
    (NEG_REFERENCE, ("promo", "discount", "coupon", "gift", "confirmation", "booking",
                     "tracking", "reference", "referral", "voucher", "offer"), r"\w+\s+codes?"),
    # a code word in a non-card sense: HTTP and program status, dialling, products ("Response
    # Status Code: 200" in a log line is no security code)
    (NEG_OTHER, ("status", "error", "response", "http", "exit", "return", "result", "reason",
                 "fault", "failure", "country", "dial", "dialing", "dialling", "product", "tax",
                 "postal", "qr", "bar", "color", "colour", "source", "dress", "activation",
                 "redemption", "wifi", "invite", "invitation", "course", "class", "group",
                 "section", "program", "subject"),
     r"\w+(?:\s+(?:status|error|response|return|exit|result))?\s+codes?"),
    (NEG_PHONE, ("area",), r"area\s+code"),
    (NEG_PHONE, ("phone", "telephone", "cell", "mobile", "fax", "extension", "ext", "callback",
                 "cellphone", "landline"), r"\w+"),
    (NEG_PHONE, ("call",), r"call\s+(?:me|you|back)"),
    (NEG_PHONE, ("reach",), r"reach\s+me"),
    (NEG_PHONE, ("text",), r"text\s+me"),
    (NEG_PHONE, ("contact",), r"contact\s+number"),
    (NEG_REFERENCE, ("customer",), r"customer\s+(?:id|number)"),
    (NEG_REFERENCE, ("frequent",), r"frequent\s+fl[yi]er(?:\s+(?:number|no|#|id))?"),
    (NEG_REFERENCE, ("transponder", "flyer", "mileage"), r"\w+(?:\s+(?:number|no|#|id))?"),
    (NEG_REFERENCE, ("toll",), r"toll\s+(?:tag|transponder|pass|account)(?:\s+(?:number|no|#))?"),
    (NEG_REFERENCE, ("transaction",), r"transaction\s+(?:id|number)"),
    (NEG_REFERENCE, ("id",), r"id(?:\s+number)?"),
    (NEG_REFERENCE, ("order", "tracking", "track", "confirmation", "reference", "ref", "ticket",
                     "case", "invoice", "receipt", "shipment", "package", "parcel", "booking",
                     "reservation", "claim", "policy", "member", "membership", "loyalty",
                     "rewards", "serial", "model", "timestamp", "epoch"), r"\w+"),
    (NEG_ZIP, ("zip", "postal"), r"(?:zip|postal)(?:\s*code)?"),
    (NEG_ZIP, ("post", "postcode", "zipcode"), r"post\s*code|\w+"),
    (NEG_MONEY, ("dollar", "dollars", "buck", "bucks", "cent", "cents", "euro", "euros", "pound",
                 "pounds", "usd", "amount", "balance", "total", "price", "cost", "costs",
                 "charged", "refund", "paid", "owe", "limit", "pay", "paying", "spent", "spend",
                 "spending", "transfer", "transferring", "transferred", "deposit", "deposited",
                 "withdraw", "withdrew", "withdrawal", "fee", "fees", "interest"), r"\w+"),
    (NEG_MONEY, ("$", "€", "£", "¥"), r"."),
    (NEG_MONEY, ("payment",), r"payment\s+of"),
    (NEG_TIME, ("o'clock", "oclock", "am", "pm", "minute", "minutes", "hour", "hours", "second",
                "seconds", "day", "days", "week", "weeks", "month", "months", "tonight",
                "tomorrow", "today", "yesterday", "appointment", "meeting"), r"\w+(?:'\w+)?"),
    (NEG_TIME, ("a", "p"), r"[ap]\.?m\b\.?"),
    (NEG_TIME, ("year", "years"), r"years?\s+(?:old|ago)"),
    (NEG_OTHER, ("street", "avenue", "road", "rd", "st", "ave", "blvd", "boulevard", "lane", "ln",
                 "drive", "court", "ct", "place", "highway", "hwy", "apt", "apartment", "suite",
                 "unit", "floor", "room", "flight", "gate", "address", "version", "percent",
                 "times", "item", "items", "people", "points", "miles", "kilo", "kilos",
                 "characters", "character", "chars", "letters", "symbols"),
     r"(?<![0-9])\w+"),  # ("3rd", "21st": an ordinal's ending, no "Rd" or "St")
    (NEG_OTHER, ("%",), r"%"),
    # an example of a format, no value: "say it as a date, for example March fourth 1980"
    (NEG_OTHER, ("example", "instance", "such", "e", "eg"),
     r"(?<=\bfor\s)(?:example|instance)|such\s+as|e\.\s*g\.?|eg\b"),
]  # fmt: skip

_HEADS: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
for _label, _heads, _pat in _ENTRIES:
    _bounded = any(h[0].isalnum() for h in _heads)
    _compiled = re.compile(rf"(?:{_pat})(?![^\W_])" if _bounded else _pat, re.IGNORECASE)
    for _h in _heads:
        _HEADS.setdefault(_h, []).append((_label, _compiled))
        if _h.isalpha() and len(_h) > 2:
            # "social's", "birthday's": speech-to-text writes the contraction as one word
            _HEADS.setdefault(_h + "'s", []).append((_label, _compiled))
del _label, _heads, _pat, _compiled, _h, _bounded
HEADS: frozenset[str] = frozenset(_HEADS)
"""Every word a cue phrase can start with."""

TRIGGER_WORDS = frozenset(
    {
        "card", "visa", "mastercard", "amex", "security", "cvv", "cvc", "code", "expiry",
        "expiration", "expires", "social", "ssn", "account", "routing", "iban", "birth",
        "birthday", "born", "dob", "pin", "password", "passcode", "passphrase",
    }
)  # fmt: skip


class Cue(NamedTuple):
    """A cue phrase: its label (a category or ``neg:...``) and character span.

    A named tuple rather than a dataclass: cues are made for every text
    scanned, and a tuple is the cheapest immutable record CPython builds.
    """

    label: str
    start: int
    end: int


_SKIP_THING = re.compile(
    r"\b(?:claim|policy|plan|file|record|records|profile|line|phone|cell|device|ipad|tablet|"
    r"laptop|computer)\b"
)
"""Things in a ``skip`` phrase that are no account or card: with no cue before, a reference."""
_OWNER_REACH = 30
"""How far (in characters) a cue may stand before "on the account" to own the value."""
_FILLERS = frozenset({"um", "uh", "er", "erm", "umm", "uhh", "hmm", "like", "mm"})


def _without_fillers(text: str, toks: Tokens) -> str:
    """``text`` with fillers, "you know" and stammered repeats blanked out, same length.

    Speech-to-text puts them inside cue phrases ("date of um birth", "the
    three you know numbers", "date of of birth"); the cue patterns are
    matched on this copy, so the phrases stay one pattern each.
    """
    texts, kinds = toks.texts, toks.kinds
    fillers = not _FILLERS.isdisjoint(texts) or "know" in texts
    repeats = any(map(eq, texts, islice(texts, 1, None)))
    if not (fillers or repeats):
        return text
    n = len(texts)
    blank = list(compress(range(n), map(_FILLERS.__contains__, texts))) if fillers else []
    if repeats:
        same = compress(range(1, n), map(eq, islice(texts, 1, None), texts))
        blank.extend(i for i in same if kinds[i] == WORD and texts[i] not in NUMBER_WORDS)
    if "know" in texts:
        for i in compress(range(1, n), map("know".__eq__, islice(texts, 1, None))):
            if texts[i - 1] == "you":
                blank.extend((i - 1, i))
    if not blank:
        return text
    chars = list(text)
    starts, ends = toks.starts, toks.ends
    for i in blank:
        chars[starts[i] : ends[i]] = " " * (ends[i] - starts[i])
    return "".join(chars)


def _last_account_word(phrase: str) -> int:
    """Where the last of "account", "checking", "savings" starts in ``phrase``."""
    return max(phrase.rfind("account"), phrase.rfind("checking"), phrase.rfind("savings"))


def _number_next(toks: Tokens, pos: int) -> bool:
    """Whether the token after character ``pos`` is a number (or "#", ":", "," before one)."""
    k = bisect_left(toks.starts, pos)
    n = len(toks.texts)
    while k < n and toks.texts[k] in ("#", ":", ",", "number", "no"):
        k += 1
    return k < n and (toks.kinds[k] == DIGITS or toks.texts[k] in NUMBER_WORDS)


def _number_between(toks: Tokens, lo: int, hi: int) -> bool:
    """Whether a number token stands between characters ``lo`` and ``hi`` (a short span).

    "one" is left out: "the code, the one for my account" is a pronoun.
    """
    k = bisect_left(toks.starts, lo)
    while k < len(toks.texts) and toks.starts[k] < hi:
        if toks.kinds[k] == DIGITS or (toks.texts[k] in NUMBER_WORDS and toks.texts[k] != "one"):
            return True
        k += 1
    return False


def find_cues(text: str, toks: Tokens | None = None) -> list[Cue]:
    """Every cue phrase in ``text``, in order, non-overlapping.

    ``toks`` is :func:`~guardrail.detect.numbers.tokenize` of ``text``, when
    the caller has it already. Only the tokens that can start a cue are
    visited (picked out in C), so the cost grows with the cues, not with the
    text.
    """
    if toks is None:
        toks = tokenize(text)
    texts, starts = toks.texts, toks.starts
    out: list[Cue] = []
    heads = _HEADS
    covered = -1
    at_heads = list(compress(range(len(texts)), map(heads.__contains__, texts)))
    if not at_heads:
        return out
    matched = _without_fillers(text, toks)
    for i in at_heads:
        start = starts[i]
        if start < covered:
            continue
        for label, pat in heads[texts[i]]:
            m = pat.match(matched, start)
            if m is not None:
                covered = m.end()
                if label is COVER:
                    break
                if label is SKIP:
                    # "the zip for the card is ...": the cue before names the value; with
                    # none before, or the number right after ("limit on my card # 5038..."),
                    # it is a card or account cue after all
                    owned = (
                        out
                        and start - out[-1].end <= _OWNER_REACH
                        and out[-1].label not in (NEG_OTHER, NEG_TIME)
                        and not _number_between(toks, out[-1].end, start)
                    )
                    if owned and not _number_next(toks, covered):
                        break
                    phrase = m.group().lower()
                    thing = _SKIP_THING.search(phrase)
                    if thing is not None:  # "the ssn on the claim", or "on the claim 4471..."
                        label = NEG_REFERENCE
                        start += thing.start()
                    else:  # "to my savings 1029...": an account's, as "to my account" is
                        card = "card" in phrase
                        label = c.PAYMENT_CARD if card else c.BANK_ACCOUNT
                        start += phrase.rfind("card") if card else _last_account_word(phrase)
                out.append(Cue(label, start, covered))
                break
    return out
