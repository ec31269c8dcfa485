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

This runs on every agent utterance before it is spoken, so it is built for
speed. The answers are those of the plain version (every pattern tried on
every sentence, ignoring case); what makes it fast is only ever a test that
a pattern cannot match, or a pattern written so that re finds its matches
sooner:

* Gates. With each pattern go words (maximal runs of ASCII letters and
  digits) of which every match holds one; the pattern is tried only on a
  text that holds one. A text's words are a ``bytes.translate`` and a
  ``split`` away, and a gate is a set operation, both at C speed. (Other
  letters count as spaces there: they split words that they join in the
  text, so a gate may open that need not, never the other way round.)
* Shape. Python's re tries a pattern at every character unless the pattern
  starts with something it can look for. So each pattern consumes the
  non-word character before its match (the sentence is searched with a
  space in front), which re skips to; branches that start with the same
  letter are merged (``_alternation``), and every branch starts with a
  letter, which re checks before stepping into it. Hence ``(?:a|b)c`` is
  written ``ac|bc`` (``_each``), and a ``\\b`` in front of a branch is written
  as a lookbehind after its first letters: ``pin(?<!_pin)`` (the consumed
  character is no letter or digit already; ``\\b`` only adds: nor ``_``).
* Case. In lower-cased text, ``re.IGNORECASE`` (which makes re slower)
  changes nothing but for two letters, the dotless i and the long s, which
  it matches to "i" and "s". Text with either of those is matched ignoring
  case and with every gate open; other text is matched as it is.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection
from typing import NamedTuple

from . import categories as c

__all__ = ["find_requests"]


def _each(words: str, rest: str) -> tuple[str, ...]:
    """``(?:w1|w2)rest`` as branches that each start with a letter: ``w1rest``, ``w2rest``."""
    return tuple(word + rest for word in words.split())


class _Term(NamedTuple):
    """A category a sentence can name, and how."""

    label: str
    words: str
    """Every phrase holds one of these words: the gate."""
    stems: str
    """``|``-separated: the category counts only in a sentence that holds one."""
    branches: tuple[str, ...]
    """The phrases, in priority order."""


