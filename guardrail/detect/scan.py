"""The public scanning API: one text, one call's conversation, one token stream.

- :func:`scan` answers for one text: what it discloses, what it asks for, and
  the text with every disclosure replaced by its category tag.
- :class:`CallScanner` carries one call's state: what the agent last asked
  for (so "737" after "what's the code on the back?" is a security code),
  and the caller's turn so far (so a card number split across transcript
  fragments is still one card number).
- :class:`StreamingRedactor` redacts text that arrives token by token (LLM
  output, interim transcripts): it holds back only a number that might still
  be growing, releases everything else at once, and never lets part of a
  sensitive number through.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass

from . import categories as c
from .cues import HEADS as CUE_HEADS
from .disclose import COPULA, MONTHS, Finding, find_disclosures, merge_findings
from .numbers import (
    CORRECTIONS,
    FILLERS,
    NUMBER_WORDS,
    PUNCT,
    REPEATS,
    SPOKEN_SEPARATORS,
    WORD,
    Tokens,
    number_runs,
    tokenize,
)
from .requests import find_requests

__all__ = ["CallScanner", "ScanResult", "StreamingRedactor", "redact", "scan"]

ROLES = ("caller", "agent")

_WORDS_RE = re.compile(r"[a-z]+")
_DIGIT_RE = re.compile(r"[0-9]")
# A single number word (at most two digits) can only be a day of birth;
# a password needs no number at all.
_BIRTH_TRIGGERS = frozenset({"born", "birth", "birthday", "birthdate", "dob"})
_PASSWORD_TRIGGERS = frozenset(
    {"password", "passwords", "passcode", "passphrase", "pass", "secret"}
)
_TRIGGERS = _BIRTH_TRIGGERS | _PASSWORD_TRIGGERS
_NUMBERISH = NUMBER_WORDS | frozenset(MONTHS)


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
    a day of birth or a password), one number word and a birth cue, a
    password cue, or an answer to a question just asked. Adding text can only
    turn this on, so streaming and whole-text answers agree.
    """
    if expected or _DIGIT_RE.search(text):
        return True
    words = _words(text.lower())
    if not _PASSWORD_TRIGGERS.isdisjoint(words):
        return True
    if _NUMBERISH.isdisjoint(words):
        return False
    numberish = 0
    for w in words:
        if w in _NUMBERISH:
            numberish += 1
            if numberish >= 2:
                return True
    # "born on the fourth"; a month name alone ("may I have your date of birth?") is no date
    return not (_BIRTH_TRIGGERS.isdisjoint(words) or NUMBER_WORDS.isdisjoint(words))


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


def _findings(text: str, expected: tuple[str, ...]) -> list[Finding]:
    if not text or not _worth_scanning(text, expected):
        return []
    return find_disclosures(text, expected)


def scan(text: str, role: str = "caller", *, expected: tuple[str, ...] = ()) -> ScanResult:
    """Scan one text.

    ``role`` is who said it: ``"caller"`` or ``"agent"``. Only agent text
    is checked for requests; both are checked for disclosures (an agent can
    read a card number back). ``expected`` is what the other party just asked
    for (see :class:`CallScanner`, which keeps that for you).
    """
    if role not in ROLES:
        raise ValueError("role must be 'caller' or 'agent'")
    if not isinstance(text, str):
        raise TypeError("text must be a string")
    findings = _findings(text, expected)
    requests = tuple(find_requests(text)) if role == "agent" else ()
    return ScanResult(tuple(findings), requests, redact(text, findings) if findings else text)


_TURN_CONTEXT = 400


class CallScanner:
    """One call's scanner: feed agent utterances and caller transcript fragments in order.

    The agent's requests set what the caller's next answer is expected to
    hold, until the agent speaks again. Caller fragments of one turn are
    scanned together, so a number split across fragments is found whole; the
    result of each call covers only the text passed in that call.
    """

    __slots__ = ("_expected", "_turn")

    def __init__(self) -> None:
        self._expected: tuple[str, ...] = ()
        self._turn = ""

    @property
    def expected(self) -> tuple[str, ...]:
        """The disclosure categories the agent's last utterance asked for."""
        return self._expected

    def agent(self, text: str) -> ScanResult:
        """An agent utterance (complete): its requests become the caller's context."""
        result = scan(text, "agent")
        self._expected = tuple(r for r in result.requests if r != c.HEALTH)
        self._turn = ""
        return result

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
        if final:
            self._turn = joined[-_TURN_CONTEXT:] if len(joined) > _TURN_CONTEXT else joined
        return ScanResult(tuple(findings), (), redact(text, findings) if findings else text)

    def end_caller_turn(self) -> None:
        """The caller stopped speaking: the next fragment starts a new turn."""
        self._turn = ""


