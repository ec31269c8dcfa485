"""Numbers as speech-to-text writes them: digits, words, and everything between.

Callers do not say "4111111111111111". Speech-to-text gives us "four one one
one, one one one one", "forty one eleven", "4 one 1 1 eleven", "double two",
"oh" for zero, "um" in the middle, "four one one two, sorry, one" and groups
split by commas or dashes. :func:`tokenize` cuts text into tokens with their
character spans, and :func:`number_runs` groups consecutive number tokens into
:class:`NumberRun` objects carrying the digit string they spell, how it was
grouped, the span of text it covers, and alternative readings where the
caller corrected themselves.

Rules, in short:

- digits as written, and the words zero/oh/o/nought, one ... nine, are
  single digits; teens are two digits; "forty one" is ``41``; a lone "forty"
  is ``40``; "double X"/"triple X" repeat X;
- a phrase with "hundred"/"thousand"/"million" is a cardinal number and is
  read as one value ("two thousand and nine" is ``2009``, "forty one
  hundred" is ``4100``); thousands and above mark the run as a *quantity*;
- "oh"/"o" is a digit only next to another number token; "eighty-one" is
  one number;
- the homophones "for"/"to"/"won"/"ate" (and "too", "fore") are digits
  only in a stretch of at least four numbers, beside a single digit ("ate
  three oh to" is ``8302``; "from nine to five" stays words), or in a
  stretch of three right after a code word ("cvv to one nine");
- fillers (um, uh, er, ...), pauses ("you know", "hang on") and separators
  (, - . / _ and the words "dash", "slash") continue a run; a separator
  marks a group boundary;
- a correction marker (sorry, no, wait, I mean, actually, scratch that,
  where was I) between number tokens continues the run and adds readings
  that drop what was corrected (the last chunk, or the whole last group);
- a run that starts over without a marker ("five eight one, five eight one
  one seven ...") has the reading from the restart too;
- anything else ends the run.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import accumulate, compress, count
from operator import add, is_, not_, or_
from typing import NamedTuple, overload

__all__ = ["NumberRun", "Token", "Tokens", "number_runs", "tokenize"]

DIGITS, WORD, PUNCT, ALNUM = 0, 1, 2, 3

_TOKEN_RE = re.compile(
    r"(?P<d>[0-9]+)(?:(?=(?:st|nd|rd|th)(?![^\W_]))|(?![^\W_]))"
    r"|(?P<w>[^\W\d_]+(?:['\u2019][^\W\d_]+)*)(?![^\W_])"
    r"|(?P<a>[^\W_]+(?:['\u2019][^\W_]+)*)"
    r"|(?P<p>\S)",
    re.UNICODE,
)
_DIGITS_OR_CHAR = re.compile(r"[0-9]+|.")
_KINDS = {"d": DIGITS, "w": WORD, "a": ALNUM, "p": PUNCT}


class Token(NamedTuple):
    """A token of the input: its kind, lower-cased text and character span."""

    kind: int
    text: str
    start: int
    end: int


class Tokens(Sequence[Token]):
    """The tokens of one text, kept as four parallel lists.

    ``kinds[i]``, ``texts[i]``, ``starts[i]`` and ``ends[i]`` describe token
    ``i``. The detector's loops read the lists directly, which is several
    times cheaper in CPython than building and unpacking one object per
    token; indexing and iterating still give :class:`Token` values, for code
    and tests that want them.
    """

    __slots__ = ("ends", "kinds", "starts", "texts")

    def __init__(
        self, kinds: list[int], texts: list[str], starts: list[int], ends: list[int]
    ) -> None:
        self.kinds = kinds
        self.texts = texts
        self.starts = starts
        self.ends = ends

    @classmethod
    def of(cls, toks: Iterable[Token]) -> Tokens:
        toks = list(toks)
        return cls(
            [t.kind for t in toks], [t.text for t in toks], [t.start for t in toks],
            [t.end for t in toks],
        )  # fmt: skip

    def __len__(self) -> int:
        return len(self.texts)

    @overload
    def __getitem__(self, i: int) -> Token: ...
    @overload
    def __getitem__(self, i: slice) -> Tokens: ...
    def __getitem__(self, i: int | slice) -> Token | Tokens:
        if isinstance(i, slice):
            return Tokens(self.kinds[i], self.texts[i], self.starts[i], self.ends[i])
        return Token(self.kinds[i], self.texts[i], self.starts[i], self.ends[i])

    def __iter__(self) -> Iterator[Token]:
        return map(Token._make, zip(self.kinds, self.texts, self.starts, self.ends, strict=True))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Tokens):
            return (self.kinds, self.texts, self.starts, self.ends) == (
                other.kinds, other.texts, other.starts, other.ends,
            )  # fmt: skip
        if isinstance(other, list):
            return list(self) == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Tokens({list(self)!r})"


def tokenize(text: str) -> Tokens:
    """Cut ``text`` into digit runs, words, mixed tokens and punctuation characters.

    A token mixing letters and digits ("hunter2", "A600", "1Z999") is
    ``ALNUM``: it is never read as a number, so the digits of an IBAN or a
    tracking code are not mistaken for a card.

    This runs on every transcript fragment and every LLM token, so ASCII text
    (nearly all of it) takes a path that does its per-token work in C:
    ``str.split`` cuts it at whitespace, and only the pieces that are not a
    plain word or a plain digit run ("one,", "04/29", "it's", "4th") are cut
    further. The token regex stays the definition of a token
    (``_regex_tokens``; property tests hold the two paths equal).
    """
    low = text.lower()
    if not low.isascii():
        return _regex_tokens(text)
    texts = low.split()
    if not texts:
        return Tokens([], [], [], [])
    lengths = list(map(len, texts))
    body = low.strip()
    if " ".join(texts) == body:  # one space between pieces (spaces around them are fine)
        lead = low.index(body[0])
        starts = list(map(add, accumulate(lengths, initial=lead), count()))
        del starts[-1]
    else:
        starts = _piece_starts(low, texts)
    ends = list(map(add, starts, lengths))
    alpha = list(map(str.isalpha, texts))
    kinds = list(map(_WORD_OR_DIGITS.__getitem__, alpha))
    if not all(alpha):
        # neither a word nor a digit run (a piece cannot be both): ``alpha is digit``
        split = list(compress(range(len(texts)), map(is_, alpha, map(str.isdigit, texts))))
        if split:
            return _split_pieces(low, split, kinds, texts, starts, ends)
    return Tokens(kinds, texts, starts, ends)


_WORD_OR_DIGITS = (DIGITS, WORD)
_PUNCT_OR_DIGITS = (PUNCT, DIGITS)


def _split_pieces(
    low: str,
    split: list[int],
    kinds: list[int],
    texts: list[str],
    starts: list[int],
    ends: list[int],
) -> Tokens:
    """The tokens, with each whitespace-delimited piece in ``split`` cut into its own.

    The lists are rebuilt in one pass (copying the stretches between split
    pieces in C), so the cost is linear however many pieces need cutting.
    """
    out_k: list[int] = []
    out_t: list[str] = []
    out_s: list[int] = []
    out_e: list[int] = []
    prev = 0
    for i in split:
        out_k += kinds[prev:i]
        out_t += texts[prev:i]
        out_s += starts[prev:i]
        out_e += ends[prev:i]
        _split_piece(low, texts[i], starts[i], ends[i], out_k, out_t, out_s, out_e)
        prev = i + 1
    out_k += kinds[prev:]
    out_t += texts[prev:]
    out_s += starts[prev:]
    out_e += ends[prev:]
    return Tokens(out_k, out_t, out_s, out_e)


def _split_piece(
    low: str,
    p: str,
    s: int,
    e: int,
    kinds: list[int],
    texts: list[str],
    starts: list[int],
    ends: list[int],
) -> None:
    """Append the tokens of piece ``p`` (``low[s:e]``, not a plain word or digit run)."""
    head = p[:-1]
    if head and not p[-1].isalnum() and (head.isalpha() or head.isdigit()):
        # "one," "1111." "card?": a plain token and one punctuation character
        kinds += (WORD if head.isalpha() else DIGITS, PUNCT)
        texts += (head, p[-1])
        starts += (s, e - 1)
        ends += (e - 1, e)
    elif (
        "'" in p and p[0] != "'" and p[-1] != "'" and "''" not in p and p.replace("'", "").isalpha()
    ):
        kinds.append(WORD)  # "it's", "i'm": one word
        texts.append(p)
        starts.append(s)
        ends.append(e)
    else:
        # the regex matches every non-space character: the piece's tokens are contiguous
        if p.upper() == p:
            # no letter in it ("04/29,", "123-45-6789"): digit runs and single characters,
            # as the token regex cuts it, without its per-match tuples
            sub_texts = _DIGITS_OR_CHAR.findall(p)
            sub_kinds = list(map(_PUNCT_OR_DIGITS.__getitem__, map(str.isdigit, sub_texts)))
        else:
            sub_kinds, sub_texts = _regex_kinds_texts(low, s, e)
        sub_ends = list(accumulate(map(len, sub_texts), initial=s))
        kinds += sub_kinds
        texts += sub_texts
        starts += sub_ends[:-1]
        ends += sub_ends[1:]


def _piece_starts(low: str, pieces: list[str], pos: int = 0) -> list[int]:
    starts = []
    find = low.find
    for p in pieces:
        pos = find(p, pos)
        starts.append(pos)
        pos += len(p)
    return starts


def _regex_tokens(text: str) -> Tokens:
    """The tokens of ``text`` by the token regex: the definition of a token.

    :func:`tokenize` uses this for text that is not ASCII; property tests
    hold its faster path for ASCII text equal to it.
    """
    low = text.lower()
    if len(low) != len(text):  # a few characters lower-case to two; rare
        return Tokens.of(
            Token(_KINDS[m.lastgroup], m.group().lower().replace("\u2019", "'"), *m.span())
            for m in _TOKEN_RE.finditer(text)
        )
    low = low.replace("\u2019", "'")
    return Tokens.of(
        Token(_KINDS[m.lastgroup], m.group(), *m.span()) for m in _TOKEN_RE.finditer(low)
    )


def _regex_kinds_texts(low: str, start: int, end: int) -> tuple[list[int], list[str]]:
    """Kinds and texts of the tokens of lower-cased ``low[start:end]``."""
    kinds: list[int] = []
    texts: list[str] = []
    for d, w, a, p in _TOKEN_RE.findall(low, start, end):
        if d:
            kinds.append(DIGITS)
            texts.append(d)
        elif w:
            kinds.append(WORD)
            texts.append(w)
        elif a:
            kinds.append(ALNUM)
            texts.append(a)
        else:
            kinds.append(PUNCT)
            texts.append(p)
    return kinds, texts


UNITS = {
    "zero": 0, "oh": 0, "o": 0, "nought": 0, "naught": 0, "nil": 0,
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9,
}  # fmt: skip
TEENS = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
    "twenties": 20, "thirties": 30, "forties": 40, "fifties": 50, "sixties": 60,
    "seventies": 70, "eighties": 80, "nineties": 90,
}  # fmt: skip
ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
    "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12,
    "thirteenth": 13, "fourteenth": 14, "fifteenth": 15, "sixteenth": 16,
    "seventeenth": 17, "eighteenth": 18, "nineteenth": 19, "twentieth": 20, "thirtieth": 30,
    "fortieth": 40, "fiftieth": 50, "sixtieth": 60, "seventieth": 70, "eightieth": 80,
    "ninetieth": 90, "zeroth": 0,
}  # fmt: skip
SCALE_ORDINALS = {"hundredth": 100, "thousandth": 1000, "millionth": 10**6}
SCALES = {"hundred": 100, "thousand": 1000, "million": 10**6, "billion": 10**9}
REPEATS = {"double": 2, "triple": 3, "treble": 3, "quadruple": 4}
FILLERS = frozenset({"um", "umm", "uh", "uhh", "er", "erm", "ah", "uhm", "hmm", "mm", "like"})
CORRECTIONS = frozenset({"sorry", "no", "wait", "actually", "correction", "oops"})
_CORRECTION_LEADS = frozenset({"i", "let", "me", "make", "it"})
_CORRECTION_PHRASE = _CORRECTION_LEADS | frozenset(
    {"mean", "scratch", "that", "start", "again", "over", "where", "was"}
)
"""Words of "I mean", "scratch that", "let me start again", "make it", "where
was I": they continue a run; all but the leading ones mark a correction."""
SPOKEN_SEPARATORS = frozenset({"dash", "hyphen", "slash", "space", "dot"})
SEPARATORS = frozenset(",-\u2013\u2014./;_")
_FAST_SEPARATORS = SEPARATORS - {"/"}  # "/" also marks the run as slashed
_ORD_SUFFIX = frozenset({"st", "nd", "rd", "th"})
_NUMBER_WORDS = frozenset(UNITS) | frozenset(TEENS) | frozenset(TENS) | frozenset(SCALES)
_HOMOPHONES = {
    "for": "four",
    "fore": "four",
    "to": "two",
    "too": "two",
    "won": "one",
    "ate": "eight",
}
"""Words speech-to-text writes for a digit said alone ("for for seven won" is 4471)."""
_HOMOPHONE_WORDS = frozenset(_HOMOPHONES)
_BESIDE_HOMOPHONE = frozenset(UNITS) | frozenset("0123456789") | _HOMOPHONE_WORDS
"""A homophone is a digit next to one of these: single digits, or another homophone."""
_STRETCH_MEMBERS = frozenset(UNITS) | frozenset(TEENS) | frozenset(TENS) | _HOMOPHONE_WORDS
_STRETCH_PASSABLE = FILLERS | frozenset({"slash", "dash", ",", "-", "/"})
_HOMOPHONE_MIN = 4
"""A homophone is a digit in a stretch of at least this many numbers; in one of
three, only "ate", "won" or "too", or one beside another homophone ("security
code ate one five", "won too three")."""
_SURE_HOMOPHONES = frozenset({"ate", "won", "too"})
_SURE_OR_OH = _SURE_HOMOPHONES | {"oh", "o"}
"""In a stretch of three homophones alone, two of these make a code ("to ate ate", "won oh
won"); fewer are words ("for to won")."""
_SLASHES = frozenset({"slash", "/"})
"""A homophone beside one of these, in a stretch with two, is a date's digit ("ate slash 12 slash
61")."""
_TO_DIGIT_LEADS = FILLERS | frozenset(
    {"is", "it's", "its", "was", "were", "be", "are", "'s", "s", "and", "then", "number", "no",
     "code", "uh", "um", "yeah", "yes", "ok", "okay", "so", "oh", "just", "dash", "slash",
     "like"}
)  # fmt: skip
"""Words after which a "to" starting a stretch of numbers is a digit ("it's to oh one ..."); after
any other word it is the preposition ("set it to ...", "changed it at the atm to ...")."""
_LONG_STRETCH = 12
_DETERMINERS_AFTER = frozenset({"my", "the", "your", "his", "her", "our", "their", "a", "an"})
"""Words after which a "for" or "to" ending a stretch of numbers is the preposition."""
"""Digits in a stretch from which only a homophone between two digits is one."""