# In priority order: of two overlapping phrases, the earlier category's wins.
# A sentence holds no "." but in its closing run, so "s.s.n" and "d.o.b" can
# only be spelled "ssn" and "dob" in one: the gates need not list "s" or "d".
_TERMS: tuple[_Term, ...] = (
    _Term(
        c.CARD_SECURITY_CODE,
        "security cvv cvv2 cvc cvc2 csc verification digit digits back",
        "digit|back|secur|cvv|cvc|csc|verification",
        (
            r"security\s+code",
            r"cvv2?",
            r"cvc2?",
            r"csc(?<!_csc)\b",
            r"card\s+verification(?:\s+(?:code|value|number))?",
            *_each(
                "three 3 four 4",
                r"[\s-]+digits?(?:\s+(?:code|number))?\s+(?:on|at|from)\s+the\s+(?:back|front)",
            ),
            *_each("three 3 four 4", r"[\s-]+digit\s+(?:security\s+)?code"),
            *_each("code digits numbers?", r"\s+on\s+the\s+back"),
            r"back\s+of\s+(?:the|your)\s+card",
        ),
    ),
    _Term(
        c.CARD_EXPIRY,
        "expiration expiry expires expire exp valid thru",
        "expir|exp|valid|good thru",
        (
            r"expir(?:ation|y|es|e)(?:\s+date)?",
            r"exp(?<!_exp)\.?\s+date",
            r"valid\s+(?:thru|through|until)",
            r"when\s+does\s+(?:it|the\s+card|your\s+card)\s+expire",
            r"good\s+thru",
        ),
    ),
    _Term(
        c.ROUTING_NUMBER,
        "routing aba transit sort",
        "routing|aba|transit|sort code",
        (
            r"routing(?:\s+number)?",
            r"aba(?<!_aba)\b(?:\s+number)?",
            r"transit\s+number",
            r"sort\s+code",
        ),
    ),
    _Term(c.IBAN, "iban", "iban", (r"iban(?<!_iban)\b",)),
    _Term(
        c.SSN,
        "social ssn",
        "social|ssn|s.s|s s n",
        (
            r"social\s+security(?:\s+number)?",
            r"ssn(?<!_ssn)\b",
            r"s(?<!_s)\.?s\.?n\.?\b",
            *_each("your the", r"\s+social\b"),
            r"last\s+(?:four|4)\s+of\s+(?:your|the)\s+social\b",
        ),
    ),
    _Term(
        c.DATE_OF_BIRTH,
        "birth birthdate birthday dob born",
        "birth|born|dob|d.o.b|d o b",
        (
            r"date\s+of\s+birth",
            r"birth\s*date",
            r"birthday",
            r"dob(?<!_dob)\b",
            r"d(?<!_d)\.?o\.?b\.?\b",
            r"when\s+(?:were\s+you|was\s+(?:he|she|the\s+\w+))\s+born",
            r"year\s+of\s+birth",
            *_each("year date", r"\s+you\s+were\s+born"),
        ),
    ),
    _Term(
        c.PIN,
        "pin identification",
        "pin|personal identification",
        (r"pin(?<!_pin)\b(?:\s+(?:number|code))?", r"personal\s+identification\s+number"),
    ),
    _Term(
        c.PASSWORD,
        "pass password passcode passphrase secret answer phrase",
        "pass|secret word|security answer|security phrase",
        (r"pass\s*(?:word|code|phrase)", r"secret\s+word", r"security\s+(?:answer|phrase)"),
    ),
    _Term(
        c.BANK_ACCOUNT,
        "account bank",
        "account|bank details",
        (
            *_each("bank checking savings chequing", r"\s+account(?:\s+(?:number|details|info))?"),
            r"account\s+(?:number|no\.?|#)s?",
            r"account\s+and\s+routing",
            r"bank\s+details",
        ),
    ),
    _Term(
        c.PAYMENT_CARD,
        "card long digit front visa mastercard amex payment",
        "card|long number|digit|number on|number across|visa|mastercard|amex|payment",
        (
            *_each(
                "credit debit payment bank",
                r"\s+card(?:\s+(?:number|details|info(?:rmation)?))?",
            ),
            r"card\s+(?:number|no\.?|#|details|info(?:rmation)?)",
            r"long\s+number",
            *_each("sixteen 16 fifteen 15", r"[\s-]+digit(?:\s+(?:card\s+)?number)?"),
            r"number\s+(?:on|across)\s+the\s+front",
            *_each("visa mastercard amex", r"\s+number"),
            *_each("your the", r"\s+card\b"),
            r"card\s+(?:whenever|when)",
            r"payment\s+(?:details|information|info)",
        ),
    ),
    _Term(
        c.HEALTH,
        "medication medications medicine medicines prescription prescriptions prescribed "
        "diagnosis diagnoses diagnosed medical health condition conditions symptom symptoms "
        "allergy allergies allergic illness illnesses disability disabilities treatment "
        "treatments surgery surgeries therapy existing preexisting taking",
        "medic|prescri|diagnos|condition|symptom|allerg|illness|disabilit|treatment|surger|"
        "therap|existing|taking any|health",
        (
            r"medications?",
            r"medicines?",
            r"prescriptions?",
            r"prescribed",
            r"diagnos(?:is|es|ed)",
            r"medical\s+(?:history|conditions?|records?|problems?|issues?)",
            r"health\s+(?:conditions?|issues?|problems?|history|information|concerns?)",
            r"condition(?<!terms\sand\scondition)s?",
            r"symptoms?",
            r"allerg(?:y|ies|ic)",
            r"illness(?:es)?",
            r"disabilit(?:y|ies)",
            r"treatments?",
            r"surger(?:y|ies)",
            r"therapy",
            r"pre-?existing",
            r"taking\s+any",
        ),
    ),
)


class _Rule(NamedTuple):
    """A kind of sentence that names a category without asking for it."""

    gate: tuple[str, ...]
    """Every match holds one word of each of these lists."""
    hints: tuple[str, ...]
    """The rule is off unless the sentence holds one of these substrings."""
    branches: tuple[str, ...]
    hints_first: bool = False
    """Test the hints before the pattern: cheaper where the gate opens often."""


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

