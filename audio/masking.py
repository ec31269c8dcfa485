"""Masking: replace spans of audio with silence or comfort noise, click-free.

A *mask* is a span of stream time ``[start_ms, end_ms)`` whose audio must not
reach a destination (the bot's input, the recording). Inside the span the
audio is replaced entirely; a short raised-cosine ramp *outside* each edge
crossfades the original audio into the fill and back, so there is no click
and not one sample of the span survives.

:class:`DelayLine` holds the last few frames of a stream before releasing
them. Because a keypad tone is only recognised some tens of milliseconds after
it starts (:data:`audio.dtmf.DETECTION_LATENCY_MS`), a path that can afford
that delay — the recording, or the bot's input during secure capture — masks
the tone from its very first sample: the frames that hold the start of the
tone are still in the line when the detector fires. This is what contact-centre
masking products call stopping "DTMF bleed".

Masks can be open-ended (``end_ms=None``) and closed later, which is how a
key that is still held down, or a whole secure-capture window, is masked.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from .errors import AudioFormatError

__all__ = ["FILLS", "DelayLine", "MaskSet", "comfort_noise"]

FILLS = ("silence", "comfort_noise")
_NOISE_LEN = 8000


def comfort_noise(level_dbfs: float = -60.0, *, seed: int = 0x5EC) -> np.ndarray:
    """One second of low white noise (float32), to loop under masked spans.

    Fixed seed: the noise carries no information, and a deterministic fill
    keeps recordings and tests reproducible.
    """
    rng = np.random.default_rng(seed)
    rms = 32767.0 / math.sqrt(2) * 10 ** (level_dbfs / 20)
    return (rng.standard_normal(_NOISE_LEN) * rms).astype(np.float32)


class MaskSet:
    """A set of mask spans in stream time, applied to frames on their way out.

    ``ramp_ms`` is the crossfade outside each edge. ``fill`` is ``"silence"``
    or ``"comfort_noise"`` (at ``noise_dbfs``). Spans may overlap; an open
    span (``end_ms=None``) covers everything from its start until
    :meth:`close` gives it an end.
    """

    __slots__ = ("_noise", "_offsets", "_rate", "ramp_ms", "spans")

    def __init__(
        self,
        *,
        sample_rate: int = 8000,
        ramp_ms: float = 5.0,
        fill: str = "silence",
        noise_dbfs: float = -60.0,
    ) -> None:
        if fill not in FILLS:
            raise AudioFormatError("mask fill must be 'silence' or 'comfort_noise'")
        if ramp_ms < 0:
            raise AudioFormatError("mask ramp_ms must not be negative")
        self._rate = sample_rate
        self.ramp_ms = float(ramp_ms)
        self._noise = comfort_noise(noise_dbfs) if fill == "comfort_noise" else None
        self._offsets: dict[int, np.ndarray] = {}
        self.spans: list[list[float]] = []

    def add(self, start_ms: float, end_ms: float | None = None) -> None:
        """Mask ``[start_ms, end_ms)``; ``end_ms=None`` leaves it open."""
        end = math.inf if end_ms is None else float(end_ms)
        if end < start_ms:
            raise AudioFormatError("mask span ends before it starts")
        self.spans.append([float(start_ms), end])

    def close(self, end_ms: float, start_ms: float | None = None) -> None:
        """Give open spans the end ``end_ms`` (at least their start): every open
        span, or only those that started at ``start_ms``."""
        for span in self.spans:
            if span[1] == math.inf and (start_ms is None or span[0] == start_ms):
                span[1] = max(span[0], float(end_ms))

    @property
    def open(self) -> bool:
        """Whether an open-ended span is active."""
        return any(s[1] == math.inf for s in self.spans)

    def prune(self, before_ms: float) -> None:
        """Forget spans whose effect ends before ``before_ms``."""
        ramp = self.ramp_ms
        if self.spans:
            self.spans = [s for s in self.spans if s[1] + ramp > before_ms]

    def apply(self, pcm: np.ndarray, t_ms: float) -> bool:
        """Mask, in place, the int16 frame ``pcm`` that starts at ``t_ms``.

        Returns whether any sample was changed. Frames no span touches cost
        one pass over the (usually empty) span list.
        """
        if not self.spans:
            return False
        n = pcm.shape[0]
        dur = n * 1000.0 / self._rate
        ramp = self.ramp_ms
        hit = [s for s in self.spans if s[0] - ramp < t_ms + dur and s[1] + ramp > t_ms]
        if not hit:
            return False
        offs = self._offsets.get(n)
        if offs is None:
            offs = np.arange(n, dtype=np.float64) * (1000.0 / self._rate)
            self._offsets[n] = offs
        times = offs + t_ms
        gain = np.ones(n, dtype=np.float64)
        for start, end in hit:
            if ramp > 0:
                down = np.clip((start - times) / ramp, 0.0, 1.0)
                up = np.clip((times - end) / ramp + (1000.0 / self._rate) / ramp, 0.0, 1.0)
                g = np.maximum(down, up)
                g = 0.5 - 0.5 * np.cos(np.pi * g)
            else:
                g = ((times < start) | (times >= end)).astype(np.float64)
            np.minimum(gain, g, out=gain)
        out = pcm * gain
        if self._noise is not None:
            first = int(round(t_ms * self._rate / 1000.0))
            idx = (np.arange(first, first + n)) % _NOISE_LEN
            out += self._noise[idx] * (1.0 - gain)
        np.copyto(pcm, np.clip(np.round(out), -32768, 32767), casting="unsafe")
        return True


class DelayLine:
    """Holds ``delay_ms`` of frames so masks can reach back in time.

    ``push(frame, t_ms)`` stores a copy of an int16 frame and returns the
    frames that have aged past the delay, masked, as ``(t_ms, pcm)`` pairs
    (usually one per push once the line is full). :meth:`mask` adds a span;
    it returns how many milliseconds of the span (with its ramp) had already
    left the line — ``0.0`` means every sample of it was masked, anything
    else is a leak the caller must report.
    """

    __slots__ = ("_frames", "_released_until", "delay_ms", "masks")

    def __init__(self, delay_ms: float = 60.0, masks: MaskSet | None = None) -> None:
        if delay_ms < 0:
            raise AudioFormatError("delay_ms must not be negative")
        self.delay_ms = float(delay_ms)
        self.masks = masks if masks is not None else MaskSet()
        self._frames: deque[tuple[float, np.ndarray]] = deque()
        self._released_until = -math.inf

    @property
    def released_until_ms(self) -> float:
        """Stream time up to which audio has left the line."""
        return self._released_until

    def mask(self, start_ms: float, end_ms: float | None = None) -> float:
        """Mask a span; return the milliseconds of it that already left."""
        self.masks.add(start_ms, end_ms)
        ramp = self.masks.ramp_ms
        lead = start_ms - ramp
        tail = math.inf if end_ms is None else end_ms + ramp
        return max(0.0, min(self._released_until, tail) - lead)

    def end_mask(self, end_ms: float, start_ms: float | None = None) -> None:
        """End open masks at ``end_ms``: all, or the one that started at ``start_ms``."""
        self.masks.close(end_ms, start_ms)

    def push(self, pcm: np.ndarray, t_ms: float) -> list[tuple[float, np.ndarray]]:
        """Add a frame; return the masked frames that are now older than the delay."""
        frames = self._frames
        frames.append((t_ms, pcm.copy()))
        out: list[tuple[float, np.ndarray]] = []
        horizon = t_ms + len(pcm) * 1000.0 / self.masks._rate - self.delay_ms
        while frames:
            ft, fp = frames[0]
            fend = ft + len(fp) * 1000.0 / self.masks._rate
            if fend > horizon + 1e-6:
                break
            frames.popleft()
            out.append(self._release(ft, fp, fend))
        return out

    def flush(self) -> list[tuple[float, np.ndarray]]:
        """Release everything still held (end of stream)."""
        out = []
        while self._frames:
            ft, fp = self._frames.popleft()
            out.append(self._release(ft, fp, ft + len(fp) * 1000.0 / self.masks._rate))
        return out

    def _release(self, ft: float, fp: np.ndarray, fend: float) -> tuple[float, np.ndarray]:
        masks = self.masks
        if masks.spans:
            masks.apply(fp, ft)
            masks.prune(fend)
        self._released_until = fend
        return ft, fp
