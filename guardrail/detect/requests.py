"""Agent requests: does this text ask the other party for sensitive data?

The guardrail must know *before* the words are spoken that the agent is
about to ask for a card number, so that the request never reaches
text-to-speech and the caller is moved to a secure path instead. The
question is per sentence: does it name a category (directly, "what's your
card number", or indirectly, "the long number on the front of the card",
"the three digits on the back", "the last four of your social"), and does it
*ask* for it (a question to "you", an imperative, "I'll need", "go ahead
with ... whenever you're ready")? Sentences that only mention the data are
not requests: promises ("we will never ask for your PIN"), reports ("your
card ending in 4242 has been charged"), and announcements of the secure path
itself ("I'm moving you to our secure line to enter your card").
"""

from __future__ import annotations

import re

from . import categories as c

__all__ = ["find_requests"]

_TERMS: list[tuple[str, str]] = [
    (
        c.CARD_SECURITY_CODE,
        r"security\s+code|cvv2?|cvc2?|\bcsc\b|card\s+verification(?:\s+(?:code|value|number))?|"
        r"(?:three|3|four|4)[\s-]+digits?(?:\s+(?:code|number))?\s+(?:on|at|from)\s+the\s+"
        r"(?:back|front)|(?:three|3|four|4)[\s-]+digit\s+(?:security\s+)?code|"
        r"(?:code|digits|numbers?)\s+on\s+the\s+back|back\s+of\s+(?:the|your)\s+card",
    ),
    (
        c.CARD_EXPIRY,
        r"expir(?:ation|y|es|e)(?:\s+date)?|\bexp\.?\s+date|valid\s+(?:thru|through|until)|"
        r"when\s+does\s+(?:it|the\s+card|your\s+card)\s+expire|good\s+thru",
    ),
    (
        c.ROUTING_NUMBER,
        r"routing(?:\s+number)?|\baba\b(?:\s+number)?|transit\s+number|"
        r"sort\s+code",
    ),
    (c.IBAN, r"\biban\b"),
    (
        c.SSN,
        r"social\s+security(?:\s+number)?|\bssn\b|\bs\.?s\.?n\.?\b|"
        r"(?:your|the|last\s+(?:four|4)\s+of\s+(?:your|the))\s+social\b",
    ),
    (
        c.DATE_OF_BIRTH,
        r"date\s+of\s+birth|birth\s*date|birthday|\bdob\b|\bd\.?o\.?b\.?\b|"
        r"when\s+(?:were\s+you|was\s+(?:he|she|the\s+\w+))\s+born|year\s+of\s+birth|"
        r"(?:year|date)\s+you\s+were\s+born",
    ),
    (c.PIN, r"\bpin\b(?:\s+(?:number|code))?|personal\s+identification\s+number"),
    (c.PASSWORD, r"pass\s*(?:word|code|phrase)|secret\s+word|security\s+(?:answer|phrase)"),
    (
        c.BANK_ACCOUNT,
        r"(?:bank|checking|savings|chequing)\s+account(?:\s+(?:number|details|info))?|"
        r"account\s+(?:number|no\.?|#)s?|account\s+and\s+routing|bank\s+details",
    ),
    (
        c.PAYMENT_CARD,
        r"(?:credit|debit|payment|bank)\s+card(?:\s+(?:number|details|info(?:rmation)?))?|"
        r"card\s+(?:number|no\.?|#|details|info(?:rmation)?)|long\s+number|"
        r"(?:sixteen|16|fifteen|15)[\s-]+digit(?:\s+(?:card\s+)?number)?|"
        r"number\s+(?:on|across)\s+the\s+front|(?:visa|mastercard|amex)\s+number|"
        r"(?:your|the)\s+card\b|card\s+(?:whenever|when)|payment\s+(?:details|information|info)",
    ),
    (
        c.HEALTH,
        r"medications?|medicines?|prescriptions?|prescribed|diagnos(?:is|es|ed)|"
        r"medical\s+(?:history|conditions?|records?|problems?|issues?)|"
        r"health\s+(?:conditions?|issues?|problems?|history|information|concerns?)|"
        r"(?<!terms\sand\s)conditions?|symptoms?|allerg(?:y|ies|ic)|"
        r"illness(?:es)?|disabilit(?:y|ies)|treatments?|surger(?:y|ies)|therapy|"
        r"pre-?existing|taking\s+any",
    ),
]