def _union(a: list[Finding], b: list[Finding]) -> list[Finding]:
    if not b:
        return a
    if not a:
        return b
    return merge_findings([*a, *b])


_CONTEXT_KEEP = 200


class StreamingRedactor:
    """Redacts a text stream chunk by chunk, holding back only what it must.

    ``push(chunk)`` returns the text that is now safe to release (redacted);
    ``flush()`` returns the rest at the end of the stream. Text is held back
    from the start of a number that reaches the end of what has arrived (the
    next token may extend it: "4111 1111" becomes a card number one chunk
    later) and from a trailing partial word that may be the start of a
    number word. Everything before that is released at once.

    ``expected`` is the conversation context, as for :func:`scan`.
    ``max_hold`` bounds the held text: past it, the held part is released
    fully redacted rather than kept forever.
    """

    __slots__ = ("_buf", "_context", "_forced", "expected", "held_max", "max_hold")

    def __init__(self, expected: tuple[str, ...] = (), *, max_hold: int = 2000) -> None:
        self.expected = expected
        self.max_hold = max_hold
        self._buf = ""
        self._context = ""
        self._forced: str | None = None
        self.held_max = 0

    @property
    def held(self) -> int:
        """Characters received but not yet released."""
        return len(self._buf)

    def push(self, chunk: str) -> str:
        if not isinstance(chunk, str):
            raise TypeError("chunk must be a string")
        self._buf += chunk
        return self._release(final=False)

    def flush(self) -> str:
        return self._release(final=True)

    def _release(self, *, final: bool) -> str:
        buf = self._buf
        if not buf:
            return ""
        ctx = self._context
        if (
            not final
            and self._forced is None
            and not self.expected
            and _plain(buf)
            and not _open_password(ctx)
        ):
            # Nothing in the new text can start a finding: release all but a
            # trailing word that the next chunk may continue.
            cut = _quick_hold(buf)
            if cut == 0:
                return ""
            self._context = (ctx + buf[:cut])[-_CONTEXT_KEEP:]
            self._buf = buf[cut:]
            self.held_max = max(self.held_max, len(self._buf))
            return buf[:cut]
        text = ctx + buf
        base = len(ctx)
        toks = tokenize(text)
        findings = (
            [f for f in find_disclosures(text, self.expected, toks=toks) if f.end > base]
            if _worth_scanning(text, self.expected)
            else []
        )
        if self._forced is not None:
            cont = _leading_run(buf)
            if cont is None:
                self._forced = None
            else:
                findings.append(Finding(self._forced, base + cont[0], base + cont[1]))
        hold = len(text) if final else _hold_point(text, base, toks)
        for f in findings:
            if f.start < hold < f.end:
                hold = f.start
        if not final and len(text) - hold > self.max_hold:
            cat = self.expected[0] if self.expected else c.PAYMENT_CARD
            findings.append(Finding(cat, hold, len(text)))
            hold = len(text)
            self._forced = cat
        if hold <= base:
            self.held_max = max(self.held_max, len(buf))
            return ""
        released = [
            Finding(f.category, max(f.start, base) - base, f.end - base)
            for f in findings
            if f.start < hold
        ]
        out = redact(buf[: hold - base], released)
        self._context = (ctx + buf[: hold - base])[-_CONTEXT_KEEP:]
        self._buf = buf[hold - base :]
        self.held_max = max(self.held_max, len(self._buf))
        return out


_JOINERS = (
    frozenset({"oh", "o", "and", "point"})
    | FILLERS
    | CORRECTIONS
    | SPOKEN_SEPARATORS
    | frozenset(REPEATS)
)
_DECIDE_AFTER = 3
_CUE_WORDS = 4
_FOLLOWING = 5
_COPULA = COPULA | frozenset({"and", "um", "uh", "er", "dash"})


def _plain(buf: str) -> bool:
    """No digit and no word that a number, a date or a cue could start with."""
    if _DIGIT_RE.search(buf):
        return False
    words = _words(buf.lower())
    return _NUMBERISH.isdisjoint(words) and _TRIGGERS.isdisjoint(words)


def _quick_hold(buf: str) -> int:
    """End of the part of ``buf`` that is safe without a scan (see ``_release``).

    Holds a trailing word that touches the end, and any trailing number words
    or joiners ("oh", "double") before it, which the next chunk could make
    part of a number.
    """
    end = len(buf)
    i = end
    if i and not buf[i - 1].isspace():
        while i and not buf[i - 1].isspace():
            i -= 1
    while True:
        j = i
        while j and buf[j - 1].isspace():
            j -= 1
        k = j
        while k and not buf[k - 1].isspace():
            k -= 1
        word = buf[k:j].strip(",.;:!?-").lower()
        if k == j or not (word in _JOINERS or word in NUMBER_WORDS):
            return i
        i = k


