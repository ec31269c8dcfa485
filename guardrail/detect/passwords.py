"""The password recognizer: a value after a password cue, written or spelled out.

A password is disclosed when a cue word ("password", "pw", "passphrase",
"passcode" with a value that is not a number) is followed by a linking word
("is", "'s", ":", "=", "would be", "to") and then a value:

- a written token ("maple77", "Tr0ub4dor", "Winter2025!");
- a spelled one: letters, digits and symbols read out one by one
  ("capital k, lowercase q, the number five, then a dollar sign");
- after a phrase cue ("passphrase", "security phrase"), the words to the end
  of the clause ("the rain in spain").

Words may stand between the cue and its value ("my password i think is",
"password um let me check my notes yeah ..."), and a form may come first
("the password is two words, purple elephant"). The value may come first
too ("purple elephant is the password", "nine lives cat is the phrase"),
or be said both before and after the cue ("tangerine the security word is
tangerine").

A cue with no value ("my password stopped working", "I need to reset my
password") discloses nothing, and neither does an agent's question ("can you
tell me your password so I can verify?"): there the cue is followed by no
linking word, or by a word that is no password ("not", "wrong", "case").

After the agent asked for a password, the caller's whole answer (minus
"yes, it's") is the value, unless it is plainly not one ("hold on, I don't
remember it").

With no cue right before it, a value is read where its shape or its frame
tells it (:func:`_loose_values`): a mixed piece ("qwerty123", "Grandpa#2021")
later in a text with a password cue, or after a frame ("it's", "it says",
"I tried", "it might be", "no wait") or at the start of the text; after "I
set it to", mixed case too ("ILoveMyDog"); a spelling with a case word and a
digit ("its capital R o c k e t 8 8"); words followed by their form ("...
the whole sentence", "ramen forever, two words", at the start of the text
too: "rocket man 3 with spaces"); alternatives ("Lighthouse12 and lighthouse#12"); and a
word taken back for a value ("it's elephant no wait ... it's elephant2").
Another value's name near it ("my member id, it's mbr511961", "ua1482 is my
flight") takes the piece for that value. A piece with a symbol and no digit
("Winter$Snow") needs a password cue or a word of ``LOOSE_TRIGGERS`` in the
text, so that ``scan``'s cheap test (digits, cue words, those words) sees
every text where a value is found. :func:`may_hold_loose_value` is the
cheap test for whether a text may hold such a value.

Every look is a bounded window of tokens around a cue, a frame or a mixed
piece, so the work is linear in the text. A number as the value is left to
the number reader (it becomes a password or, after "passcode", a PIN by the
cue).

To add a phrasing: a cue word goes in ``CUE_WORDS``, a linking word in
``_LINKS``, a word that is never a password in ``_NOT_A_VALUE``, a spoken
symbol in ``SYMBOLS``, a frame in ``_FRAMES``, another value's name in
``_OTHER_NAMES``, a name with a number that is no secret ("covid19") in
``_NOT_SECRET_STEMS``, a name said only after its value in ``_CUES_AFTER_VALUE``
(and ``LOOSE_TRIGGERS``), a form in ``_FORMS``.
"""

from __future__ import annotations

import re
from bisect import bisect_left

from .numbers import ALNUM, DIGITS, PUNCT, TEENS, TENS, UNITS, WORD, Tokens

__all__ = [
    "CUE_WORDS",
    "LINK_WORDS",
    "LOOSE_TRIGGERS",
    "SPELLED_DIGITS",
    "VALUE_LEADS",
    "find_passwords",
    "may_hold_loose_value",
    "spelled_value",
    "whole_answer",
]

CUE_WORDS = frozenset(
    {"password", "passwords", "passphrase", "pw", "pwd", "passwd", "passcode", "passcodes",
     "password's", "passphrase's", "passcode's", "pw's", "codeword"}
)  # fmt: skip
"""Words that introduce a password (``passcode`` only for a value that is not a number)."""
_TWO_WORD_CUES = frozenset(
    {("pass", "word"), ("pass", "phrase"), ("secret", "word"), ("security", "word"),
     ("memorable", "word"), ("security", "phrase"), ("memorable", "phrase"),
     ("secret", "phrase"), ("pass", "code"), ("code", "word")}
)  # fmt: skip
"""Two-word cues: "security word", "memorable word" name a password too."""
_CUE_NOUNS = frozenset({"word", "phrase"})
"""Words after a cue that make one cue of the two ("passcode word", "password phrase")."""
_CUE_HEADS = CUE_WORDS | frozenset(a for a, _ in _TWO_WORD_CUES)
_LINKS = frozenset({"is", "was", "'s", ":", "=", "it's", "its", "be", "to", "now", "reads"})
"""Linking words between a cue and its value; at least one must be there."""
_LEAD = _LINKS | frozenset(
    {"would", "will", "should", "it", "just", "um", "uh", "er", "like", "-", "simply",
     "actually", "currently", "probably", "still", "set", "as", "basically", "literally"}
)  # fmt: skip
"""Words that may stand between a cue and its value."""
_SETTERS = frozenset(
    {"i", "set", "use", "used", "chose", "picked", "made", "created", "have", "got", "i've",
     "um", "uh", "umm", "uhh", ",", "er", "like", "you", "know", "typed", "put", "think",
     "guess", "believe", "they", "had", "me", "make", "gave"}
)  # fmt: skip
"""Words of "the password I set was ...": they may stand before the linking word."""
_QUALIFIERS = frozenset({"for", "on", "of", "with", "at", "in", "to"})
"""Words that start a phrase between a cue and its linking word ("password for the app is")."""
_BEFORE_CUE = frozenset({"the", "my", "um", "uh", "like", "a", "new", "your", "our", "his", "her",
                         "their"})  # fmt: skip
_IS_MY = frozenset({"is", "that's", "thats", "was", "'s", "it's"})
"""Linking words before a cue: "X is my password", "X, that's my password"."""
_TRY_VERBS = frozenset({"try", "use", "using", "put", "enter", "type", "set", "it's", "its"})
_LEAD = _LEAD | _SETTERS
LINK_WORDS = _LEAD | frozenset({"my", ",", ".", "uhh", "umm", "erm", "oh", "so"})
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
     "works", "expires", "got", "getting", "gets", "complicated", "confusing", "tricky", "weird",
     "personal", "silly", "embarrassing", "written", "somewhere", "random", "unusual"}
)  # fmt: skip
"""Words that follow a cue but are no password ("my password is not working")."""
_CLAUSE_END = frozenset(
    {"and", "but", "all", "with", "lowercase", "uppercase", "capital", "capitals", "no",
     "thanks", "thank", "please", "i", "that's", "thats", "okay", "ok", "so", "then", "right",
     "case", "one", "word", "spelled", "as", "like", "is", "if", "unless", "because", "though"}
)  # fmt: skip
"""Words after a one-word value that end it ("bluebird and that's all", "maple all lowercase",
"cinnamon if you need it")."""

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
     "over", "scratch", "mean", "oops", "actually", "you", "know"}
)  # fmt: skip
_SPEAKER_VERBS = frozenset(
    {"think", "guess", "believe", "mean", "said", "say", "typed", "tried", "hope", "remember",
     "know", "don't", "dont", "can't", "cant", "wrote", "put", "used", "use", "have", "had",
     "was", "am", "got", "set", "changed", "just", "always", "never", "forgot", "reckon",
     "suppose", "want", "wanna", "need", "did", "do", "will", "would", "could", "should",
     "might", "made", "picked", "chose"}
)  # fmt: skip
"""Words after "i" that make it the speaker, no spelled letter ("seven two i think")."""
_SPELLED_HOMOPHONES = frozenset({"ate", "won", "too"})
"""Words speech-to-text writes for a digit: one inside a spelling ("r o c k e t ate ate")."""
_SPELL_WINDOW = 60
"""At most this many tokens are read as one spelled value."""
_NON_ANSWER = frozenset(
    {"don't", "dont", "forgot", "forget", "remember", "hold", "moment", "second", "sec", "know",
     "reset", "check", "wait", "minute", "sorry", "why", "what", "how", "hang", "later",
     "never", "idea", "recall", "changed", "locked", "working", "help",
     "can't", "cant", "couldn't", "won't", "need", "want", "tried", "try", "email", "phone",
     "password", "passcode", "pin", "account", "written", "wrote", "somewhere", "notes", "note",
     "paper", "find", "look", "looking", "i'll", "i'm", "i've", "been", "since", "online",
     "comfortable", "saying", "knows", "share", "website", "he's", "she's", "they're",
     "husband", "wife", "spouse", "partner"}
)  # fmt: skip
"""Words that make an answer to "what's your password?" no password ("I don't remember",
"my wife set that up, she's out")."""
_LEAD_INS = frozenset(
    {"yes", "yeah", "yep", "sure", "ok", "okay", "alright", "right", "so", "well", "um", "uh",
     "er", "erm", "it's", "its", "it", "is", "my", "password", "passcode", "the", "oh", "hmm",
     "that's", "thats", "mmm", "certainly", "of", "course", ",", ".", ":", "-", "that", "be",
     "would", "should", "i", "think", "you", "know", "guess", "believe", "like", "was", "pretty",
     "um,", "hmm,", "uhh", "umm", "okay,", "maybe", "perhaps", "possibly", "probably", "then",
     "now", "how", "about", "let's", "lets", "let", "me", "make", "set", "change", "to", "i'd",
     "want"}
)  # fmt: skip


