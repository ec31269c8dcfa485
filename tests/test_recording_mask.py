"""A disclosure is masked from the recording where it was spoken, not over the utterance.

Measured on the bundled example call against where ``examples/make_card_call.py``
placed each word: the SSN the caller volunteers must be at least 90% masked,
and the rest of the caller's speech at most 10%, both with the speech-to-text's
word timings and, without them, from the session's own VAD.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from guardrail.events import (
    CallEnded,
    CallerTranscript,
    CallStarted,
    DisposeRecording,
    MaskAudio,
    Word,
)
from guardrail.replay import replay
from guardrail.session import Session

ROOT = Path(__file__).resolve().parent.parent
CALL = ROOT / "examples" / "card_call.jsonl"


def _generator():
    spec = importlib.util.spec_from_file_location(
        "make_card_call", ROOT / "examples" / "make_card_call.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


GEN = _generator()
SSN_SPEECH = [(a, b) for _, a, b, ssn in GEN.PLACED if ssn]
REST_SPEECH = [(a, b) for _, a, b, ssn in GEN.PLACED if not ssn] + list(GEN.PROMPT_SPEECH_MS)


def _union(spans):
    out: list[list[float]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return out


def masked_fraction(speech, masks) -> float:
    """The share of ``speech`` (spans in ms) that ``masks`` cover."""
    masks = _union(masks)
    total = sum(b - a for a, b in speech)
    covered = 0.0
    for a, b in speech:
        for x, y in masks:
            covered += max(0.0, min(b, y) - max(a, x))
    return covered / total


def _without_words(line: str) -> str:
    obj = json.loads(line)
    if obj.get("event") == "guardrail.transcript":
        obj.pop("words", None)
    return json.dumps(obj)


def disclosure_masks(lines):
    """The recording masks the SSN's transcript brought (printed at its time)."""
    rows = list(replay(lines))
    [redact] = [r for r in rows if r["action"] == "redact"]
    assert redact["category"] == "ssn"
    return [
        (r["start_ms"], r["end_ms"])
        for r in rows
        if r["action"] == "mask_audio"
        and r["target"] == "recording"
        and r["t_ms"] == redact["t_ms"]
    ]


def test_the_example_carries_the_ssn_with_word_timings():
    lines = CALL.read_text().splitlines()
    [msg] = [json.loads(x) for x in lines if GEN.SSN in x]
    assert msg["event"] == "guardrail.transcript"
    assert msg["text"] == GEN.SSN_TEXT
    assert len(msg["words"]) == len(GEN.PLACED) - 2  # "okay, thanks" is its own utterance


@pytest.mark.parametrize("timings", ["words", "vad"])
def test_the_ssn_is_masked_where_it_was_spoken_and_little_else(timings):
    lines = CALL.read_text().splitlines()
    if timings == "vad":
        lines = [_without_words(x) for x in lines]
    masks = disclosure_masks(lines)
    ssn = masked_fraction(SSN_SPEECH, masks)
    rest = masked_fraction(REST_SPEECH, masks)
    print(f"\n{timings}: SSN speech masked {ssn:.1%}, rest of the caller's speech {rest:.1%}")
    assert ssn >= 0.90
    assert rest <= 0.10


def test_the_whole_utterance_would_fail_the_measure():
    """The measure can fail: masking from the utterance's first word (what a
    transcript without times allows at best) masks too much of the rest."""
    start = next(a for w, a, _, _ in GEN.PLACED if w == "yes")
    end = GEN.PLACED[-1][2]
    assert masked_fraction(SSN_SPEECH, [(start, end)]) == 1.0
    assert masked_fraction(REST_SPEECH, [(start, end)]) > 0.10


def test_the_exposed_span_for_after_the_call_is_the_precise_one():
    s = Session()
    s.feed(CallStarted("CA1", "MZ1"))
    words = (
        Word("my", 1000, 1150),
        Word("social", 1200, 1600),
        Word("is", 1650, 1800),
        *(Word(w, 2000 + 400 * i, 2300 + 400 * i) for i, w in enumerate(["three", "eight", "six"])),
    )
    acts = s.feed(CallerTranscript("my social is 386-48-9361", True, 3500.0, words))
    masks = [a for a in acts if isinstance(a, MaskAudio)]
    assert [(m.start_ms, m.end_ms) for m in masks] == [(2000 - 120, 2300 + 800 + 120)]
    # the provider's recording heard it: remedied after the call, over that span only
    [dispose] = [a for a in s.feed(CallEnded(4000.0)) if isinstance(a, DisposeRecording)]
    assert dispose.spans == ((1880.0, 3220.0, "ssn"),)


def test_the_example_is_what_its_generator_makes():
    assert GEN.build() == CALL.read_text()
