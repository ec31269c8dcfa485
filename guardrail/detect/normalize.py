"""What people and speech-to-text write, brought to the ASCII the detectors read.

A card number arrives in fullwidth digits (U+FF14 U+FF11 ...), in
Arabic-Indic ones (U+0664 U+0661 ...), with zero-width spaces between the
digits (U+200B), with en dashes,
no-break spaces, underscores ("4111_1111_1111_1111") or brackets
("(411) 111 ..."). :func:`normalize` rewrites the text character by
character before detection:

- NFKC (fullwidth digits and letters, ligatures, circled digits);
- every other Unicode decimal digit (Arabic-Indic, Devanagari, ...) to its
  ASCII digit;
- format characters (category Cf: zero-width spaces and joiners, U+2060,
  U+FEFF, the soft hyphen) removed;
- dashes (category Pd, the minus sign) to ``-``, exotic spaces to `` ``;
- ``(`` and ``)`` to a space, so they separate digit groups. ``_`` is left
  as it is: it belongs to written passwords ("walrus_violet1"); the number
  reader treats it as a group separator between digits itself.

Each character is rewritten on its own (no rule looks at a neighbour), so
normalizing two texts one after the other is normalizing their
concatenation: the streaming redactor relies on that. :class:`Normalized`
keeps the map back to the input, so a finding in the normalized text becomes
the smallest input span that covers it (a number split by zero-width spaces
is redacted with them), and ``redacted`` replaces the input's own characters.

The common case costs almost nothing: ASCII text without ``()`` is its own
normalization (one C-level check), and other ASCII text is one
``str.translate``.
"""

from __future__ import annotations

import bisect
import re
import unicodedata

__all__ = ["Normalized", "normalize"]

_ASCII_SEPARATORS = str.maketrans("()", "  ")
_NEEDS_ASCII = re.compile(r"[()]")
_DASHES = frozenset("\u2212\u2043\ufe63\uff0d")
_MAX_CACHE = 4096
_CACHE: dict[str, str] = {}


def _rewrite(ch: str) -> str:
    """The normalized form of one non-ASCII character (cached)."""
    out = _CACHE.get(ch)
    if out is not None:
        return out
    parts = []
    for c in unicodedata.normalize("NFKC", ch):
        cat = unicodedata.category(c)
        if c.isascii():
            parts.append(" " if c in "()" else c)
        elif cat == "Cf":
            continue
        elif cat == "Nd":
            parts.append(str(unicodedata.decimal(c)))
        elif cat == "Pd" or c in _DASHES:
            parts.append("-")
        elif cat == "Zs":
            parts.append(" ")
        else:
            parts.append(c)
    out = "".join(parts)
    if len(out) > 1:
        # an expansion never holds a space ("⑴" is "1", not " 1 "), so a cut
        # made after a space never falls inside one character's expansion
        out = "".join(out.split()) or " "
    if len(_CACHE) < _MAX_CACHE:
        _CACHE[ch] = out
    return out


class Normalized:
    """A normalized text and the map from its positions back to the input.

    The map is a list of *pieces*, one per input character whose rewrite is
    not one character long (removed characters and expansions), in input
    order: piece ``k`` says that normalized ``[n0, n1)`` came from input
    ``[o0, o1)``. Between pieces the two texts match character for character.
    ``pieces`` is empty when every character mapped to one character (then
    positions are equal), which is every text in practice.
    """

    __slots__ = ("n0", "n1", "o0", "o1", "source", "text")

    def __init__(
        self,
        source: str,
        text: str,
        pieces: tuple[list[int], list[int], list[int], list[int]] | None = None,
    ) -> None:
        self.source = source
        self.text = text
        self.n0, self.n1, self.o0, self.o1 = pieces if pieces else ([], [], [], [])

    @property
    def identity(self) -> bool:
        """Whether every position is the same in the input."""
        return not self.n0

    def start(self, p: int) -> int:
        """The input position where normalized character ``p`` starts.

        ``p == len(text)`` maps to the input's end; removed characters just
        before character ``p`` fall before the returned position.
        """
        if not self.n0:
            return p
        if p >= len(self.text):
            return len(self.source)
        k = bisect.bisect_right(self.n1, p)
        if k < len(self.n0) and self.n0[k] <= p:
            return self.o0[k]
        return p if k == 0 else p + self.o1[k - 1] - self.n1[k - 1]

    def end(self, p: int) -> int:
        """The input position just after the character normalized character ``p`` came from."""
        if not self.n0:
            return p + 1
        k = bisect.bisect_right(self.n1, p)
        if k < len(self.n0) and self.n0[k] <= p:
            return self.o1[k]
        return p + 1 if k == 0 else p + 1 + self.o1[k - 1] - self.n1[k - 1]

    def span(self, a: int, b: int) -> tuple[int, int]:
        """The smallest input span covering normalized ``[a, b)`` (``a < b``)."""
        if not self.n0:
            return a, b
        return self.start(a), self.end(b - 1)

    def extend(self, other: Normalized) -> None:
        """Append ``other`` (the normalization of the input that follows)."""
        if other.n0:
            dn, do = len(self.text), len(self.source)
            self.n0.extend(x + dn for x in other.n0)
            self.n1.extend(x + dn for x in other.n1)
            self.o0.extend(x + do for x in other.o0)
            self.o1.extend(x + do for x in other.o1)
        self.text += other.text
        self.source += other.source

    def drop(self, p: int) -> int:
        """Remove normalized ``[0, p)`` and its input; return how much input went.

        ``p`` must not fall inside one character's expansion (a position
        just after a space never does).
        """
        o = self.start(p)
        if self.n0:
            k = bisect.bisect_right(self.n1, p)
            self.n0 = [x - p for x in self.n0[k:]]
            self.n1 = [x - p for x in self.n1[k:]]
            self.o0 = [x - o for x in self.o0[k:]]
            self.o1 = [x - o for x in self.o1[k:]]
        self.text = self.text[p:]
        self.source = self.source[o:]
        return o


def normalize(text: str) -> Normalized:
    """``text`` normalized for detection, with the map back (see the module doc).

    Linear in the text, and done in C but for the bookkeeping of removed and
    expanded characters: each distinct non-ASCII character is rewritten once
    and the text translated with the table.
    """
    if text.isascii():
        if _NEEDS_ASCII.search(text) is None:
            return Normalized(text, text)
        return Normalized(text, text.translate(_ASCII_SEPARATORS))
    table: dict[int, str] = {ord(ch): " " for ch in "()"}
    odd = []
    for ch in set(text):
        if ch.isascii():
            continue
        r = _rewrite(ch)
        table[ord(ch)] = r
        if len(r) != 1:
            odd.append(ch)
    out = text.translate(table)
    if not odd:
        return Normalized(text, out)
    # removed or expanded characters: one piece each, in input order
    n0: list[int] = []
    n1: list[int] = []
    o0: list[int] = []
    o1: list[int] = []
    delta = 0
    for m in re.finditer("[" + re.escape("".join(odd)) + "]", text):
        i = m.start()
        size = len(table[ord(m.group())])
        n0.append(i + delta)
        n1.append(i + delta + size)
        o0.append(i)
        o1.append(i + 1)
        delta += size - 1
    return Normalized(text, out, (n0, n1, o0, o1))
