"""Every answer of the scanner, pinned: a change that alters one must say so.

The scanner's outputs (findings with spans, requests, redaction) over the
six eval sets (each line alone with its role, and each item with context
through :class:`~guardrail.detect.CallScanner` as ``bench/text_eval.py``
plays it), the adversarial families of ``test_detect_linear`` at a few
sizes, ``detect_cases`` and seeded random texts from the detector's own
vocabulary are hashed (SHA-256 of their canonical JSON). A speed-up must
leave the hash as it is; only the hash is compared and only counts are
printed, so no held-out item is ever shown.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterator
from pathlib import Path

import detect_cases as dc
from test_detect_linear import FAMILIES, _text

from guardrail.detect import CallScanner, ScanResult, scan
from guardrail.detect.numbers import NUMBER_WORDS
from guardrail.detect.scan import _CUE_HEADS, _LIGHT_WORDS, _TRIGGERS, _TRY_VERBS, MONTHS

DATA = Path(__file__).resolve().parent.parent / "bench" / "data"
SETS = (
    DATA / "generated" / "dev.jsonl",
    DATA / "generated" / "test.jsonl",
    DATA / "handwritten" / "holdout.jsonl",
    DATA / "handwritten_dev" / "dev.jsonl",
    DATA / "handwritten2" / "holdout2.jsonl",
    DATA / "handwritten3" / "holdout3.jsonl",
)
RANDOM_TEXTS = 3000
SIZES = (40, 300, 2500)

# To regenerate after a change that is meant to alter answers:
#   cd tests && python -c "import test_scan_snapshot as t; print(t.digest())"
# A change of answers must be justified on the tuning sets (generated dev and
# hand-written dev, ``python -m bench.text_eval``) before this hash is updated.
EXPECTED = "049461329a0c4a03b01e47858321d681cc9d3b79309569108db79414224d2a10"


def _res(r: ScanResult) -> list:
    return [[[f.category, f.start, f.end] for f in r.findings], list(r.requests), r.redacted]


def _play(cs: CallScanner, turn: dict) -> ScanResult:
    return cs.agent(turn["text"]) if turn["role"] == "agent" else cs.caller(turn["text"])


def _random_texts() -> list[str]:
    rng = random.Random(1410)
    words = NUMBER_WORDS | frozenset(MONTHS) | _CUE_HEADS | _LIGHT_WORDS | _TRIGGERS | _TRY_VERBS
    vocab = [
        *sorted(words),
        *"0123456789", "4111", "1111", "04/29", "123-45-6789", "GB82", "WEST", "1234",
        ",", ".", "-", "/", "?", "#", "  ", "\u0664", "\uff11", "\u200b", "4th", "2nd",
    ]  # fmt: skip
    out = []
    for _ in range(RANDOM_TEXTS):
        n = rng.randint(1, 40)
        out.append(" ".join(rng.choice(vocab) for _ in range(n)))
    return out


def outputs() -> Iterator[list]:
    """Every pinned output, in a fixed order."""
    for path in SETS:
        for raw in path.read_text(encoding="utf-8").splitlines():
            if not raw:
                continue
            item = json.loads(raw)
            yield _res(scan(item["text"], item["role"]))
            context = item.get("context") or []
            for turn in context:
                yield _res(scan(turn["text"], turn["role"]))
            if context:
                cs = CallScanner()
                for turn in context:
                    yield _res(_play(cs, turn))
                yield _res(_play(cs, item))
    for make in FAMILIES.values():
        for size in SIZES:
            text = _text(make, size)
            yield _res(scan(text, "caller"))
            yield _res(scan(text, "agent"))
    for before, text, _ in dc.CALLER:
        cs = CallScanner()
        if before:
            yield _res(cs.agent(before))
        yield _res(cs.caller(text))
        yield _res(scan(text, "caller"))
    for before, text in dc.CALLER_NEGATIVE:
        cs = CallScanner()
        if before:
            yield _res(cs.agent(before))
        yield _res(cs.caller(text))
    for text, _ in [*dc.AGENT, *[(t, None) for t in dc.AGENT_NEGATIVE]]:
        yield _res(scan(text, "agent"))
    for text in _random_texts():
        yield _res(scan(text, "caller"))
        yield _res(scan(text, "agent"))


def digest() -> str:
    """SHA-256 of the canonical JSON of :func:`outputs`."""
    h = hashlib.sha256()
    for out in outputs():
        h.update(json.dumps(out, ensure_ascii=True, separators=(",", ":")).encode())
        h.update(b"\n")
    return h.hexdigest()


def test_no_answer_changed():
    assert digest() == EXPECTED, "scan answers changed: justify on the tuning sets, then update"
