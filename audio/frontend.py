"""The per-call audio front end: Twilio payloads in, audio events out.

:class:`AudioFrontEnd` is what runs for every inbound media message: it
re-frames the mu-law payload, decodes each frame once, and runs VAD and DTMF
detection over it, returning their events stamped with stream time. It
decides nothing: the session turns events into actions.
"""

from __future__ import annotations

import numpy as np

from . import mulaw
from .dtmf import DtmfDetector
from .framing import Buffer, Framer
from .vad import VoiceActivityDetector

__all__ = ["AudioFrontEnd"]

_EMPTY: tuple = ()
_TABLE = mulaw.DECODE_TABLE
_U8 = np.uint8
_I16 = np.int16
_frombuffer = np.frombuffer


class AudioFrontEnd:
    """Framing, decoding, VAD and DTMF for one inbound 8 kHz mu-law stream."""

    __slots__ = ("dtmf", "framer", "pcm_framer", "vad")

    def __init__(
        self,
        *,
        frame_ms: int = 20,
        vad_aggressiveness: int = 2,
        speech_start_ms: int = 60,
        speech_stop_ms: int = 400,
    ) -> None:
        self.framer = Framer(frame_ms)
        self.pcm_framer = Framer(frame_ms, sample_width=2)
        self.vad = VoiceActivityDetector(
            vad_aggressiveness, frame_ms=frame_ms, start_ms=speech_start_ms, stop_ms=speech_stop_ms
        )
        self.dtmf = DtmfDetector(frame_ms)

    def feed(self, payload: Buffer, t_ms: float | None = None) -> tuple | list:
        """Process one mu-law payload; return the VAD and DTMF events it completes."""
        return self._analyse(self.framer.push(payload, t_ms), True)

    def feed_pcm(self, pcm: Buffer, t_ms: float | None = None) -> tuple | list:
        """The same for 16-bit PCM at 8 kHz (an adapter that has PCM already:
        no mu-law round trip). One stream uses one of the two feeds."""
        return self._analyse(self.pcm_framer.push(pcm, t_ms), False)

    def _analyse(self, frames: list, mu_law: bool) -> tuple | list:
        events: list | None = None
        vad = self.vad.process
        dtmf = self.dtmf.process
        for t, frame in frames:
            pcm = (
                _TABLE.take(_frombuffer(frame, dtype=_U8))
                if mu_law
                else _frombuffer(frame, dtype=_I16)
            )
            ev = vad(pcm, t)
            keys = dtmf(pcm, t)
            if ev is not None or keys:
                if events is None:
                    events = []
                if ev is not None:
                    events.append(ev)
                events.extend(keys)
        return _EMPTY if events is None else events

    def flush(self) -> list:
        """End of stream: complete the last frame and close open speech and keys."""
        events: list = []
        pieces = [(t, mulaw.decode(f)) for t, f in self.framer.flush()]
        pieces += [(t, _frombuffer(f, dtype=_I16)) for t, f in self.pcm_framer.flush()]
        for t, pcm in pieces:
            ev = self.vad.process(pcm, t)
            if ev is not None:
                events.append(ev)
            events.extend(self.dtmf.process(pcm, t))
        ev = self.vad.flush()
        if ev is not None:
            events.append(ev)
        events.extend(self.dtmf.flush())
        return events
