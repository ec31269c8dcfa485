"""A local recording of a call's caller audio, with every protection applied.

What the guardrail itself writes to disk (``guardrail replay --record``, and
``guardrail serve`` when ``[retention] recordings_dir`` is set): the caller's
audio as it arrived, decoded to 16-bit PCM WAV, with every span the session
masks for the recording (``MaskAudio`` with ``target="recording"``: a keypad
tone from its first sample, a disclosure where it was spoken) and every
recording pause silenced. Audio is held in memory for ``hold_ms`` before it
is written (:class:`audio.recorder.CallRecorder`), so a mask the session
decides later (a transcript arrives after the words) still reaches it;
``hold_ms`` must cover the session's ``disclosure_lookback_ms``.

Files in ``recordings_dir`` are kept for ``[retention] recordings_days`` and
deleted by ``guardrail purge``.
"""

from __future__ import annotations

import os
from pathlib import Path

from audio import mulaw
from audio.recorder import CallRecorder

from .events import CallerAudio, MaskAudio, PauseRecording, ResumeRecording

__all__ = ["LocalRecording"]

DEFAULT_HOLD_MS = 30_000.0


class LocalRecording:
    """One call's caller track, written to ``path`` as the session protects it."""

    def __init__(self, path: str | Path, *, hold_ms: float = DEFAULT_HOLD_MS) -> None:
        self.path = Path(path)
        self._recorder = CallRecorder(self.path, hold_ms=hold_ms)
        os.chmod(self.path, 0o600)  # the caller's voice: readable by the guardrail only
        self._open: dict[object, float] = {}
        self._end_ms = 0.0
        self.closed = False

    def audio(self, ev: CallerAudio) -> None:
        """The caller's frame as it arrived (before any masking for the bot)."""
        if ev.payload and not self.closed and ev.t_ms >= self._end_ms - 0.5:
            pcm = mulaw.decode(ev.payload)
            self._recorder.write(pcm, ev.t_ms)
            self._end_ms = ev.t_ms + len(pcm) / 8.0

    def actions(self, actions: list) -> None:
        """Apply the session's masks and pauses among ``actions``."""
        if self.closed:
            return
        rec = self._recorder
        for a in actions:
            kind = type(a)
            if kind is MaskAudio and a.target == "recording":
                if a.end_ms is None:
                    rec.mask(a.start_ms)
                    self._open[a.start_ms] = a.start_ms
                elif self._open.pop(a.start_ms, None) is not None:
                    rec.end_mask(a.end_ms, a.start_ms)
                else:
                    rec.mask(a.start_ms, a.end_ms)
            elif kind is PauseRecording:
                rec.mask(a.t_ms)
                self._open["pause"] = a.t_ms
            elif kind is ResumeRecording and "pause" in self._open:
                rec.end_mask(a.t_ms, self._open.pop("pause"))

    def close(self) -> None:
        """Write what is held (masks still open cover the rest) and close the file."""
        if not self.closed:
            self.closed = True
            self._recorder.close()