def find_passwords(
    text: str, toks: Tokens, expected: tuple[str, ...], *, numbers_found: bool = False
) -> list[tuple[int, int]]:
    """The spans of every password value in ``text``.

    ``expected`` is what the agent just asked for: when it starts with
    ``"password"`` and no cue gives a value, the whole answer is the value,
    with the number in it the number reader took for the password
    (``numbers_found``: "october rain 77" is one value), unless it holds a
    value after a frame ("i think it's Maple77 but i can't remember"; not
    looked for when ``numbers_found``). Values with no cue
    (:func:`_loose_values`) are read when nothing or a password was asked for.
    """
    texts = toks.texts
    n = len(texts)
    heads = (
        []
        if _CUE_HEADS.isdisjoint(texts) and _CUES_AFTER_VALUE.isdisjoint(texts)
        else [k for k, w in enumerate(texts) if w in _CUE_HEADS or w in _CUES_AFTER_VALUE]
    )
    out: list[tuple[int, int]] = []
    resume = 0
    for i in heads:
        if i < resume:
            continue
        w = texts[i]
        cue_end = -1
        if w in CUE_WORDS:
            cue_end = i + 1 if i + 1 < n and texts[i + 1] in _CUE_NOUNS else i
        elif i + 1 < n and (w, texts[i + 1]) in _TWO_WORD_CUES:
            cue_end = i + 1
        elif w in _CUES_AFTER_VALUE:
            before = _value_before(text, toks, i, is_my_only=True)
            if before is not None:
                out.append(before)  # "nine lives cat is the phrase"
            continue
        if cue_end < 0:
            continue
        before = _value_before(text, toks, i) or _named_after_comma(text, toks, i, cue_end)
        if before is not None:
            out.append(before)
        span, nxt = _value_after(text, toks, cue_end)
        if span is not None:
            out.append(span)
            again = _said_before(text, toks, i, span)
            if again is not None:
                out.append(again)  # "tangerine, the security word is tangerine"
            fixed = _correction(text, toks, nxt)
            if fixed is not None:
                out.append(fixed)  # "my password is hunter2... no, it's Hunter2024!"
            resume = nxt
        else:
            resume = cue_end + 1
    framed = not expected or expected[0] == "password"
    out.extend(_loose_values(text, toks, out, framed=framed))
    if not out and expected and expected[0] == "password":
        span = whole_answer(text, toks)
        if span is None and not numbers_found:
            span = _framed_answer(text, toks)
        if span is not None:
            out.append(span)
    return out


_ANSWER_ENDS = _CLAUSE_END | frozenset({"or", "."})
"""Words after a one-word answer that end it ("it should be buttercup unless ...")."""


def _framed_answer(text: str, toks: Tokens) -> tuple[int, int] | None:
    """In an answer that is more than the password, the one word after a frame.

    "it should be buttercup unless my daughter changed it": after "what's
    the password?", a plain word after "it's"/"it should be" that ends its
    clause is the value, though the rest of the answer is not.
    """
    texts, kinds = toks.texts, toks.kinds
    n = len(texts)
    for k in range(1, n):
        w = texts[k]
        if kinds[k] != WORD or w in _NOT_A_VALUE or w in _NON_ANSWER or w in _LEAD_INS:
            continue
        if k + 1 < n and toks.starts[k + 1] == toks.ends[k] and kinds[k + 1] != PUNCT:
            continue
        if (k + 1 == n or texts[k + 1] in _ANSWER_ENDS or kinds[k + 1] == PUNCT) and (
            _frame_before(texts, k) == _FRAME
        ):
            return toks.starts[k], toks.ends[k]
    return None


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
            # "my password for the kids' tablet is ...": a short phrase, then a linking word
            k = j + 1
            while k < min(n, j + _QUALIFIER_WORDS + 1) and (
                (kinds[k] == WORD and texts[k] not in _LINKS)
                or (texts[k] == "'" and toks.starts[k] == toks.ends[k - 1])
            ):
                k += 1
            if k < n and texts[k] in ("is", "was", ":", "'s") and k > j + 1:
                j = k
                continue
        if w in CUE_WORDS:
            return None, j  # "password is password is ...": the next cue reads on
        if not (w in _LEAD or w == "."):
            aside = -1 if linked else _aside_end(toks, j)
            if aside < 0:
                break
            j = aside  # "the wifi password, the one on the router, is ..."
            continue
        if w in _LINKS:
            to_only = w == "to" and not linked
            linked = True
        elif w == "as" and not _HAVE_AS.isdisjoint(texts[max(0, cue - 4) : cue]):
            linked = True  # "I have the password as peppermint"
        j += 1
    if j < n and texts[j] in _STALLS:
        resumed = _resumed(texts, j)  # "password um let me check my notes yeah mango tree"
        if resumed is not None:
            j, linked = resumed, True
    if j < n and texts[j] in _CASE_LEADS:
        composed = _cased_parts(toks, j)
        if composed is not None:
            return (toks.starts[j], toks.ends[composed - 1]), composed  # "all caps RED then ..."
    if j + 2 < n and texts[j] == "the" and texts[j + 1] in ("word", "phrase"):
        j += 2  # "my passcode is the word pineapple"
    if linked and j < n and texts[j] in _FORM_HEADS and _form_at(texts, j):
        j = _after_form(texts, j)  # "the password is two words, purple elephant"
    if linked and j < n and texts[j] in _POSSESSIVES:
        described = _after_description(texts, j)
        if described is not None:
            j = described  # "my password is my street name, elmhurst"
            if j >= n or texts[j] in _NOT_A_VALUE:
                return None, j  # "my password is my dog's name": no value said
    if j >= n:
        return None, j
    if not linked and j > cue + 1 and texts[j - 1] in _PAUSES:
        formed = _framed_words(text, toks, j, frame=_FRAME, cased=False)
        if formed is not None and _NOT_A_VALUE.isdisjoint(texts[j : formed[2]]):
            return (formed[0], formed[1]), formed[2]  # "password uh chocolate cake with a space"
    if linked and texts[cue] in _PHRASE_CUES:
        phrase = _phrase_value(toks, j)
        if phrase is not None:
            return (toks.starts[j], toks.ends[phrase - 1]), phrase
    if kinds[j] == DIGITS or (kinds[j] == WORD and _is_number_word(texts[j])):
        spelled = spelled_value(text, toks, j)
        if spelled is None or not spelled[2]:
            return None, j  # a number: the number reader decides (password, or PIN)
    spelled = spelled_value(text, toks, j)
    if spelled is not None:
        return (spelled[0], spelled[1]), spelled[3]
    # with no linking word ("password tiger52") only a value that looks like one
    return _written_value(text, toks, j, strict=to_only or not linked)


_PAUSES = frozenset({"um", "uh", "er", "erm", "umm", "uhh", ",", ":", "-"})
"""Words after a cue with no linking word before a value told by its form ("password uh
chocolate cake with a space")."""
_QUALIFIER_WORDS = 6
"""At most this many words of a phrase between a cue and its linking word."""
_ASIDE_WORDS = 6
"""At most this many words of an aside between a cue and its linking word."""
_ASIDE_LINKS = frozenset({"is", "was", "'s", ":"})


def _aside_end(toks: Tokens, j: int) -> int:
    """The linking word after an aside starting at token ``j``, else -1.

    "the wifi password, the one on the router, is ...", "the password
    thing, is ...": at most ``_ASIDE_WORDS`` words (a possessive's "'"
    too), then a comma and "is", "was", "'s" or ":". No word of the aside
    may be a linking word, a cue or a word that makes a phrase no value
    ("my password, not working, is that normal").
    """
    texts, kinds, starts, ends = toks.texts, toks.kinds, toks.starts, toks.ends
    n = len(texts)
    if texts[j] in _STALLS:
        return -1  # "password, let me spell it, ...": a stall, read by _resumed
    for k in range(j, min(n, j + _ASIDE_WORDS + 1)):
        w = texts[k]
        if w == ",":
            if k > j and k + 2 < n and texts[k + 1] in _ASIDE_LINKS:
                return k + 1 if texts[k + 2] not in _ASKED_ABOUT else -1
            return -1
        if not (kinds[k] == WORD or (w == "'" and k > j and starts[k] == ends[k - 1])) or (
            w in _LINKS or w in CUE_WORDS or w in _NOT_IN_PHRASE
        ):
            return -1
    return -1


_ASKED_ABOUT = frozenset({"it", "that", "this", "there", "he", "she", "they"})
"""Words after "is" that make it a question ("my password, the new one, is it ready?")."""


_CASE_LEADS = frozenset({"all", "caps", "capitals", "uppercase", "lowercase", "upper", "lower",
                         "capital"})  # fmt: skip
