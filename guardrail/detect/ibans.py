"""The IBAN recognizer: written ("GB82 WEST 1234 ...") and read aloud.

Written, an IBAN is a country code, two check digits and the account part,
compact or in groups of four; it counts wherever it appears when its length
fits the registry and its mod-97 check holds.

Read aloud, after an IBAN cue or the agent's question, it is a string of
items: letters ("g", "golf", "g as in golf", "G for George"), digits and
number words ("eighty two" is ``82``, "double four" is ``44``), and mixed
tokens ("gb82"); commas, dashes and fillers between them are skipped. The
items read as an IBAN when they start with a registry country and two check
digits. With the cue, a value that fails mod-97 (a misheard digit) or is
still short is still an IBAN. Each start reads a bounded stretch of tokens
and the next start is after it, so the work is linear.

To add a phrasing: a spelling word goes in ``passwords.NATO``, a word that
may sit between items in ``_SKIP``.
"""

from __future__ import annotations

import re
from itertools import compress

from .numbers import ALNUM, DIGITS, REPEATS, TEENS, TENS, UNITS, WORD, Tokens
from .passwords import NATO
from .validators import IBAN_LENGTHS, iban_ok

__all__ = ["spoken_ibans", "written_ibans"]

_IBAN_RE = re.compile(
    r"(?<![A-Za-z0-9])([A-Za-z]{2}\d{2}(?:[A-Za-z0-9]{11,30}|(?:[ -][A-Za-z0-9]{4}){2,7}"
    r"(?:[ -][A-Za-z0-9]{1,4})?))(?![A-Za-z0-9])"
)
"""An IBAN as written: compact, or in groups of four after the check digits."""
_SKIP = frozenset(
    {",", "-", ".", "um", "uh", "er", "erm", "like", "space", "dash", "then", "and", ":", "/"}
)
_PAUSE_PAIRS = frozenset(
    {("you", "know"), ("hang", "on"), ("hold", "on"), ("i", "mean"), ("let", "me"), ("um", ",")}
)
_LETTERISH = frozenset("abcdefghijklmnopqrstuvwxyz") | frozenset(NATO)
_MAX_TOKENS = 120
_LEADS = frozenset(
    {"is", "it's", "its", "it", "my", "the", "number", ":", "sure", "yes", "yeah", "ok",
     "okay", "so", "um", "uh", "that's", "thats", "of", "iban", "be", "would", "should",
     "ibans", "iban's", "account", "international", "bank", ".", ",", "...", "er", "like"}
)  # fmt: skip


def written_ibans(text: str) -> list[tuple[int, int]]:
    """Spans of the IBANs written in ``text`` that keep the registry length and mod-97."""
    out = []
    for m in _IBAN_RE.finditer(text):
        raw = m.group(1)
        compact = raw.replace(" ", "").replace("-", "")
        want = IBAN_LENGTHS.get(compact[:2].upper())
        if want is None or len(compact) < want or not iban_ok(compact[:want]):
            continue
        count = 0
        end = m.start(1)
        for k, ch in enumerate(raw):  # the match may run on into following words
            if ch.isalnum():
                count += 1
                if count == want:
                    end = m.start(1) + k + 1
                    break
        out.append((m.start(1), end))
    return out


def spoken_ibans(
    text: str, toks: Tokens, cue_ends: list[int], expected: bool, *, anywhere: bool = False
) -> list[tuple[int, int]]:
    """Spans of IBANs read aloud after the cues ending at tokens ``cue_ends``.

    ``expected`` says the agent just asked for an IBAN: then the answer's
    start is a place to look too. ``anywhere`` looks for IBANs with no cue
    at all, starting at any spelled letter; those must pass mod-97.
    """
    texts = toks.texts
    n = len(texts)
    starts = [0] if expected else []
    starts.extend(k + 1 for k in cue_ends)
    out: list[tuple[int, int]] = []
    done = 0
    for s in starts:
        s = max(s, done)
        limit = min(n, s + 10)
        while s < limit and texts[s] in _LEADS:
            s += 1
        # "it starts f r 4 4 ...": the value may begin a few words on
        for k in range(s, min(n, s + 4)):
            found = _read(text, toks, k)
            if found is not None:
                out.append((found[0], found[1]))
                done = found[2]
                break
    if anywhere:
        # only a spelled letter can start one (picked out in C)
        for k in compress(range(n), map(_LETTERISH.__contains__, texts)):
            if k < done or toks.kinds[k] != WORD or k + 1 >= n:
                continue
            nxt = texts[k + 1]
            if nxt not in _LETTERISH and nxt not in ("as", "for", ","):
                continue  # a country code is two letters
            found = _read(text, toks, k, valid_only=True)
            if found is not None:
                out.append((found[0], found[1]))
                done = found[2]
    return out


