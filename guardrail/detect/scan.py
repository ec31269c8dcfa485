"""The public scanning API: one text, one call's conversation, one token stream.

- :func:`scan` answers for one text: what it discloses, what it asks for, and
  the text with every disclosure replaced by its category tag.
- :class:`CallScanner` carries one call's state: what the agent last asked
  for (so "737" after "what's the code on the back?" is a security code),
  and the caller's turn so far (so a card number split across transcript
  fragments is still one card number).
- :class:`StreamingRedactor` redacts text that arrives token by token (LLM
  output, interim transcripts): it holds back only what might still become
  part of a sensitive value, releases everything else at once, never lets
  part of a sensitive number through, and its output is the whole-text
  redaction however the text was split.

Every text is normalized first (:mod:`guardrail.detect.normalize`: fullwidth
and other Unicode digits, zero-width characters, dashes, ``_``), and findings
are spans of the input as given. Every entry point is linear in its input: a
text longer than ``_WINDOW`` characters is scanned in windows that overlap by
``_OVERLAP`` (a value across a window edge is found whole), so no input is
passed through unscanned and none costs more than its length.
"""

from __future__ import annotations

import re
import types
from collections.abc import Iterable
from dataclasses import dataclass

from . import categories as c
from . import disclose as _disclose
from . import passwords as _passwords
from .cues import _HEADS as _CUE_PATTERNS
from .disclose import _LIGHT_WORDS, MONTHS, Finding, find_disclosures, merge_findings
from .ibans import _LETTERISH
from .normalize import Normalized, normalize
from .numbers import (
    ALNUM,
    NUMBER_WORDS,
    PUNCT,
    SCALE_ORDINALS,
    SCALES,
    WORD,
    number_runs,
    tokenize,
)
from .passwords import CUE_WORDS, LOOSE_TRIGGERS, SPELLED_DIGITS, VALUE_LEADS
from .requests import _has, asks_again, find_requests, named_in, talked_of

__all__ = ["CallScanner", "ScanResult", "StreamingRedactor", "redact", "scan"]

ROLES = ("caller", "agent")

_WORDS_RE = re.compile(r"[a-z]+")
_DIGIT_RE = re.compile(r"[0-9]")
# A single number word (at most two digits) can only be a day of birth;
# a password needs no number at all.
_BIRTH_TRIGGERS = frozenset({"born", "birth", "birthday", "birthdate", "dob"})
_PASSWORD_TRIGGERS = frozenset(
    {"password", "passwords", "passcode", "passphrase", "pass", "secret", "pw", "pwd",
     "security", "memorable"}
)  # fmt: skip
_TRIGGERS = _BIRTH_TRIGGERS | _PASSWORD_TRIGGERS
_PASSWORD_READER_WORDS = _PASSWORD_TRIGGERS | LOOSE_TRIGGERS | CUE_WORDS
"""Words without which the password reader finds nothing in a text with no digit."""
_NUMBERISH = NUMBER_WORDS | frozenset(MONTHS)
_SCALE_WORDS = frozenset(SCALES) | frozenset(SCALE_ORDINALS)
_HOMOPHONES = frozenset({"to", "too", "for", "fore", "won", "ate", "oh", "o"})
"""Number words that are ordinary words too: digits only beside another number word
("ate won too for" is a PIN; "to" alone is a word)."""


_LETTERS_ONLY = bytes(b if 0x61 <= b <= 0x7A else 0x20 for b in range(256))


def _words(low: str) -> list[str]:
    """The maximal runs of a-z in lower-cased ``low``: ``_WORDS_RE.findall``, faster.

    For ASCII text a bytes translate (every other character becomes a
    space) and a split do it in C; other text takes the regex.
    """
    if low.isascii():
        return low.encode().translate(_LETTERS_ONLY).decode().split()
    return _WORDS_RE.findall(low)


def _worth_scanning(text: str, expected: tuple[str, ...]) -> bool:
    """A cheap test that rules out most text with nothing to find.

    A disclosure needs digits, at least two number words or month names
    (one number word spells at most two digits, too few for any category but
    a day of birth or a password), one number word and a birth cue, a scale
    word ("a thousand" is four digits), a password cue, or an answer to a
    question just asked. It must never say no where :func:`find_disclosures`
    finds something: the streaming redactor scans pieces of a text and relies
    on each piece's answer being the whole text's answer there. Adding text
    can only turn it on.
    """
    if expected or _DIGIT_RE.search(text):
        return True
    words = _words(text.lower())
    if not _PASSWORD_READER_WORDS.isdisjoint(words):
        return True
    if _NUMBERISH.isdisjoint(words):
        return False
    if not _SCALE_WORDS.isdisjoint(words):
        return True
    numberish = 0
    last = len(words) - 1
    real = False  # a number word that is one whatever stands beside it
    for i, w in enumerate(words):
        if w in _NUMBERISH:
            if w in _HOMOPHONES and not (
                (i > 0 and words[i - 1] in _NUMBERISH) or (i < last and words[i + 1] in _NUMBERISH)
            ):
                continue  # "to", "for", "oh" alone are words; beside a number, digits
            real = real or w in NUMBER_WORDS
            numberish += 1
            if numberish >= 2:
                return True
    # "born on the fourth"; a month name alone ("may I have your date of birth?") is no date
    return real and not _BIRTH_TRIGGERS.isdisjoint(words)


