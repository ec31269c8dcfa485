"""WAV reading: the formats we accept, clear errors, and never a crash."""

from __future__ import annotations

import contextlib
import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audio import mulaw
from audio.errors import AudioFormatError
from audio.wav import parse_wav, read_wav, write_wav


def wav_bytes(
    body: bytes, *, tag=1, channels=1, rate=8000, bits=16, extensible=False, extra_chunks=b""
) -> bytes:
    block = channels * bits // 8
    if extensible:
        fmt = struct.pack("<HHIIHH", 0xFFFE, channels, rate, rate * block, block, bits)
        fmt += struct.pack("<HHI", 22, bits, 0) + struct.pack("<H", tag) + b"\x00" * 14
    else:
        fmt = struct.pack("<HHIIHH", tag, channels, rate, rate * block, block, bits)
    chunks = b"fmt " + struct.pack("<I", len(fmt)) + fmt + extra_chunks
    chunks += b"data" + struct.pack("<I", len(body)) + body + (b"\0" if len(body) % 2 else b"")
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks


PCM = (np.sin(np.arange(800) / 5) * 10000).astype(np.int16)


def test_pcm16_roundtrip_via_write_wav(tmp_path):
    write_wav(tmp_path / "a.wav", PCM)
    got, info = read_wav(tmp_path / "a.wav")
    assert np.array_equal(got, PCM)
    assert (info.encoding, info.sample_rate, info.channels, info.samples) == ("pcm16", 8000, 1, 800)


def test_mulaw_wav_and_extensible_and_odd_chunks():
    codes = mulaw.encode_bytes(PCM[: 801 - 2])  # odd length data chunk, padded
    for kwargs in ({"tag": 7, "bits": 8}, {"tag": 7, "bits": 8, "extensible": True}):
        got, info = parse_wav(
            wav_bytes(codes, extra_chunks=b"LIST\x03\x00\x00\x00abc\x00", **kwargs)
        )
        assert info.encoding == "mulaw"
        assert np.array_equal(got, mulaw.decode(codes))


def test_raw_mulaw(tmp_path):
    (tmp_path / "a.ul").write_bytes(mulaw.encode_bytes(PCM))
    got, info = read_wav(tmp_path / "a.ul", raw=True)
    assert info.encoding == "mulaw"
    assert np.array_equal(got, mulaw.decode(mulaw.encode_bytes(PCM)))


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b"hello, this is a text file, not audio at all", "not a WAV"),
        (wav_bytes(PCM.tobytes(), rate=16000), "16000 Hz; expected 8000"),
        (wav_bytes(np.repeat(PCM, 2).tobytes(), channels=2), "2 channels; expected mono"),
        (wav_bytes(PCM.tobytes())[:-100], "truncated"),
        (wav_bytes(PCM.tobytes())[:30], "truncated"),
        (wav_bytes(b""), "no audio"),
        (wav_bytes(PCM.tobytes()[:-1]), "odd number"),
        (wav_bytes(PCM.tobytes(), tag=3, bits=32), "unsupported WAV encoding"),
        (wav_bytes(bytes(800), tag=6, bits=8), "unsupported WAV encoding"),
        (b"RIFX" + wav_bytes(PCM.tobytes())[4:], "big-endian"),
        (b"RIFF\x04\x00\x00\x00WAVE", "no format chunk"),
    ],
)
def test_bad_files_give_clear_errors(data, words):
    with pytest.raises(AudioFormatError, match=words):
        parse_wav(data)


def test_read_errors_do_not_leak_paths_or_content(tmp_path):
    with pytest.raises(AudioFormatError, match="not found"):
        read_wav(tmp_path / "missing.wav")
    with pytest.raises(AudioFormatError, match="directory"):
        read_wav(tmp_path)
    (tmp_path / "empty.ul").write_bytes(b"")
    with pytest.raises(AudioFormatError, match="empty"):
        read_wav(tmp_path / "empty.ul", raw=True)


def test_any_rate_when_asked():
    got, info = parse_wav(wav_bytes(PCM.tobytes(), rate=16000), sample_rate=None)
    assert info.sample_rate == 16000
    assert len(got) == len(PCM)


GOOD = wav_bytes(PCM[:64].tobytes())


@settings(max_examples=400)
@given(st.binary(max_size=300))
def test_fuzz_random_bytes_parse_or_raise_the_documented_error(data):
    with contextlib.suppress(AudioFormatError):
        parse_wav(data)


@settings(max_examples=400)
@given(
    st.lists(st.tuples(st.integers(0, len(GOOD) - 1), st.integers(0, 255)), max_size=8),
    st.integers(0, len(GOOD)),
)
def test_fuzz_mutated_wav_parse_or_raise_the_documented_error(edits, cut):
    data = bytearray(GOOD)
    for pos, val in edits:
        data[pos] = val
    try:
        pcm, info = parse_wav(bytes(data[:cut]))
    except AudioFormatError:
        return
    assert pcm.dtype == np.int16
    assert info.samples == len(pcm) > 0