_EXCLUSIONS: tuple[_Rule, ...] = (
    _Rule(  # a promise or a refusal: "we will never ask for your PIN"
        ("never not no t cannot nobody neither nor without",),
        _NEG_HINTS,
        _each(
            r"never not no\s+need don't do\s+not doesn't does\s+not won't will\s+not wouldn't "
            r"shouldn't should\s+not cannot can't mustn't must\s+not nobody no\s+one neither nor "
            r"no\s+longer without",
            r"\b",
        ),
    ),
    _Rule(  # a report: "your card ending in 4242 has been charged", "thanks for that"
        ("ending ends been file thank thanks got",),
        _REPORT_HINTS,
        (
            *_each("ending ends", r"\s+(?:in|with)\b"),
            *_each("has have had", r"\s+been\b"),
            r"on\s+file\b",
            r"thank\s+you\s+for\b",
            r"thanks\s+for\b",
            r"got\s+it\b",
        ),
    ),
    _Rule(  # a report: "the payment was declined", "your card is now active"
        (
            "was were is",
            "charged declined approved accepted updated processed verified saved removed added "
            "cancelled canceled blocked sent received changed reset successful confirmed file "
            "valid expired correct incorrect locked active",
        ),
        _REPORT_HINTS,
        (
            *_each(
                "was were",
                r"\s+(?:charged|declined|approved|accepted|updated|processed|verified|saved|"
                r"removed|added|cancell?ed|blocked|sent|received|changed|reset|successful|"
                r"confirmed|on\s+file)\b",
            ),
            r"is\s+(?:now\s+)?(?:charged|declined|approved|accepted|updated|processed|verified|"
            r"saved|confirmed|on\s+file|valid|expired|correct|incorrect|locked|active)\b",
        ),
    ),
    _Rule(  # a report: "I see your card here" (but "may I see your card?" asks)
        ("see have", "i", "your the"),
        _REPORT_HINTS,
        (r"i(?<!may\si)(?<!can\si)(?<!could\si)(?<!might\si)\s+(?:see|have)\s+(?:your|the)\b",),
    ),
    _Rule(  # the secure path itself: "I'm moving you to our secure line"
        (
            "transfer transferring move moving connect connecting put putting send sending "
            "redirect redirecting pass passing hand handing take taking",
            "you",
        ),
        _HANDOFF_HINTS,
        _each(
            "transfer(?:ring)? mov(?:e|ing) connect(?:ing)? put(?:ting)? send(?:ing)? "
            "redirect(?:ing)? pass(?:ing)? hand(?:ing)? tak(?:e|ing)",
            r"\s+you\b",
        ),
    ),
    _Rule(  # ... "you'll hear a tone", "a specialist", "our agent"
        ("secure automated able hear asked specialist agent representative colleague",),
        _HANDOFF_HINTS,
        (
            r"secure\s+(?:line|system|payment|path|form|portal|link|channel|keypad)\b",
            *_each("automated secure", r"\s+(?:system|line)\b"),
            r"you(?:'ll|\s+will)\s+(?:be\s+able|hear|be\s+asked)\b",
            r"specialist\b",
            *_each("a an our", r"\s+(?:agent|representative|colleague)\b"),
        ),
    ),
    _Rule(  # getting ready: "have your card handy"
        ("have got", "your the a"),
        _HANDY_HINTS,
        _each(
            "have got",
            r"\s+(?:your|the|a)\s+[\w\s]{0,20}?(?:handy|ready|nearby|with\s+you|on\s+you|"
            r"available|in\s+front\s+of\s+you)\b",
        ),
        hints_first=True,
    ),
    _Rule(  # ... "please hold", "one moment"
        ("hold wait stay bear moment",),
        _HANDY_HINTS,
        (r"please\s+(?:hold|wait|stay|bear)\b", r"one\s+moment\b"),
    ),
)
_ASK: tuple[str, ...] = (
    r"what(?:'s|\s+is|\s+are|\s+was|\s+were)",
    *_each("which provide share confirm verify enter input say spell state", ""),
    *_each("repeat need require please kindly next", ""),
    *_each("tell give", r"\s+me"),
    r"read\s+(?:me|out|off|it|that|those|them|the|your)",
    *_each("key type punch", r"\s+in"),
    r"go\s+ahead",
    *_each("whenever when", r"\s+you(?:'re|\s+are)\s+ready"),
    r"ready\s+when\s+you\s+are",
    r"let's\s+(?:get|have|take|do|start|begin|go)",
    *_each("start begin", r"\s+with"),
    r"let\s+me\s+(?:get|have|take|grab)",
    *_each("may can could", r"\s+i"),
    *_each("can could would will", r"\s+you"),
    r"do\s+you\s+(?:have|know|remember|take|use|suffer|experience)",
    r"are\s+you\s+(?:taking|on|currently|being|allergic|diagnosed|under)",
    r"have\s+you\s+(?:been|had|ever)",
    r"did\s+you",
    r"walk\s+me\s+through",
    r"i(?:'ll|\s+will|'d|\s+would)?\s+(?:need|require|want)",
    r"we(?:'ll|\s+will)?\s+need",
    r"and\s+(?:the|your)",
)
"""Asking phrases, each before a word boundary; a sentence that holds none asks only as a
short question."""