_SECRET_NAMES = {
    "password": c.PASSWORD, "passwords": c.PASSWORD, "passcode": c.PASSWORD,
    "passphrase": c.PASSWORD, "pin": c.PIN, "pins": c.PIN,
}  # fmt: skip


def _names_secret(text: str) -> str:
    """The category of the secret ``text`` names ("password", "security word", "PIN"), or "".

    A failure report that names one and asks again ("that PIN didn't match, try again")
    asks for it, though the line alone names it in no request.
    """
    low = text.lower()
    if "pass" not in low and "pin" not in low and " word" not in low:
        return ""
    words = _words(low)
    for k, w in enumerate(words):
        if w in _SECRET_NAMES:
            return _SECRET_NAMES[w]
        if w == "word" and k and words[k - 1] in ("security", "memorable", "secret"):
            return c.PASSWORD
    return ""


def _told_of(text: str, asked: tuple[str, ...], said: tuple[str, ...]) -> tuple[str, ...]:
    """The categories of ``asked`` that ``text`` names though it asks for none, and the
    caller has not given yet (``said``: their last turn's): "the month and year printed on
    the card, I mean" after "what's the expiry?" - "the twenty-ninth?" asks again."""
    return tuple(n for n in named_in(text) if n in asked and n not in said)


def _named_data(text: str) -> tuple[str, ...]:
    """The data categories ``text`` names (``named_in``), health left out: it is asked, never
    expected in an answer."""
    return tuple(n for n in named_in(text) if n != c.HEALTH)


def _failed_names(text: str) -> tuple[str, ...]:
    """The categories a failure report names ("the account number came back invalid",
    "that PIN didn't match"), or ``()``; the secret a re-ask names ("try the password
    again") counts without a failure."""
    secret = _names_secret(text)
    if secret:
        return (secret,)
    low = text.lower()
    if _FAILED.search(low) is None:
        return ()
    return _named_data(text)


_SPELL_IT = re.compile(r"\bspell (?:it|that)(?: out)?(?: for me| again| out)?\b")
"""A bare "can you spell it for me?" that names nothing: what it is, the answer's shape tells."""


_STALL = re.compile(
    r"(?:\W*(?:no problem|no worries|no rush|not a problem|sure(?: thing)?|of course|okay|ok"
    r"|alright|all right|right|great|perfect|thanks|thank you|mhm|uh huh|yes|yeah|yep|um|uh"
    r"|take (?:your|all the) time(?: you need)?|i'll wait|i will wait|i'll hold|i'm here"
    r"|i am here|still here|i'm still here|whenever you're ready|when you're ready"
    r"|ready when you are|go ahead|go right ahead|that's fine|that's okay|that's ok|fine"
    r"|no hurry|i can wait|just let me know|let me know when you have it"
    r"|let me know when you've got it|i'll be right here|standing by)\W*)+"
)
"""An agent line that only waits ("no problem, take your time"): the question before it
is still the one the caller's next answer answers."""

_SENT_CODE = re.compile(
    r"(?:\b(?:i|we|i've|we've|i have|we have|i'm|we're|i am|we are|i'll|we'll|i will|we will)"
    r"(?: just)? (?:sent|resent|sending|resending|send|resend|texted|texting|emailed|emailing)"
    r"(?: you| over| out)? (?:a|an|the|your|another|a new|a fresh)(?: [a-z0-9-]+){0,3}"
    r" (?:code|passcode|pin)"
    r"|\b(?:code|digits|numbers) (?:that )?(?:we|i)(?: just)? (?:sent|texted|emailed)"
    r"|(?<=code)\b[^.?!;]{0,60}? (?:sent|resent|sending|send|texted|texting)(?: you)?"
    r" (?:a new|a fresh|another|a second|a different) one)\b"
    r"(?!.{0,80}\b(?:don't|do not|never|not to) (?:share|give|read|tell)\b)"
)
"""A report that the agent sent (or is sending) the caller a code (no request of its own):
the caller's next answer is expected to hold it, as a PIN, unless the line tells them not to
share it."""
_SENDS = ("sent", "send", "text", "email")

_FAILED = re.compile(
    r"\b(?:didn't|did not|doesn't|does not|won't|wouldn't) (?:go through|work|match|take"
    r"|validate)\b|\b(?:wasn't|was not|isn't|is not|that's|thats) (?:valid|accepted|right"
    r"|correct|it)\b|\b(?:invalid|incorrect|expired)\b"
)
"""A report that what the caller entered or said failed: with no request in force, the
caller's next answer is expected to be another try at a code (a PIN)."""

