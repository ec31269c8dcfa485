"""DTMF detection against the ITU-T Q.24 receiver limits, noise and talk-off."""

from __future__ import annotations

import numpy as np
import pytest

from audio import synth
from audio.dtmf import KEYS, DtmfDetector, KeyDown, KeyUp
from audio.errors import AudioFormatError
from audio.wav import read_wav

ALL_KEYS = "".join(KEYS)


def detect(x: np.ndarray, frame_ms: int = 20, t0: float = 0.0) -> list:
    n = frame_ms * 8
    x = np.concatenate([x, np.zeros((-len(x)) % n, np.int16)])
    det = DtmfDetector(frame_ms)
    events = []
    for i in range(0, len(x), n):
        events.extend(det.process(x[i : i + n], t0 + i / 8.0))
    events.extend(det.flush())
    return events


def presses(x: np.ndarray, frame_ms: int = 20) -> str:
    return "".join(e.digit for e in detect(x, frame_ms) if isinstance(e, KeyUp))


def test_all_sixteen_keys():
    x, _ = synth.keyed_sequence(ALL_KEYS, tone_ms=50, gap_ms=50)
    assert presses(x) == ALL_KEYS


def test_key_down_then_up_with_stream_times():
    x, spans = synth.keyed_sequence("59", tone_ms=100, gap_ms=100, lead_ms=205)
    events = detect(x, t0=10_000.0)
    assert [type(e) for e in events] == [KeyDown, KeyUp, KeyDown, KeyUp]
    for (digit, start, end), down, up in zip(spans, events[0::2], events[1::2], strict=True):
        assert down.digit == up.digit == digit
        assert down.t_ms == up.start_ms
        # resolved to the 10 ms analysis block
        assert abs(up.start_ms - 10_000.0 - start) <= 10
        assert abs(up.end_ms - 10_000.0 - end) <= 10


@pytest.mark.parametrize("deviation", [0.015, -0.015, 0.01, -0.01])
def test_accepts_frequency_deviation_up_to_1_5_percent(deviation):
    x, _ = synth.keyed_sequence(ALL_KEYS, tone_ms=50, gap_ms=50, deviation=deviation)
    assert presses(x) == ALL_KEYS


@pytest.mark.parametrize("deviation", [0.035, -0.035, 0.05, -0.05])
def test_rejects_frequency_deviation_of_3_5_percent(deviation):
    x, _ = synth.keyed_sequence(ALL_KEYS, tone_ms=60, gap_ms=50, deviation=deviation)
    assert presses(x) == ""


@pytest.mark.parametrize("tone_ms", [40, 45, 60])
def test_accepts_tones_of_40_ms_at_every_alignment(tone_ms):
    for offset in np.arange(0, 20, 0.625):  # every 5 samples across a frame
        x, _ = synth.keyed_sequence("7", tone_ms=tone_ms, lead_ms=200 + offset)
        assert presses(x) == "7", offset


@pytest.mark.parametrize("tone_ms", [23, 20, 15, 10])
def test_rejects_tones_of_23_ms_at_every_alignment(tone_ms):
    for offset in np.arange(0, 20, 0.625):
        x, _ = synth.keyed_sequence("7", tone_ms=tone_ms, lead_ms=200 + offset)
        assert presses(x) == "", offset


@pytest.mark.parametrize("twist_db", [4.0, 2.0, 0.0, -4.0, -8.0])
def test_accepts_twist_from_plus_4_to_minus_8_db(twist_db):
    x, _ = synth.keyed_sequence(ALL_KEYS, tone_ms=50, gap_ms=50, twist_db=twist_db)
    assert presses(x) == ALL_KEYS


@pytest.mark.parametrize("twist_db", [10.0, 14.0, -14.0, -20.0])
def test_rejects_extreme_twist(twist_db):
    x, _ = synth.keyed_sequence(ALL_KEYS, tone_ms=50, gap_ms=50, twist_db=twist_db)
    assert presses(x) == ""


