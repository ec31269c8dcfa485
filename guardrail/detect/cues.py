"""Context cues: the words around a number that say what it is.

A nine-digit number is an SSN after "social", a routing number after
"routing", and nothing at all after "tracking". :func:`find_cues` finds every
cue phrase in a text, each labelled with the category it points to or with a
``neg:`` label for the things that are *not* sensitive (phone numbers, order
and tracking numbers, ZIP codes, money, times, "the last four digits").
"""

from __future__ import annotations

import re
from itertools import compress
from typing import NamedTuple

from . import categories as c
from .numbers import Tokens, tokenize

__all__ = ["Cue", "find_cues"]

NEG_PHONE = "neg:phone"
NEG_REFERENCE = "neg:reference"
NEG_ZIP = "neg:zip"
NEG_MONEY = "neg:money"
NEG_TIME = "neg:time"
NEG_LAST4 = "neg:last4"
NEG_OTHER = "neg:other"

# Each entry: (label, head words, pattern matched at a head word's position).
# Cues are found by looking each token up in a table of head words and trying
# only the patterns of that head: a dictionary lookup per token instead of a
# scan of the whole text with one big alternation (about 20x faster).
# Where phrases overlap, the earlier entry for a head wins.
_ENTRIES: list[tuple[str, tuple[str, ...], str]] = [
    (NEG_LAST4, ("last", "final", "ending", "ends", "end"),
     r"(?:last|final|ending|ends|end)\s+(?:in|with)?\s*(?:four|4|two|2|three|3)?\s*"
     r"(?:digits?|numbers?)?(?:\s+(?:of|on|are|is|were|was))?"),
    (c.CARD_SECURITY_CODE, ("security",), r"security\s+code"),
    (c.CARD_SECURITY_CODE, ("cvv", "cvv2", "cvc", "cvc2", "cid", "csc"), r"\w+"),
    (c.CARD_SECURITY_CODE, ("card",), r"card\s+verification"),
    (c.CARD_SECURITY_CODE, ("three", "3", "four", "4"),
     r"(?:three|3|four|4)[\s-]+digits?\s+(?:code|number)"),
    (c.CARD_SECURITY_CODE, ("code", "digits", "number", "numbers"),
     r"(?:code|digits|numbers?)\s+on\s+the\s+back"),
    (c.CARD_SECURITY_CODE, ("back",), r"back\s+of\s+the\s+card"),
    (c.CARD_SECURITY_CODE, ("verification",), r"verification\s+(?:code|value|number)"),
    (c.CARD_SECURITY_CODE, ("code",), r"code"),
    (c.CARD_EXPIRY, ("expiry", "expire", "expires", "expired", "expiring", "expiration", "exp",
                     "expiries"), r"\w+"),
    (c.CARD_EXPIRY, ("valid",), r"valid\s+(?:thru|through|until)"),
    (c.CARD_EXPIRY, ("good",), r"good\s+thru"),
    (c.ROUTING_NUMBER, ("routing", "aba"), r"(?:routing|aba)(?:\s+number)?"),
    (c.ROUTING_NUMBER, ("transit",), r"transit\s+number"),
    (c.ROUTING_NUMBER, ("sort",), r"sort\s+code"),
    (c.IBAN, ("iban",), r"iban"),
    (c.SSN, ("social",), r"social(?:\s+security(?:\s+number)?)?"),
    (c.SSN, ("ssn",), r"ssn"),
    (c.SSN, ("s",), r"s\s*\.?\s*s\s*\.?\s*n\b"),
    (c.DATE_OF_BIRTH, ("date",), r"date\s+of\s+birth"),
    (c.DATE_OF_BIRTH, ("birth",), r"birth\s*date"),
    (c.DATE_OF_BIRTH, ("birthdate", "birthday", "dob", "born"), r"\w+"),
    (c.DATE_OF_BIRTH, ("d",), r"d\s*\.?\s*o\s*\.?\s*b\b"),
    (c.PIN, ("pin",), r"pin(?:\s+(?:number|code))?"),
    (c.PIN, ("personal",), r"personal\s+identification\s+number"),
    (c.PASSWORD, ("password", "passcode", "passphrase", "passwords"), r"\w+"),
    (c.PASSWORD, ("pass",), r"pass\s*(?:word|code|phrase)"),
    (c.PASSWORD, ("secret",), r"secret\s+word"),
    (c.BANK_ACCOUNT, ("bank", "checking", "savings", "chequing"),
     r"(?:bank|checking|savings|chequing)\s+account(?:\s+(?:number|no|#))?"),
    (c.BANK_ACCOUNT, ("account",), r"account(?:\s+(?:number|no|#))?"),
    (c.BANK_ACCOUNT, ("acct",), r"acct"),
    (c.PAYMENT_CARD, ("credit", "debit", "payment", "bank", "visa", "master", "mastercard", "amex",
                      "discover"),
     r"(?:credit|debit|payment|bank|visa|master\s*card|amex|discover)\s+"
     r"card(?:\s+(?:number|no|#|details|info))?"),
    (c.PAYMENT_CARD, ("card",), r"card(?:\s+(?:number|no|#|details|info))?"),
    (c.PAYMENT_CARD, ("visa", "mastercard", "amex", "discover", "cc"), r"\w+"),
    (c.PAYMENT_CARD, ("master",), r"master\s*card"),
    (c.PAYMENT_CARD, ("american",), r"american\s+express"),
    (c.PAYMENT_CARD, ("long",), r"long\s+number"),
    (c.PAYMENT_CARD, ("sixteen", "16", "fifteen", "15"), r"(?:sixteen|16|fifteen|15)[\s-]+digit"),
    (NEG_REFERENCE, ("promo", "discount", "coupon", "gift", "confirmation", "access", "booking",
                     "tracking", "reference", "referral", "voucher", "offer"), r"\w+\s+code"),
    (NEG_PHONE, ("area",), r"area\s+code"),
    (NEG_PHONE, ("phone", "telephone", "cell", "mobile", "fax", "extension", "ext", "callback",
                 "cellphone", "landline"), r"\w+"),
    (NEG_PHONE, ("call",), r"call\s+(?:me|you|back)"),
    (NEG_PHONE, ("reach",), r"reach\s+me"),
    (NEG_PHONE, ("text",), r"text\s+me"),
    (NEG_PHONE, ("contact",), r"contact\s+number"),
    (NEG_REFERENCE, ("customer",), r"customer\s+(?:id|number)"),
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
                 "charged", "refund", "paid", "owe"), r"\w+"),
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
                 "times", "item", "items", "people", "points", "miles", "kilo", "kilos"), r"\w+"),
    (NEG_OTHER, ("%",), r"%"),
]  # fmt: skip

_HEADS: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
for _label, _heads, _pat in _ENTRIES:
    _bounded = any(h[0].isalnum() for h in _heads)
    _compiled = re.compile(rf"(?:{_pat})(?![^\W_])" if _bounded else _pat, re.IGNORECASE)
    for _h in _heads:
        _HEADS.setdefault(_h, []).append((_label, _compiled))
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
    for i in compress(range(len(texts)), map(heads.__contains__, texts)):
        start = starts[i]
        if start < covered:
            continue
        for label, pat in heads[texts[i]]:
            m = pat.match(text, start)
            if m is not None:
                covered = m.end()
                out.append(Cue(label, start, covered))
                break
    return out