_CARD_WORDS = frozenset({"card", "cards", "back", "front", "amex", "visa", "mastercard",
                         "signature", "cvv", "cvc", "csc", "debit", "credit"})  # fmt: skip
"""Words that put a code on a card: "what's the code?" with none of them asks for a code
the caller was sent."""


def _spelled_secret(text: str) -> list[Finding]:
    """The caller's spelled answer to a bare "spell it" when it mixes letters and digits.

    "K as in kite, A, Y, A, K, 2, 0, 0, 7" is a password; a name or a word
    spelled out ("s m i t h") has no digit and stays unflagged.
    """
    return [
        f
        for f in _findings(text, (c.PASSWORD,))
        if (
            any(ch.isdigit() for ch in text[f.start : f.end])
            or not SPELLED_DIGITS.isdisjoint(_words(text[f.start : f.end].lower()))
        )
        and any(ch.isalpha() for ch in text[f.start : f.end])
    ]


def _with_passcode_pin(expected: tuple[str, ...], text: str) -> tuple[str, ...]:
    """``expected`` plus a PIN when a plain "passcode" was asked for as a password.

    A passcode of digits is a PIN and one in letters a password, as after the
    cue in a caller's own words; which one the answer holds is told by its shape.
    """
    if c.PASSWORD not in expected or c.PIN in expected or "passcode" not in text.lower():
        return expected
    words = _words(text.lower())
    if "passcode" in words and not _PASSWORD_WORDS.intersection(words):
        return (*expected, c.PIN)
    return expected


_PASSWORD_WORDS = frozenset({"password", "passwords", "passphrase", "word", "phrase"})


def _unasked_expects(text: str, low: str) -> tuple[str, ...]:
    """What the caller's next answer holds after an agent line that asks for nothing, with no
    request in force: after a question for a bare "code" in a line with no word of a card
    ("what did you get for the code?"), a PIN, or a security code of a card's length; after
    a failure report ("that didn't match", "the expiry didn't go through") what it names,
    or else another try at a code (a PIN)."""
    if "code" in low and _CARD_WORDS.isdisjoint(_words(low)) and _CODE_ASK.search(low):
        return (c.PIN, c.CARD_SECURITY_CODE)
    if _FAILED.search(low) is None or not asks_again(text):
        return ()
    return _named_data(text) or (c.PIN,)


_CODE_ASK = re.compile(
    r"\b(?:what|what's|whats|read|say|tell|give|go ahead)\b[^.?!;]{0,40}?\bthe code\b"
    r"(?!\s*(?:is|was|will|expires|has)\b)"
)
"""An agent question for "the code" ("what's the code?", "say the digits of the code")."""


@dataclass(frozen=True, slots=True)
class ScanResult:
    """What a text discloses (``findings``), asks for (``requests``), and its redaction."""

    findings: tuple[Finding, ...]
    requests: tuple[str, ...]
    redacted: str

    def as_dict(self) -> dict:
        """The JSON shape of ``guardrail scan`` (DESIGN.md)."""
        return {
            "findings": [
                {"category": f.category, "start": f.start, "end": f.end} for f in self.findings
            ],
            "requests": list(self.requests),
            "redacted": self.redacted,
        }


def redact(text: str, findings: Iterable[Finding]) -> str:
    """``text`` with each finding's span replaced by ``[category]``."""
    out = []
    pos = 0
    for f in sorted(findings, key=lambda f: f.start):
        if f.start < pos:
            continue
        out.append(text[pos : f.start])
        out.append(f"[{f.category}]")
        pos = f.end
    out.append(text[pos:])
    return "".join(out)


_WINDOW = 1 << 14
"""Texts longer than this (in characters) are scanned in windows of this size."""
_OVERLAP = 1 << 10
"""Each window also reads this much text on either side, so a value (and the
cue before it) that crosses a window edge is found whole."""
_SPACE_RE = re.compile(r"\s")


def _scan_normalized(text: str, expected: tuple[str, ...]) -> list[Finding]:
    """Findings in normalized ``text`` (its own positions)."""
    if not text or not _worth_scanning(text, expected):
        return []
    if len(text) <= _WINDOW + 2 * _OVERLAP:
        return find_disclosures(text, expected)
    found = []
    n = len(text)
    a = 0
    while a < n:
        b = _cut(text, a + _WINDOW) if a + _WINDOW < n else n
        lo = _cut(text, a - _OVERLAP) if a > _OVERLAP else 0
        hi = _cut(text, b + _OVERLAP) if b + _OVERLAP < n else n
        window = text[lo:hi]
        if _worth_scanning(window, expected):
            for f in find_disclosures(window, expected):
                if f.end + lo > a and f.start + lo < b:
                    found.append(Finding(f.category, f.start + lo, f.end + lo))
        a = b
    return merge_findings(found) if found else found


