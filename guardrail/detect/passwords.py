"""The password recognizer: a value after a password cue, written or spelled out.

A password is disclosed when a cue word ("password", "pw", "passphrase",
"passcode" with a value that is not a number) is followed by a linking word
("is", "'s", ":", "=", "would be", "to") and then a value:

- a written token ("maple77", "Tr0ub4dor", "Winter2025!");
- or a spelled one: letters, digits and symbols read out one by one
  ("capital k, lowercase q, the number five, then a dollar sign").

A cue with no value ("my password stopped working", "I need to reset my
password") discloses nothing, and neither does an agent's question ("can you
tell me your password so I can verify?"): there the cue is followed by no
linking word, or by a word that is no password ("not", "wrong", "case").

After the agent asked for a password, the caller's whole answer (minus
"yes, it's") is the value, unless it is plainly not one ("hold on, I don't
remember it").

Every look is a bounded window of tokens after a cue, so the work is linear
in the text. A number as the value is left to the number reader (it becomes
a password or, after "passcode", a PIN by the cue).

To add a phrasing: a cue word goes in ``CUE_WORDS``, a linking word in
``_LINKS``, a word that is never a password in ``_NOT_A_VALUE``, a spoken
symbol in ``SYMBOLS``.
"""

from __future__ import annotations

from .numbers import ALNUM, DIGITS, PUNCT, TEENS, TENS, UNITS, WORD, Tokens

__all__ = ["CUE_WORDS", "LINK_WORDS", "find_passwords", "spelled_value", "whole_answer"]

CUE_WORDS = frozenset(
    {"password", "passwords", "passphrase", "pw", "pwd", "passwd", "passcode", "passcodes",
     "password's", "passphrase's", "passcode's", "pw's"}
)  # fmt: skip
"""Words that introduce a password (``passcode`` only for a value that is not a number)."""
_TWO_WORD_CUES = frozenset(
    {("pass", "word"), ("pass", "phrase"), ("secret", "word"), ("security", "word"),
     ("memorable", "word"), ("security", "phrase"), ("memorable", "phrase"),
     ("secret", "phrase")}
)  # fmt: skip
"""Two-word cues: "security word", "memorable word" name a password too."""
_LINKS = frozenset({"is", "was", "'s", ":", "=", "it's", "its", "be", "to", "now", "reads"})
"""Linking words between a cue and its value; at least one must be there."""
_LEAD = _LINKS | frozenset(
    {"would", "will", "should", "it", "just", "um", "uh", "er", "like", "-", "simply",
     "actually", "currently", "probably", "still", "set", "as", "basically", "literally"}
)  # fmt: skip
"""Words that may stand between a cue and its value."""
_SETTERS = frozenset(
    {"i", "set", "use", "used", "chose", "picked", "made", "created", "have", "got", "i've",
     "um", "uh", "umm", "uhh", ",", "er", "like", "you", "know", "typed", "put"}
)  # fmt: skip
"""Words of "the password I set was ...": they may stand before the linking word."""
_QUALIFIERS = frozenset({"for", "on", "of", "with", "at", "in", "to"})
"""Words that start a phrase between a cue and its linking word ("password for the app is")."""
_BEFORE_CUE = frozenset({"the", "my", "um", "uh", "like", "a", "new", "your"})
_IS_MY = frozenset({"is", "that's", "thats", "was", "'s", "it's"})
"""Linking words before a cue: "X is my password", "X, that's my password"."""
_TRY_VERBS = frozenset({"try", "use", "using", "put", "enter", "type", "set", "it's", "its"})
_LEAD = _LEAD | _SETTERS
LINK_WORDS = _LEAD | frozenset({"my", "the", ",", ".", "uhh", "umm", "erm", "oh", "so"})
"""Words that may stand between a password cue and a number that is its value."""
_NOT_A_VALUE = frozenset(
    {"not", "wrong", "incorrect", "invalid", "expired", "locked", "the", "a", "an", "my", "your",
     "same", "different", "case", "too", "correct", "right", "required", "needed", "reset",
     "changed", "change", "for", "of", "on", "in", "and", "or", "but", "that", "this", "so",
     "i", "you", "we", "they", "he", "she", "please", "again", "working", "broken", "long",
     "short", "hard", "easy", "fine", "ok", "okay", "good", "bad", "what", "which", "who", "how",
     "why", "when", "where", "something", "nothing", "anything", "gone", "there", "here",
     "being", "been", "also", "really", "very", "all", "no", "yes", "never", "always", "still",
     "supposed", "meant", "going", "gonna", "probably", "maybe", "definitely", "expiring",
     "blank", "empty", "new", "old", "temporary", "sensitive", "protected", "secure", "strong",
     "weak", "stored", "saved", "hidden", "private", "secret", "forgotten", "lost", "mandatory",
     "optional", "valid", "accepted", "rejected", "denied", "blocked", "disabled",
     "enabled", "set", "update", "updated", "email", "sent", "at", "least", "more",
     "less", "over", "under", "about", "like", "just", "simply", "whatever", "one",
     "password", "passwords", "passcode", "pin", "code", "word", "is", "was", "be", "to",
     "now", "it", "its", "it's", "with", "without", "from", "by", "if", "then", "because",
     "them", "him", "her", "us", "me", "mine", "yours", "yet", "every", "each", "any", "some",
     "thing", "stuff", "fixed", "done", "ready", "needs", "has", "had", "have", "do", "does",
     "did", "can", "could", "would", "will", "should", "must", "may", "might", "shall",
     "isn't", "wasn't", "doesn't", "won't", "didn't", "hasn't", "can't", "keeps", "stopped",
     "works", "expires", "got", "getting", "gets"}
)  # fmt: skip
"""Words that follow a cue but are no password ("my password is not working")."""
_CLAUSE_END = frozenset(
    {"and", "but", "all", "with", "lowercase", "uppercase", "capital", "capitals", "no",
     "thanks", "thank", "please", "i", "that's", "thats", "okay", "ok", "so", "then", "right",
     "case", "one", "word", "spelled", "as", "like"}
)  # fmt: skip
"""Words after a one-word value that end it ("bluebird and that's all", "maple all lowercase")."""

