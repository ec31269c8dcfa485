"""Synthetic telephony signals: keypad tones, keyed sequences, noise.

Used by the tests, the benchmarks and the bundled examples, so that none of
them needs an audio tool installed. Levels are in dBFS of a sine (0 dBFS is a
full-scale 16-bit sine); everything is 8 kHz int16.
"""

from __future__ import annotations

import numpy as np

from .dtmf import COLS, KEYS, ROWS, SAMPLE_RATE

__all__ = ["add_noise", "dtmf_tone", "keyed_sequence", "level_dbfs", "silence"]

_FULL = 32767.0


def _amp(dbfs: float) -> float:
    return _FULL * 10 ** (dbfs / 20)


def silence(ms: float) -> np.ndarray:
    """``ms`` of digital silence."""
    return np.zeros(int(round(ms * SAMPLE_RATE / 1000)), dtype=np.int16)


def dtmf_tone(
    digit: str,
    ms: float,
    *,
    level_dbfs: float = -10.0,
    twist_db: float = 0.0,
    deviation: float = 0.0,
    phase: float = 0.0,
) -> np.ndarray:
    """The dual tone of ``digit``, ``ms`` long, as float64 (not yet clipped).

    ``level_dbfs`` is the level of the low (row) tone; the high tone is
    ``twist_db`` above it. Both frequencies are moved by ``deviation``
    (0.015 = +1.5 %).
    """
    where = [(r, row.find(digit)) for r, row in enumerate(KEYS) if digit and digit in row]
    if len(digit) != 1 or not where:
        raise ValueError("not a DTMF key")
    r, c = where[0]
    n = np.arange(int(round(ms * SAMPLE_RATE / 1000)))
    f_lo = ROWS[r] * (1 + deviation)
    f_hi = COLS[c] * (1 + deviation)
    lo = _amp(level_dbfs) * np.sin(2 * np.pi * f_lo * n / SAMPLE_RATE + phase)
    hi = _amp(level_dbfs + twist_db) * np.sin(2 * np.pi * f_hi * n / SAMPLE_RATE + 2 * phase)
    return lo + hi


def keyed_sequence(
    digits: str,
    *,
    tone_ms: float = 70.0,
    gap_ms: float = 70.0,
    lead_ms: float = 200.0,
    tail_ms: float = 200.0,
    **tone_kwargs: float,
) -> tuple[np.ndarray, list[tuple[str, float, float]]]:
    """Digits keyed one after another; returns int16 audio and the true spans.

    The spans are ``(digit, start_ms, end_ms)`` of each tone.
    """
    parts = [silence(lead_ms).astype(np.float64)]
    spans = []
    t = lead_ms
    for d in digits:
        parts.append(dtmf_tone(d, tone_ms, **tone_kwargs))
        spans.append((d, t, t + tone_ms))
        t += tone_ms
        parts.append(silence(gap_ms).astype(np.float64))
        t += gap_ms
    parts.append(silence(tail_ms).astype(np.float64))
    sig = np.concatenate(parts)
    return np.clip(np.round(sig), -32768, 32767).astype(np.int16), spans


def level_dbfs(x: np.ndarray) -> float:
    """RMS level of ``x`` in dB relative to a full-scale sine."""
    rms = float(np.sqrt(np.mean(np.asarray(x, dtype=np.float64) ** 2)))
    return 20 * np.log10(max(rms, 1e-9) / (_FULL / np.sqrt(2)))


def add_noise(
    x: np.ndarray, snr_db: float, rng: np.random.Generator, *, reference: np.ndarray | None = None
) -> np.ndarray:
    """Add white Gaussian noise ``snr_db`` below the power of ``reference``.

    ``reference`` defaults to the non-silent part of ``x`` (so the SNR is the
    tone's, not diluted by the gaps between tones).
    """
    xf = np.asarray(x, dtype=np.float64)
    ref = xf[np.abs(xf) > 0] if reference is None else np.asarray(reference, np.float64)
    p = float(np.mean(ref**2)) if ref.size else 1.0
    noise = rng.normal(0.0, np.sqrt(p / 10 ** (snr_db / 10)), size=xf.shape)
    return np.clip(np.round(xf + noise), -32768, 32767).astype(np.int16)