# "Your card" is no card number in a sentence about the card's name, holder,
# address or kind. Searched as written (and rarely: weak card phrases only).
_CARD_NOT_NUMBER = (
    r"\blast\s+(?:four|4|two|2)\s+(?:digits\s+)?(?:of|on)\s+(?:your|the)\s+card|"
    r"\bname\s+on\s+(?:your|the)\s+card|\bcard\s*holder|\bzip\b|\bpostal\b|"
    r"billing\s+address|\bcredit\s+or\s+debit\b|\b(?:type|kind|brand)\s+of\s+card|"
    r"\bwhich\s+card\b|\bissued\b"
)
_CARD_NOT_HINTS = ("last", "name on", "holder", "zip", "postal", "billing", "credit or", "of card",
                   "which card", "issued")  # fmt: skip
_STRONG_CARD = r"number|long|digit|details|info"
_SENTENCE = re.compile(r"[^.?!;\n]+(?:[.?!;]+|\n|$)")


def _gate(words: str) -> frozenset[str]:
    return frozenset(words.split())


_LABELS = tuple(term.label for term in _TERMS)
_STEMS = tuple(tuple(term.stems.split("|")) for term in _TERMS)
_ALL_STEMS = tuple(sorted({stem for stems in _STEMS for stem in stems}))
_PAYMENT = _LABELS.index(c.PAYMENT_CARD)
_TERM_WORDS = frozenset().union(*(_gate(term.words) for term in _TERMS))
_WORD_TERMS: dict[str, tuple[int, ...]] = {
    word: tuple(i for i, term in enumerate(_TERMS) if word in _gate(term.words))
    for word in _TERM_WORDS
}
"""For each gate word of a term, the terms (indices into ``_TERMS``) it opens."""
_RULE_WORDS = frozenset().union(*(_gate(rule.gate[0]) for rule in _EXCLUSIONS))
_WORD_RULES: dict[str, tuple[int, ...]] = {
    word: tuple(r for r, rule in enumerate(_EXCLUSIONS) if word in _gate(rule.gate[0]))
    for word in _RULE_WORDS
}
"""For each word of a rule's first gate list, the rules (indices into ``_EXCLUSIONS``)."""
_GATE_WORDS = _TERM_WORDS | _RULE_WORDS
_EVERY_RULE_WORD = frozenset().union(*(_gate(words) for rule in _EXCLUSIONS for words in rule.gate))
_NOT_ALNUM_TO_SPACE = bytes(b if chr(b).isascii() and chr(b).isalnum() else 32 for b in range(256))


def _alternation(branches: tuple[str, ...]) -> str:
    """``b1|b2|...``, with the branches that start with the same letter merged: ``c(?:vv|ard)``.

    At a place where a branch may start, re then tests a letter per group
    instead of one per branch. Branches that start with different letters
    never match at the same place, so their order among themselves is free.
    """
    groups: dict[str, list[str]] = {}
    for branch in branches:
        if not re.match(r"[a-z0-9](?![?*+{])", branch):
            raise ValueError(f"a branch must start with a letter or digit: {branch!r}")
        groups.setdefault(branch[0], []).append(branch[1:])
    return "|".join(
        first + (rests[0] if len(rests) == 1 else f"(?:{'|'.join(rests)})")
        for first, rests in groups.items()
    )


