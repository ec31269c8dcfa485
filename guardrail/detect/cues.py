"""Context cues: the words around a number that say what it is.

A nine-digit number is an SSN after "social", a routing number after
"routing", and nothing at all after "tracking". :func:`find_cues` finds every
cue phrase in a text, each labelled with the category it points to or with a
``neg:`` label for the things that are *not* sensitive (phone numbers, order
and tracking numbers, ZIP codes, money, times, "the last four digits").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import categories as c

__all__ = ["Cue", "find_cues"]

NEG_PHONE = "neg:phone"
NEG_REFERENCE = "neg:reference"
NEG_ZIP = "neg:zip"
NEG_MONEY = "neg:money"
NEG_TIME = "neg:time"
NEG_LAST4 = "neg:last4"
NEG_OTHER = "neg:other"

# Order matters: earlier alternatives win where phrases overlap.
_CUES: list[tuple[str, str]] = [
    (
        NEG_LAST4,
        r"(?:last|final|ending|ends|end)\s+(?:in|with)?\s*(?:four|4|two|2|three|3)?\s*"
        r"(?:digits?|numbers?)?(?:\s+(?:of|on|are|is|were|was))?|ending\s+(?:in|with)|"
        r"ends\s+(?:in|with)|last\s+(?:four|4)",
    ),
    (
        c.CARD_SECURITY_CODE,
        r"security\s+code|cvv2?|cvc2?|cid|csc|card\s+verification|"
        r"(?:three|3|four|4)[\s-]+digits?\s+(?:code|number)|"
        r"(?:code|digits|numbers?)\s+on\s+the\s+back|back\s+of\s+the\s+card|"
        r"verification\s+(?:code|value|number)|code",
    ),
    (c.CARD_EXPIRY, r"expir\w*|expires?|exp\b|valid\s+(?:thru|through|until)|good\s+thru"),
    (c.ROUTING_NUMBER, r"routing(?:\s+number)?|aba(?:\s+number)?|transit\s+number|sort\s+code"),
    (c.IBAN, r"iban"),
    (c.SSN, r"social\s+security(?:\s+number)?|ssn|s\s*\.?\s*s\s*\.?\s*n\b|social"),
    (c.DATE_OF_BIRTH, r"date\s+of\s+birth|birth\s*date|birthday|\bdob\b|d\s*o\s*b\b|born"),
    (c.PIN, r"\bpin\b(?:\s+(?:number|code))?|personal\s+identification\s+number"),
    (c.PASSWORD, r"pass\s*(?:word|code|phrase)|secret\s+word"),
    (c.BANK_ACCOUNT, r"(?:bank|checking|savings|chequing)?\s*account(?:\s+(?:number|no|#))?|acct"),
    (
        c.PAYMENT_CARD,
        r"(?:credit|debit|payment|bank|visa|master\s*card|amex|discover)?\s*"
        r"card(?:\s+(?:number|no|#|details|info))?|visa|master\s*card|amex|"
        r"american\s+express|discover|\bcc\b|long\s+number|"
        r"(?:sixteen|16|fifteen|15)[\s-]+digit",
    ),
    (
        NEG_REFERENCE,
        r"(?:promo|discount|coupon|gift|confirmation|access|booking|tracking|"
        r"reference|referral|voucher|offer)\s+code",
    ),
    (
        NEG_PHONE,
        r"area\s+code|phone|telephone|cell|mobile|call\s+(?:me|you|back)|"
        r"reach\s+me|text\s+me|fax|extension|\bext\b|callback|contact\s+number",
    ),
    (
        NEG_REFERENCE,
        r"order|tracking|track|confirmation|reference|\bref\b|ticket|case|invoice|"
        r"receipt|shipment|package|parcel|booking|reservation|claim|policy|member|"
        r"customer\s+(?:id|number)|membership|loyalty|rewards|serial|model|"
        r"timestamp|epoch|transaction\s+(?:id|number)|id\s+number|\bid\b",
    ),
    (NEG_ZIP, r"zip(?:\s*code)?|postal(?:\s*code)?|post\s*code"),
    (
        NEG_MONEY,
        r"dollars?|bucks|cents?|euros?|pounds?|usd|amount|balance|total|"
        r"price|cost|costs|charged|refund|payment\s+of|paid|owe",
    ),
    (
        NEG_TIME,
        r"o'?clock|\ba\.?m\b|\bp\.?m\b|minutes?|hours?|seconds?|days?|weeks?|months?|"
        r"years?\s+(?:old|ago)|tonight|tomorrow|today|yesterday|appointment|meeting",
    ),
    (
        NEG_OTHER,
        r"street|avenue|road|rd|st|ave|blvd|boulevard|lane|ln|drive|court|ct|"
        r"place|highway|hwy|\bapt\b|apartment|suite|unit|floor|room|flight|gate|"
        r"address|version|percent|times|items?|people|points|miles|pounds|kilos?",
    ),
]

_SYMBOLS = r"(?P<money>[$€£¥])|(?P<pct>%)"
_RE = re.compile(
    "|".join(f"(?P<g{i}>(?<![^\\W_])(?:{pat})(?![^\\W_]))" for i, (_, pat) in enumerate(_CUES))
    + "|"
    + _SYMBOLS,
    re.IGNORECASE,
)
_LABELS = {f"g{i}": label for i, (label, _) in enumerate(_CUES)}
_LABELS["money"] = NEG_MONEY
_LABELS["pct"] = NEG_OTHER

TRIGGER_WORDS = frozenset(
    {
        "card", "visa", "mastercard", "amex", "security", "cvv", "cvc", "code", "expiry",
        "expiration", "expires", "social", "ssn", "account", "routing", "iban", "birth",
        "birthday", "born", "dob", "pin", "password", "passcode", "passphrase",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Cue:
    """A cue phrase: its label (a category or ``neg:...``) and character span."""

    label: str
    start: int
    end: int


def find_cues(text: str) -> list[Cue]:
    """Every cue phrase in ``text``, in order, non-overlapping."""
    out = []
    for m in _RE.finditer(text):
        span_start, span_end = m.span()
        if span_end == span_start:
            continue
        label = _LABELS[m.lastgroup]  # type: ignore[index]
        # "card" preceded only by spaces: trim leading whitespace from the span
        s = m.group()
        lead = len(s) - len(s.lstrip())
        out.append(Cue(label, span_start + lead, span_end))
    return out