def _cut(text: str, pos: int) -> int:
    """A position near ``pos`` just after a space (so no token is cut), else ``pos``."""
    m = None
    for m in _SPACE_RE.finditer(text, max(0, pos - 256), pos):  # noqa: B007 - the last is wanted
        pass
    return m.end() if m is not None else pos


def _to_input(norm: Normalized, found: list[Finding]) -> list[Finding]:
    """``found`` (spans of ``norm.text``) as spans of the input ``norm.source``."""
    if norm.identity or not found:
        return found
    out = [Finding(f.category, *norm.span(f.start, f.end)) for f in found]
    return merge_findings(out) if len(out) > 1 else out


def _findings(text: str, expected: tuple[str, ...]) -> list[Finding]:
    """The disclosures in ``text``, as spans of ``text`` itself (normalized first)."""
    if not text:
        return []
    norm = normalize(text)
    return _to_input(norm, _scan_normalized(norm.text, expected))


def scan(
    text: str, role: str = "caller", *, expected: tuple[str, ...] = (), heard: str = ""
) -> ScanResult:
    """Scan one text.

    ``role`` is who said it: ``"caller"`` or ``"agent"``. Only agent text
    is checked for requests; both are checked for disclosures (an agent can
    read a card number back). ``expected`` is what the other party just asked
    for, ``heard`` what they said last (an agent's "go ahead with the number
    on it" after "I'll pay with my Visa" asks for the card number); see
    :class:`CallScanner`, which keeps both for you.
    """
    if role not in ROLES:
        raise ValueError("role must be 'caller' or 'agent'")
    if not isinstance(text, str):
        raise TypeError("text must be a string")
    if not text:
        return ScanResult((), (), text)
    norm = normalize(text)
    findings = _to_input(norm, _scan_normalized(norm.text, expected))
    requests = tuple(find_requests(norm.text, heard=heard)) if role == "agent" else ()
    return ScanResult(tuple(findings), requests, redact(text, findings) if findings else text)


_TURN_CONTEXT = 400


class CallScanner:
    """One call's scanner: feed agent utterances and caller transcript fragments in order.

    The agent's requests set what the caller's next answer is expected to
    hold, until the agent speaks again. Caller fragments of one turn are
    scanned together, so a number split across fragments is found whole; the
    result of each call covers only the text passed in that call.

    A re-ask ("sorry, that didn't go through, could you say it again?") that
    names nothing itself asks again for what the agent last asked for: its
    result reports those categories in ``requests`` and ``expected`` stays
    set for the answer. The last request stays in force for that through
    ``REASK_REACH`` agent utterances that ask for nothing ("one moment
    please"); a re-ask with no request before it asks for nothing.

    What the caller said in their last turn is the topic of the agent's next
    utterance: after "I'll pay with my Visa", "go ahead with the number on
    it" asks for the card number and "what's the new one?" after "I'll use a
    different card" asks for it too (``find_requests``'s ``heard``).
    """

    REASK_REACH = 3
    """How many agent utterances after a request a re-ask still refers to it."""

    __slots__ = ("_asked", "_expected", "_heard", "_said", "_since_asked", "_spell", "_turn")

    def __init__(self) -> None:
        self._expected: tuple[str, ...] = ()
        self._spell = False
        self._asked: tuple[str, ...] = ()
        self._since_asked = 0
        self._turn = ""
        self._heard = ""
        self._said: tuple[str, ...] = ()

    @property
    def expected(self) -> tuple[str, ...]:
        """The disclosure categories the agent's last utterance asked for."""
        return self._expected

    def agent(self, text: str) -> ScanResult:
        """An agent utterance (complete): its requests become the caller's context."""
        result = scan(text, "agent", heard=self._heard)
        self._heard = ""
        said = self._said
        self._said = ()
        waiting = self._expected if self._since_asked < self.REASK_REACH else ()
        if result.requests:
            self._asked = result.requests
            self._since_asked = 0
        elif (
            self._asked
            and self._since_asked < self.REASK_REACH
            and (asks_again(text) or _SPELL_IT.search(text.lower()) is not None)
        ):
            result = ScanResult(result.findings, self._asked, result.redacted)
            self._since_asked = 0
        elif (
            self._asked
            and self._since_asked < self.REASK_REACH
            and (told := _told_of(text, self._asked, said))
        ):
            # "It's on the back, by the signature" after "what's the security code?" -
            # "I can't find it": telling where it is asks for it again
            result = ScanResult(result.findings, told, result.redacted)
            self._since_asked = 0
        elif (named := _failed_names(text)) and asks_again(text):
            # "sorry, the password didn't match": the failed value is asked for again
            self._asked = named
            self._since_asked = 0
            result = ScanResult(result.findings, self._asked, result.redacted)
        else:
            self._since_asked += 1
            if self._since_asked >= self.REASK_REACH:
                self._asked = ()
        low = text.lower()
        self._expected = _with_passcode_pin(
            tuple(r for r in result.requests if r != c.HEALTH), text
        )
        self._spell = not self._expected and _SPELL_IT.search(low) is not None
        if not self._expected and _has(low, _SENDS) and _SENT_CODE.search(low) is not None:
            self._expected = (c.PIN,)  # "I sent a six-digit code to your email."
        if waiting and not self._expected and not result.findings and _STALL.fullmatch(low):
            self._expected = waiting  # "what's the expiry?" ... "sure, take your time"
        if not self._expected and not waiting and not result.requests:
            self._expected = _unasked_expects(text, low)
        if not result.findings and not result.requests and (said or waiting):
            result = self._read_back(text, result, said or waiting)
        self._turn = ""
        return result

    def _read_back(self, text: str, result: ScanResult, cats: tuple[str, ...]) -> ScanResult:
        """``result`` with the value the agent reads back ("That's 4471, correct?") found as
        what the caller just gave (``cats``: the categories of their last turn's findings,
        else what was asked): a finding in the agent line."""
        if not _worth_scanning(text, ()):
            return result
        found = _findings(text, cats)
        if not found:
            return result
        return ScanResult(tuple(found), result.requests, redact(text, found))

    def caller(self, text: str, *, final: bool = True) -> ScanResult:
        """A caller transcript fragment; ``final=False`` for an interim that will be replaced."""
        if not isinstance(text, str):
            raise TypeError("text must be a string")
        prefix = self._turn
        sep = " " if prefix and text and not prefix[-1].isspace() else ""
        joined = prefix + sep + text
        offset = len(prefix) + len(sep)
        own = _findings(text, self._expected)
        together = _findings(joined, self._expected) if prefix else []
        clipped = [
            Finding(f.category, max(0, f.start - offset), f.end - offset)
            for f in together
            if f.end > offset
        ]
        findings = _union(own, clipped)
        if self._spell and not findings:
            findings = _spelled_secret(text)
        for f in findings:
            if f.category not in self._said:
                self._said = (*self._said, f.category)
        if final:
            self._turn = joined[-_TURN_CONTEXT:] if len(joined) > _TURN_CONTEXT else joined
            self._heard = self._turn
        return ScanResult(tuple(findings), (), redact(text, findings) if findings else text)

    def end_caller_turn(self) -> None:
        """The caller stopped speaking: the next fragment starts a new turn (of the turn,
        only the words that tell what it talked of are kept, for the agent's answer)."""
        self._turn = ""
        if self._heard:
            self._heard = talked_of(self._heard)


