"""Speech-to-text styles: what a transcript does to a caller's words.

A line is a list of :class:`Seg` (carrier text, a gold value, or a decoy).
Each style rewrites the segments; a value segment stays one segment, so its
span is known exactly after any rewrite. Styles that speak a value twice
(a self-correction, a restart, "where was I") keep both in the one value
segment: the gold span covers the whole stretch, as every part of it is the
sensitive value or a near copy of it.
"""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["STYLES", "Seg", "apply_style", "split_value"]


@dataclass(slots=True)
class Seg:
    """A piece of a line: ``category`` is set for a gold value, ``decoy`` for a look-alike."""

    text: str
    category: str | None = None
    decoy: bool = False
    # re-renders the value with one digit or day changed, for self-corrections
    wrong: Callable[[], str] | None = None
    keep_case: bool = False
    # the canonical value (digits, compact IBAN, ISO date), kept for the tests
    value: str = ""


STYLES: tuple[tuple[str, float], ...] = (
    ("clean", 0.18),
    ("nopunct", 0.17),
    ("lower", 0.15),
    ("fillers", 0.13),
    ("hesitation", 0.10),
    ("repeat", 0.08),
    ("selfcorrect", 0.10),
    ("where_was_i", 0.09),
)

FILLERS = ("um", "uh", "like", "you know", "uh", "um")
CORRECTIONS = (", no wait, ", ", sorry, ", " no sorry ", ", I mean ", ", no, let me start again, ")
_PUNCT = re.compile(r"[.,?!;:]")
_QUESTION = re.compile(r"(?:is|do|does|can|could|what|why|how|when|which|where)\b", re.I)


def _strip_punct(s: str) -> str:
    return re.sub(r"\s{2,}", " ", _PUNCT.sub("", s)).strip(" ") if s.strip() else s


def _carriers(segs: list[Seg]) -> list[int]:
    return [i for i, s in enumerate(segs) if s.category is None and not s.decoy and s.text.strip()]


def _values(segs: list[Seg]) -> list[int]:
    return [i for i, s in enumerate(segs) if s.category is not None]


def _nopunct(segs: list[Seg], lower: bool) -> None:
    for s in segs:
        if s.category is None and not s.decoy:
            t = _PUNCT.sub("", s.text)
            t = re.sub(r" {2,}", " ", t)
        elif re.search(r"[a-z]{2}", s.text) and not s.keep_case:
            t = s.text.replace(",", "")  # spoken values lose their commas too
        else:
            t = s.text
        if lower and not s.keep_case:
            t = t.lower()
        s.text = t
    # no separator may vanish between two segments
    for a, b in itertools.pairwise(segs):
        if a.text and b.text and a.text[-1].isalnum() and b.text[0].isalnum():
            a.text += " "


def _insert_words(text: str, rng: random.Random, words: tuple[str, ...], n: int) -> str:
    parts = text.split(" ")
    gaps = [i for i in range(1, len(parts)) if parts[i - 1] and parts[i]]
    for i in sorted(rng.sample(gaps, min(n, len(gaps))), reverse=True):
        parts.insert(i, rng.choice(words))
    return " ".join(parts)


_DIGIT_TOKEN = re.compile(
    r"(?:[0-9]+|zero|oh|one|two|three|four|five|six|seven|eight|nine)", re.IGNORECASE
)


def _cuts(text: str) -> tuple[list[int], int]:
    """Where a speaker may pause inside a value: after a comma, else between two digits.

    A space inside "double five", "forty one" or "capital k" is no pause.
    """
    commas = [m.start() for m in re.finditer(", ", text)]
    if commas:
        return commas, 2
    spaces = []
    for m in re.finditer(" ", text):
        left = text[: m.start()].rsplit(" ", 1)[-1]
        right = text[m.end() :].split(" ", 1)[0]
        if _DIGIT_TOKEN.fullmatch(left) and _DIGIT_TOKEN.fullmatch(right):
            spaces.append(m.start())
    return spaces, 1