class _Compiled(NamedTuple):
    """The patterns, compiled for one kind of text; searched with a space in front."""

    terms: tuple[re.Pattern[str], ...]
    """Per term (same order as ``_TERMS``); the phrase is group 1."""
    rules: tuple[tuple[tuple[frozenset[str], ...], re.Pattern[str]], ...]
    """Per rule: its gate's word sets after the first, and its pattern."""
    ask: re.Pattern[str]
    card_not_number: re.Pattern[str]
    """Searched without the space."""
    strong_card: re.Pattern[str]
    """Searched in a phrase."""


def _compile(flags: int, not_alnum: str, not_word: str) -> _Compiled:
    r"""Compile for text in which ``not_alnum`` and ``not_word`` match as ``[\W_]`` and ``\W``."""
    return _Compiled(
        terms=tuple(
            re.compile(f"{not_alnum}((?:{_alternation(term.branches)})(?![^\\W_]))", flags)
            for term in _TERMS
        ),
        rules=tuple(
            (
                tuple(_gate(words) for words in rule.gate[1:]),
                re.compile(f"{not_word}(?:{_alternation(rule.branches)})", flags),
            )
            for rule in _EXCLUSIONS
        ),
        ask=re.compile(f"{not_word}(?:{_alternation(_ASK)})\\b", flags),
        card_not_number=re.compile(_CARD_NOT_NUMBER, flags),
        strong_card=re.compile(_STRONG_CARD, flags),
    )


_ASCII = _compile(0, "[^a-z0-9]", "[^a-z0-9_]")
"""For lower-cased ASCII text."""
_UNICODE = _compile(0, r"[\W_]", r"\W")
"""For other lower-cased text, but for that with one of these:"""
_FOLDS_TO_ASCII = ("\u0131", "\u017f")
"""The dotless i and the long s: all that ``str.lower`` leaves of what matches an ASCII
letter when ignoring case."""


@functools.cache
def _folding() -> _Compiled:
    """For text that ignoring case matters to; compiled when first needed, which is rare."""
    return _compile(re.IGNORECASE, r"[\W_]", r"\W")


class _Plan(NamedTuple):
    """What may hold in a text, from the gate words in it."""

    terms: tuple[int, ...]
    """The terms it may name (indices into ``_TERMS``, in priority order)."""
    rules: tuple[int, ...]
    """The exclusion rules that may hold in it (indices into ``_EXCLUSIONS``)."""
    words: tuple[str, ...] | None
    """Its gate words of terms (``None``: not known)."""


@functools.lru_cache(maxsize=4096)
def _plan(opened: frozenset[str]) -> _Plan:
    """The plan for a text whose gate words are ``opened``."""
    return _Plan(
        terms=tuple(sorted({i for word in opened for i in _WORD_TERMS.get(word, ())})),
        rules=tuple(sorted({r for word in opened for r in _WORD_RULES.get(word, ())})),
        words=tuple(opened & _TERM_WORDS),
    )


_OPEN_PLAN = _Plan(tuple(range(len(_TERMS))), tuple(range(len(_EXCLUSIONS))), None)
"""For text whose words are not known: everything may hold."""


def find_requests(text: str) -> list[str]:
    """Categories ``text`` asks the other party to provide, in order of first mention."""
    low = text.lower()
    if low.isascii():
        patterns = _ASCII
    elif not _has(low, _FOLDS_TO_ASCII):
        patterns = _UNICODE
    elif _has(low, _ALL_STEMS):
        return _find(low, _OPEN_PLAN, _EVERY_RULE_WORD, _folding())
    else:
        return []
    # Other letters split words here (they join them in ``low``): the gates open more often.
    words = low.encode("ascii", "replace").translate(_NOT_ALNUM_TO_SPACE).decode().split()
    opened = _GATE_WORDS.intersection(words)
    if opened.isdisjoint(_TERM_WORDS):
        return []
    return _find(low, _plan(opened), words, patterns)