def _union(a: list[Finding], b: list[Finding]) -> list[Finding]:
    if not b:
        return a
    if not a:
        return b
    return merge_findings([*a, *b])


def _vocabulary() -> frozenset[str]:
    """Every word the disclosure detector gives a meaning to.

    Collected from the detector's own modules (every word list, table, cue
    pattern and word its functions compare with), so a word added there is
    known here without a second list to keep in step. A word outside it (an
    *inert* word) cannot join a number, a date, a cue phrase or a spelled
    value: the streaming redactor settles findings across inert words.
    """
    from . import cues, disclose, ibans, numbers, passwords

    words: set[str] = set("abcdefghijklmnopqrstuvwxyz")
    found = re.compile(r"[a-z][a-z']*")

    def add(obj: object) -> None:
        if isinstance(obj, str):
            words.update(found.findall(obj.lower()))
        elif isinstance(obj, re.Pattern):
            words.update(found.findall(re.sub(r"\\[a-z]", " ", obj.pattern.lower())))
        elif isinstance(obj, dict):
            for k, v in obj.items():
                add(k)
                add(v)
        elif isinstance(obj, (set, frozenset, list, tuple)):
            for x in obj:
                add(x)

    def add_code(code: types.CodeType) -> None:
        # the words a function compares tokens with ("as", "then", ...)
        for const in code.co_consts:
            if isinstance(const, types.CodeType):
                add_code(const)
            elif not (isinstance(const, str) and len(const) > 40):  # not a docstring
                add(const)

    for mod in (numbers, cues, disclose, passwords, ibans):
        for name, obj in vars(mod).items():
            if name.startswith("__"):
                continue
            if isinstance(obj, types.FunctionType) and obj.__module__ == mod.__name__:
                add_code(obj.__code__)
            elif isinstance(obj, type) and obj.__module__ == mod.__name__:
                for member in vars(obj).values():
                    if isinstance(member, types.FunctionType):
                        add_code(member.__code__)
            elif not callable(obj) or isinstance(obj, re.Pattern):
                add(obj)
    return frozenset(words)