def _open_password(ctx: str) -> bool:
    """Whether released text ends inside "my password is ..." (the value may follow)."""
    tail = ctx[-120:]
    m = None
    for m in _PASSWORD_CUE.finditer(tail):  # noqa: B007 - the last match is wanted
        pass
    return m is not None and not _SENTENCE_END.search(tail, m.end())


def _leading_run(buf: str) -> tuple[int, int] | None:
    """The span of a number that starts ``buf`` (after separators), if any."""
    toks = tokenize(buf[:400])
    runs = number_runs(toks)
    if not runs or any(t.kind != PUNCT for t in toks[: runs[0].first_token]):
        return None
    return runs[0].start, runs[0].end


_IBAN_HEAD = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}")
_IBAN_TAIL = re.compile(r"[A-Za-z0-9]{0,30}|(?:[ -][A-Za-z0-9]{0,4}){0,8}")
_PASSWORD_CUE = re.compile(r"pass\s*(?:word|code|phrase)|secret\s+word", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?;\n]")
_DATE_JOINERS = frozenset({"of", "the", "in", "st", "nd", "rd", "th"})


def _hold_point(text: str, base: int, all_toks: Tokens | None = None) -> int:
    """Where the possibly-growing tail of ``text`` starts (``len(text)`` if none).

    Held: a number that reaches the end (digits or number words, with only
    separators after it), a trailing partial word that may still become a
    number word, and everything after a password cue until the sentence ends.
    """
    n = len(text)
    if n == base:
        return n
    if all_toks is None:
        all_toks = tokenize(text)
    toks = all_toks[bisect.bisect_left(all_toks.ends, base - 120) :]
    kinds, texts, starts, ends = toks.kinds, toks.texts, toks.starts, toks.ends
    m = len(texts)
    if not m:
        return n
    hold = n
    k = m - 1
    open_end = ends[k] == n  # the last token touches the end: the next chunk may continue it
    if open_end and kinds[k] != PUNCT:
        hold = starts[k]
        k -= 1
    while k >= 0 and (texts[k] in _JOINERS or kinds[k] == PUNCT):
        if kinds[k] != PUNCT:
            hold = starts[k]  # a trailing "oh" is a zero if a number follows
        k -= 1
    runs = number_runs(toks)
    if runs:
        r = runs[-1]
        # Undecided while a following word may still change what the number is:
        # fewer than three words after it ("... Hounslow Rd" makes it an
        # address), or only copulas so far ("... is my card").
        settled = [
            texts[i]
            for i in range(r.last_token + 1, m)
            if kinds[i] != PUNCT and not (i == m - 1 and open_end)
        ]
        first_word = next((j for j, w in enumerate(settled) if w not in _COPULA), None)
        if (
            len(settled) < _DECIDE_AFTER
            or _JOINERS.issuperset(settled)
            or (first_word is None and len(settled) <= _FOLLOWING)
            # a cue phrase after copulas ("... is my card number") may be incomplete
            or (
                first_word is not None
                and first_word <= _FOLLOWING
                and settled[first_word] in CUE_HEADS
                and len(settled) - first_word < _CUE_WORDS
            )
        ):
            hold = min(hold, r.start)
    for k in range(m - 1, max(-1, m - 12), -1):
        if kinds[k] == WORD and texts[k] in MONTHS:
            in_run = {i for r in runs for i in range(r.first_token, r.last_token + 1)}
            open_date = all(
                kinds[i] == PUNCT
                or i in in_run
                or texts[i] in _DATE_JOINERS
                or texts[i] in _JOINERS
                or (i == m - 1 and open_end)
                for i in range(k + 1, m)
            )
            if open_date:
                hold = min(hold, starts[k])  # "July" may become "July 4th, 1980"
                j = k - 1
                while j >= 0 and texts[j] in ("of", "the", ","):
                    j -= 1
                for r in runs:
                    if r.last_token == j:  # "the fourth of July ..." starts at "fourth"
                        hold = min(hold, r.start)
            break
    for mt in _IBAN_HEAD.finditer(text):
        if _IBAN_TAIL.fullmatch(text, mt.end()):
            hold = min(hold, mt.start())  # "GB82 WEST ..." may be an IBAN
            break
    for mt in _PASSWORD_CUE.finditer(text):
        if not _SENTENCE_END.search(text, mt.end()):
            hold = min(hold, mt.end())
            break
    return max(hold, base) if hold < n else n
