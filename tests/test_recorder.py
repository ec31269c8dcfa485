"""The local recorder: retroactive masks until flushed, timeline kept."""

from __future__ import annotations

import numpy as np
import pytest

from audio.errors import AudioFormatError
from audio.recorder import CallRecorder
from audio.wav import read_wav


def tone(ms: float) -> np.ndarray:
    n = np.arange(int(ms * 8))
    return np.round(8000 * np.sin(2 * np.pi * 300 * n / 8000)).astype(np.int16)


def test_retroactive_mask_inside_the_hold(tmp_path):
    path = tmp_path / "call.wav"
    x = tone(3000)
    with CallRecorder(path, hold_ms=1000) as rec:
        for i in range(0, len(x), 160):
            rec.write(x[i : i + 160], i / 8.0)
            if i == 8 * 2500:
                assert rec.mask(1700.0, 2300.0) == 0.0
    y, info = read_wav(path)
    assert info.encoding == "pcm16"
    assert len(y) == len(x)
    assert not y[8 * 1700 : 8 * 2300].any()
    assert np.array_equal(y[: 8 * 1690], x[: 8 * 1690])


def test_flushed_audio_cannot_be_masked_and_says_so(tmp_path):
    path = tmp_path / "call.wav"
    x = tone(3000)
    with CallRecorder(path, hold_ms=500) as rec:
        for i in range(0, len(x), 160):
            rec.write(x[i : i + 160], i / 8.0)
        assert rec.written_until_ms == 2500.0
        leaked = rec.mask(2000.0, 2800.0)
    assert leaked == pytest.approx(505.0)
    y, _ = read_wav(path)
    assert np.array_equal(y[8 * 2000 : 8 * 2495], x[8 * 2000 : 8 * 2495])
    assert not y[8 * 2500 : 8 * 2800].any()


def test_gaps_are_written_as_silence(tmp_path):
    path = tmp_path / "call.wav"
    x = tone(100)
    with CallRecorder(path, hold_ms=0) as rec:
        rec.write(x[:400], 0.0)
        rec.write(x[400:], 1050.0)
    y, _ = read_wav(path)
    assert len(y) == 8 * 1100
    assert not y[400 : 8 * 1050].any()


def test_out_of_order_frames_are_refused(tmp_path):
    with CallRecorder(tmp_path / "c.wav") as rec:
        rec.write(tone(20), 100.0)
        with pytest.raises(AudioFormatError):
            rec.write(tone(20), 50.0)


def test_open_mask_until_end(tmp_path):
    path = tmp_path / "call.wav"
    x = tone(2000)
    with CallRecorder(path, hold_ms=200) as rec:
        for i in range(0, len(x), 160):
            t = i / 8.0
            if t == 1000.0:
                rec.mask(900.0)
            if t == 1500.0:
                rec.end_mask(1400.0)
            rec.write(x[i : i + 160], t)
    y, _ = read_wav(path)
    assert not y[8 * 900 : 8 * 1400].any()
    assert np.array_equal(y[8 * 1410 :], x[8 * 1410 :])