NUMBER_WORDS: frozenset[str] = (
    _NUMBER_WORDS | frozenset(REPEATS) | frozenset(ORDINALS) | _HOMOPHONE_WORDS
)
"""Words that may be (part of) a number; a homophone ("for", "to") only among digits."""
_NUMBERISH = NUMBER_WORDS | frozenset(SCALE_ORDINALS)
_SCALE_WORDS = frozenset(SCALES) | frozenset(SCALE_ORDINALS)
"""Every word that can start or continue a number (for fast pre-checks)."""
_PLAIN = {w: str(v) for w, v in (UNITS | TEENS).items() if w not in ("oh", "o")}
"""Words that are one digit string wherever they stand, unless a scale word follows."""


@dataclass(slots=True)
class NumberRun:
    """A stretch of text that spells a number.

    ``chunks`` are the digit strings in order (one per written digit group or
    spoken number) and ``spans`` their character spans; ``breaks`` holds the
    chunk indexes that a separator preceded and ``seps`` that separator (" "
    for a space between written digit groups); ``pauses`` the chunk indexes
    that only a filler or "and" preceded (no group boundary, but a place to
    start over: "six oh one uh six oh one ..."); ``readings`` are the digit
    strings the run may mean, the plain reading first and then the readings
    with self-corrections applied.
    """

    start: int
    end: int
    first_token: int
    last_token: int
    chunks: list[str] = field(default_factory=list)
    spans: list[tuple[int, int]] = field(default_factory=list)
    breaks: list[int] = field(default_factory=list)
    seps: list[str] = field(default_factory=list)
    corrections: list[int] = field(default_factory=list)
    pauses: list[int] = field(default_factory=list)
    written: bool = False
    spoken: bool = False
    quantity: bool = False
    ordinal: bool = False
    decimal: bool = False
    colon: bool = False
    slash: bool = False

    @property
    def digits(self) -> str:
        return "".join(self.chunks)

    @property
    def groups(self) -> list[str]:
        """The digit groups as separators delimited them."""
        out, cur = [], []
        brk = set(self.breaks)
        for i, c in enumerate(self.chunks):
            if i in brk and cur:
                out.append("".join(cur))
                cur = []
            cur.append(c)
        if cur:
            out.append("".join(cur))
        return out

    @property
    def readings(self) -> list[str]:
        plain = self.digits
        out = [plain]
        if (self.breaks or self.pauses) and len(plain) <= _RESTART_MAX_RUN:
            # said again from the start without a "sorry" ("five eight one, five eight
            # one one seven ..."; "six oh one uh six oh one ..."): the reading from the restart
            cum = 0
            k = 0
            for b in sorted({*self.breaks, *self.pauses}) if self.pauses else self.breaks:
                while k < b:
                    cum += len(self.chunks[k])
                    k += 1
                if cum > _RESTART_MAX_PREFIX:
                    break
                if cum >= 2 and plain.startswith(plain[:cum], cum) and plain[cum:] not in out:
                    out.append(plain[cum:])
        if not self.corrections or len(self.chunks) > _READINGS_MAX_CHUNKS:
            return out  # a run this long is no single value: its plain reading will do
        for k in self.corrections:
            if k > 0:
                dropped = "".join(self.chunks[: k - 1] + self.chunks[k:])
                if dropped not in out:
                    out.append(dropped)
                # the whole group before the correction, said again ("4111 1111, where
                # was I, 1111 1111"; "four one one two, I mean, four one one one")
                g = bisect_left(self.breaks, k) - 1
                start = self.breaks[g] if g >= 0 else 0
                regrouped = "".join(self.chunks[:start] + self.chunks[k:])
                if start < k - 1 and regrouped and regrouped not in out:
                    out.append(regrouped)
            restart = "".join(self.chunks[k:])
            if restart and restart not in out:
                out.append(restart)
        return out


