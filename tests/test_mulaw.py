"""G.711 mu-law: bit-exact against audioop over every code and every value."""

from __future__ import annotations

import warnings

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from audio import mulaw

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop  # Python <= 3.12 stdlib, audioop-lts on 3.13+ (test extra)


def test_all_256_codes_decode_like_audioop():
    codes = bytes(range(256))
    assert mulaw.decode(codes).tobytes() == audioop.ulaw2lin(codes, 2)


def test_all_65536_values_encode_like_audioop():
    lin = np.arange(-32768, 32768, dtype=np.int16)
    assert mulaw.encode_bytes(lin) == audioop.lin2ulaw(lin.tobytes(), 2)


def test_encode_returns_codes_array_matching_bytes():
    lin = np.arange(-32768, 32768, 7, dtype=np.int16)
    assert mulaw.encode(lin).dtype == np.uint8
    assert mulaw.encode(lin).tobytes() == mulaw.encode_bytes(lin)


def test_decode_then_encode_is_identity_on_codes():
    codes = bytes(range(256))
    back = mulaw.encode_bytes(mulaw.decode(codes))
    # 0x7F and 0xFF both decode to 0; G.711 encodes 0 as 0xFF.
    expected = bytearray(codes)
    expected[0x7F] = 0xFF
    assert back == bytes(expected)


def test_silence_code_is_zero():
    assert mulaw.SILENCE == 0xFF
    assert mulaw.decode(bytes([mulaw.SILENCE]))[0] == 0
    assert mulaw.encode_bytes(np.zeros(3, np.int16)) == b"\xff\xff\xff"


def test_tables_are_read_only():
    for t in (mulaw.DECODE_TABLE, mulaw.ENCODE_TABLE, mulaw.DECODE_F32):
        assert not t.flags.writeable


def test_decode_accepts_memoryview_and_bytearray():
    data = bytes(range(0, 256, 3))
    ref = mulaw.decode(data)
    assert np.array_equal(mulaw.decode(memoryview(data)), ref)
    assert np.array_equal(mulaw.decode(bytearray(data)), ref)


@given(st.binary(max_size=400))
def test_decode_matches_audioop_on_any_payload(payload):
    assert mulaw.decode(payload).tobytes() == audioop.ulaw2lin(payload, 2)