_TERM_RES = [
    (label, re.compile(f"(?<![^\\W_])(?:{p})(?![^\\W_])", re.IGNORECASE)) for label, p in _TERMS
]
# Substrings that every phrase of a category contains. Python's re tries each
# alternative of an alternation at every position, so a category's regex runs
# only when a C-speed ``in`` test finds one of its stems in the sentence.
_STEMS: dict[str, tuple[str, ...]] = {
    c.CARD_SECURITY_CODE: ("secur", "cvv", "cvc", "csc", "verification", "digit", "back"),
    c.CARD_EXPIRY: ("expir", "exp", "valid", "good thru"),
    c.ROUTING_NUMBER: ("routing", "aba", "transit", "sort code"),
    c.IBAN: ("iban",),
    c.SSN: ("social", "ssn", "s.s", "s s n"),
    c.DATE_OF_BIRTH: ("birth", "born", "dob", "d.o.b", "d o b"),
    c.PIN: ("pin", "personal identification"),
    c.PASSWORD: ("pass", "secret word", "security answer", "security phrase"),
    c.BANK_ACCOUNT: ("account", "bank details"),
    c.PAYMENT_CARD: ("card", "long number", "digit", "number on", "number across", "visa",
                     "mastercard", "amex", "payment"),
    c.HEALTH: ("medic", "prescri", "diagnos", "condition", "symptom", "allerg", "illness",
               "disabilit", "treatment", "surger", "therap", "existing", "taking any", "health"),
}  # fmt: skip
_ALL_STEMS = tuple(sorted({stem for stems in _STEMS.values() for stem in stems}))
_STEM_CATEGORIES: dict[str, frozenset[str]] = {
    stem: frozenset(cat for cat, stems in _STEMS.items() if stem in stems) for stem in _ALL_STEMS
}


def _has(low: str, stems: tuple[str, ...]) -> bool:
    # a plain loop: measurably cheaper than any() over a generator here
    for stem in stems:  # noqa: SIM110
        if stem in low:
            return True
    return False


_ASK = re.compile(
    r"\b(?:what(?:'s|\s+is|\s+are|\s+was|\s+were)|which|tell\s+me|give\s+me|read\s+(?:me|out|off|"
    r"it|that|those|them|the|your)|provide|share|confirm|verify|enter|key\s+in|type\s+in|punch\s+in|"
    r"input|say|spell|state|repeat|need|require|go\s+ahead|whenever\s+you(?:'re|\s+are)"
    r"\s+ready|when\s+you(?:'re|\s+are)\s+ready|ready\s+when\s+you\s+are|"
    r"let's\s+(?:get|have|take|do|start|begin|go)|(?:start|begin)\s+with|"
    r"let\s+me\s+(?:get|have|take|grab)|may\s+i|can\s+i|could\s+i|can\s+you|could\s+you|"
    r"would\s+you|will\s+you|do\s+you\s+(?:have|know|remember|take|use|suffer|experience)|"
    r"are\s+you\s+(?:taking|on|currently|being|allergic|diagnosed|under)|"
    r"have\s+you\s+(?:been|had|ever)|did\s+you|walk\s+me\s+through|"
    r"i(?:'ll|\s+will|'d|\s+would)?\s+(?:need|require|want)|we(?:'ll|\s+will)?\s+need|"
    r"please|kindly|next|and\s+(?:the|your))\b",
    re.IGNORECASE,
)
_NEGATED = re.compile(
    r"\b(?:never|not|no\s+need|don't|do\s+not|doesn't|does\s+not|won't|will\s+not|wouldn't|"
    r"shouldn't|should\s+not|cannot|can't|mustn't|must\s+not|nobody|no\s+one|neither|nor|"
    r"no\s+longer|without)\b",
    re.IGNORECASE,
)
_REPORT = re.compile(
    r"\b(?:ending|ends)\s+(?:in|with)\b|\b(?:has|have|had)\s+been\b|\b(?:was|were)\s+"
    r"(?:charged|declined|approved|accepted|updated|processed|verified|saved|removed|added|"
    r"cancell?ed|blocked|sent|received|changed|reset|successful|confirmed|on\s+file)\b|"
    r"\bis\s+(?:now\s+)?(?:charged|declined|approved|accepted|updated|processed|verified|saved|"
    r"confirmed|on\s+file|valid|expired|correct|incorrect|locked|active)\b|\bon\s+file\b|"
    r"\b(?:thank\s+you|thanks)\s+for\b|\bgot\s+it\b|"
    r"(?<!may\s)(?<!can\s)(?<!could\s)(?<!might\s)\bi\s+(?:see|have)\s+(?:your|the)\b",
    re.IGNORECASE,
)
_HANDOFF = re.compile(
    r"\b(?:transfer(?:ring)?|mov(?:e|ing)|connect(?:ing)?|put(?:ting)?|send(?:ing)?|"
    r"redirect(?:ing)?|pass(?:ing)?|hand(?:ing)?|tak(?:e|ing))\s+you\b|"
    r"\bsecure\s+(?:line|system|payment|path|form|portal|link|channel|keypad)\b|"
    r"\b(?:automated|secure)\s+(?:system|line)\b|\byou(?:'ll|\s+will)\s+(?:be\s+able|hear|be\s+asked)\b|"
    r"\bspecialist\b|\b(?:a|an|our)\s+(?:agent|representative|colleague)\b",
    re.IGNORECASE,
)
_HANDY = re.compile(
    r"\b(?:have|got)\s+(?:your|the|a)\s+[\w\s]{0,20}?(?:handy|ready|nearby|with\s+you|on\s+you|"
    r"available|in\s+front\s+of\s+you)\b|\bplease\s+(?:hold|wait|stay|bear)\b|\bone\s+moment\b",
    re.IGNORECASE,
)
_CARD_NOT_NUMBER = re.compile(
    r"\blast\s+(?:four|4|two|2)\s+(?:digits\s+)?(?:of|on)\s+(?:your|the)\s+card|"
    r"\bname\s+on\s+(?:your|the)\s+card|\bcard\s*holder|\bzip\b|\bpostal\b|"
    r"billing\s+address|\bcredit\s+or\s+debit\b|\b(?:type|kind|brand)\s+of\s+card|"
    r"\bwhich\s+card\b|\bissued\b",
    re.IGNORECASE,
)
_STRONG_CARD = re.compile(r"number|long|digit|details|info", re.IGNORECASE)
_SENTENCE = re.compile(r"[^.?!;\n]+(?:[.?!;]+|\n|$)")