_READINGS_MAX_CHUNKS = 64
"""Corrected readings are worked out for runs of at most this many chunks (so linear)."""
_RESTART_MAX_RUN = 48
_RESTART_MAX_PREFIX = 12
"""Restarts are looked for in runs of at most 48 digits, after at most 12 digits."""


def _is_number_word(kinds: list[int], texts: list[str], i: int) -> bool:
    kind = kinds[i]
    if kind == DIGITS:
        return True
    if kind != WORD:
        return False
    w = texts[i]
    if w in ("oh", "o"):
        return _neighbour_number(kinds, texts, i)
    if w in UNITS or w in TEENS or w in TENS:
        return True
    if w in REPEATS:
        return i + 1 < len(texts) and (kinds[i + 1] == DIGITS or texts[i + 1] in UNITS)
    if w == "hundred" or w == "thousand":
        return i > 0 and _value_word(kinds[i - 1], texts[i - 1])
    return w in ORDINALS


def _value_word(kind: int, w: str) -> bool:
    return kind == DIGITS or w in UNITS or w in TEENS or w in TENS or w == "a"


def _neighbour_number(kinds: list[int], texts: list[str], i: int) -> bool:
    """Whether "oh"/"o" at ``i`` sits among numbers (skipping other ohs and separators).

    The answer for every token of the text is worked out in one pass each
    way the first time it is asked (and kept for that token list), so a text
    of nothing but "oh" stays linear.
    """
    cached = _OH_CACHE[0]
    if cached[0] is not texts:
        cached = (texts, _oh_among_numbers(kinds, texts))
        _OH_CACHE[0] = cached
    return cached[1][i]