_CASE_PHRASES = (
    ("all", "caps"), ("all", "capitals"), ("all", "uppercase"), ("all", "lowercase"),
    ("all", "upper", "case"), ("all", "lower", "case"), ("upper", "case"), ("lower", "case"),
    ("caps",), ("capitals",), ("uppercase",), ("lowercase",), ("capital",),
)  # fmt: skip
"""Words of letter case said before a whole word of a value ("all caps RED")."""
_PART_JOINS = frozenset({"then", ",", "and", "followed", "by", "plus"})
_COUNT_NOUNS = frozenset(
    {"number", "numbers", "digit", "digits", "character", "characters", "letter", "letters",
     "word", "words", "symbol", "symbols", "times", "more"}
)  # fmt: skip
_PARTS_MAX = 6


def _cased_parts(toks: Tokens, j: int) -> int | None:
    """The token after a value told as whole words in their case, from token ``j``, if one is.

    "all caps RED then lowercase wine then 88", "uppercase OCEAN, lowercase
    drive, 19": parts joined by "then", "and", a comma or "followed by",
    each a case phrase and one word (no single letter: "capital P, a, s"
    is a spelling), or digits or number words. Two parts or more, one of
    them a word in its case, at most ``_PARTS_MAX``.
    """
    texts, kinds = toks.texts, toks.kinds
    n = len(texts)
    k = j
    parts = cased = 0
    end = -1
    while k < n and parts < _PARTS_MAX:
        if parts:
            while k < n and texts[k] in _PART_JOINS:
                k += 1
            if k >= n:
                break
        phrase = next((p for p in _CASE_PHRASES if tuple(texts[k : k + len(p)]) == p), None)
        if phrase is not None:
            w = k + len(phrase)
            if not (
                w < n
                and kinds[w] == WORD
                and len(texts[w]) > 1
                and texts[w] not in _NOT_A_VALUE
                and texts[w] not in _CONNECTORS
                and not _is_number_word(texts[w])
            ):
                break
            k = w + 1
            cased += 1
        elif kinds[k] == DIGITS or _is_number_word(texts[k]):
            while k < n and (kinds[k] == DIGITS or _is_number_word(texts[k])):
                k += 1
            if k < n and texts[k] in _COUNT_NOUNS:
                break  # "... and 2 numbers": a count, no part of the value
        else:
            break
        parts += 1
        end = k
    if parts < 2 or not cased:
        return None
    return end


_POSSESSIVES = frozenset({"my", "his", "her", "our", "their", "the"})
_DESCRIBED = frozenset(
    {"name", "names", "birthday", "birthdate", "nickname", "street", "team", "school",
     "city", "town", "hometown", "year", "anniversary", "address"}
)  # fmt: skip
"""What a password is described by, no value itself ("my dog's name", "my mother's maiden
name and the year")."""
_DESCRIPTION_LINKS = frozenset({",", "which", "is", "that's", "thats", "so", "it's", "-", ":"})


def _after_description(texts: list[str], j: int) -> int | None:
    """The token after a description starting at ``j`` and the words that link it on.

    "my mother's maiden name, which is": a possessive, at most four words
    ending in a word of ``_DESCRIBED`` (and "and the year"), then linking words.
    None when no description starts at ``j``.
    """
    n = len(texts)
    end = -1
    for k in range(j + 1, min(n, j + 5)):
        if texts[k] in _DESCRIBED:
            end = k
        elif not texts[k].isalpha() and not texts[k].endswith("'s"):
            break
    if end < 0:
        return None
    k = end + 1
    if (
        k + 2 < n
        and texts[k] == "and"
        and texts[k + 1] in _POSSESSIVES
        and texts[k + 2] in _DESCRIBED
    ):
        k += 3  # "... and the year"
    while k < n and texts[k] in _DESCRIPTION_LINKS:
        k += 1
    return k


_STALLS = frozenset({"let", "hold", "hang", "give", "wait", "one", "just", "i'll"})
"""Words that start a stall between a cue and its value ("let me check my notes")."""
_RESUMES = frozenset({"yeah", "yes", "ok", "okay", "here", "alright", "right", "found"})
"""Words that end the stall: the value follows ("... yeah mango tree three")."""
_STALL_WINDOW = 10


def _resumed(texts: list[str], j: int) -> int | None:
    """The token after a stall starting at ``j`` and the word that ends it, if one is there."""
    n = len(texts)
    for k in range(j + 1, min(n, j + _STALL_WINDOW)):
        if texts[k] in ("it", "that") and texts[k - 1] in ("spell", "spelled"):
            k += 1  # "let me spell it, Q u i l t"
            while k < n and texts[k] in ("out", ",", ":", "-", "for", "you"):
                k += 1
            return k if k < n else None
        if texts[k] in _RESUMES:
            k += 1
            while k < n and texts[k] in ("it's", "its", "it", "is", ",", "um", "uh", "so"):
                k += 1
            return k if k < n else None
        if texts[k] == ".":
            return None
    return None


_HAVE_AS = frozenset({"have", "has", "got", "set", "saved", "listed", "put", "it's"})
"""Words before a cue that make "as" link it to a value ("I have the password as ...")."""
_PHRASE_CUES = frozenset({"passphrase", "passphrase's", "phrase"})
"""Cues of a phrase: the words to the end of the clause are the value, small words too."""
_PHRASE_STOPS = frozenset(
    {"and", "but", "so", "i", "that's", "thats", "with", "all", "no", "because", "if", "which",
     "please", "thanks", "thank", "okay", "ok", "right", "is", "was"}
)  # fmt: skip
_PHRASE_WORDS = 8
"""A phrase after a phrase cue is at most this many words."""


def _phrase_value(toks: Tokens, j: int) -> int | None:
    """The token after the phrase starting at ``j`` ("the rain in spain"), if one is there.

    Two to ``_PHRASE_WORDS`` words (digits too) up to the end of the text, a
    punctuation mark or a word that ends the clause; small words ("in",
    "on", "the") belong to it, a word that is no value may not start it.
    """
    kinds, texts = toks.kinds, toks.texts
    n = len(texts)
    if texts[j] in _NOT_A_VALUE and (
        texts[j] not in ("the", "a", "my") or j + 1 >= n or texts[j + 1] in _NOT_A_VALUE
    ):
        return None  # "the same as before", "not working"
    k = j
    while k < n and k - j <= _PHRASE_WORDS and kinds[k] in (WORD, DIGITS):
        if k > j and (texts[k] in _PHRASE_STOPS or toks.starts[k] == toks.ends[k - 1]):
            break
        k += 1
    if not 2 <= k - j <= _PHRASE_WORDS or any(
        w in _NOT_IN_PHRASE or w in _CUE_HEADS for w in texts[j:k]
    ):
        return None
    return k


_CORRECTING = frozenset({"no", "nope", "sorry", "wait", "actually", "oops", "scratch"})
"""Words right after a value that take it back ("hunter2... no, it's Hunter2024!")."""
_CORRECTION_LINKS = frozenset({"it's", "its", "is", "was", "mean", "try", "it"})
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
    new_one = _new_one_at(texts, k)
    plain = bool(new_one) and texts[new_one - 2] == "new"  # "new one's birch"; else mixed only
    if new_one and texts[new_one - 1] == "one's" and new_one < n:
        span, _ = _written_value(text, toks, new_one, strict=not plain)
        return span if texts[new_one] not in _NOT_A_VALUE else None
    if new_one:
        k = new_one - 1
    elif not (k < limit and texts[k] in _CORRECTING) and not (
        k + 1 < limit and texts[k + 1] in _CORRECTING
    ):
        return None
    k += 1
    while k < limit:
        if texts[k] in _CORRECTION_LINKS and not (k + 1 < n and texts[k + 1] in _CORRECTION_LINKS):
            v = k + 1
            if v >= n or kinds[v] == PUNCT or texts[v] in _NOT_A_VALUE:
                return None
            span, _ = _written_value(text, toks, v, strict=not plain)
            return span
        k += 1
    return None


_NEW_ONE_LEADS = frozenset({"and", "but", "the", "my", "now", "then"})


def _new_one_at(texts: list[str], k: int) -> int:
    """The token after "new one" in "(and) the new one is ..." at token ``k``, else 0.

    "the old password was maple, new one's birch": the value after it is the
    new password, a plain word too; "the old one was Glacier-Pine-304" is
    another one of the speaker's.
    """
    n = len(texts)
    for _ in range(2):
        if k < n and texts[k] in _NEW_ONE_LEADS:
            k += 1
    if k + 1 < n and texts[k] in _OTHER_ONES and texts[k + 1] in ("one", "one's"):
        return k + 2
    return 0


_OTHER_ONES = frozenset({"new", "old", "previous", "last", "current", "other", "original"})
"""Words of "the new one is ...", "the old one was ...": another password of the speaker's."""


_CUES_AFTER_VALUE = frozenset({"phrase"})
"""Words that name a password only after its value ("nine lives cat is the phrase")."""
_SAID_BEFORE_REACH = 5
"""Tokens before a cue in which the value said a first time is looked for."""


