"""Reading and writing 8 kHz telephony WAV files, with errors people can act on.

:func:`read_wav` accepts mono 16-bit PCM and G.711 mu-law WAV files
(including ``WAVE_FORMAT_EXTENSIBLE``), and headerless mu-law with
``raw=True``. It parses the RIFF chunks itself, because the standard
library's :mod:`wave` does not read mu-law, and it never crashes on bad
input: every problem is an :class:`~audio.errors.AudioFormatError` whose
message says what is wrong and what is expected, without quoting the file's
bytes.
"""

from __future__ import annotations

import struct
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import mulaw
from .errors import AudioFormatError

__all__ = ["MAX_WAV_BYTES", "WavInfo", "parse_wav", "read_wav", "write_wav"]

MAX_WAV_BYTES = 512 * 1024 * 1024
"""Refuse larger files (about 9 hours of 8 kHz 16-bit audio)."""

_PCM = 1
_MULAW = 7
_EXTENSIBLE = 0xFFFE


@dataclass(frozen=True, slots=True)
class WavInfo:
    """What a file held: its encoding (``"pcm16"`` or ``"mulaw"``) and rate."""

    encoding: str
    sample_rate: int
    channels: int
    samples: int


def read_wav(
    path: str | Path, *, raw: bool = False, sample_rate: int | None = 8000
) -> tuple[np.ndarray, WavInfo]:
    """Read a WAV file (or headerless mu-law) as int16 samples.

    ``sample_rate`` is the rate required (``None`` accepts any). Raises
    :class:`AudioFormatError` for anything else, and for unreadable files.
    """
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_WAV_BYTES:
            raise AudioFormatError("file is larger than 512 MiB; split it first")
        data = p.read_bytes()
    except AudioFormatError:
        raise
    except IsADirectoryError:
        raise AudioFormatError("expected an audio file, got a directory") from None
    except FileNotFoundError:
        raise AudioFormatError("file not found") from None
    except PermissionError:
        raise AudioFormatError("file is not readable (permission denied)") from None
    except OSError:
        raise AudioFormatError("file could not be read") from None
    if raw:
        if not data:
            raise AudioFormatError("file is empty: no audio to read")
        pcm = mulaw.decode(data)
        return pcm, WavInfo("mulaw", sample_rate or 8000, 1, len(pcm))
    return parse_wav(data, sample_rate=sample_rate)


def parse_wav(data: bytes, *, sample_rate: int | None = 8000) -> tuple[np.ndarray, WavInfo]:
    """Parse WAV bytes; see :func:`read_wav`. Never raises anything else."""
    if len(data) == 0:
        raise AudioFormatError("file is empty: expected a WAV file")
    if len(data) < 12 or data[:4] not in (b"RIFF", b"RIFX") or data[8:12] != b"WAVE":
        raise AudioFormatError(
            "not a WAV file (no RIFF/WAVE header); use --raw for headerless mu-law"
        )
    if data[:4] == b"RIFX":
        raise AudioFormatError("big-endian (RIFX) WAV is not supported; convert to RIFF")
    fmt = None
    body = None
    pos = 12
    end = len(data)
    while pos + 8 <= end:
        cid = data[pos : pos + 4]
        (csize,) = struct.unpack_from("<I", data, pos + 4)
        start = pos + 8
        if cid == b"fmt ":
            if csize < 16 or start + csize > end:
                raise AudioFormatError("WAV file is truncated: its format chunk is incomplete")
            fmt = data[start : start + csize]
        elif cid == b"data":
            if start + csize > end:
                raise AudioFormatError(
                    "WAV file is truncated: the data chunk is shorter than its header says"
                )
            body = data[start : start + csize]
            if fmt is not None:
                break
        pos = start + csize + (csize & 1)
    if fmt is None:
        raise AudioFormatError("WAV file has no format chunk (truncated or corrupt)")
    if body is None:
        raise AudioFormatError("WAV file has no data chunk (truncated or corrupt)")
    tag, channels, rate, _, _, bits = struct.unpack_from("<HHIIHH", fmt, 0)
    if tag == _EXTENSIBLE:
        if len(fmt) < 40:
            raise AudioFormatError("WAV extensible format chunk is truncated")
        (tag,) = struct.unpack_from("<H", fmt, 24)
    if channels != 1:
        raise AudioFormatError(
            f"WAV file has {channels} channels; expected mono (sox in.wav -c 1 out.wav)"
        )
    if sample_rate is not None and rate != sample_rate:
        raise AudioFormatError(
            f"WAV sample rate is {rate} Hz; expected {sample_rate} Hz"
            f" (sox in.wav -r {sample_rate} out.wav)"
        )
    if tag == _PCM and bits == 16:
        if len(body) % 2:
            raise AudioFormatError("WAV file is truncated: odd number of bytes of 16-bit audio")
        pcm = np.frombuffer(body, dtype="<i2").astype(np.int16)
        encoding = "pcm16"
    elif tag == _MULAW and bits == 8:
        pcm = mulaw.decode(body)
        encoding = "mulaw"
    else:
        raise AudioFormatError(
            "unsupported WAV encoding; expected 16-bit PCM or 8-bit mu-law"
            " (sox in.wav -e signed-integer -b 16 out.wav)"
        )
    if pcm.size == 0:
        raise AudioFormatError("WAV file holds no audio samples")
    return pcm, WavInfo(encoding, rate, channels, int(pcm.size))


def write_wav(path: str | Path, pcm: np.ndarray, *, sample_rate: int = 8000) -> None:
    """Write int16 mono samples as a 16-bit PCM WAV file."""
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sample_rate)
        w.writeframes(np.asarray(pcm, dtype="<i2").tobytes())