_NO_OH: tuple[list[str] | None, list[bool]] = (None, [])
_OH_CACHE: list[tuple[list[str] | None, list[bool]]] = [_NO_OH]
"""The answers for the token list being read (one slot, replaced whole, so threads
only ever recompute; emptied when :func:`number_runs` returns)."""


def _oh_among_numbers(kinds: list[int], texts: list[str]) -> list[bool]:
    """For each token: whether the nearest token that is neither an "oh" nor a
    separator or filler, on either side, is a number."""
    n = len(texts)
    kind_of = [_oh_class(kinds[k], texts[k]) for k in range(n)]  # 0 anchor, 1 passable, 2 other
    out = [False] * n
    anchor = False
    for k in range(n):
        out[k] = anchor
        if kind_of[k] != 1:
            anchor = kind_of[k] == 0
    anchor = False
    for k in range(n - 1, -1, -1):
        out[k] = out[k] or anchor
        if kind_of[k] != 1:
            anchor = kind_of[k] == 0
    return out


def _oh_class(kind: int, w: str) -> int:
    if kind == DIGITS:
        return 0
    if kind == WORD and (w in UNITS or w in TEENS or w in TENS or w in REPEATS):
        return 1 if w in ("oh", "o") else 0
    if (kind == PUNCT and w in SEPARATORS) or w in FILLERS or w in SPOKEN_SEPARATORS:
        return 1
    return 2


