"""Where the text-scan budget goes: parts of the detector beside Presidio, call by call.

``python -m bench.text_floor`` times, on the bench corpus's utterances that
need reading (those with digits, number words or cue words), a floor (one
``str.split`` and one set test), the tokenizer alone and the whole scan, each
interleaved call by call with Presidio's ``AnalyzerEngine`` as the budgeted
``text_scan_40_words`` row does, and then the whole scan with a 16 MB memory
sweep between calls instead. It shows what the 10x budget leaves for the
detector (a tenth of Presidio's median) and how much of a call is memory
traffic rather than instructions. Needs the ``bench`` extra.
"""

from __future__ import annotations

import numpy as np

from guardrail.detect import scan
from guardrail.detect.numbers import tokenize
from guardrail.detect.scan import _worth_scanning

from . import presidio_baseline
from .corpus import UTTERANCES
from .harness import measure
from .paths import _cycle, scan_next


def main() -> None:
    if not presidio_baseline.available():
        raise SystemExit("needs Presidio: pip install -e '.[bench]'")
    reading = [(r, t) for r, t in UTTERANCES if _worth_scanning(t, ())]
    texts = [t for _, t in UTTERANCES]
    words = frozenset(("one", "two", "card"))
    sweep = np.zeros(16_000_000, dtype=np.uint8)

    def flush() -> None:
        sweep[::64] += 1

    parts = [
        ("split + one set test", lambda rt: words.isdisjoint(rt[1].lower().split())),
        ("tokenize", lambda rt: tokenize(rt[1])),
        ("scan", lambda rt: scan(rt[1], rt[0])),
    ]
    print(f"{len(reading)} of {len(UTTERANCES)} utterances need reading; us per call, p50")
    for name, fn in parts:
        na, nb = _cycle(reading), _cycle(texts)
        a, b = measure(
            lambda fn=fn, na=na: fn(na()),
            lambda nb=nb: presidio_baseline.presidio_findings(nb()),
            samples=3000,
        )
        print(
            f"  {name:22} {np.percentile(a, 50):7.2f}   Presidio {np.percentile(b, 50):7.1f}"
            f"   (a tenth: {np.percentile(b, 50) / 10:5.1f})"
        )
    na = _cycle(reading)
    warm, _ = measure(scan_next(na), None, samples=3000)
    cold, _ = measure(scan_next(na), flush, samples=3000)
    print(
        f"  scan alone {np.percentile(warm, 50):7.2f}; after a 16 MB sweep "
        f"{np.percentile(cold, 50):7.2f}"
    )


if __name__ == "__main__":
    main()
