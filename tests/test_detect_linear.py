"""The detector is linear: time per character stays flat as adversarial input grows.

Each family is timed at a size and at eight times that size (best of a few
runs, so a burst of load on the shared machine does not decide), and the cost
per character of the larger may be at most three times the smaller's: a
quadratic path would make it eight times. No wall-clock budget here: that is
the ``text_worst_case_per_mb`` bench row.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable

import pytest

from guardrail.detect import StreamingRedactor, scan

_VOCAB = [
    "one", "two", "three", "four", "oh", "o", "double", "triple", "hundred", "thousand", "and",
    "um", "sorry", "dash", ",", "-", ".", "/", "1", "4111", "1111", "04/29", "card", "number",
    "is", "my", "social", "security", "code", "expires", "password", "pin", "born", "july",
    "4th", "last", "digits", "the", "of", "routing", "account", "GB82", "WEST",
]  # fmt: skip


def _mixed(n: int) -> str:
    rng = random.Random(n)
    return " ".join(rng.choice(_VOCAB) for _ in range(n))


FAMILIES: dict[str, Callable[[int], str]] = {
    "1 ": lambda n: "1 " * n,
    "1-": lambda n: "1-" * n,
    "password is ": lambda n: "password is " * n,
    "4111 ": lambda n: "4111 " * n,
    "one ": lambda n: "one " * n,
    "double ": lambda n: "double " * n,
    "my card is ": lambda n: "my card is " * n,
    "mixed": _mixed,
    "no spaces": lambda n: "4111" * n,
    "a": lambda n: "a" * n,
    "unicode digits": lambda n: "\u0664\u0661 " * n,
    "fullwidth": lambda n: "\uff14\uff11\uff11\uff11 " * n,
    "zero-width": lambda n: "1\u200b" * n,
    "zero-width words": lambda n: "card\u200b is " * n,
    "oh ": lambda n: "oh " * n,  # each "oh" looks for a number beside it
    "1 sorry ": lambda n: "1 sorry " * n,  # every correction has readings
    "for to ": lambda n: "for to " * n,  # homophones with no digit among them
    "won to ate ": lambda n: "won to ate 1 " * n,  # homophones read as digits
}
SIZE = 2500  # characters at the small size
GROWTH = 8
FACTOR = 3.0


def _best(fn: Callable[[], object], repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def _text(make: Callable[[int], str], chars: int) -> str:
    n = 1
    while len(make(n)) < chars:
        n *= 2
    lo, hi = n // 2, n
    while lo < hi:
        mid = (lo + hi) // 2
        if len(make(mid)) < chars:
            lo = mid + 1
        else:
            hi = mid
    return make(lo)


def _per_char(run: Callable[[str], object], text: str) -> float:
    return _best(lambda: run(text)) / len(text)


def _tokens(text: str) -> list[str]:
    """``text`` as an LLM streams it: a word and its space a chunk, long words in pieces."""
    out = []
    for tok in re.findall(r"\S+\s*|\s+", text):
        out.extend(tok[i : i + 8] for i in range(0, len(tok), 8))
    return out


def _stream(text: str) -> str:
    sr = StreamingRedactor()
    out = [sr.push(tok) for tok in _tokens(text)]
    return "".join(out) + sr.flush()


def _assert_flat(
    run: Callable[[str], object], make: Callable[[int], str], size: int = SIZE
) -> None:
    small = _text(make, size)
    big = _text(make, size * GROWTH)
    run(small)  # warm caches
    a = _per_char(run, small)
    b = _per_char(run, big)
    assert b <= FACTOR * a, f"{b / a:.1f}x the cost per character at {GROWTH}x the size"


@pytest.mark.parametrize("family", list(FAMILIES))
def test_scan_is_linear(family):
    _assert_flat(scan, FAMILIES[family])


@pytest.mark.parametrize("family", list(FAMILIES))
def test_streaming_is_linear(family):
    _assert_flat(_stream, FAMILIES[family])


def test_a_long_line_is_scanned_in_windows_and_every_value_is_found():
    from guardrail.detect.scan import _OVERLAP, _WINDOW

    filler = "the weather is nice today and "
    card = "my card is 4111 1111 1111 1111 thanks "
    text = (filler * (_WINDOW // len(filler))) * 3
    # a card at every place relative to the window edges, straddling them included
    offsets = (-_OVERLAP - 100, -120, -60, -15, 40, _OVERLAP + 100)
    places = sorted(
        {text.index(" ", edge + d) + 1 for edge in (_WINDOW, 2 * _WINDOW) for d in offsets},
        reverse=True,
    )
    for at in places:
        text = text[:at] + card + text[at:]
    r = scan(text)
    assert len(text) > _WINDOW + 2 * _OVERLAP
    assert text.count(card) == len(places)
    assert r.redacted.count("[payment_card]") == len(places)
    assert "4111" not in r.redacted
    assert [text[f.start : f.end] for f in r.findings] == ["4111 1111 1111 1111"] * len(places)
