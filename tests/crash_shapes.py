"""The message shapes that crashed JSON parsers of outside input (issue 11), as fuzz seeds.

Shared by every parser's fuzz test: a 5,000-digit integer (Python's json refuses
more than 4,300), lone surrogates, NaN, nesting deeper than the recursion limit.
"""

from __future__ import annotations

from hypothesis import example

BIG_INT = "4111" * 1250
SEEDS = [
    '{"event": "media", "x": ' + BIG_INT + "}",
    '{"event": "media", "media": {"payload": "AA==", "timestamp": ' + BIG_INT + "}}",
    '{"event": "guardrail.transcript", "text": "\\ud800 4111111111111111"}',
    '{"event": "\\udfff", "\\ud800": "\\ud800"}',
    '{"event": "stop", "x": NaN}',
    '{"event": "stop", "x": ' + "[" * 50_000 + "]" * 50_000 + "}",
    "[" * 50_000,
]


def seeded(test):
    """``test`` with every seed as an explicit hypothesis example."""
    for s in SEEDS:
        test = example(s)(test)
    return test