@pytest.mark.parametrize("level", [-3.0, -20.0, -30.0])
def test_accepts_levels_across_the_range(level):
    x, _ = synth.keyed_sequence(ALL_KEYS, tone_ms=50, gap_ms=50, level_dbfs=level - 3)
    assert presses(x) == ALL_KEYS


def test_rejects_tones_below_sensitivity():
    x, _ = synth.keyed_sequence("123", tone_ms=80, level_dbfs=-55)
    assert presses(x) == ""


def test_40_ms_pause_separates_repeated_keys():
    x, _ = synth.keyed_sequence("1111", tone_ms=50, gap_ms=40)
    assert presses(x) == "1111"


def test_10_ms_dropout_does_not_split_a_key():
    tone = synth.dtmf_tone("3", 60)
    x = np.concatenate([synth.silence(200), tone, synth.silence(10), tone, synth.silence(200)])
    for shift in range(0, 80, 5):
        y = np.concatenate([np.zeros(shift, np.int16), np.round(x).astype(np.int16)])
        assert presses(y) == "3", shift


@pytest.mark.parametrize("seed", range(5))
def test_card_number_at_70_ms_in_20_db_noise(seed):
    rng = np.random.default_rng(seed)
    card = "4111111111111111" if seed % 2 == 0 else "5555555555554444"
    x, _ = synth.keyed_sequence(card, tone_ms=70, gap_ms=70)
    noisy = synth.add_noise(x, 20, rng, reference=synth.dtmf_tone("5", 100))
    assert presses(noisy) == card


def test_noise_alone_gives_no_keys():
    rng = np.random.default_rng(7)
    noise = synth.add_noise(np.zeros(8000 * 20), 0, rng, reference=synth.dtmf_tone("1", 50))
    assert presses(noise) == ""


def test_talk_off_on_real_speech(data_dir):
    speech, _ = read_wav(data_dir / "speech_talkoff.wav")
    assert len(speech) > 8000 * 100  # the corpus is over 100 s of speech
    assert detect(speech) == []


def test_talk_off_on_spoken_card_digits(data_dir):
    speech, _ = read_wav(data_dir / "espeak_card_digits.wav")
    assert detect(speech) == []


def test_talk_off_on_webrtcvad_test_speech(data_dir):
    pcm = np.fromfile(data_dir / "webrtcvad_test-audio_8k_s16le.raw", dtype="<i2")
    assert detect(pcm.astype(np.int16)) == []


def test_keys_inside_speech_are_found(data_dir):
    speech, _ = read_wav(data_dir / "espeak_card_digits.wav")
    keys, _ = synth.keyed_sequence("42", tone_ms=70, gap_ms=70, lead_ms=0, tail_ms=0)
    x = np.concatenate([speech[:16000], keys, speech[16000:32000]])
    assert presses(x) == "42"


@pytest.mark.parametrize("frame_ms", [10, 30])
def test_same_events_for_every_frame_size(frame_ms):
    rng = np.random.default_rng(3)
    x, _ = synth.keyed_sequence("0123456789*#", tone_ms=55, gap_ms=45, lead_ms=240)
    x = synth.add_noise(x, 25, rng)
    assert detect(x, frame_ms) == detect(x, 20)


def test_gap_in_stream_time_resets_history():
    tone = np.round(synth.dtmf_tone("8", 40)).astype(np.int16)
    continuous = DtmfDetector(20)
    got = [*continuous.process(tone[:160], 0.0), *continuous.process(tone[160:], 20.0)]
    assert [type(e) for e in got] == [KeyDown]
    # The same samples with a jump in stream time between the halves: 20 ms
    # on each side of a gap is never a 40 ms tone.
    gapped = DtmfDetector(20)
    got = [*gapped.process(tone[:160], 0.0), *gapped.process(tone[160:], 5000.0)]
    assert [*got, *gapped.flush()] == []


def test_wrong_frame_length_is_refused():
    det = DtmfDetector(20)
    with pytest.raises(AudioFormatError):
        det.process(np.zeros(161, np.int16), 0.0)
    with pytest.raises(AudioFormatError):
        DtmfDetector(25)