def _parse_cardinal(
    kinds: list[int], texts: list[str], i: int, end: int
) -> tuple[int, int, bool] | None:
    """Parse an English cardinal with a scale word starting at ``i``.

    Returns (value, next index, has thousands) or None when the phrase at
    ``i`` has no scale word (then it is a digit sequence, not a cardinal).
    """
    j = i
    seen_scale = False
    while j < end and j < i + 4:
        w = texts[j]
        if (w in SCALES or w in SCALE_ORDINALS) and kinds[j] == WORD:
            seen_scale = True
            break
        if not (w in UNITS or w in TEENS or w in TENS or w == "a" or kinds[j] == DIGITS):
            return None
        j += 1
    if not seen_scale:
        return None
    total = 0
    current = 0
    consumed_scale = False
    last = ""  # what the previous word was: unit, teen, tens, hundred, scale
    big = False
    j = i
    while j < end:
        w = texts[j]
        if kinds[j] == DIGITS:
            if last or len(w) > 3:
                break
            current += int(w)
            last = "digits"
        elif w == "a" and not last and j + 1 < end and texts[j + 1] in SCALES:
            current = 1
            last = "unit"
        elif w in UNITS and w not in ("o", "oh"):
            if last in ("unit", "teen", "digits"):
                break
            current += UNITS[w]
            last = "unit"
        elif w in TEENS:
            if last in ("unit", "teen", "tens", "digits"):
                break
            current += TEENS[w]
            last = "teen"
        elif w in TENS:
            if last in ("unit", "teen", "tens", "digits"):
                break
            current += TENS[w]
            last = "tens"
            if (
                j + 2 < end
                and texts[j + 1] == "-"
                and kinds[j + 2] == WORD
                and texts[j + 2] in UNITS
                and texts[j + 2] not in _NOT_UNIT
            ):  # "two thousand twenty-nine": the hyphen joins the tens and the unit
                current += UNITS[texts[j + 2]]
                last = "unit"
                j += 2
        elif w == "hundred":
            if last == "hundred" or (current % 100 == 0 and current):
                break
            current = (current or 1) * 100
            last = "hundred"
        elif w in ("thousand", "million", "billion"):
            if last in ("scale", ""):
                break
            total += (current or 1) * SCALES[w]
            current = 0
            last = "scale"
            big = True
        elif (
            w in ORDINALS
            and last in ("hundred", "scale", "tens")
            and (last != "tens" or ORDINALS[w] < 10)
        ):
            current += ORDINALS[w]
            j += 1
            break
        elif w in SCALE_ORDINALS and last not in ("hundred", "scale"):
            total += (current or 1) * SCALE_ORDINALS[w]
            current = 0
            consumed_scale = True
            j += 1
            big = SCALE_ORDINALS[w] >= 1000
            break
        elif w == "and" and last in ("hundred", "scale") and j + 1 < end:
            nxt = texts[j + 1]
            if not (nxt in UNITS or nxt in TEENS or nxt in TENS):
                break
        else:
            break
        if w in SCALES or w in SCALE_ORDINALS:
            consumed_scale = True
        j += 1
    if j == i or not consumed_scale:
        return None
    return total + current, j, big


_COUNT_NOUNS = frozenset({"digits", "digit", "numbers", "characters", "long"})


def _drop_count(toks: Tokens, run: NumberRun) -> None:
    """Take off ``run``'s last number when it counts the others ("5 8 2 2 1, five digits").

    Only a number word of one or two digits after a separator (a comma or a
    dash), with the count noun ("digits", "numbers", "long") right after it.
    """
    last = len(run.chunks) - 1
    if last < 1 or not run.breaks or run.breaks[-1] != last or run.seps[-1] == " ":
        return
    if toks.kinds[run.last_token] != WORD or len(run.chunks[last]) > 2:
        return
    run.chunks.pop()
    run.spans.pop()
    run.breaks.pop()
    run.seps.pop()
    run.corrections = [x for x in run.corrections if x < last]
    run.pauses = [x for x in run.pauses if x < last]
    run.end = run.spans[-1][1]
    run.last_token = bisect_left(toks.starts, run.end) - 1


_ONE_PRONOUN_LEADS = frozenset(
    {"another", "other", "new", "old", "right", "wrong", "same", "which", "this", "that",
     "latest", "newer", "older", "second"}
)  # fmt: skip
"""Words after which "one" is a pronoun ("the new one", "another one"), never a digit."""


def number_runs(toks: Tokens) -> list[NumberRun]:
    """Every run of number tokens in ``toks``, in order.

    Only tokens that can start a number are visited: a C-level pass over the
    token texts picks them out, so the words between numbers cost nothing
    here.
    """
    kinds, texts = toks.kinds, toks.texts
    if not _HOMOPHONE_WORDS.isdisjoint(texts):
        heard = _homophone_digits(kinds, texts)
        if heard is not texts:
            toks = Tokens(kinds, heard, toks.starts, toks.ends)
            texts = heard
    # a digit run (kind 0, so ``not_``) or a number word; any other token that is digits
    # ("\u00b2") is no number token (``_is_number_word``)
    candidates = map(or_, map(not_, kinds), map(_NUMBERISH.__contains__, texts))
    at = list(compress(range(len(texts)), candidates))
    if not at:
        return []
    scaled = not _SCALE_WORDS.isdisjoint(texts)
    runs: list[NumberRun] = []
    p = 0
    n_at = len(at)
    try:
        while p < n_at:
            k = at[p]
            p += 1
            if not _is_number_word(kinds, texts, k):
                continue
            if texts[k] == "one" and k and texts[k - 1] in _ONE_PRONOUN_LEADS:
                continue  # "and then another one 0 9 5 5 1 3": the pronoun, not a digit
            run = NumberRun(toks.starts[k], toks.ends[k], k, k)
            i = _extend(toks, k, run, scaled)
            if run.last_token + 1 < len(texts) and texts[run.last_token + 1] in _COUNT_NOUNS:
                _drop_count(toks, run)
            if run.chunks:
                runs.append(run)
            p = bisect_left(at, i, p)  # the candidates the run took are passed by in one step
    finally:
        _OH_CACHE[0] = _NO_OH  # keep no reference to the text's tokens after the call
    return runs


