"""Framer: exact frames, stream times, and the same answer however split."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audio.errors import AudioFormatError
from audio.framing import Framer


def frames_of(framer, chunks):
    out = []
    for data, t in chunks:
        out.extend((ft, bytes(f)) for ft, f in framer.push(data, t))
    out.extend((ft, bytes(f)) for ft, f in framer.flush())
    return out


def test_exact_frame_passes_through_same_object():
    fr = Framer(20)
    payload = bytes(range(160))
    [(t, frame)] = fr.push(payload, 40.0)
    assert t == 40.0
    assert frame is payload


def test_large_payload_is_sliced_without_copy():
    fr = Framer(20)
    payload = bytes(range(256)) * 2  # 512 bytes = 3 frames + 32
    out = fr.push(payload, 0.0)
    assert [t for t, _ in out] == [0.0, 20.0, 40.0]
    assert all(isinstance(f, memoryview) for _, f in out)
    assert b"".join(bytes(f) for _, f in out) == payload[:480]
    assert fr.pending_bytes == 32


def test_pieces_assemble_with_stream_time_of_first_sample():
    fr = Framer(20)
    assert fr.push(b"\x01" * 100, 1000.0) == []
    out = fr.push(b"\x02" * 100, 1012.5)
    assert len(out) == 1
    t, frame = out[0]
    assert t == 1000.0
    assert bytes(frame) == b"\x01" * 100 + b"\x02" * 60
    ((t2, last),) = fr.flush()
    assert t2 == 1020.0
    assert bytes(last) == b"\x02" * 40 + b"\xff" * 120


@pytest.mark.parametrize("frame_ms", [10, 20, 30])
def test_frame_sizes(frame_ms):
    fr = Framer(frame_ms)
    assert fr.frame_bytes == 8 * frame_ms
    out = fr.push(bytes(8 * frame_ms * 3), 0.0)
    assert [t for t, _ in out] == [0.0, frame_ms, 2.0 * frame_ms]


def test_pcm16_frames_count_two_bytes_per_sample():
    fr = Framer(20, sample_width=2)
    assert fr.frame_bytes == 320
    out = fr.push(bytes(640), 0.0)
    assert [t for t, _ in out] == [0.0, 20.0]
    assert fr.flush() == []


def test_gap_in_stream_time_pads_and_restarts():
    fr = Framer(20)
    out = fr.push(b"\x01" * 80, 0.0)
    assert out == []
    out = fr.push(b"\x02" * 160, 100.0)  # 90 ms gap
    assert [(t, bytes(f)) for t, f in out] == [
        (0.0, b"\x01" * 80 + b"\xff" * 80),
        (100.0, b"\x02" * 160),
    ]


def test_empty_payload_is_harmless():
    fr = Framer(20)
    assert fr.push(b"", 0.0) == []
    assert fr.push(b"\x00" * 160) == [(0.0, b"\x00" * 160)]


def test_untimed_payloads_follow_on():
    fr = Framer(20)
    fr.push(b"\x00" * 50, 500.0)
    out = fr.push(b"\x00" * 270)
    assert [t for t, _ in out] == [500.0, 520.0]


@pytest.mark.parametrize(
    "kwargs",
    [{"frame_ms": 25}, {"sample_rate": 0}, {"sample_rate": 8001}, {"sample_width": 3}],
)
def test_bad_parameters_are_refused(kwargs):
    with pytest.raises(AudioFormatError):
        Framer(**kwargs)


@given(
    data=st.binary(min_size=0, max_size=2000),
    cuts=st.lists(st.integers(min_value=0, max_value=2000), max_size=30),
    frame_ms=st.sampled_from([10, 20, 30]),
)
def test_same_frames_however_the_stream_is_split(data, cuts, frame_ms):
    whole = frames_of(Framer(frame_ms), [(data, 0.0)])
    bounds = sorted({0, len(data), *[c for c in cuts if c <= len(data)]})
    chunks = [(data[a:b], a / 8.0) for a, b in itertools.pairwise(bounds)]
    assert frames_of(Framer(frame_ms), chunks) == whole
    untimed = [(c, None) for c, _ in chunks]
    assert frames_of(Framer(frame_ms), untimed) == whole


def test_byte_by_byte_equals_whole():
    data = bytes(range(256)) * 5
    whole = frames_of(Framer(20), [(data, 0.0)])
    single = frames_of(Framer(20), [(data[i : i + 1], i / 8.0) for i in range(len(data))])
    assert single == whole