def _said_before(
    text: str, toks: Tokens, cue: int, span: tuple[int, int]
) -> tuple[int, int] | None:
    """The same word as the value ``span`` said just before the cue at token ``cue``.

    "tangerine the security word is tangerine": the first "tangerine" is the
    secret too. Only a one-token value, within ``_SAID_BEFORE_REACH`` tokens.
    """
    texts, starts, ends = toks.texts, toks.starts, toks.ends
    word = text[span[0] : span[1]].lower()
    if word in _NOT_A_VALUE or " " in word:
        return None
    for k in range(cue - 1, max(-1, cue - _SAID_BEFORE_REACH), -1):
        if texts[k] == word and (k == 0 or starts[k] > ends[k - 1]):
            return starts[k], ends[k]
    return None


def _value_before(
    text: str, toks: Tokens, cue: int, *, is_my_only: bool = False
) -> tuple[int, int] | None:
    """The value in "try maple87 as the password" (before "as", after "try"/"use"), or
    in "bluebird is the password" (only this with ``is_my_only``)."""
    texts = toks.texts
    k = cue - 1
    while k >= 0 and k > cue - 5 and texts[k] in _BEFORE_CUE:
        k -= 1
    if k >= 1 and texts[k] in _IS_MY:
        return _value_is_my(text, toks, k, phrase=texts[cue] in _PHRASE_CUES)
    if is_my_only or k < 1 or texts[k] != "as":
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


_NAMING_TAILS = (("i", "mean"), ("i", "meant"), ("that", "is"), ("that's", "it"))
"""Words after a cue that end the naming of a value said before it ("..., the password I mean")."""


def _named_after_comma(text: str, toks: Tokens, cue: int, cue_end: int) -> tuple[int, int] | None:
    """The mixed piece in "the wifi is BeachHouse2025, the password I mean".

    A comma, "the"/"my" and the cue (tokens ``cue`` to ``cue_end``) that
    ends its sentence (or is followed by "I mean", "that is") name the piece
    right before the comma, if it is mixed ("Lantern9", not "yesterday").
    """
    texts = toks.texts
    n = len(texts)
    k = cue - 1
    while k >= 0 and k > cue - 3 and texts[k] in ("the", "my", "our"):
        k -= 1
    if k < 1 or k == cue - 1 or texts[k] != ",":
        return None
    e = cue_end + 1
    if e < n and tuple(texts[e : e + 2]) in _NAMING_TAILS:
        e += 2
    if e < n and toks.kinds[e] != PUNCT:
        return None
    p = _piece_start(toks, k - 1)
    span, nxt = _written_value(text, toks, p, strict=True)
    return span if span is not None and nxt == k else None


def _value_is_my(
    text: str, toks: Tokens, k: int, *, phrase: bool = False
) -> tuple[int, int] | None:
    """The value in "bluebird, that's my password": the written piece before "that's".

    Before a phrase cue (``phrase``) the words back to the clause start, small
    words too ("over the hill and far away, that's our passphrase").
    """
    texts = toks.texts
    p = k - 1
    while p >= 0 and texts[p] in (",", "-", "um", "uh"):
        p -= 1
    if p < 0:
        return None
    end = p
    while p > 0 and toks.starts[p] == toks.ends[p - 1]:
        p -= 1
    if texts[p] in _NOT_A_VALUE:
        return None
    if phrase and p == end:
        first = _phrase_start(toks, p)
        if first < p:
            return toks.starts[first], toks.ends[p]
    span, nxt = _written_value(text, toks, p, strict=False)
    if span is None or nxt != end + 1:
        return None
    first = _words_to_clause_start(toks, p)
    return (toks.starts[first], span[1]) if first < p else span


def _phrase_start(toks: Tokens, p: int) -> int:
    """The first word of a phrase ending at token ``p`` that starts its clause, else ``p``.

    Two to ``_PHRASE_WORDS`` plain words, small words among them ("a penny
    for your thoughts"), from the start of the text or after a punctuation
    mark, a word like "um" or a frame ("it's"); none may be a word of
    ``_NOT_IN_PHRASE`` or a cue.
    """
    texts, kinds, starts, ends = toks.texts, toks.kinds, toks.starts, toks.ends
    q = p
    while q > 0 and p - q < _PHRASE_WORDS - 1:
        w = texts[q - 1]
        if kinds[q - 1] != WORD or w in _PHRASE_OPENS or starts[q] == ends[q - 1]:
            break
        q -= 1
    words = texts[q : p + 1]
    if (
        q == p
        or not (q == 0 or kinds[q - 1] == PUNCT or texts[q - 1] in _PHRASE_OPENS)
        or any(w in _NOT_IN_PHRASE or w in _CUE_HEADS or w in _SPEAKERS for w in words)
        or _NOT_A_VALUE.issuperset(words)
    ):
        return p
    return q


_SPEAKERS = frozenset({"i", "i'm", "i've", "we", "we're", "you", "it's", "its", "that's", "thats"})
"""Words that make the words before a phrase cue a sentence, no phrase ("i think ...")."""


_WORDS_BEFORE_MAX = 4
"""At most this many words before the last one of a value before "is my password"."""


def _words_to_clause_start(toks: Tokens, p: int) -> int:
    """The first of the plain words before token ``p`` that reach back to the clause start.

    "purple elephant is the password": "purple" too, as the words start the
    text (or follow a punctuation mark or "um", "so"). ``p`` when they do not
    ("i think elephant is the password") or one of them is no value.
    """
    texts, kinds, starts, ends = toks.texts, toks.kinds, toks.starts, toks.ends
    q = p
    while q > 0 and p - q < _WORDS_BEFORE_MAX:
        w = texts[q - 1]
        if kinds[q - 1] != WORD or w in _OPENERS or w in _NOT_A_VALUE or starts[q] == ends[q - 1]:
            break
        q -= 1
    if q == p or not (q == 0 or kinds[q - 1] == PUNCT or texts[q - 1] in _OPENERS):
        return p
    return q


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
    if not (strict or mixed) and k == j and low not in _NOT_A_VALUE:
        tail = _symbol_tail(text, toks, k)
        if tail is not None:
            return (start, tail[0]), tail[1]  # "helpdesk pound four four one seven"
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
        digits_end = _spoken_digits_after(toks, k)
        if digits_end > k:
            return (start, ends[digits_end]), digits_end + 1  # "falcon one two three"
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


def _symbol_tail(text: str, toks: Tokens, k: int) -> tuple[int, int] | None:
    """(end, next token) of a spelled tail that starts with a symbol word after token ``k``.

    "bronco dollar sign one nine nine eight", "garden hashtag 4 4 1": a
    spoken symbol right after the word, then more spelled items, a digit
    among them (written, or two number words: what ``scan``'s cheap test
    sees).
    """
    texts, kinds = toks.texts, toks.kinds
    if k + 1 >= len(texts) or texts[k + 1] not in SYMBOLS:
        return None
    spelled = spelled_value(text, toks, k + 1)
    if spelled is None:
        return None
    inside = range(k + 1, spelled[3])
    if (
        not any(kinds[q] == DIGITS for q in inside)
        and sum(texts[q] in SPELLED_DIGITS for q in inside) < 2
    ):
        return None
    return spelled[1], spelled[3]


_SPELL_AGAIN_MAX = 24
"""The longest word whose spelling after it is looked for."""
_NUMBER_WORDS = frozenset(UNITS) - {"o"} | frozenset(TEENS) | frozenset(TENS) | {"double", "triple"}
_SPOKEN_DIGITS_MAX = 8
"""At most this many number words after a plain word join it as its digits."""


def _spoken_digits_after(toks: Tokens, k: int) -> int:
    """The last token of the number words right after the plain word at token ``k``, else ``k``.

    "falcon one two three", "cobalt twenty twenty": two number words or
    written digits or more (at most ``_SPOKEN_DIGITS_MAX``), ending the text,
    a punctuation mark or before a word that is none, and not a count of the
    value's words ("two words").
    """
    texts, kinds = toks.texts, toks.kinds
    n = len(texts)
    q = k + 1
    while (
        q < n
        and q - k <= _SPOKEN_DIGITS_MAX
        and (
            (kinds[q] == DIGITS and len(texts[q]) <= 4)
            or (kinds[q] == WORD and texts[q] in _NUMBER_WORDS)
        )
    ):
        q += 1
    if q - k < 3 or (q < n and texts[q] in ("words", "word", "characters", "letters")):
        return k
    return q - 1


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


_LINKING_HOMOPHONES = frozenset({"to", "for"})
"""Words speech-to-text writes for "two" and "four" that are words too: digits in a spelling
only before a digit ("one to three", "pound for for one seven") or after one at the end
("one nine for to")."""


def _homophone_digit(toks: Tokens, k: int) -> bool:
    """Whether "to"/"for" at token ``k`` of a spelling is a digit: one follows it, or the
    homophones after a digit end the text or its sentence."""
    texts, kinds = toks.texts, toks.kinds
    n = len(texts)
    q = k + 1
    while q < n and texts[q] in _LINKING_HOMOPHONES:
        q += 1
    if q < n and kinds[q] != PUNCT:
        return _digit_at(toks, q)
    p = k - 1
    while p >= 0 and texts[p] in _LINKING_HOMOPHONES:
        p -= 1
    return p >= 0 and (kinds[p] == DIGITS or _is_number_word(texts[p]))