def find_requests(text: str) -> list[str]:
    """Categories ``text`` asks the other party to provide, in order of first mention."""
    found: list[str] = []
    low = text.lower()
    if not _has(low, _ALL_STEMS):
        return found
    for m in _SENTENCE.finditer(low):
        sentence = m.group()
        present = [stem for stem in _ALL_STEMS if stem in sentence]
        if not present:
            continue
        wanted = frozenset().union(*(_STEM_CATEGORIES[stem] for stem in present))
        terms: list[tuple[int, str]] = []
        spans: list[tuple[int, int]] = []
        for label, rx in _TERM_RES:  # in priority order: earlier wins an overlap
            if label not in wanted:
                continue
            for t in rx.finditer(sentence):
                a, b = t.span()
                if any(a < e and s < b for s, e in spans) or (
                    label == c.PAYMENT_CARD
                    and not _STRONG_CARD.search(t.group())
                    and _has(sentence, _CARD_NOT_HINTS)
                    and _CARD_NOT_NUMBER.search(sentence)
                ):
                    continue
                spans.append((a, b))
                terms.append((a, label))
        if not terms or not _is_request(sentence):
            continue
        for _, label in sorted(terms):
            if label not in found:
                found.append(label)
    return found


# Substrings without which each exclusion regex cannot match: the regexes
# (slow alternations) run only when their hint is there.
_NEG_HINTS = ("never", "not", "n't", "no need", "no one", "no longer", "without", "nor ",
              "neither", "nobody", "cannot")  # fmt: skip
_REPORT_HINTS = ("ending", "ends ", "been", "was ", "were ", "on file", "thank", "got it", "i see",
                 "i have", "is now", "is charged", "is declined", "is approved", "is accepted",
                 "is updated", "is processed", "is verified", "is saved", "is confirmed",
                 "is valid", "is expired", "is correct", "is incorrect", "is locked",
                 "is active")  # fmt: skip
_HANDOFF_HINTS = ("transfer", "moving you", "move you", "connect", "put you", "putting you",
                  "send you", "sending you", "redirect", "pass you", "passing you", "hand you",
                  "handing you", "take you", "taking you", "secure", "automated", "you'll be",
                  "you will be", "you'll hear", "you will hear", "specialist", "agent",
                  "representative", "colleague")  # fmt: skip
_HANDY_HINTS = ("handy", "ready", "nearby", "with you", "on you", "available", "in front",
                "please hold", "please wait", "please stay", "please bear", "moment")  # fmt: skip
_CARD_NOT_HINTS = ("last", "name on", "holder", "zip", "postal", "billing", "credit or", "of card",
                   "which card", "issued")  # fmt: skip


def _is_request(sentence: str) -> bool:
    s = sentence.strip()
    if (
        (_has(s, _NEG_HINTS) and _NEGATED.search(s))
        or (_has(s, _REPORT_HINTS) and _REPORT.search(s))
        or (_has(s, _HANDOFF_HINTS) and _HANDOFF.search(s))
        or (_has(s, _HANDY_HINTS) and _HANDY.search(s))
    ):
        return False
    if _ASK.search(s):
        return True
    # A bare noun phrase as a question: "Card number?", "And the expiry?"
    return s.endswith("?") and len(s.split()) <= 8