def _homophone_digits(kinds: list[int], texts: list[str]) -> list[str]:
    """``texts`` with each digit homophone read as its digit, where it is one.

    It is one inside a stretch of numbers (digits, number words, "oh",
    homophones; commas, dashes, "slash" and fillers may stand between) that
    holds at least four of them and at least one that is no homophone and no
    "oh" (or, with none, an "ate", "won" or "too"), when a number next to it
    in the stretch is a single digit or a homophone ("ate three oh to", "its
    won nine ate seven", "oh ate oh to eighty five", "ate ate won too").
    "From nine to five" (too short) and "from 10 to 20 for 30" (no single
    digit beside) stay words. One pass, so linear; ``texts`` itself when
    nothing changes.
    """
    out = texts
    n = len(texts)
    done = 0  # tokens before this are settled
    for h in compress(range(n), map(_HOMOPHONE_WORDS.__contains__, texts)):
        if h < done:
            continue
        start = h  # the stretch around h: back over numbers and gaps, then forward
        while start > 0 and (
            kinds[start - 1] == DIGITS
            or texts[start - 1] in _STRETCH_MEMBERS
            or texts[start - 1] in _STRETCH_PASSABLE
            or texts[start - 1] in REPEATS
        ):
            start -= 1
        while texts[start] in _STRETCH_PASSABLE:
            start += 1  # a stretch starts at a number
        k = start
        seq: list[int] = []  # the stretch's number tokens
        real = 0
        while k < n:
            w = texts[k]
            if kinds[k] == DIGITS or w in _STRETCH_MEMBERS or w in REPEATS:
                seq.append(k)
                real += not (w in _HOMOPHONES or w in ("oh", "o"))
            elif w not in _STRETCH_PASSABLE:
                break
            k += 1
        done = k
        if len(seq) < _HOMOPHONE_MIN - 1:
            continue
        coded = len(seq) < _HOMOPHONE_MIN and _after_code_word(texts, seq[0])
        if (
            not real
            and not coded
            and (
                _SURE_HOMOPHONES.isdisjoint(texts[q] for q in seq)
                or (len(seq) < _HOMOPHONE_MIN and sum(texts[q] in _SURE_OR_OH for q in seq) < 2)
            )
        ):
            continue  # "for to for to": words; "ate ate won too", "to ate ate": a code
        short = len(seq) < _HOMOPHONE_MIN
        # a card's worth of digits already: a homophone at its edge is a word ("charge
        # it to 4 1 1 1 ...", "... 1 1 1 for the payment"), one inside is a digit
        long = sum(len(texts[q]) if kinds[q] == DIGITS else 1 for q in seq) >= _LONG_STRETCH
        dated = real and sum(texts[x] in _SLASHES for x in range(start, k)) >= 2
        for p, q in enumerate(seq):
            if texts[q] not in _HOMOPHONES:
                continue
            if dated and (
                (q + 1 < n and texts[q + 1] in _SLASHES) or (q and texts[q - 1] in _SLASHES)
            ):
                if out is texts:
                    out = list(texts)
                out[q] = _HOMOPHONES[texts[q]]  # "ate slash twelve slash sixty one": a date
                continue
            if (
                p == 0
                and texts[q] == "to"
                and q
                and kinds[q - 1] == WORD
                and texts[q - 1] not in _TO_DIGIT_LEADS
                and not coded
            ):
                continue  # "i changed it at the atm to oh nine two one": the preposition
            if (
                p == len(seq) - 1
                and texts[q] in ("for", "to")
                and q + 1 < n
                and texts[q + 1] in _DETERMINERS_AFTER
            ):
                continue  # "... oh nine for my son": the preposition, before its noun
            near = [texts[x] for x in seq[max(0, p - 1) : p + 2] if x != q]
            if short and _after_expiry_word(texts, seq[0]) and (p == 0 or real < len(seq) - 1):
                if out is texts:
                    out = list(texts)
                out[q] = _HOMOPHONES[texts[q]]  # "expiration date for twenty seven": 4/27
                # (or "oh to thirty": 02/30)
                continue
            if (
                short
                and not coded
                and texts[q] not in _SURE_HOMOPHONES
                and _HOMOPHONE_WORDS.isdisjoint(near)
                and (real or "oh" not in near)
            ):
                continue  # "nine to five", "two for one": three numbers, a word between
            inside = 0 < p < len(seq) - 1 and _BESIDE_HOMOPHONE.issuperset(near)
            if long and not (inside or not _HOMOPHONE_WORDS.isdisjoint(near)):
                continue  # (a homophone beside another is a digit: "... five for for for for")
            if not _BESIDE_HOMOPHONE.isdisjoint(near) or (
                p and texts[seq[p - 1]] in TENS and texts[q] in _SURE_HOMOPHONES
            ):  # ("oh three twenty ate": a tens word's unit)
                if out is texts:
                    out = list(texts)
                out[q] = _HOMOPHONES[texts[q]]
    return out


