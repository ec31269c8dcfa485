"""Masking: spans replaced click-free, tones removed from their first sample."""

from __future__ import annotations

import math

import numpy as np
import pytest

from audio import synth
from audio.dtmf import MASK_GUARD_MS, DtmfDetector, KeyDown, KeyUp
from audio.errors import AudioFormatError
from audio.masking import DelayLine, MaskSet


def sine(ms: float, freq: float = 440.0, dbfs: float = -6.0) -> np.ndarray:
    n = np.arange(int(ms * 8))
    return np.round(32767 * 10 ** (dbfs / 20) * np.sin(2 * np.pi * freq * n / 8000)).astype(
        np.int16
    )


def run_line(x: np.ndarray, line: DelayLine, spans=()) -> np.ndarray:
    for s, e in spans:
        line.mask(s, e)
    out = []
    for i in range(0, len(x), 160):
        out.extend(p for _, p in line.push(x[i : i + 160], i / 8.0))
    out.extend(p for _, p in line.flush())
    return np.concatenate(out)


def test_span_is_silenced_entirely_and_the_rest_untouched():
    x = sine(1000)
    y = run_line(x, DelayLine(60), [(400.0, 500.0)])
    assert len(y) == len(x)
    assert not y[3200:4000].any()
    ramp = 5 * 8
    assert np.array_equal(y[: 3200 - ramp], x[: 3200 - ramp])
    assert np.array_equal(y[4000 + ramp :], x[4000 + ramp :])


def test_ramps_leave_no_click():
    x = sine(1000, freq=200.0)
    # edges at the sine's peaks, where a hard cut clicks most
    y = run_line(x, DelayLine(60), [(401.25, 501.25)]).astype(np.int32)
    step = np.abs(np.diff(x.astype(np.int32))).max()
    assert np.abs(np.diff(y)).max() <= step + 2
    hard = x.astype(np.int32).copy()
    hard[3210:4010] = 0
    assert np.abs(np.diff(hard)).max() > 3 * step  # what a mask without ramps does


def test_comfort_noise_fill_is_low_and_not_silent():
    x = sine(1000)
    line = DelayLine(60, MaskSet(fill="comfort_noise", noise_dbfs=-60))
    y = run_line(x, line, [(200.0, 800.0)])
    level = synth.level_dbfs(y[2000:6000])
    assert -63 < level < -57
    assert y[2000:6000].any()


def test_open_mask_covers_until_closed():
    x = sine(1000)
    line = DelayLine(40)
    out = []
    for i in range(0, len(x), 160):
        t = i / 8.0
        if t == 300.0:
            assert line.mask(280.0) == 0.0
        if t == 600.0:
            line.end_mask(560.0)
        out.extend(p for _, p in line.push(x[i : i + 160], t))
    out.extend(p for _, p in line.flush())
    y = np.concatenate(out)
    assert not y[2240:4480].any()
    assert np.array_equal(y[4480 + 40 :], x[4480 + 40 :])


def test_mask_reports_what_already_left_the_line():
    line = DelayLine(40)
    x = sine(200)
    for i in range(0, len(x), 160):
        line.push(x[i : i + 160], i / 8.0)
    # 200 ms pushed, 160 ms released: a span from 100 ms leaked 60 ms + the ramp
    assert line.released_until_ms == 160.0
    assert math.isclose(line.mask(100.0, 180.0), 65.0)
    assert line.mask(170.0, 190.0) == 0.0
    assert math.isclose(line.mask(0.0, 50.0), 60.0)


def test_overlapping_spans():
    x = sine(1000)
    y = run_line(x, DelayLine(60), [(100.0, 300.0), (250.0, 400.0), (390.0, 395.0)])
    assert not y[800:3200].any()


def test_bad_spans_and_fills_are_refused():
    with pytest.raises(AudioFormatError):
        MaskSet(fill="white")
    with pytest.raises(AudioFormatError):
        MaskSet().add(10.0, 5.0)
    with pytest.raises(AudioFormatError):
        DelayLine(-1)


@pytest.mark.parametrize("digit", list("0159#D"))
def test_tone_masked_from_its_first_sample(digit):
    """Detector + delay line, as on the recording path: no tone sample survives."""
    rng = np.random.default_rng(ord(digit))
    for offset in np.arange(0, 20, 1.25):
        lead = 300 + offset
        x, [(_, start, end)] = synth.keyed_sequence(digit, tone_ms=70, lead_ms=lead, tail_ms=300)
        x = synth.add_noise(x, 30, rng)
        det, line = DtmfDetector(20), DelayLine(60)
        out, leaks = [], []
        for i in range(0, len(x) - len(x) % 160, 160):
            t = i / 8.0
            for ev in det.process(x[i : i + 160], t):
                if isinstance(ev, KeyDown):
                    leaks.append(line.mask(ev.t_ms - MASK_GUARD_MS))
                elif isinstance(ev, KeyUp):
                    line.end_mask(ev.end_ms + MASK_GUARD_MS)
            out.extend(p for _, p in line.push(x[i : i + 160], t))
        out.extend(p for _, p in line.flush())
        y = np.concatenate(out)
        first, last = int(round(start * 8)), int(round(end * 8))
        assert leaks == [0.0], offset
        assert not y[first:last].any(), offset
        # and the audio well away from the tone is passed unchanged
        assert np.array_equal(y[: first - 320], x[: first - 320])
        assert np.array_equal(y[last + 320 :], x[last + 320 : len(y)])