NATO = {
    "alpha": "a", "alfa": "a", "bravo": "b", "charlie": "c", "delta": "d", "echo": "e",
    "foxtrot": "f", "golf": "g", "hotel": "h", "india": "i", "juliet": "j", "juliett": "j",
    "kilo": "k", "lima": "l", "mike": "m", "november": "n", "oscar": "o", "papa": "p",
    "quebec": "q", "romeo": "r", "sierra": "s", "tango": "t", "uniform": "u", "victor": "v",
    "whiskey": "w", "whisky": "w", "xray": "x", "x-ray": "x", "yankee": "y", "zulu": "z",
}  # fmt: skip
"""The NATO spelling alphabet, as speech-to-text writes it."""
SYMBOLS = {
    "dollar": "$", "exclamation": "!", "bang": "!", "hash": "#", "hashtag": "#", "pound": "#",
    "star": "*", "asterisk": "*", "ampersand": "&", "percent": "%", "underscore": "_",
    "hyphen": "-", "dash": "-", "period": ".", "dot": ".", "plus": "+", "equals": "=",
    "caret": "^", "tilde": "~", "backslash": "\\", "slash": "/", "colon": ":",
    "semicolon": ";", "at": "@", "question": "?",
}  # fmt: skip
"""Symbols read out; "at" and "question" only with "sign"/"symbol"/"mark" after them."""
_NEEDS_SUFFIX = frozenset({"at", "question", "pound"})
_SYMBOL_SUFFIX = frozenset({"sign", "symbol", "mark", "point", "key"})
_MARKERS = frozenset(
    {"capital", "cap", "caps", "uppercase", "upper", "lowercase", "lower", "small", "big",
     "letter", "number", "digit", "symbol", "sign", "character"}
)  # fmt: skip
"""Words that only occur in spelling: one of them makes two items a spelled value."""
_CONNECTORS = frozenset(
    {"then", "and", "followed", "by", "the", "a", "an", "case", "after", "that", "next", ",",
     "-", ".", "um", "uh", "er", "like", "lower", "upper", "small", "big", "capital", "cap",
     "caps", "uppercase", "lowercase", "letter", "number", "digit", "symbol", "character",
     "hang", "on", "hold", "where", "was", "sorry", "wait", "no", "let", "me", "start", "again",
     "over", "scratch", "mean", "oops", "actually"}
)  # fmt: skip
_SPELL_WINDOW = 60
"""At most this many tokens are read as one spelled value."""
_NON_ANSWER = frozenset(
    {"don't", "dont", "forgot", "forget", "remember", "hold", "moment", "second", "sec", "know",
     "reset", "check", "wait", "minute", "sorry", "why", "what", "how", "hang", "later",
     "never", "idea", "recall", "changed", "locked", "working", "help",
     "can't", "cant", "couldn't", "won't", "need", "want", "tried", "try", "email", "phone",
     "password", "passcode", "pin", "account"}
)  # fmt: skip
"""Words that make an answer to "what's your password?" no password ("I don't remember")."""
_LEAD_INS = frozenset(
    {"yes", "yeah", "yep", "sure", "ok", "okay", "alright", "right", "so", "well", "um", "uh",
     "er", "erm", "it's", "its", "it", "is", "my", "password", "passcode", "the", "oh", "hmm",
     "that's", "thats", "mmm", "certainly", "of", "course", ",", ".", ":", "-", "that", "be",
     "would", "should", "i", "think", "you", "know", "guess", "believe", "like", "was", "pretty",
     "um,", "hmm,", "uhh", "umm", "okay,", "maybe", "perhaps", "possibly", "probably", "then",
     "now", "how", "about", "let's", "lets", "let", "me"}
)  # fmt: skip