_EXPIRY_WORDS = frozenset({"expiry", "expiration", "expires", "exp", "thru"})
_DATE_KINDS = _EXPIRY_WORDS | {"exploration"}
"""Words before "date" that make it the card's (speech-to-text hears "exploration date")."""


_CODE_WORDS = frozenset(
    {"cvv", "cvc", "cvv2", "cvc2", "cid", "csc", "code", "pin", "passcode", "back", "digits",
     "combination", "combo"}
)  # fmt: skip
"""Words that name a short code: three numbers right after one are its digits ("cvv to one
nine", "the code is to six six", "the three on the back are to nine one")."""


def _after_code_word(texts: list[str], q: int) -> bool:
    """Whether a code word (maybe then "is", "are", "was") stands right before token ``q``."""
    if q > 1 and texts[q - 1] in ("is", "was", "are", "'s", "its", "it's"):
        q -= 1
    return q > 0 and texts[q - 1] in _CODE_WORDS


def _after_expiry_word(texts: list[str], q: int) -> bool:
    """Whether an expiry word (or "expiration date", then maybe "is") stands right before ``q``.

    There "for twenty seven" is "four twenty seven": a month and a year.
    """
    if q > 1 and texts[q - 1] in ("is", "was", "'s"):
        q -= 1  # "the expiration date is for twenty seven"
    if q == 0:
        return False
    w = texts[q - 1]
    return w in _EXPIRY_WORDS or (w == "date" and q > 1 and texts[q - 2] in _DATE_KINDS)


def _extend(toks: Tokens, i: int, run: NumberRun, scaled: bool) -> int:
    """Consume a run starting at number token ``i``; return the next index."""
    kinds, texts, starts, ends = toks.kinds, toks.texts, toks.starts, toks.ends
    n = len(texts)
    pending_break = False
    pending_correction = False
    pending_pause = False
    last_number = i
    sep = " "
    chunks = run.chunks
    spans = run.spans
    while i < n:
        w = texts[i]
        kind = kinds[i]
        plain = not scaled and (kind == DIGITS or (kind == WORD and w in _PLAIN))
        if (
            plain
            or kind == DIGITS
            or (kind == WORD and w in _NUMBERISH and _is_number_word(kinds, texts, i))
        ) and not (kind == WORD and chunks and i + 1 < n and texts[i + 1] == "times"):
            # "i put in 8642 three times": a count after the value is no part of it
            if kind == DIGITS and i > run.first_token and kinds[i - 1] == DIGITS:
                pending_break = True
                sep = " "
            if pending_break:
                run.breaks.append(len(chunks))
                run.seps.append(sep)
            if pending_correction:
                run.corrections.append(len(chunks))
            elif pending_pause and not pending_break:
                run.pauses.append(len(chunks))
            pending_break = pending_correction = pending_pause = False
            if plain:
                # the common case, without a scale word in the text: one token, one chunk
                if kind == DIGITS:
                    run.written = True
                    chunks.append(w)
                    spans.append((starts[i], ends[i]))
                    i += 1
                    # "1-1-1", "1 1 1": digits with a separator or nothing between
                    # them, read in a tight loop (same result as the general one)
                    add_break, add_sep = run.breaks.append, run.seps.append
                    add_chunk, add_span = chunks.append, spans.append
                    m = len(chunks)
                    while i < n:
                        kind = kinds[i]
                        if kind == DIGITS:
                            sep = " "
                            j = i
                        elif kind == PUNCT and i + 1 < n and kinds[i + 1] == DIGITS:
                            sep = texts[i]
                            if sep not in _FAST_SEPARATORS:
                                break
                            j = i + 1
                        else:
                            break
                        add_break(m)
                        add_sep(sep)
                        add_chunk(texts[j])
                        add_span((starts[j], ends[j]))
                        m += 1
                        i = j + 1
                    last_number = i - 1
                    continue
                run.spoken = True
                chunks.append(_PLAIN[w])
                spans.append((starts[i], ends[i]))
                i += 1
            else:
                before = len(chunks)
                j = max(_consume_number(kinds, texts, i, run, scaled), i + 1)  # always progress
                spans.extend([(starts[i], ends[j - 1])] * (len(chunks) - before))
                i = j
            last_number = i - 1
            continue
        # not a number token: may the run continue past it? (most run ends are
        # a plain word, settled here without the look-ahead)
        if kind == WORD:
            if w not in _JOINING_WORDS:
                break
        elif kind != PUNCT or not (w in SEPARATORS or w == ":"):
            break
        # "1-1-1": a digit right after is the common case, settled without the look-ahead
        fast = kind == PUNCT and i + 1 < n and kinds[i + 1] == DIGITS
        if not fast and not _continues(kinds, texts, i):
            break
        if kind == PUNCT:
            if w in SEPARATORS or w == ":":
                if not pending_break:
                    sep = w
                pending_break = True
                if w == ":":
                    run.colon = True
                elif w == "/":
                    run.slash = True
                i += 1
                continue
            break
        if w in FILLERS or w == "and" or w in _PAUSES:
            pending_pause = True
            i += 1
            continue
        if w in SPOKEN_SEPARATORS:
            if not pending_break:
                sep = w
            pending_break = True
            if w == "slash":
                run.slash = True
            i += 1
            continue
        if w == "point" and chunks:
            run.decimal = True
            sep = "point"
            pending_break = True
            i += 1
            continue
        if w in CORRECTIONS or w in _CORRECTION_PHRASE:
            pending_correction = w not in _CORRECTION_LEADS or pending_correction
            sep = "correction"
            pending_break = True
            i += 1
            continue
        if w in _ORD_SUFFIX and kinds[i - 1] == DIGITS and ends[i - 1] == starts[i]:
            run.ordinal = True
            i += 1
            continue
        break
    run.last_token = last_number
    run.end = ends[last_number]
    k = last_number + 1
    if k < n and kinds[k] == WORD and texts[k] in _ORD_SUFFIX and starts[k] == run.end:
        run.ordinal = True
        run.end = ends[k]
        run.last_token = k
    return max(i, last_number + 1)