def _find(low: str, plan: _Plan, words: Collection[str], patterns: _Compiled) -> list[str]:
    """``find_requests`` for the lower-cased text ``low``.

    ``words`` includes the words of ``low``, and ``plan`` every term it may
    name and every rule that may hold in it.
    """
    found: list[str] = []
    for sentence in _sentences(low):
        named = [i for i in plan.terms if _has(sentence, _STEMS[i])]
        if not named:
            continue
        s = sentence.strip()
        if plan.rules and _excluded(s, plan.rules, words, patterns):
            continue
        labels = _mentioned(sentence, named, plan.words, patterns)
        if not labels:
            continue
        # It asks, or is a bare noun phrase as a question: "Card number?", "And the expiry?"
        if patterns.ask.search(" " + s) or (s.endswith("?") and len(s.split()) <= 8):
            for label in labels:
                if label not in found:
                    found.append(label)
    return found


def _sentences(low: str) -> list[str]:
    """``_SENTENCE.findall(low)``; at once for the usual text, with no stop before its end."""
    body = low.rstrip(".?!;")
    if body and not ("." in body or "?" in body or "!" in body or ";" in body or "\n" in body):
        return [low]
    return _SENTENCE.findall(low)


def _has(low: str, stems: tuple[str, ...]) -> bool:
    # a plain loop: measurably cheaper than any() over a generator here
    for stem in stems:  # noqa: SIM110
        if stem in low:
            return True
    return False


def _excluded(s: str, rules: tuple[int, ...], words: Collection[str], patterns: _Compiled) -> bool:
    """Whether the stripped sentence ``s`` is a promise, a report or about the secure path.

    Only ``rules`` (indices into ``_EXCLUSIONS``) may hold; ``words`` includes
    the sentence's words.
    """
    padded = " " + s
    for r in rules:
        others, rx = patterns.rules[r]
        if not _all_meet(others, words):
            continue
        rule = _EXCLUSIONS[r]
        if rule.hints_first:
            if _has(s, rule.hints) and rx.search(padded):
                return True
        elif rx.search(padded) and _has(s, rule.hints):
            return True
    return False


def _all_meet(word_sets: tuple[frozenset[str], ...], words: Collection[str]) -> bool:
    for word_set in word_sets:  # noqa: SIM110
        if word_set.isdisjoint(words):
            return False
    return True


def _mentioned(
    sentence: str, named: list[int], words: tuple[str, ...] | None, patterns: _Compiled
) -> list[str]:
    """The labels of the ``named`` terms (indices into ``_TERMS``) that ``sentence`` has a
    phrase of, in order of the first such phrase.

    A phrase overlapping a phrase of an earlier term does not count, nor does
    a weak card phrase ("your card") in a sentence about the card's name,
    holder or kind. ``words`` includes the gate words of the sentence
    (``None``: not known).
    """
    padded = " " + sentence
    if len(named) == 1:  # nothing to overlap: its first phrase will do, if it counts
        i = named[0]
        t = patterns.terms[i].search(padded)
        if t is None:
            return []
        if i != _PAYMENT or patterns.strong_card.search(t.group(1)):
            return [_LABELS[i]]
    phrases: list[tuple[int, str]] = []
    spans: list[tuple[int, int]] = []
    last = named[-1]
    for i in named:
        rx = patterns.terms[i]
        t = rx.search(padded)
        while t is not None:
            a, b = t.span(1)
            for s, e in spans:
                if a < e and s < b:
                    break
            else:
                if (
                    i != _PAYMENT
                    or patterns.strong_card.search(t.group(1))
                    or not _card_not_number(sentence, patterns)
                ):
                    spans.append((a, b))
                    phrases.append((a, _LABELS[i]))
                    if i == last:  # no later term to overlap: its first phrase will do
                        break
            # A further phrase would hold a gate word after this one.
            if words is not None and not _has(padded[b:], words):
                break
            t = rx.search(padded, b)
    return [label for _, label in sorted(phrases)]


def _card_not_number(sentence: str, patterns: _Compiled) -> bool:
    return _has(sentence, _CARD_NOT_HINTS) and patterns.card_not_number.search(sentence) is not None