def _read(
    text: str, toks: Tokens, i: int, *, valid_only: bool = False
) -> tuple[int, int, int] | None:
    """The IBAN read from token ``i``: (start, end, next token), or None.

    ``valid_only``: only a value with the registry length and a good mod-97.
    A lone "o" is read as zero, and then, if that fails the check, as the
    letter ("f n o s" in a bank code).
    """
    found = _read_once(text, toks, i, valid_only=valid_only, o_letter=False)
    if (found is None or not found[3]) and "o" in toks.texts[i : i + _MAX_TOKENS]:
        again = _read_once(text, toks, i, valid_only=True, o_letter=True)
        if again is not None:
            return again[:3]
    return None if found is None else found[:3]


def _plausible_start(head: str) -> bool:
    """Whether ``head`` can begin an IBAN: a registry country and two digits (the
    country may be said twice, "D E D E 8 9 ...")."""
    if head[:2].isalpha() and head[2:4].isdigit():
        return head[:2] in IBAN_LENGTHS
    return head[:2] == head[2:4] and head[:2] in IBAN_LENGTHS


def _read_once(
    text: str, toks: Tokens, i: int, *, valid_only: bool, o_letter: bool
) -> tuple[int, int, int, bool] | None:
    """One reading from token ``i``: (start, end, next token, passes mod-97)."""
    kinds, texts, starts, ends = toks.kinds, toks.texts, toks.starts, toks.ends
    n = len(texts)
    limit = min(n, i + _MAX_TOKENS)
    chars: list[str] = []
    char_tok: list[int] = []
    checked = False
    k = i
    while k < limit:
        w = texts[k]
        kind = kinds[k]
        got = ""
        step = 1
        spelled = k + 3 < n and texts[k + 1] == "as" and texts[k + 2] == "in"
        if w == "x" and texts[k + 1 : k + 3] == ["-", "ray"]:
            got, step = "x", 3  # "x-ray" is three tokens
        elif w == "x" and texts[k + 1 : k + 2] == ["ray"]:
            got, step = "x", 2
        elif (
            kind == WORD
            and len(w) == 1
            and (w != "o" or o_letter or len(chars) < 2 or spelled or text[starts[k]] == "O")
        ):
            got = w
            if spelled:
                step = 4  # "f as in frank"
                if k + 5 < n and texts[k + 4] == "-" and kinds[k + 5] == WORD:
                    step = 6  # "x as in x-ray"
            elif k + 2 < n and texts[k + 1] == "for" and kinds[k + 2] == WORD:
                step = 3
        elif kind == WORD and w in NATO:
            got = NATO[w]
        elif kind in (DIGITS, ALNUM):
            got = w
        elif kind == WORD and w in REPEATS and k + 1 < n and texts[k + 1] in UNITS:
            got = str(UNITS[texts[k + 1]]) * REPEATS[w]
            step = 2
        elif kind == WORD and w in UNITS:
            got = str(UNITS[w])
        elif kind == WORD and w in TEENS:
            got = str(TEENS[w])
        elif kind == WORD and w in TENS:
            nxt = texts[k + 1] if k + 1 < n else ""
            if nxt in UNITS and nxt not in ("oh", "o", "zero"):
                got = str(TENS[w] + UNITS[nxt])
                step = 2
            else:
                got = str(TENS[w])
        elif kind == WORD and w.isalpha() and len(w) <= 4 and text[starts[k] : ends[k]].isupper():
            got = w  # "WEST": a bank code written in capitals
        elif w in _SKIP and chars:
            k += 1
            continue
        elif chars and k + 1 < n and (w, texts[k + 1]) in _PAUSE_PAIRS:
            k += 2
            continue
        elif chars and k + 2 < n and (w, texts[k + 1], texts[k + 2]) == ("where", "was", "i"):
            k += 3
            continue
        else:
            break
        if not got.isalnum() or not got.isascii():
            break
        chars.extend(got)
        char_tok.extend([min(k + step, n) - 1] * len(got))
        k += step
        if len(chars) >= 34:
            break
        if len(chars) >= 4 and not checked:
            checked = True
            if not _plausible_start("".join(chars[:6]).upper()):
                return None  # no country code and check digits: stop at once
    compact = "".join(chars).upper()
    if len(compact) > 4 and compact[:2] == compact[2:4]:  # "D as in delta, E as in echo, D ..."
        compact = compact[2:]
        char_tok = char_tok[2:]
    if len(compact) < 4 or not compact[:2].isalpha() or not compact[2:4].isdigit():
        return None
    again = compact.rfind(compact[:4], 4)
    if again > 0:  # said again from the start: read the last try
        compact = compact[again:]
        char_tok = char_tok[again:]
    want = IBAN_LENGTHS.get(compact[:2])
    if want is None:
        return None
    ok = len(compact) >= want and iban_ok(compact[:want])
    if valid_only and not ok:
        return None
    if len(compact) >= want:
        last = char_tok[want - 1]
    elif len(compact) >= 12:
        last = char_tok[-1]  # still short: the rest may come in the next fragment
    else:
        return None
    if len(compact) >= want and not iban_ok(compact[:want]) and len(compact) > want + 4:
        return None  # far too long and no checksum: not one IBAN
    return starts[i], ends[last], last + 1, ok