def _digit_at(toks: Tokens, k: int) -> bool:
    """Whether a digit is said at token ``k``: digits, a number word, or "to"/"for" before one."""
    texts, kinds = toks.texts, toks.kinds
    for q in range(k, min(len(texts), k + 3)):
        if kinds[q] == DIGITS or (kinds[q] == WORD and _is_number_word(texts[q])):
            return True
        if texts[q] not in _LINKING_HOMOPHONES:
            return False
    return False


def spelled_value(text: str, toks: Tokens, j: int) -> tuple[int, int, bool, int] | None:
    """A value spelled out from token ``j``: (start, end, has letters or symbols, next token).

    Items are single letters ("k", "kilo", "k as in kilo"), digits and number
    words ("ate", "won", "too" after the first item), and spoken symbols
    ("dollar sign"); spelling words ("capital", "the number", "then") join them.
    Two items with a spelling word, or three items, make a spelled value.
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
            if w == "i" and k + 1 < n and texts[k + 1] in _SPEAKER_VERBS:
                break  # "... nine i think": the speaker
            step = 1
            letters = True
            if k + 3 < n and texts[k + 1] == "as" and texts[k + 2] == "in":
                step = 4  # "k as in kilo"
            elif k + 2 < n and texts[k + 1] == "for" and kinds[k + 2] == WORD:
                step = 3  # "b for bravo"
        elif kind == DIGITS and len(w) <= 4:
            step = 1
        elif kind == WORD and (
            _is_number_word(w)
            or (items and w in _SPELLED_HOMOPHONES)
            or (items and w in _LINKING_HOMOPHONES and _homophone_digit(toks, k))
        ):
            step = 2 if w in ("double", "triple") and k + 1 < n else 1
        elif kind == WORD and w in SYMBOLS:
            has_suffix = k + 1 < n and texts[k + 1] in _SYMBOL_SUFFIX
            if (
                w in _NEEDS_SUFFIX
                and not has_suffix
                and not (w == "pound" and _digit_at(toks, k + 1))
            ):
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


def whole_answer(text: str, toks: Tokens) -> tuple[int, int] | None:
    """The caller's whole answer, minus lead-ins and tails, after "what's your password?".

    Tails are "I think", "thanks" and the like after the value ("sunflower
    1977 i think"). None when the answer is plainly no password ("hold on, I
    don't remember") or only digits (the number reader's: a password or a PIN).
    """
    kinds, texts = toks.kinds, toks.texts
    n = len(texts)
    i = 0
    while i < n and texts[i] in _LEAD_INS:
        i += 1
    last = _answer_end(toks, i)
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
        return (spelled[0], spelled[1]) if spelled[2] else None  # digits: the number reader's
    if all(
        kinds[k] == DIGITS or kinds[k] == PUNCT or _is_number_word(texts[k])
        for k in range(i, last + 1)
    ):
        return None  # "4471", "twenty twenty": the number reader's
    words = last + 1 - i
    again = _spelled_again(text, toks, i + 1, text[toks.starts[i] : toks.ends[i]].lower())
    if again is not None and again[1] > last:
        return toks.starts[i], again[0]  # "its tangerine t a n g e r i n e"
    if words > 8:
        return None
    if words == 1 and kinds[i] == WORD and texts[i] in _NOT_A_VALUE:
        return None
    return toks.starts[i], toks.ends[last]


_TAIL_AFTER_I = frozenset({"think", "guess", "believe", "suppose", "reckon"})
_TAILS = frozenset({"thanks", "please", "maybe", "probably", "right"})


def _answer_end(toks: Tokens, i: int) -> int:
    """The last token of an answer starting at token ``i``, before its tail ("... i think")."""
    kinds, texts = toks.kinds, toks.texts
    last = len(texts) - 1
    while last > i:
        if (kinds[last] == PUNCT and texts[last] in ".,!?;") or texts[last] in _TAILS:
            last -= 1
        elif texts[last] in _TAIL_AFTER_I and texts[last - 1] == "i" and last - 1 > i:
            last -= 2
        else:
            break
    if last == i and kinds[last] == PUNCT and texts[last] in ".,!?;":
        return i - 1
    piece = _piece_end(toks, i) if i < len(texts) else i
    if (
        piece < last
        and texts[piece] == ","
        and not _DESCRIBES_CASE.isdisjoint(texts[piece + 1 : last + 1])
    ):
        return piece - 1  # "Kestrel-2019, K capital": the piece, then how it is written
    return last


_DESCRIBES_CASE = frozenset(
    {"capital", "capitals", "cap", "caps", "uppercase", "upper", "lowercase", "lower", "small",
     "spaces", "sensitive"}
)  # fmt: skip
"""Words after a comma that tell how the piece before it is written ("..., K capital")."""


# Values with no cue right before them: "i forgot the portal password, i think it's
# Doctor!123", "it's qwerty123, i know", "i've tried Lighthouse12 and lighthouse#12".

_SYMBOL_CHARS = "!#$%&*@^_~+="
_SYMBOL_TOKENS = frozenset(_SYMBOL_CHARS)
LOOSE_TRIGGERS = frozenset(
    {"capital", "capitals", "caps", "lowercase", "uppercase", "lower", "upper", "spaces",
     "sentence", "words", "exclamation", "spell", "spelled", "sensitive", "whole", "phrase"}
)  # fmt: skip
"""Words without which a value with no cue, no digit and no symbol is not looked for: a
spelling ("capital R o c k e t"), a form ("... the whole sentence"), "I'll spell it",
a name after the value ("nine lives cat is the phrase")."""
_LOOSE_TOKENS = LOOSE_TRIGGERS | _SYMBOL_TOKENS
_CASE_WORDS = frozenset(
    {"capital", "capitals", "caps", "lowercase", "uppercase", "lower", "upper", "sensitive"}
)  # fmt: skip
"""Words of letter case: in a text with one, mixed case after a frame is a value."""
_FRAMES = frozenset(
    {"it's", "its", "says", "said", "tried", "try", "trying", "use", "used", "using", "typed",
     "entered", "enter", "type", "maybe"}
)  # fmt: skip
"""Words after which a value may come with no cue: "it's qwerty123", "it says Grandpa#2021"."""
_FRAME_SUBJECTS = frozenset({"it", "that", "one", "which"})
"""Words before "is"/"was" that make it a frame: "it was hunter2", "the one I use is ..."."""
_MODALS = frozenset({"might", "could", "may", "should", "would", "will", "must"})
"""Words before "be" that make it a frame: "it might be chiefs2020"."""
_SETTING_VERBS = frozenset(
    {"set", "changed", "change", "reset", "updated", "update", "switched", "made", "make"}
)  # fmt: skip
"""Verbs of "I set it to ...", "I made it ...": after them mixed case alone makes a value."""
_FRAME_FILLERS = frozenset(
    {",", "-", "uh", "um", "er", "erm", "like", "so", "oh", "i", "think", "guess", "probably",
     "just", "always"}
)  # fmt: skip
_OTHER_NAMES = frozenset(
    {"username", "usernames", "user", "login", "email", "e-mail", "id", "number", "code",
     "reference", "ref", "confirmation", "order", "claim", "member", "policy", "tracking",
     "serial", "model", "version", "flight", "gate", "seat", "plate", "registration", "vin",
     "zip", "postcode", "address", "handle", "network", "ssid", "license", "licence",
     "booking", "ticket", "invoice", "receipt", "voucher", "promo", "coupon", "iban", "swift",
     "bic", "sort", "prescription", "rx", "street", "apartment", "unit", "suite"}
)  # fmt: skip
"""Names of other values: a mixed piece after one of them is that value ("my member id is
mbr511961"), unless a password cue comes nearer before it."""
_NOT_SECRET_STEMS = frozenset(
    {"covid", "iphone", "ipad", "ipod", "pixel", "galaxy", "windows", "win", "xbox", "office",
     "android", "ios", "macos", "playstation", "vitamin", "omega", "route", "highway", "apt",
     "room", "terminal", "channel", "model", "version", "type", "level", "floor", "chapter",
     "error", "err", "unit", "suite", "flat", "gate", "flight", "seat", "platform", "bus",
     "zone", "ward", "bay", "exit", "aisle", "lot", "step", "page", "line", "week", "day",
     "cvv", "cvc", "cvn", "csc", "cid", "ssn", "dob", "zip", "ext", "pin"}
)  # fmt: skip
"""Letters that begin a name with a number, no secret ("covid19", "iphone15", "route66")."""
_ALTERNATIVES = frozenset({"and", "or"})
_NEXT_TRY = frozenset({"then", "also"})
"""Words after "and"/"or" that still join a second try to the first ("and then")."""
_LOOK_BACK = 40
"""Tokens before a mixed piece in which its password cue, or another value's name, is looked for."""
_NAME_REACH = 12
"""A name of another value at most this many tokens before a framed piece makes it that value."""
_PHRASE_ALTERNATIVE = 4
"""The longest phrase before "or" read as a value too ("it might be Kansas City Chiefs or ...")."""
_FORMS = (
    ("the", "whole", "sentence"), ("all", "one", "word"), ("with", "no", "spaces"),
    ("no", "spaces"), ("with", "spaces"), ("with", "a", "space"), ("all", "lower", "case"),
    ("all", "lowercase"),
    ("all", "upper", "case"), ("all", "uppercase"), ("all", "caps"), ("all", "capitals"),
)  # fmt: skip
"""Words that tell the form of the value just said ("... the whole sentence", "... no spaces")."""
_FORM_HEADS = frozenset(f[0] for f in _FORMS) | _COUNTED
_FORM_WINDOW = 10
"""At most this many tokens of a value before the words of its form."""
_CASE_MARKERS = frozenset(
    {"capital", "cap", "caps", "uppercase", "upper", "lowercase", "lower", "small", "big"}
)  # fmt: skip
_NOT_IN_PHRASE = frozenset(
    {"not", "working", "broken", "wrong", "incorrect", "invalid", "expired", "locked",
     "password", "passcode", "pin", "code", "fine", "okay", "ok", "gone", "done", "lost",
     "changed", "updated", "reset", "created", "modified"}
)  # fmt: skip
"""Words that make a phrase no value ("not working", "last changed in 2023")."""
_DESCRIBING = _NOT_IN_PHRASE | frozenset(
    {"my", "your", "his", "her", "our", "their", "name", "birthday", "email", "address",
     "number"}
)  # fmt: skip
"""Words that make words before their form a description, no value ("my first name")."""


def may_hold_loose_value(toks: Tokens) -> bool:
    """Whether a text of tokens ``toks`` may hold a password with no cue before it.

    A cheap test: a token of digits and three letters in a row ("qwerty123",
    not "1Z" or "GB82"), a symbol ("Grandpa#2021"), a word of
    ``LOOSE_TRIGGERS``, or a letter spelled by a word ("t as in tango"). Where it says
    no, :func:`find_passwords` finds no value unless a cue or a request brings one.
    """
    texts = toks.texts
    return (
        not _LOOSE_TOKENS.isdisjoint(texts)
        or _worded_mix(toks)
        or _phonetic(texts)
        or _spoken_symbol(texts)
        or _spelled_word(texts)
    )


def _spelled_word(texts: list[str]) -> bool:
    """Whether ``texts`` may spell a word and its number after a frame ("it's q w e r t y 1 2")."""
    return not _FRAMES.isdisjoint(texts) and _letter_run(texts)


_RARE_SYMBOL_WORDS = frozenset({"underscore", "hashtag", "asterisk", "ampersand"})
"""Symbol words said almost only in spelling a value ("bronco underscore 1998")."""


def _spoken_symbol(texts: list[str]) -> bool:
    """Whether ``texts`` say a symbol: a word of ``_RARE_SYMBOL_WORDS``, or a symbol word
    before "sign" or "symbol" ("dollar sign", "pound sign")."""
    if not _RARE_SYMBOL_WORDS.isdisjoint(texts):
        return True
    if "sign" not in texts and "symbol" not in texts:
        return False
    return any(
        w in ("sign", "symbol") and k and texts[k - 1] in SYMBOLS for k, w in enumerate(texts)
    )


_THREE_LETTERS = re.compile("[a-z]{3}")


def _worded_mix(toks: Tokens) -> bool:
    """Whether a token mixes digits with three letters in a row (a mixed piece needs them)."""
    kinds, texts = toks.kinds, toks.texts
    k = -1
    for _ in range(kinds.count(ALNUM)):
        k = kinds.index(ALNUM, k + 1)
        if _THREE_LETTERS.search(texts[k]) is not None:
            return True
    return False


def _standalone_trigger(toks: Tokens) -> bool:
    """Whether a word of ``LOOSE_TRIGGERS`` stands as a word of its own: inside a piece
    ("sensitive_operation", an identifier in a log line) it is part of that piece."""
    texts, kinds, starts, ends = toks.texts, toks.kinds, toks.starts, toks.ends
    n = len(texts)

    def touches(i: int, step: int) -> bool:
        """Whether token ``i`` is joined to the piece on side ``step``: a word touches it, or
        a mark that touches another token ("sensitive_operation"; "words." ends a sentence)."""
        j = i + step
        if not 0 <= j < n or (starts[i] != ends[j] if step < 0 else ends[i] != starts[j]):
            return False
        k = j + step
        if kinds[j] != PUNCT:
            return True
        return 0 <= k < n and (starts[j] == ends[k] if step < 0 else ends[j] == starts[k])

    return any(
        w in LOOSE_TRIGGERS and not touches(i, -1) and not touches(i, 1)
        for i, w in enumerate(texts)
    )


_CAREFUL_LETTERS = 4
"""Letters a careful spelling ("t as in tango r u f f l e 7") needs to be a password: fewer
("b as in bravo 4 7 2") spell a reference as often. It needs a written digit or two
number words too (what ``scan``'s cheap test sees)."""


def _phonetic(texts: list[str]) -> bool:
    """Whether ``texts`` spell a letter by a word ("t as in tango"): a careful spelling."""
    if "as" not in texts or "in" not in texts:
        return False
    return any(
        w == "as" and 0 < k < len(texts) - 2 and texts[k + 1] == "in" and len(texts[k - 1]) == 1
        for k, w in enumerate(texts)
    )


def _loose_values(
    text: str, toks: Tokens, found: list[tuple[int, int]], *, framed: bool
) -> list[tuple[int, int]]:
    """Values with no cue right before them, not overlapping ``found``.

    - A mixed piece (a letter first, then digits or symbols: ``_shaped``)
      after a password cue further back in the text, with no other value's
      name nearer ("the password is my dog's name and the year, biscuit2016").
    - With ``framed`` (nothing was asked for), after a frame ("it's", "it
      says", "tried", "it might be", "I set it to", "no wait"): a mixed
      piece, a value spelled with a case or symbol word ("its capital R o c
      k e t 8 8") or, after "spell it", with digits, words followed by their
      form ("its the cat sat on the mat the whole sentence"), and, after
      "set it to"/"made it", mixed case alone ("ILoveMyDog"). A name of
      another value shortly before ("my member id, it's mbr511961") takes
      the piece for that value.
    - Alternatives joined by "and"/"or" to a value ("tried Lighthouse12 and
      lighthouse#12", "it might be Kansas City Chiefs or chiefs2020"), and a
      plain word after a frame that is taken back for a value that follows
      ("it's elephant no wait that's the old one it's elephant2").
    - At the start of the text (only "um", "ok" before), a spelling or two
      words or more followed by their form ("rocket man 3 with spaces").

    A piece with a symbol and no digit counts only with a password cue
    before it or a word of ``LOOSE_TRIGGERS`` in the text ("it's
    Winter$Snow" alone is not read: ``scan``'s cheap test could not see it).

    Every look is bounded (``_LOOK_BACK``, ``_FORM_WINDOW``, ``_TAKEN_BACK_REACH``),
    so the work is linear in the text.
    """
    texts, kinds, starts, ends = toks.texts, toks.kinds, toks.starts, toks.ends
    symbols = _SYMBOL_TOKENS.intersection(texts)
    shaped = bool(symbols) or _worded_mix(toks)
    triggered = not LOOSE_TRIGGERS.isdisjoint(texts) and _standalone_trigger(toks)
    hinted = framed and (
        triggered or _phonetic(texts) or _spoken_symbol(texts) or _spelled_word(texts)
    )
    if not (shaped or hinted):
        return []
    cased = hinted and not _CASE_WORDS.isdisjoint(texts)
    out: list[tuple[int, int]] = []  # in order of start
    back: list[tuple[int, int]] = []  # plain words taken back for a later value
    taken = sorted(found)
    taken_starts = [a for a, _ in taken]

    def before(pos: int) -> list[tuple[int, int]]:
        """The values found last before ``pos`` (a few: the look is bounded)."""
        j = bisect_left(taken_starts, pos)
        return [*taken[max(0, j - 3) : j], *out[-2:]]

    def free(a: int, b: int) -> bool:
        return all(e <= a or b <= s for s, e in before(b))

    # every piece when a spelling or form may be there, else only the mixed pieces
    pieces = range(len(texts)) if hinted else _mixed_pieces(toks, symbols)
    nxt = 0
    for i in pieces:
        if i < nxt or (i and starts[i] == ends[i - 1]):
            continue  # inside a value, or not the start of a piece
        piece_end = _piece_end(toks, i)
        raw_end = _trimmed_end(text, starts[i], ends[piece_end])
        span: tuple[int, int] | None = None
        nxt = i + 1
        frame = _frame_before(texts, i) if framed else _NO_FRAME
        if (
            shaped
            and _shaped(text[starts[i] : raw_end], loose=frame == _SETTING)
            and not _spoken_email(texts, piece_end)
        ):
            if frame == _NO_FRAME and framed and _opens(texts, i):
                frame = _OPENING  # "qwerty123, that's it"
            owner = _owner(texts, i, framed=frame != _NO_FRAME)
            if not (triggered or owner == "password" or _has_digit(text, starts[i], raw_end)):
                continue  # "it's Winter$Snow": a symbol alone needs a cue or a trigger word
            if owner == "" and frame != _NO_FRAME and _named_after(texts, piece_end):
                owner = "other"  # "ua1482 is my flight"
            joined = owner == "" and framed and _after_alternative(toks, i, before(starts[i]))
            if owner == "password" or (owner == "" and frame != _NO_FRAME) or joined:
                span = (starts[i], raw_end)
            elif owner == "" and framed:
                phrase = _phrase_alternative(texts, kinds, i)
                if phrase is not None and free(starts[phrase[0]], ends[phrase[1]]):
                    out.append((starts[phrase[0]], ends[phrase[1]]))
                    span = (starts[i], raw_end)
            if span is not None and framed:
                word = _taken_back_before(texts, i)
                if word >= 0 and free(starts[word], ends[word]):
                    back.append((starts[word], ends[word]))
            nxt = piece_end + 1
        elif (
            hinted
            and (
                frame in (_FRAME, _SETTING, _SPELLING)
                or (frame == _NO_FRAME and texts[i] not in _OPENERS and _opens(texts, i))
            )
            and _owner(texts, i, framed=True) == ""
        ):
            if frame == _NO_FRAME:
                frame = _OPENING  # "rocket man 3 with spaces maybe"
            got = _framed_words(text, toks, i, frame=frame, cased=cased)
            if got is not None:
                span, nxt = (got[0], got[1]), got[2]
        if span is not None and free(*span):
            out.append(span)
    return sorted([*out, *back]) if back else out


def _has_digit(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` holds an ASCII digit (what ``scan`` sees as one)."""
    return any("0" <= ch <= "9" for ch in text[start:end])


def _mixed_pieces(toks: Tokens, symbols: set[str]) -> list[int]:
    """The first tokens of the pieces that hold a mixed token or a symbol, in order."""
    kinds, texts = toks.kinds, toks.texts
    firsts: list[int] = []
    for kind_or_text, seq in ((ALNUM, kinds), *((sym, texts) for sym in symbols)):
        k = -1
        for _ in range(seq.count(kind_or_text)):
            k = seq.index(kind_or_text, k + 1)
            firsts.append(_piece_start(toks, k))
    return sorted(set(firsts))


def _piece_start(toks: Tokens, k: int) -> int:
    starts, ends = toks.starts, toks.ends
    while k and starts[k] == ends[k - 1]:
        k -= 1
    return k


_TAKEN_BACK = frozenset({"no", "wait", "sorry", "but", "actually", "oops", "nope", "or"})
"""Words right after a value that take it back or set another beside it."""
_TAKEN_BACK_REACH = 14
"""Tokens before a value in which a plain word taken back for it is looked for."""


def _taken_back_before(texts: list[str], i: int) -> int:
    """A plain word after a frame, taken back before the value at token ``i`` (else -1).

    "it's elephant no wait that's the old one it's elephant2": "elephant"
    was said as the password too.
    """
    for q in range(i - 1, max(0, i - _TAKEN_BACK_REACH), -1):
        if texts[q] not in _TAKEN_BACK:
            continue
        p = q - 1 if texts[q - 1] != "," else q - 2
        if (
            p >= 0
            and texts[p].isalpha()
            and texts[p] not in _NOT_A_VALUE
            and _frame_before(texts, p) in (_FRAME, _SETTING)
            and _owner(texts, p, framed=True) == ""
        ):
            return p
    return -1


def _spoken_email(texts: list[str], k: int) -> bool:
    """Whether "at ... dot" follows token ``k``: "jsmith42 at gmail dot com" is an address."""
    return k + 2 < len(texts) and texts[k + 1] == "at" and "dot" in texts[k + 2 : k + 5]


def _piece_end(toks: Tokens, i: int) -> int:
    """The last token of the whitespace-free piece that starts at token ``i``."""
    starts, ends = toks.starts, toks.ends
    n = len(starts)
    k = i
    while k + 1 < n and starts[k + 1] == ends[k]:
        k += 1
    return k


def _trimmed_end(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1] in ".,;:?\"')":
        end -= 1
    return end


def _shaped(raw: str, *, loose: bool) -> bool:
    """Whether the written piece ``raw`` looks like a password, with no cue to say so.

    It starts with a letter, has a run of three letters with two in lower
    case (so no code in capitals, "MBR511961"), no dot or slash (no address),
    and a digit or a symbol inside ("qwerty123", "Winter$Snow"); with
    ``loose`` (after "I set it to") mixed case or a symbol at the end is
    enough ("ILoveMyDog", "Greenwood!").
    """
    if not 4 <= len(raw) <= 32 or not raw[0].isalpha() or "." in raw or "/" in raw:
        return False
    run = low = 0
    stem_end = 0
    for ch in raw:
        if ch.isalpha():
            run += 1
            low += ch.islower()
            if run >= 3 and low >= 2:
                break
        else:
            run = low = 0
    else:
        return False
    while stem_end < len(raw) and raw[stem_end].isalpha():
        stem_end += 1
    if raw[:stem_end].lower() in _NOT_SECRET_STEMS:
        return False
    digits = sum(ch.isdigit() for ch in raw)
    if digits:
        return digits <= 12
    if any(ch in _SYMBOL_CHARS for ch in raw[1:-1]):
        return True
    if not loose:
        return False
    return raw[-1] in _SYMBOL_CHARS or any(ch.isupper() for ch in raw[1:])


_NO_FRAME, _FRAME, _SETTING, _CORRECTED, _SPELLING, _OPENING = range(6)
"""Kinds of frame before a value: none; "it's"; "I set it to" (mixed case alone is a
value); "no wait" (only a mixed piece); "I'll spell it" (a spelling with digits); the
start of the text (only a mixed piece)."""
_OPENERS = frozenset(
    {"yeah", "yes", "ok", "okay", "um", "uh", "er", "erm", "so", "oh", "well", "sure",
     "alright", "hmm", ",", "-"}
)  # fmt: skip
_PHRASE_OPENS = _OPENERS | _FRAMES | {"is", "was", "be"}
"""Words after which a phrase said before its cue may start ("it's a penny for your ...")."""
_NAME_AHEAD = 4
"""Tokens after a mixed piece in which another value's name takes it ("ua1482 is my flight")."""


def _opens(texts: list[str], i: int) -> bool:
    """Whether only words like "um", "ok" stand before token ``i`` at the start of the text."""
    return i <= 4 and all(w in _OPENERS for w in texts[:i])


def _named_after(texts: list[str], k: int) -> bool:
    """Whether another value's name follows token ``k`` closely, before any password cue."""
    for w in texts[k + 1 : k + 1 + _NAME_AHEAD]:
        if w in _CUE_HEADS:
            return False
        if w in _OTHER_NAMES:
            return True
    return False


_CORRECTED_FRAMES = frozenset({"no", "wait", "sorry", "actually", "mean", "oops", "nope"})
VALUE_LEADS = _FRAMES | _CORRECTED_FRAMES | frozenset({"is", "was", "be", "to", "it"})
"""The last words of every frame: a value with no cue may start right after one of them."""


def _frame_before(texts: list[str], i: int) -> int:
    """The kind of frame that ends right before token ``i`` (fillers may stand between)."""
    k = i - 1
    while k >= 0 and k > i - 5 and texts[k] in _FRAME_FILLERS:
        k -= 1
    if k < 0:
        return _NO_FRAME
    w = texts[k]
    if w in _FRAMES:
        return _FRAME
    prev = texts[k - 1] if k else ""
    if w in ("is", "was") and not _FRAME_SUBJECTS.isdisjoint(texts[max(0, k - 4) : k]):
        return _FRAME  # "it was hunter2", "the one I tried was Applesauce9"
    if w == "be" and (prev in _MODALS or (prev == "to" and k >= 2 and texts[k - 2] == "used")):
        return _FRAME  # "it might be chiefs2020", "it used to be hazelnut"
    if w == "to" and "it" in texts[max(0, k - 3) : k]:
        v = texts.index("it", max(0, k - 3), k) - 1
        if v >= 0 and texts[v] in _SETTING_VERBS:
            return _SETTING  # "I set it to", "I reset it yesterday to"
    if w == "from" and "it" in texts[max(0, k - 3) : k]:
        v = texts.index("it", max(0, k - 3), k) - 1
        if v >= 0 and texts[v] in _SETTING_VERBS:
            return _FRAME  # "I changed it from doglover12 to ...": the old value, mixed only
    if w == "it" and prev in ("made", "make"):
        return _SETTING
    if w == "it" and prev in ("spell", "spelled", "spelling"):
        return _SPELLING
    if w in _CORRECTED_FRAMES:
        return _CORRECTED
    return _NO_FRAME


def _owner(texts: list[str], i: int, *, framed: bool) -> str:
    """Whose value a piece at token ``i`` is, by the nearest name before it.

    "password" when a password cue is nearest (within ``_LOOK_BACK``),
    "other" when another value's name is (within ``_NAME_REACH`` for a
    framed piece, so a frame far after the name is free of it), else "".
    """
    for k in range(i - 1, max(-1, i - _LOOK_BACK), -1):
        w = texts[k]
        if w in CUE_WORDS or w == "pass" or (k and (texts[k - 1], w) in _TWO_WORD_CUES):
            return "password"
        if (
            w in _OTHER_NAMES
            and (not framed or i - k <= _NAME_REACH)
            and not (k + 1 < i and texts[k + 1] == "one")  # "my email one": its password
        ):
            return "other"
    return ""


def _after_alternative(toks: Tokens, i: int, values: list[tuple[int, int]]) -> bool:
    """Whether "and"/"or" joins token ``i`` to a value just before ("A12b and a12#b").

    "and then", "and also" or "then" alone join one too ("I tried Marina7 and then marina7").
    """
    texts, starts, ends = toks.texts, toks.starts, toks.ends
    k = i - 1
    if k >= 2 and texts[k] in _NEXT_TRY and texts[k - 1] in _ALTERNATIVES:
        k -= 1  # "and then", "and also"
    elif k < 1 or (texts[k] not in _ALTERNATIVES and texts[k] != "then"):
        return False  # "then" alone joins too: "Harbor12 then harbor12"
    k -= 1
    if texts[k] == "," and k >= 1:
        k -= 1
    return any(starts[k] < e <= ends[k] for _, e in values)


def _phrase_alternative(texts: list[str], kinds: list[int], i: int) -> tuple[int, int] | None:
    """The words between a frame and "or" before token ``i`` ("be Kansas City Chiefs or")."""
    k = i - 1
    if k < 2 or texts[k] != "or":
        return None
    last = k - 1
    first = last
    while first > 0 and last - first < _PHRASE_ALTERNATIVE and kinds[first] == WORD:
        if _frame_before(texts, first) == _FRAME and texts[first - 1] not in _FRAME_FILLERS:
            break
        first -= 1
    if kinds[first] != WORD or _frame_before(texts, first) != _FRAME:
        return None
    words = texts[first : last + 1]
    if any(w in _NOT_A_VALUE or w in _NOT_IN_PHRASE for w in words):
        return None
    return first, last


def _framed_words(
    text: str, toks: Tokens, i: int, *, frame: int, cased: bool
) -> tuple[int, int, int] | None:
    """A value that is no mixed piece right after a frame, at token ``i``: (start, end, next).

    A spelling with a case or symbol word ("capital R o c k e t 8 8"), or
    after "spell it" with a digit ("g as in golf r a n i t e six"), or with
    its form after it ("alpha bravo seven seven that's the whole thing");
    words followed by their form ("the cat sat on the mat the whole
    sentence", "ramen forever, two words"); or after a setting frame, or in
    a text that talks of letter case, a piece in mixed case ("ILoveMyDog",
    "it's not case sensitive right it's MoonRiver"). At the start of the
    text (``_OPENING``) only a spelling with a symbol and a case word ("dash,
    capital K, i, n, g") or two words or more, none of them a word that is no
    value, before their form ("rocket man 3 with spaces").
    """
    texts, kinds, starts, ends = toks.texts, toks.kinds, toks.starts, toks.ends
    n = len(texts)
    spelled = spelled_value(text, toks, i)
    if spelled is not None:
        inside = texts[i : spelled[3]]
        symbol = not _SYMBOL_WORDS.isdisjoint(inside)
        digit = any(kinds[k] == DIGITS or texts[k] in SPELLED_DIGITS for k in range(i, spelled[3]))
        case_word = not _CASE_MARKERS.isdisjoint(inside)
        careful = (
            frame != _OPENING
            and _phonetic(inside)
            and sum(len(w) == 1 and w.isalpha() for w in inside) >= _CAREFUL_LETTERS
            and (
                any(kinds[k] == DIGITS for k in range(i, spelled[3]))
                or sum(w in SPELLED_DIGITS for w in inside) >= 2
            )
        )
        word_then_number = frame in (_FRAME, _SPELLING) and _word_then_number(toks, i, spelled[3])
        if (
            (symbol and (frame != _OPENING or case_word))
            or (digit and (case_word or careful or word_then_number or frame == _SPELLING))
            or (spelled[3] < n and _form_follows(texts, spelled[3]))
        ):
            return spelled[0], spelled[1], spelled[3]  # a name spelled has no digit
        return None
    if frame != _OPENING and kinds[i] == WORD and texts[i] not in _NOT_A_VALUE:
        tail = _symbol_tail(text, toks, i)
        if tail is not None:
            return starts[i], tail[0], tail[1]  # "bronco dollar sign one nine nine ate"
    if frame != _OPENING and (frame == _SETTING or cased):
        end = _trimmed_end(text, starts[i], ends[_piece_end(toks, i)])
        if _shaped(text[starts[i] : end], loose=True):
            return starts[i], end, _piece_end(toks, i) + 1
    k = i
    limit = min(n, i + _FORM_WINDOW)
    while k < limit and (kinds[k] in (WORD, DIGITS) or texts[k] in _FORM_JOINS):
        w = texts[k]
        if k > i and _form_follows(texts, k):
            words = texts[i:k]
            if any(x in _DESCRIBING for x in words) or all(x in _NOT_A_VALUE for x in words):
                return None
            if frame == _OPENING and (len(words) < 2 or not _NOT_A_VALUE.isdisjoint(words)):
                return None  # "cancel the whole thing", "is it with spaces"
            return starts[i], ends[k - 1], k
        if w in _DESCRIBING or w in _FORM_JOINS:
            return None
        k += 1
    return None


_WORD_LETTERS = 5
"""Letters a spelling with no case or symbol word needs before its number to be a password
("q w e r t y one two three"): fewer ("k l m 4 4 7") spell a reference as often."""


def _word_then_number(toks: Tokens, i: int, end: int) -> bool:
    """Whether the spelling in tokens ``i`` to ``end`` is a word's letters, then its number.

    At least ``_WORD_LETTERS`` single letters first ("q, w, e, r, t, y"),
    then only digits: two written digits or two number words at least
    ("1, 2, 3", "one to three"), so ``scan``'s cheap test sees them.
    """
    texts, kinds = toks.texts, toks.kinds
    letters = digits = 0
    for k in range(i, end):
        w = texts[k]
        if w in (",", "-"):
            continue
        if kinds[k] == WORD and len(w) == 1 and w.isalpha() and not digits:
            letters += 1
        elif kinds[k] == DIGITS:
            digits += 2
        elif w in SPELLED_DIGITS or w in _LINKING_HOMOPHONES or w in _SPELLED_HOMOPHONES:
            digits += 1
        else:
            return False
    return letters >= _WORD_LETTERS and digits >= 2


def _letter_run(texts: list[str]) -> bool:
    """Whether ``texts`` hold ``_WORD_LETTERS`` single letters in a row (commas between)."""
    run = 0
    for w in texts:
        if len(w) == 1 and w.isalpha():
            run += 1
            if run >= _WORD_LETTERS:
                return True
        elif w not in (",", "-"):
            run = 0
    return False


_FORM_JOINS = frozenset({",", "-", "that's", "thats"})
"""Words that may stand between a value and its form ("ramen forever, two words")."""
_FORMS_AFTER_THAT = (("the", "whole", "thing"),)
"""Forms said only after "that's" ("... that's the whole thing")."""


def _form_follows(texts: list[str], k: int) -> bool:
    """Whether the words of a form start at token ``k``, or after a comma or "that's" there."""
    n = len(texts)
    if texts[k] in _FORM_JOINS:
        k += 1
        if k >= n:
            return False
        if texts[k - 1] in ("that's", "thats") and any(
            tuple(texts[k : k + len(f)]) == f for f in _FORMS_AFTER_THAT
        ):
            return True
    return texts[k] in _FORM_HEADS and _form_at(texts, k)


_SYMBOL_WORDS = frozenset(SYMBOLS) - _NEEDS_SUFFIX
SPELLED_DIGITS = frozenset(UNITS) - {"o", "oh"} | frozenset(TEENS) | frozenset(TENS)
"""Number words that are digits in a spelling ("o" and "oh" there are the letter)."""


def _after_form(texts: list[str], k: int) -> int:
    """The token after the words of a form at ``k`` (and a comma after them)."""
    if texts[k] in _COUNTED:
        k += 2
    else:
        k += next(len(f) for f in _FORMS if tuple(texts[k : k + len(f)]) == f)
    return k + 1 if k < len(texts) and texts[k] in (",", "-", ":") else k


def _form_at(texts: list[str], k: int) -> bool:
    """Whether the words of a value's form start at token ``k`` ("no spaces", "two words")."""
    if texts[k] in _COUNTED:
        return k + 1 < len(texts) and texts[k + 1] in ("words", "word")
    return any(tuple(texts[k : k + len(f)]) == f for f in _FORMS)
