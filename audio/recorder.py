"""A local call recorder that can mask what it has not yet written.

Audio is held in memory for ``hold_ms`` before it is written to the WAV file,
so a disclosure that is recognised late (a card number is only a card number
once its last digits are heard) can still be masked out of the recording:
:meth:`CallRecorder.mask` reaches back as far as the hold. What was already
written cannot be changed any more, and the recorder says so instead of
pretending: ``mask`` returns the milliseconds of the span that were already
on disk, for the caller to audit.

The file's timeline is the stream's: a gap in stream time is written as
silence, so the recording's length and offsets stay auditable.
"""

from __future__ import annotations

import math
import wave
from pathlib import Path

import numpy as np

from .errors import AudioFormatError
from .masking import DelayLine, MaskSet

__all__ = ["CallRecorder"]

_MAX_GAP_MS = 3_600_000.0


class CallRecorder:
    """Record one stream of 8 kHz int16 frames to ``path`` (16-bit PCM WAV)."""

    def __init__(
        self,
        path: str | Path,
        *,
        hold_ms: float = 2000.0,
        sample_rate: int = 8000,
        masks: MaskSet | None = None,
    ) -> None:
        self.sample_rate = sample_rate
        self._line = DelayLine(hold_ms, masks or MaskSet(sample_rate=sample_rate))
        self._wav = wave.open(str(path), "wb")  # noqa: SIM115 - closed in close()
        self._wav.setnchannels(1)
        self._wav.setsampwidth(2)
        self._wav.setframerate(sample_rate)
        self._written_until: float | None = None
        self._last_end = -math.inf
        self.samples_written = 0

    @property
    def written_until_ms(self) -> float:
        """Stream time up to which audio is on disk and can no longer be masked."""
        return self._line.released_until_ms

    def write(self, pcm: np.ndarray, t_ms: float) -> None:
        """Add a frame that starts at ``t_ms``; frames must come in stream order."""
        if t_ms < self._last_end - 0.5:
            raise AudioFormatError("recorder frames must be in stream order without overlap")
        self._last_end = t_ms + len(pcm) * 1000.0 / self.sample_rate
        for ft, fp in self._line.push(pcm, t_ms):
            self._emit(ft, fp)

    def mask(self, start_ms: float, end_ms: float | None = None) -> float:
        """Mask ``[start_ms, end_ms)``; return the ms of it already written."""
        return self._line.mask(start_ms, end_ms)

    def end_mask(self, end_ms: float, start_ms: float | None = None) -> None:
        """End open masks at ``end_ms``: all, or the one that started at ``start_ms``."""
        self._line.end_mask(end_ms, start_ms)

    def close(self) -> None:
        """Write everything still held and close the file."""
        if self._wav is None:
            return
        for ft, fp in self._line.flush():
            self._emit(ft, fp)
        self._wav.close()
        self._wav = None

    def __enter__(self) -> CallRecorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _emit(self, t_ms: float, pcm: np.ndarray) -> None:
        if self._written_until is not None and t_ms > self._written_until + 0.5:
            gap = min(t_ms - self._written_until, _MAX_GAP_MS)
            n = int(round(gap * self.sample_rate / 1000.0))
            self._wav.writeframes(bytes(2 * n))
            self.samples_written += n
        self._wav.writeframes(pcm.astype("<i2", copy=False).tobytes())
        self.samples_written += len(pcm)
        self._written_until = t_ms + len(pcm) * 1000.0 / self.sample_rate