_KNOWN = _vocabulary()
_CUE_HEADS = frozenset(_CUE_PATTERNS)
_LABELLING_HEADS = frozenset(
    head for head, pats in _CUE_PATTERNS.items() if any(label != "skip" for label, _ in pats)
)
"""Heads that may start a cue which labels a number (a ``skip`` phrase only covers words)."""
_WORD_RE = re.compile(r"[a-z][a-z']*|\\\.|\.|#")


def _phrase_words(pats: list[tuple[str, re.Pattern[str]]]) -> frozenset[str]:
    """Every word (and ``.``) a cue phrase starting with this head may go on with."""
    words: set[str] = set()
    for _, p in pats:
        src = re.sub(r"\\[swbdSWBD]", " ", p.pattern.lower())
        words.update("." if x in ("\\.", ".") else x for x in _WORD_RE.findall(src))
    return frozenset(words)


_CUE_WORDS_OF = {head: _phrase_words(pats) for head, pats in _CUE_PATTERNS.items()}
_LONG_LOOKS = frozenset({"password", "passwords", "passcode", "passcodes", "passphrase", "pw",
                         "pwd", "pass", "secret", "security", "memorable", "iban"}) | frozenset(
    w for w in _KNOWN if w.startswith(("password", "passcode", "passphrase"))
)  # fmt: skip
"""Words after which the detector reads a long window (spelled passwords, spoken IBANs)."""
_TRY_VERBS = (
    frozenset({"try", "use", "using", "put", "enter", "type", "set", "it's", "its"}) | VALUE_LEADS
)
_STARTS = (
    NUMBER_WORDS
    | frozenset(SCALE_ORDINALS)
    | frozenset(MONTHS)
    | _LETTERISH  # a spelled letter may start an IBAN read with no cue
    | _disclose._BIRTH_WORDS  # "birthday valentines day 1963": the date starts after it
    | frozenset(w for holiday in _disclose._HOLIDAYS for w in holiday)
    | _passwords._CASE_WORDS  # "capital c, capital a, ...": a spelled password
    | frozenset(_passwords.SYMBOLS)  # "dash, dash, capital k, ...": one too
)
_ORD_SUFFIXES = frozenset({"st", "nd", "rd", "th"})
_IBAN_HEAD = re.compile(r"(?<![a-z0-9])[a-z]{2}[0-9]{2}")
_AFTER_NUMBER = 3
"""Tokens after a number before it is settled: an address word within three
still changes it ("... 92 Hounslow Rd")."""
_AFTER_ATTEMPT = getattr(_disclose, "_PIN_AFTER", 10) + 1
"""Tokens after a tried number before it is settled: a PIN cue within ten
makes it a PIN ("I tried 2468 but it said wrong PIN")."""
_ATTEMPTS = getattr(_disclose, "_ATTEMPTS", frozenset())
_LONG_LOOK_TOKENS = 72
_IBAN_PIECES = 10
_CUE_WORDS = 9
_CUE_TOKENS = 24
_LAST_CHARS = 64
_SEGMENT_CAP = 4096
_MID = "qzxv "
"""An inert word the text after a cut is scanned behind, so it is read as the middle
of a text, as the whole-text scan reads it, not as a text's start."""
_MID_LEN = len(_MID)
assert _MID.split()[0] not in _KNOWN


