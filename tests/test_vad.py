"""VAD: webrtcvad's golden decisions, hysteresis, chunking invariance."""

from __future__ import annotations

import json

import numpy as np
import pytest

from audio import mulaw
from audio.errors import AudioFormatError
from audio.framing import Framer
from audio.vad import SpeechStarted, SpeechStopped, VoiceActivityDetector


def golden(data_dir):
    spec = json.loads((data_dir / "webrtcvad_golden.json").read_text())
    audio = (data_dir / spec["audio"]).read_bytes()
    return spec, audio


@pytest.mark.parametrize("mode", [0, 1, 2, 3])
def test_reproduces_webrtcvad_golden_decisions(data_dir, mode):
    spec, audio = golden(data_dir)
    n = spec["sample_rate"] * spec["frame_ms"] // 1000 * 2
    vad = VoiceActivityDetector(mode, frame_ms=spec["frame_ms"])
    got = []
    for i in range(0, len(audio) - n + 1, n):
        vad.process(audio[i : i + n], i / 16.0)
        got.append("1" if vad.voiced else "0")
    assert "".join(got) == spec["expected_by_mode"][mode]


def reference_segments(decisions, frame_ms, start_frames, stop_frames):
    """Straightforward restatement of the hysteresis, for comparison."""
    segs, speaking, run, run_start, seg_start, last_end = [], False, 0, 0, 0, 0
    for i, v in enumerate(decisions):
        t = i * frame_ms
        if v:
            last_end = t + frame_ms
        if v != speaking:
            if run == 0:
                run_start = t
            run += 1
            if v and run >= start_frames:
                speaking, run, seg_start = True, 0, run_start
            elif not v and run >= stop_frames:
                speaking, run = False, 0
                segs.append((seg_start, last_end))
        else:
            run = 0
    if speaking:
        segs.append((seg_start, last_end))
    return segs


@pytest.mark.parametrize(("start_ms", "stop_ms"), [(20, 20), (60, 200), (100, 400), (0, 0)])
def test_hysteresis_segments(data_dir, start_ms, stop_ms):
    _, audio = golden(data_dir)
    pcm = np.frombuffer(audio, dtype="<i2")
    pcm = np.concatenate([pcm, np.zeros(8000, np.int16), pcm])
    frames = [pcm[i : i + 160] for i in range(0, len(pcm) - 159, 160)]
    raw = VoiceActivityDetector(2)
    decisions = [raw.is_speech(f.tobytes()) for f in frames]
    vad = VoiceActivityDetector(2, start_ms=start_ms, stop_ms=stop_ms)
    segs, open_start = [], None
    for i, f in enumerate(frames):
        ev = vad.process(f, i * 20.0)
        if isinstance(ev, SpeechStarted):
            assert open_start is None
            open_start = ev.t_ms
        elif isinstance(ev, SpeechStopped):
            assert ev.start_ms == open_start
            segs.append((ev.start_ms, ev.t_ms))
            open_start = None
    last = vad.flush()
    if last is not None:
        segs.append((last.start_ms, last.t_ms))
    expected = reference_segments(
        decisions, 20, max(1, -(-start_ms // 20)), max(1, -(-stop_ms // 20))
    )
    assert segs == expected
    assert len(segs) >= 2  # the silence in the middle splits the speech


def test_silence_never_starts_speech():
    vad = VoiceActivityDetector(0, start_ms=20)
    for i in range(100):
        assert vad.process(bytes(320), i * 20.0) is None
    assert vad.flush() is None


def test_same_segments_however_the_payloads_are_split(data_dir):
    _, audio = golden(data_dir)
    ulaw = mulaw.encode_bytes(np.frombuffer(audio, dtype="<i2"))

    def run(sizes):
        fr, vad, events, pos = Framer(20), VoiceActivityDetector(2), [], 0
        rng = np.random.default_rng(sizes)
        while pos < len(ulaw):
            k = int(rng.integers(1, 500)) if sizes else 160
            for t, frame in fr.push(ulaw[pos : pos + k], pos / 8.0):
                ev = vad.process(mulaw.decode(frame), t)
                if ev is not None:
                    events.append(ev)
            pos += k
        return events

    whole = run(0)
    assert whole
    for seed in (1, 2, 3):
        assert run(seed) == whole


@pytest.mark.parametrize(
    "frame",
    [bytes(319), bytes(321), np.zeros(160, np.float32), np.zeros(80, np.int32), "x" * 320],
)
def test_wrong_frames_are_refused_not_read_past(frame):
    vad = VoiceActivityDetector(2)
    with pytest.raises((AudioFormatError, TypeError)):
        vad.process(frame, 0.0)


@pytest.mark.parametrize(
    "kwargs",
    [{"aggressiveness": 4}, {"sample_rate": 11025}, {"frame_ms": 25}, {"start_ms": -1}],
)
def test_bad_parameters_are_refused(kwargs):
    with pytest.raises(AudioFormatError):
        VoiceActivityDetector(**kwargs)
