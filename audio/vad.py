"""Voice activity detection on webrtcvad, with start and stop hysteresis.

webrtcvad answers voiced/unvoiced per 10/20/30 ms frame; a single decision is
too jumpy to act on (a cough starts "speech", a breath ends it). The
:class:`VoiceActivityDetector` turns the per-frame decisions into speech
start/stop events: speech starts once ``start_ms`` of consecutive voiced audio
has been heard, stamped at the first voiced frame, and stops once ``stop_ms``
of consecutive unvoiced audio has followed, stamped at the end of the last
voiced frame. The raw decision of every frame stays available as
:attr:`VoiceActivityDetector.voiced`, identical to webrtcvad's own.

The per-frame cost is webrtcvad's plus a few attribute updates: the wrapper
calls webrtcvad's extension function directly (the public ``Vad.is_speech``
is itself a thin Python wrapper that recomputes the length every call).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import webrtcvad

from .errors import AudioFormatError

try:  # the C function behind webrtcvad.Vad.is_speech (stable since 2.0.10)
    import _webrtcvad

    _process = _webrtcvad.process
except (ImportError, AttributeError):  # pragma: no cover - other webrtcvad builds
    _webrtcvad = None
    _process = None

__all__ = ["SpeechStarted", "SpeechStopped", "VoiceActivityDetector"]

_RATES = (8000, 16000, 32000, 48000)
_I16 = np.dtype(np.int16)


def _nbytes(pcm: object) -> int:
    if isinstance(pcm, np.ndarray):
        return pcm.nbytes if pcm.dtype == _I16 and pcm.flags.c_contiguous else -1
    return len(pcm)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class SpeechStarted:
    """Speech began at stream time ``t_ms`` (the first voiced frame)."""

    t_ms: float


@dataclass(frozen=True, slots=True)
class SpeechStopped:
    """Speech that began at ``start_ms`` ended at ``t_ms`` (end of the last voiced frame)."""

    t_ms: float
    start_ms: float


class VoiceActivityDetector:
    """One call's VAD: feed 16-bit PCM frames in stream order with their times.

    ``aggressiveness`` is webrtcvad's mode, 0 (least) to 3 (most aggressive
    at calling audio unvoiced). ``start_ms`` and ``stop_ms`` are the
    hysteresis: how much consecutive voiced audio starts speech and how much
    consecutive unvoiced audio ends it. Both round up to whole frames.
    """

    __slots__ = (
        "_handle",
        "_last_voiced_end",
        "_nbytes",
        "_nsamples",
        "_run",
        "_run_start",
        "_speech_start",
        "_start_frames",
        "_stop_frames",
        "_vad",
        "frame_ms",
        "sample_rate",
        "speaking",
        "voiced",
    )

    def __init__(
        self,
        aggressiveness: int = 2,
        *,
        sample_rate: int = 8000,
        frame_ms: int = 20,
        start_ms: int = 60,
        stop_ms: int = 400,
    ) -> None:
        if aggressiveness not in (0, 1, 2, 3):
            raise AudioFormatError("VAD aggressiveness must be 0, 1, 2 or 3")
        if sample_rate not in _RATES:
            raise AudioFormatError("VAD sample rate must be 8000, 16000, 32000 or 48000 Hz")
        if frame_ms not in (10, 20, 30):
            raise AudioFormatError("VAD frame_ms must be 10, 20 or 30")
        if start_ms < 0 or stop_ms < 0:
            raise AudioFormatError("VAD start_ms and stop_ms must not be negative")
        self.sample_rate = sample_rate
        self.frame_ms = frame_ms
        self._nsamples = sample_rate * frame_ms // 1000
        self._nbytes = 2 * self._nsamples
        self._start_frames = max(1, math.ceil(start_ms / frame_ms))
        self._stop_frames = max(1, math.ceil(stop_ms / frame_ms))
        self._vad = webrtcvad.Vad(aggressiveness)
        self._handle = self._vad._vad if _process is not None else None
        self.voiced = False
        self.speaking = False
        self._run = 0
        self._run_start = 0.0
        self._speech_start = 0.0
        self._last_voiced_end = 0.0

    def is_speech(self, pcm: bytes | np.ndarray) -> bool:
        """webrtcvad's raw decision for one frame, without touching the hysteresis."""
        if _nbytes(pcm) != self._nbytes:
            raise AudioFormatError(
                "VAD frame must be 16-bit PCM of exactly frame_ms at the sample rate"
            )
        if _process is not None:
            return bool(_process(self._handle, self.sample_rate, pcm, self._nsamples))
        return self._vad.is_speech(pcm, self.sample_rate)  # pragma: no cover

    def process(self, pcm: bytes | np.ndarray, t_ms: float) -> SpeechStarted | SpeechStopped | None:
        """Feed one frame of 16-bit PCM (bytes, or a contiguous int16 array) at ``t_ms``.

        Returns a speech start or stop event when this frame completes one,
        else ``None``. Raises :class:`AudioFormatError` for a frame of the
        wrong length or type (webrtcvad would otherwise read past the buffer).
        """
        if (len(pcm) if type(pcm) is bytes else _nbytes(pcm)) != self._nbytes:
            raise AudioFormatError(
                "VAD frame must be 16-bit PCM of exactly frame_ms at the sample rate"
            )
        if _process is not None:
            voiced = _process(self._handle, self.sample_rate, pcm, self._nsamples)
        else:  # pragma: no cover
            voiced = self._vad.is_speech(pcm, self.sample_rate)
        self.voiced = voiced
        if voiced:
            self._last_voiced_end = t_ms + self.frame_ms
        if self.speaking == voiced:
            self._run = 0
            return None
        if self._run == 0:
            self._run_start = t_ms
        self._run += 1
        if voiced:
            if self._run >= self._start_frames:
                self.speaking = True
                self._run = 0
                self._speech_start = self._run_start
                return SpeechStarted(self._run_start)
        elif self._run >= self._stop_frames:
            self.speaking = False
            self._run = 0
            return SpeechStopped(self._last_voiced_end, self._speech_start)
        return None

    def flush(self) -> SpeechStopped | None:
        """End of stream: close a speech segment that is still open."""
        self._run = 0
        if self.speaking:
            self.speaking = False
            return SpeechStopped(self._last_voiced_end, self._speech_start)
        return None