class StreamingRedactor:
    """Redacts a text stream chunk by chunk, holding back only what it must.

    ``push(chunk)`` returns the text that is now safe to release (redacted);
    ``flush()`` returns the rest at the end of the stream. The concatenated
    output equals ``scan(whole).redacted`` (with ``expected``) however the
    text was split, unless the stream forces a release (``max_hold``), runs
    more than ``_SEGMENT_CAP`` characters without a cut (below), or names a
    password only after saying it ("ravioli is the password", "... the whole
    sentence"): by then the stream has let the value go (the whole-text scan
    finds it; 6 of the tuning sets' 7,950 lines, ``tests/test_scan_stream.py``).

    How, without rescanning: the text is normalized as it arrives and read
    one whole token at a time (a token is whole once a space follows it),
    keeping a few counters. A finding starts at a number word or digits, a
    month, a mixed token, the word after "try"/"use", or somewhere after a
    password or IBAN cue: text before the first such *starter* is released
    at once. From a starter on, text is held until a *release point*: a
    space after an inert word (one the detector gives no meaning to, see
    ``_vocabulary``: no number, date, cue phrase, bundle or spelled value
    goes on across it), at least three tokens after the last number (an
    address word there still changes it; eleven after a tried one, for a PIN
    cue), and past the long windows of
    password and IBAN cues. The held text is then scanned once and released.

    A release point that no later number can take a cue or a "last four"
    from (no labelling cue within nine words, or a full stop since) is also a
    *cut*: the text before it is forgotten, and what follows is scanned as a
    text of its own, which keeps every scan short.

    ``expected`` is the conversation context, as for :func:`scan`. After
    "what's your password?" (``expected`` starting with ``password``) the
    whole answer may be the value, so everything is held until ``flush``.
    ``max_hold`` bounds the held text: past it, the held part is released
    fully redacted (as ``expected[0]``, else as a card number), and a number
    that goes on after it is redacted too.
    """

    __slots__ = (
        "_after_cut",
        "_as_in",
        "_attempt_at",
        "_attempting",
        "_cue_at",
        "_cue_dot",
        "_cue_in",
        "_cue_tokens",
        "_cue_words",
        "_dot",
        "_forced",
        "_hold_until",
        "_iban_pieces",
        "_inert",
        "_last_at",
        "_long_look",
        "_norm",
        "_out",
        "_prev_as",
        "_prev_dot",
        "_proc",
        "_released",
        "_since_num",
        "_starter",
        "_tok",
        "_try",
        "expected",
        "held_max",
        "max_hold",
    )

    def __init__(self, expected: tuple[str, ...] = (), *, max_hold: int = 2000) -> None:
        self.expected = expected
        self.max_hold = max_hold
        self.held_max = 0
        self._norm = Normalized("", "")
        self._after_cut = False
        self._proc = 0
        self._released = 0
        self._forced: str | None = None
        self._out: list[str] = []
        self._tok = 0
        self._reset()

    def _reset(self) -> None:
        """Forget every token before the current segment (after a cut)."""
        self._starter: int | None = None
        self._inert = True
        self._since_num = _AFTER_NUMBER
        self._attempt_at = -(10**9)
        self._attempting = False
        self._hold_until = 0
        self._try = False
        self._cue_at = -1  # the last labelling cue word's token index
        self._cue_in: frozenset[str] | None = None  # the words its phrase may go on with
        self._cue_words = self._cue_tokens = 0
        self._cue_dot = True
        self._dot = self._prev_dot = False
        self._last_at = -(10**9)  # where the last "last" starts ("the last four of my social")
        self._long_look = -(10**9)
        self._prev_as = self._as_in = False
        self._iban_pieces = _IBAN_PIECES

    @property
    def held(self) -> int:
        """Characters received but not yet released."""
        norm = self._norm
        return len(norm.source) - norm.start(self._released)

    def push(self, chunk: str) -> str:
        """Add ``chunk``; return what can be released now (redacted)."""
        if not isinstance(chunk, str):
            raise TypeError("chunk must be a string")
        if chunk:
            self._norm.extend(normalize(chunk))
            self._advance()
            held = self.held
            if held > self.max_hold:
                self._force()
                held = 0
            self.held_max = max(self.held_max, held)
        out = "".join(self._out)
        self._out.clear()
        return out

    def flush(self) -> str:
        """The end of the stream: release the rest (redacted) and start over."""
        if self._released < len(self._norm.text) or self._norm.source:
            self._release(len(self._norm.text), scanned=True)
        self._norm = Normalized("", "")
        self._after_cut = False
        self._proc = self._released = 0
        self._forced = None
        self._reset()
        out = "".join(self._out)
        self._out.clear()
        return out

    def _advance(self) -> None:
        """Read the tokens that are now whole; release and cut where it is safe."""
        text = self._norm.text
        end = len(text)
        while end > self._proc and not text[end - 1].isspace():
            end -= 1
        if end <= self._proc:
            return
        base = self._proc
        dropped = 0
        toks = tokenize(text[base:end])
        hold_all = bool(self.expected) and self.expected[0] == c.PASSWORD
        kinds, texts, starts, ends = toks.kinds, toks.texts, toks.starts, toks.ends
        for i in range(len(texts)):
            s = starts[i] + base - dropped
            e = ends[i] + base - dropped
            if i == 0 or starts[i] != ends[i - 1]:
                piece = s
            self._token(kinds[i], texts[i], s, piece)
            if not self._norm.text[e].isspace():
                continue  # more of this piece follows
            self._iban_pieces += 1
            if hold_all or not self._inert or self._since_num < _AFTER_NUMBER:
                continue
            if self._tok < self._hold_until:
                continue
            t = self._tok
            if t - self._long_look <= _LONG_LOOK_TOKENS or self._iban_pieces < _IBAN_PIECES:
                continue
            p = e + 1
            if self._unlinked(t, p):
                self._release(p, scanned=self._starter is not None)
                self._norm.drop(p)
                self._after_cut = True
                dropped += p
                self._released = 0
                self._reset()
            elif self._starter is not None:
                self._release(p, scanned=True)
        self._proc = end - dropped
        if not hold_all:
            upto = self._proc if self._starter is None else self._starter
            if upto > self._released:
                self._release(upto, scanned=False)
        if len(self._norm.text) > _SEGMENT_CAP and self._released > 0:
            self._drop_released()

    def _token(self, kind: int, w: str, s: int, piece: int) -> None:
        """Take the next whole token into the counters."""
        self._tok += 1
        t = self._tok
        starter = kind != WORD and kind != PUNCT
        self._since_num += 1
        if kind == WORD:
            self._inert = w not in _KNOWN and not self._as_in  # "m as in mary"
            starter = (not self._inert and w in _STARTS) or self._try
        else:
            self._inert = False
        if starter or w in _ORD_SUFFIXES:
            self._since_num = 0
            if self._attempting or t - self._attempt_at <= 3:
                self._attempting = True
                self._hold_until = max(self._hold_until, t + _AFTER_ATTEMPT)
        if w in _ATTEMPTS:
            self._attempt_at = t
        elif self._inert:
            self._attempting = False
        if kind == ALNUM and _IBAN_HEAD.search(w):
            self._iban_pieces = 0
        if self._try and w not in ("um", "uh", "er", "like", "-", ".", ","):
            self._try = False
        if w in _TRY_VERBS:
            self._try = True
        if w in _LONG_LOOKS:
            self._long_look = t
        if t - self._long_look <= _LONG_LOOK_TOKENS:
            starter = True
        if w in _LABELLING_HEADS:
            self._cue_at = t
            self._cue_in = _CUE_WORDS_OF[w]
            self._cue_words = self._cue_tokens = 0
            self._cue_dot = self._dot = False
        elif self._cue_in is not None and w in self._cue_in:
            pass  # may still be part of the cue phrase: words count from its end
        else:
            self._cue_in = None
            self._cue_tokens += 1
            if kind == WORD and w not in _LIGHT_WORDS:
                self._cue_words += 1
            if self._dot and w != ".":
                self._cue_dot = True  # a full stop (not an ellipsis) since the cue
            # a full stop right after the cue is its abbreviation ("exp. 04/29")
            self._dot = w == "." and not self._prev_dot and self._cue_tokens > 1
        if self._prev_dot and w == ".":
            self._dot = False
        self._prev_dot = w == "."
        self._as_in = w == "in" and self._prev_as
        self._prev_as = w == "as"
        if w == "last":
            self._last_at = s
        if starter and self._starter is None:
            self._starter = piece  # "tractor-blue-41": the whole piece is held

    def _unlinked(self, t: int, p: int) -> bool:
        """Whether no number after ``p`` can take a cue or a "last four" from before it."""
        if p - self._last_at <= _LAST_CHARS:
            return False
        return (
            self._cue_at < 0
            or self._cue_dot
            or self._cue_words >= _CUE_WORDS
            or self._cue_tokens > _CUE_TOKENS
        )

    def _scan(self, upto: int) -> list[Finding]:
        text = self._norm.text[:upto]
        if self._after_cut:
            # the held text is not the start of the stream: what the detector reads
            # only at a text's start ("qwerty123, that's it") must not fire here
            found = [
                Finding(f.category, max(0, f.start - _MID_LEN), f.end - _MID_LEN)
                for f in _scan_normalized(_MID + text, self.expected)
                if f.end > _MID_LEN
            ]
        else:
            found = _scan_normalized(text, self.expected)
        if self._forced is not None:
            lead = _leading_run(text)
            if lead is not None:
                found = merge_findings([*found, Finding(self._forced, *lead)])
        return found

    def _release(self, upto: int, *, scanned: bool) -> None:
        """Release normalized ``[released, upto)`` (redacted if ``scanned``)."""
        norm = self._norm
        a = norm.start(self._released)
        b = norm.start(upto)
        if scanned:
            found = [
                Finding(f.category, max(f.start, self._released), f.end)
                for f in self._scan(upto)
                if f.end > self._released
            ]  # a value that started in released text: the rest of it is still redacted
            spans = [Finding(f.category, *norm.span(f.start, f.end)) for f in found]
            self._out.append(redact(norm.source[a:b], [_shift(f, a) for f in spans]))
            self._forced = None
            self._starter = None
        else:
            released = norm.source[a:b]
            self._out.append(released)
            if self._forced is not None and released.strip(" \t\n,.-;:/"):
                self._forced = None
        self._released = upto

    def _drop_released(self) -> None:
        """A segment too long to rescan: forget what is released and read the rest again."""
        self._norm.drop(self._released)
        self._after_cut = True
        self._released = 0
        self._proc = 0
        self._reset()
        self._advance()

    def _force(self) -> None:
        """Held text past ``max_hold``: release all of it redacted."""
        cat = self.expected[0] if self.expected else c.PAYMENT_CARD
        self._out.append(f"[{cat}]")
        self._forced = cat
        self._norm = Normalized("", "")
        self._proc = self._released = 0
        self._reset()


def _shift(f: Finding, by: int) -> Finding:
    return Finding(f.category, f.start - by, f.end - by)


def _leading_run(text: str) -> tuple[int, int] | None:
    """The span of a number that starts ``text`` (after separators), if any."""
    toks = tokenize(text[:400])
    runs = number_runs(toks)
    if not runs or any(t != PUNCT for t in toks.kinds[: runs[0].first_token]):
        return None
    return runs[0].start, runs[0].end