def split_value(text: str, rng: random.Random) -> tuple[str, str] | None:
    """Cut a value at a pause near its middle."""
    cuts, width = _cuts(text)
    if not cuts:
        return None
    mid = len(text) / 2
    cut = min(cuts, key=lambda c: (abs(c - mid), c))
    return text[:cut], text[cut + width :]


def apply_style(style: str, segs: list[Seg], rng: random.Random) -> str:
    """Rewrite ``segs`` in place for ``style``; returns the style actually applied.

    A style that cannot apply to the line (a self-correction without a value
    that can be re-rendered, "where was I" in a value with no group to cut
    at) falls back to ``fillers``.
    """
    values = _values(segs)
    if style == "clean":
        first = next((s for s in segs if s.text.strip()), None)
        if first is not None and first.category is None and first.text[:1].isalpha():
            first.text = first.text[0].upper() + first.text[1:]
        last = segs[-1]
        if last.text and last.text[-1] not in ".?!":
            segs.append(Seg("?" if first is not None and _QUESTION.match(first.text) else "."))
        return style
    if style in ("nopunct", "lower"):
        _nopunct(segs, lower=style == "lower")
        return style
    if style == "selfcorrect":
        fixable = [i for i in values if segs[i].wrong is not None]
        if fixable:
            s = segs[rng.choice(fixable)]
            assert s.wrong is not None
            s.text = f"{s.wrong()}{rng.choice(CORRECTIONS)}{s.text}"
            return style
        style = "fillers"
    if style == "where_was_i":
        cands = [i for i in values if split_value(segs[i].text, rng)]
        if cands:
            s = segs[rng.choice(cands)]
            cut = split_value(s.text, rng)
            assert cut is not None
            phrase = rng.choice(
                (", um, where was I, ", "... hang on, where was I, ", ", uh, ", ", sorry, ")
            )
            if rng.random() < 0.5:
                s.text = f"{cut[0]}{phrase}{cut[1]}"
            else:  # starts the second half again from the top
                s.text = f"{cut[0]}{phrase}{cut[0]} {cut[1]}"
            return style
        style = "fillers"
    if style == "repeat":
        cands = [i for i in values if split_value(segs[i].text, rng)]
        if cands and rng.random() < 0.4:
            s = segs[rng.choice(cands)]
            cut = split_value(s.text, rng)
            assert cut is not None
            s.text = f"{cut[0]}, {s.text}"
            return style
        carriers = _carriers(segs)
        if carriers:
            s = segs[rng.choice(carriers)]
            words = s.text.split(" ")
            idx = [i for i, w in enumerate(words) if w.isalpha()]
            if idx:
                i = rng.choice(idx)
                words.insert(i, words[i].lower())
                s.text = " ".join(words)
                _nopunct(segs, lower=rng.random() < 0.5)
                return style
        style = "fillers"
    if style == "hesitation":
        if values:
            i = values[0]
            before = segs[i - 1] if i else None
            pause = rng.choice(("... um, ", "... uh ", ", um, ", "... "))
            if before is not None and before.category is None and before.text.strip():
                before.text = before.text.rstrip(" ,") + pause
            else:
                segs.insert(i, Seg(pause.lstrip(".,").lstrip()))
            s = segs[_values(segs)[0]]
            cut = split_value(s.text, rng)
            if cut and rng.random() < 0.5:
                s.text = f"{cut[0]}... {cut[1]}"
            _nopunct_some(segs)
            return style
        style = "fillers"
    # fillers
    for i in _carriers(segs):
        if rng.random() < 0.7:
            segs[i].text = _insert_words(segs[i].text, rng, FILLERS, 1)
    if values and rng.random() < 0.5:
        s = segs[rng.choice(values)]
        cut = split_value(s.text, rng)
        if cut:
            s.text = f"{cut[0]} {rng.choice(FILLERS)} {cut[1]}"
    if not segs[0].text.strip() or rng.random() < 0.5:
        segs.insert(0, Seg(f"{rng.choice(FILLERS)} "))
    _nopunct(segs, lower=rng.random() < 0.6)
    return "fillers"


def _nopunct_some(segs: list[Seg]) -> None:
    for s in segs:
        if s.category is None and not s.decoy:
            s.text = s.text.replace("?", "").replace("!", "")