def find_passwords(
    text: str, toks: Tokens, expected: tuple[str, ...], *, numbers_found: bool = False
) -> list[tuple[int, int]]:
    """The spans of every password value in ``text``.

    ``expected`` is what the agent just asked for: when it starts with
    ``"password"`` and no cue gives a value, the whole answer is the value
    (only a spelled one when ``numbers_found``: the number reader already
    took a number as the password).
    """
    texts = toks.texts
    n = len(texts)
    out: list[tuple[int, int]] = []
    i = 0
    while i < n:
        w = texts[i]
        cue_end = -1
        if w in CUE_WORDS:
            cue_end = i
        elif i + 1 < n and (w, texts[i + 1]) in _TWO_WORD_CUES:
            cue_end = i + 1
        if cue_end < 0:
            i += 1
            continue
        before = _value_before(text, toks, i)
        if before is not None:
            out.append(before)
        span, nxt = _value_after(text, toks, cue_end)
        if span is not None:
            out.append(span)
            fixed = _correction(text, toks, nxt)
            if fixed is not None:
                out.append(fixed)  # "my password is hunter2... no, it's Hunter2024!"
            i = nxt
        else:
            i = cue_end + 1
    if not out and expected and expected[0] == "password":
        span = whole_answer(text, toks, spelled_only=numbers_found)
        if span is not None:
            out.append(span)
    return out


def _value_after(text: str, toks: Tokens, cue: int) -> tuple[tuple[int, int] | None, int]:
    """The value after the cue ending at token ``cue``, and the token index after it."""
    kinds, texts = toks.kinds, toks.texts
    n = len(texts)
    linked = texts[cue].endswith("'s")
    j = cue + 1
    to_only = False
    limit = min(n, cue + 9)
    while j < limit:
        w = texts[j]
        if w == "." and not _ellipsis(texts, j):
            return None, j  # the sentence ended: "just the password. Thanks!"
        if w in _QUALIFIERS and not linked:
            # "my password for the app is ...": a short phrase, then a linking word
            k = j + 1
            while k < min(n, j + 5) and kinds[k] == WORD and texts[k] not in _LINKS:
                k += 1
            if k < n and texts[k] in ("is", "was", ":", "'s") and k > j + 1:
                j = k
                continue
        if not (w in _LEAD or w in CUE_WORDS or w == "."):
            break
        if w in _LINKS:
            to_only = w == "to" and not linked
            linked = True
        j += 1
    if j + 2 < n and texts[j] == "the" and texts[j + 1] in ("word", "phrase"):
        j += 2  # "my passcode is the word pineapple"
    if j >= n:
        return None, j
    if kinds[j] == DIGITS or (kinds[j] == WORD and _is_number_word(texts[j])):
        spelled = spelled_value(text, toks, j)
        if spelled is None or not spelled[2]:
            return None, j  # a number: the number reader decides (password, or PIN)
    spelled = spelled_value(text, toks, j)
    if spelled is not None:
        return (spelled[0], spelled[1]), spelled[3]
    # with no linking word ("password tiger52") only a value that looks like one
    return _written_value(text, toks, j, strict=to_only or not linked)