def _continues(kinds: list[int], texts: list[str], i: int) -> bool:
    """Whether a number token follows ``i`` with only run-continuing tokens between."""
    n = len(texts)
    j = i
    limit = i + 12
    while j < n and j < limit:
        w = texts[j]
        kind = kinds[j]
        if kind == DIGITS or (
            kind == WORD and w in _NUMBERISH and _is_number_word(kinds, texts, j)
        ):
            return True
        if kind == PUNCT and (w in SEPARATORS or w == ":"):
            j += 1
            continue
        if kind == WORD and (
            w in FILLERS
            or w in CORRECTIONS
            or w in SPOKEN_SEPARATORS
            or w in ("and", "point")
            or w in _CORRECTION_PHRASE
            or (w in _PAUSES and (w != "on" or (j > 0 and texts[j - 1] in ("hang", "hold"))))
        ):
            j += 1
            continue
        return False
    return False


def _consume_number(
    kinds: list[int], texts: list[str], i: int, run: NumberRun, scaled: bool
) -> int:
    """Append the chunk(s) for the number starting at ``i``; return the next index.

    ``scaled`` says whether the text has any scale word ("hundred"...): without
    one, no phrase can be a cardinal and the parser is not tried.
    """
    n = len(texts)
    w = texts[i]
    if kinds[i] == DIGITS:
        if i + 1 < n and texts[i + 1] in SCALES and kinds[i + 1] == WORD:
            parsed = _parse_cardinal(kinds, texts, i, n)
            if parsed is not None:
                value, j, big = parsed
                run.chunks.append(str(value))
                run.quantity |= big
                run.written = True
                return j
        run.chunks.append(w)
        run.written = True
        return i + 1
    run.spoken = True
    nxt = texts[i + 1] if i + 1 < n else None
    if w in REPEATS:
        digit = nxt if kinds[i + 1] == DIGITS else str(UNITS[nxt])  # type: ignore[index]
        run.chunks.append(digit * REPEATS[w])
        return i + 2
    if w in ORDINALS:
        run.ordinal = True
        run.chunks.append(str(ORDINALS[w]))
        return i + 1
    if w in TENS and nxt in ORDINALS and kinds[i + 1] == WORD and ORDINALS[nxt] < 10:
        run.ordinal = True
        run.chunks.append(str(TENS[w] + ORDINALS[nxt]))
        return i + 2
    if (
        w in TENS
        and nxt == "-"
        and i + 2 < n
        and kinds[i + 2] == WORD
        and ORDINALS.get(texts[i + 2], 10) < 10
    ):  # "twenty-second": one ordinal, as "eighty-one" is one number
        run.ordinal = True
        run.chunks.append(str(TENS[w] + ORDINALS[texts[i + 2]]))
        return i + 3
    # only a phrase with a scale word within reach is a cardinal ("two thousand
    # and nine"); checking that first spares the parser on digit-by-digit speech
    parsed = (
        _parse_cardinal(kinds, texts, i, n)
        if scaled and not _SCALE_WORDS.isdisjoint(texts[i + 1 : i + 4])
        else None
    )
    if parsed is not None:
        value, j, big = parsed
        run.chunks.append(str(value))
        run.quantity |= big
        return j
    if w in UNITS:
        run.chunks.append(str(UNITS[w]))
        return i + 1
    if w in TEENS:
        run.chunks.append(str(TEENS[w]))
        return i + 1
    if w in TENS:
        if nxt is not None and kinds[i + 1] == WORD and nxt in UNITS and nxt not in _NOT_UNIT:
            run.chunks.append(str(TENS[w] + UNITS[nxt]))
            return i + 2
        if (
            nxt == "-"
            and i + 2 < n
            and kinds[i + 2] == WORD
            and texts[i + 2] in UNITS
            and texts[i + 2] not in _NOT_UNIT
        ):  # "eighty-one": one number, not a group boundary
            run.chunks.append(str(TENS[w] + UNITS[texts[i + 2]]))
            return i + 3
        run.chunks.append(str(TENS[w]))
        return i + 1
    if w in SCALES:  # a scale word with nothing to scale ("oh thousand")
        run.chunks.append(str(SCALES[w]))
    return i + 1


_NOT_UNIT = ("oh", "o", "zero")
_PAUSES = frozenset({"you", "know", "hang", "hold", "on"})
"""Pauses inside a number ("you know", "hang on"); "on" only after "hang" or "hold"."""
_JOINING_WORDS = (
    FILLERS
    | CORRECTIONS
    | SPOKEN_SEPARATORS
    | _CORRECTION_PHRASE
    | _PAUSES
    | frozenset({"and", "point"})
)
"""Words that a run may continue past, if a number follows (see ``_continues``)."""