_CORRECTING = frozenset({"no", "nope", "sorry", "wait", "actually", "oops", "scratch"})
"""Words right after a value that take it back ("hunter2... no, it's Hunter2024!")."""
_CORRECTION_LINKS = frozenset({"it's", "its", "is", "mean", "try", "it"})
_CORRECTION_WINDOW = 12
"""Tokens after a value in which a correction and its new value are looked for."""


def _correction(text: str, toks: Tokens, j: int) -> tuple[int, int] | None:
    """The new value of a correction right after a password's value ending before token ``j``.

    "hunter2... no, it's Hunter2024!", "maple77, sorry, I mean Maple77!": a
    correcting word within three tokens, then a linking word ("it's", "I
    mean") and a written value, all within ``_CORRECTION_WINDOW`` tokens.
    """
    texts, kinds = toks.texts, toks.kinds
    n = len(texts)
    limit = min(n, j + _CORRECTION_WINDOW)
    k = j
    while k < limit and kinds[k] == PUNCT:
        k += 1
    if not (k < limit and texts[k] in _CORRECTING) and not (
        k + 1 < limit and texts[k + 1] in _CORRECTING
    ):
        return None
    k += 1
    while k < limit:
        if texts[k] in _CORRECTION_LINKS and not (k + 1 < n and texts[k + 1] in _CORRECTION_LINKS):
            v = k + 1
            if v >= n or kinds[v] == PUNCT or texts[v] in _NOT_A_VALUE:
                return None
            span, _ = _written_value(text, toks, v, strict=True)
            return span
        k += 1
    return None


def _value_before(text: str, toks: Tokens, cue: int) -> tuple[int, int] | None:
    """The value in "try maple87 as the password": before "as", after "try"/"use"."""
    texts = toks.texts
    k = cue - 1
    while k >= 0 and k > cue - 5 and texts[k] in _BEFORE_CUE:
        k -= 1
    if k >= 1 and texts[k] in _IS_MY:
        return _value_is_my(text, toks, k)
    if k < 1 or texts[k] != "as":
        return None
    verb = -1
    for v in range(k - 1, max(-1, k - _SPELL_WINDOW), -1):
        if texts[v] in _TRY_VERBS:
            verb = v
            break
    if verb >= 0:
        j = verb + 1
        while j < k and texts[j] in (".", ",", "um", "uh", "er", "like", "-"):
            j += 1
        spelled = spelled_value(text, toks, j)
        if spelled is not None and spelled[3] == k:
            return spelled[0], spelled[1]
        if j < k:
            span, nxt = _written_value(text, toks, j, strict=True)
            if span is not None and nxt == k:
                return span
        # else the piece right before "as" ("try walrus maple6 as the password")
        p = k - 1
        while p > verb + 1 and toks.starts[p] == toks.ends[p - 1]:
            p -= 1
        if p > verb:
            span, nxt = _written_value(text, toks, p, strict=True)
            if span is not None and nxt == k:
                return span
    return None


def _value_is_my(text: str, toks: Tokens, k: int) -> tuple[int, int] | None:
    """The value in "bluebird, that's my password": the written piece before "that's"."""
    texts = toks.texts
    p = k - 1
    while p >= 0 and texts[p] in (",", "-", "um", "uh"):
        p -= 1
    if p < 0:
        return None
    end = p
    while p > 0 and toks.starts[p] == toks.ends[p - 1]:
        p -= 1
    span, nxt = _written_value(text, toks, p, strict=False)
    if span is None or nxt != end + 1 or texts[p] in _NOT_A_VALUE:
        return None
    return span


def _ellipsis(texts: list[str], k: int) -> bool:
    return (k > 0 and texts[k - 1] == ".") or (k + 1 < len(texts) and texts[k + 1] == ".")


def _written_value(
    text: str, toks: Tokens, j: int, *, strict: bool
) -> tuple[tuple[int, int] | None, int]:
    """The written token starting at token ``j``, if it can be a password."""
    kinds, texts, starts, ends = toks.kinds, toks.texts, toks.starts, toks.ends
    n = len(texts)
    if kinds[j] == PUNCT and texts[j] not in "!@#$%^&*_~+=":
        return None, j + 1
    start = starts[j]
    k = j
    while k + 1 < n and starts[k + 1] == ends[k]:  # the whole whitespace-free piece
        k += 1
    end = ends[k]
    while end > start and text[end - 1] in ".,;:?\"')":
        end -= 1
        while k > j and starts[k] >= end:
            k -= 1
    if end <= start:
        return None, k + 1
    raw = text[start:end]
    low = raw.lower()
    bare = raw.replace("'", "")
    core = bare.rstrip("!").replace("-", "")  # "case-sensitive" is words, not a password
    mixed = not core.isalpha() or core[1:] != core[1:].lower()
    if end > start and raw.endswith("!") and raw[:-1].isalpha() and raw[:-1] == low[:-1]:
        raw, end = raw[:-1], end - 1
    word_only = (kinds[j] == WORD and k == j) or (bare.isalpha() and "'" in raw)
    if not (word_only and low in _NOT_A_VALUE):
        spelled_too = _spelled_again(text, toks, k + 1, low)
        if spelled_too is not None:
            return (start, spelled_too[0]), spelled_too[1]  # "tangerine t a n g e r i n e"
    if not (strict or mixed) and k == j and k + 1 < n and texts[k + 1] not in _CLAUSE_END:
        phrase = _passphrase(toks, j)  # "correct horse battery staple"
        if phrase is not None:
            return (start, ends[phrase - 1]), phrase
    if word_only and low in _NOT_A_VALUE:
        return None, k + 1
    if strict and not mixed:
        return None, k + 1
    if not mixed and texts[j] in _NOT_A_VALUE:
        return None, k + 1
    if not mixed:
        # a plain word is a password only where the clause ends after it, or as the
        # first of a passphrase ("my password is purple elephant")
        after = k + 1
        if after < n and kinds[after] == WORD and texts[after] not in _CLAUSE_END:
            return None, k + 1
    if kinds[j] not in (WORD, ALNUM, DIGITS, PUNCT):
        return None, k + 1
    return (start, end), k + 1


def _spelled_again(text: str, toks: Tokens, j: int, word: str) -> tuple[int, int] | None:
    """(end, next token) of ``word`` spelled out again letter by letter from token ``j``.

    "tangerine t a n g e r i n e", "maple77, m a p l e 7 7": the spelling
    is the same secret, so it joins the value. Only a spelling of every
    letter and digit of the word, in order, counts (commas and dashes may
    stand between); the walk is as long as the word, at most ``_SPELL_AGAIN_MAX``.
    """
    texts, ends = toks.texts, toks.ends
    n = len(texts)
    if not 3 <= len(word) <= _SPELL_AGAIN_MAX or not word.isalnum():
        return None
    if j < n and texts[j] in (",", "-"):
        j += 1
    k = j
    for ch in word:
        while k < n and texts[k] in (",", "-") and k > j:
            k += 1
        if k >= n or texts[k].lower() != ch:
            return None
        k += 1
    return ends[k - 1], k


_SPELL_AGAIN_MAX = 24
"""The longest word whose spelling after it is looked for."""


_PHRASE_MAX = 6
"""A passphrase is at most this many words."""
_PHRASE_END = _CLAUSE_END | frozenset(
    {"like", "or", "which", "because", "from", "in", "if", "you", "it", "is", "was"}
)
"""Words after which a passphrase has ended ("chicago bears 85 with spaces")."""
_COUNTED = frozenset({"two", "three", "four", "five", "six", "2", "3", "4", "5", "6"})


def _passphrase(toks: Tokens, j: int) -> int | None:
    """The token after a passphrase of words starting at ``j``, if one is there.

    Two to six words (digits and number words too), ending the text, a
    punctuation mark or a clause ("tiger lily two words", "sunshine forty
    two like ..."). None of them may be a word that is no password ("not
    working", "the same as before"), except the first of four or more
    ("correct horse battery staple").
    """
    kinds, texts, starts, ends = toks.kinds, toks.texts, toks.starts, toks.ends
    n = len(texts)
    k = j
    while k < n and k - j < _PHRASE_MAX + 1:
        w = texts[k]
        if k > j and (starts[k] == ends[k - 1] and kinds[k] != PUNCT):
            return None  # a piece joined to the previous one: not plain words
        if kinds[k] == PUNCT or (k > j and w in _PHRASE_END):
            break
        if w in _COUNTED and k + 1 < n and texts[k + 1] in ("words", "word"):
            break  # "tiger lily two words"
        if kinds[k] not in (WORD, DIGITS) or (w in _NOT_A_VALUE and k > j):
            return None
        k += 1
    words = k - j
    if words < 2 or words > _PHRASE_MAX:
        return None
    if texts[j] in _NOT_A_VALUE and words < 4:
        return None
    return k


def _is_number_word(w: str) -> bool:
    return w in UNITS or w in TEENS or w in TENS or w in ("double", "triple")


def spelled_value(text: str, toks: Tokens, j: int) -> tuple[int, int, bool, int] | None:
    """A value spelled out from token ``j``: (start, end, has letters or symbols, next token).

    Items are single letters ("k", "kilo", "k as in kilo"), digits and number
    words, and spoken symbols ("dollar sign"); spelling words ("capital",
    "the number", "then") join them. Two items with a spelling word, or
    three items, make a spelled value.
    """
    kinds, texts, starts, ends = toks.kinds, toks.texts, toks.starts, toks.ends
    n = len(texts)
    limit = min(n, j + _SPELL_WINDOW)
    items = 0
    markers = 0
    letters = False
    first = last = -1
    k = j
    while k < limit:
        w = texts[k]
        kind = kinds[k]
        step = 0
        if kind == WORD and (len(w) == 1 or w in NATO):
            if w == "a" and k + 1 < n and (texts[k + 1] in SYMBOLS or texts[k + 1] in _MARKERS):
                k += 1  # "a dollar sign": the article
                continue
            step = 1
            letters = True
            if k + 3 < n and texts[k + 1] == "as" and texts[k + 2] == "in":
                step = 4  # "k as in kilo"
            elif k + 2 < n and texts[k + 1] == "for" and kinds[k + 2] == WORD:
                step = 3  # "b for bravo"
        elif kind == DIGITS and len(w) <= 4:
            step = 1
        elif kind == WORD and _is_number_word(w):
            step = 2 if w in ("double", "triple") and k + 1 < n else 1
        elif kind == WORD and w in SYMBOLS:
            has_suffix = k + 1 < n and texts[k + 1] in _SYMBOL_SUFFIX
            if w in _NEEDS_SUFFIX and not has_suffix:
                break
            step = 2 if has_suffix else 1
            letters = True
            markers += has_suffix
        elif kind == PUNCT and w in "!@#$%^&*_~+=" and items:
            step = 1
            letters = True
        elif w in _CONNECTORS:
            if w in _MARKERS:
                markers += 1
            k += 1
            continue
        else:
            break
        if first < 0:
            first = k
        items += 1
        last = min(k + step, n) - 1
        k += step
    if items < 2 or (items < 3 and not markers):
        return None
    lead = j
    while lead < first and texts[lead] in (",", "-", ".", "then", "and", "the", "um", "uh"):
        lead += 1
    return starts[lead], ends[last], letters, last + 1


def whole_answer(text: str, toks: Tokens, *, spelled_only: bool = False) -> tuple[int, int] | None:
    """The caller's whole answer, minus lead-ins, after "what's your password?".

    None when the answer is plainly no password ("hold on, I don't remember").
    """
    kinds, texts = toks.kinds, toks.texts
    n = len(texts)
    i = 0
    while i < n and texts[i] in _LEAD_INS:
        i += 1
    last = n - 1
    while last >= i and kinds[last] == PUNCT and texts[last] in ".,!?;":
        last -= 1
    if i > last:
        return None
    if (
        texts[i] in _TRY_VERBS
        and i < last
        and _written_value(text, toks, i + 1, strict=False)[1] > last
    ):
        i += 1  # "try summer1988": the one piece after the verb is the value
    if not _NON_ANSWER.isdisjoint(texts[i : last + 1]):
        return None
    spelled = spelled_value(text, toks, i)
    if spelled is not None:
        return spelled[0], spelled[1]
    if spelled_only:
        return None
    words = last + 1 - i
    again = _spelled_again(text, toks, i + 1, text[toks.starts[i] : toks.ends[i]].lower())
    if again is not None and again[1] > last:
        return toks.starts[i], again[0]  # "its tangerine t a n g e r i n e"
    if words > 8:
        return None
    if words == 1 and kinds[i] == WORD and texts[i] in _NOT_A_VALUE:
        return None
    return toks.starts[i], toks.ends[last]
