"""Re-chunking of arbitrary payloads into fixed 10/20/30 ms frames.

Twilio sends 20 ms mu-law payloads, but bots and other carriers send any size,
and webrtcvad only takes 10, 20 or 30 ms. :class:`Framer` turns a stream of
payloads of any length into frames of exactly one size, each carrying the
stream time of its first sample, so every later decision (a mask span, a key
press) is placed on the stream's own clock.

Copies are avoided where they are not needed: a payload that is exactly one
frame with nothing pending is passed through as the same object, and a payload
holding several whole frames is cut into ``memoryview`` slices of it. Only a
frame assembled from pieces of two payloads is copied.
"""

from __future__ import annotations

from .errors import AudioFormatError

__all__ = ["FRAME_MS_CHOICES", "Buffer", "Framer"]

Buffer = bytes | bytearray | memoryview

FRAME_MS_CHOICES = (10, 20, 30)
_GAP_TOLERANCE_MS = 1.0


class Framer:
    """Cuts a byte stream of samples into frames of ``frame_ms``.

    ``push(data, t_ms)`` returns a list of ``(t_ms, frame)`` pairs, possibly
    empty; ``frame`` is ``bytes`` or a ``memoryview`` of exactly
    :attr:`frame_bytes`. ``t_ms`` is the stream time of the payload's first
    sample (Twilio's ``media.timestamp``); when omitted, the payload is taken
    to follow the previous one without a gap.

    A discontinuity (a payload whose time is more than 1 ms away from where
    the previous one ended) never shifts audio in time: the pending partial
    frame is completed with silence (``fill``) and emitted, and framing
    restarts at the new time. :meth:`flush` does the same at the end of a
    stream. So the answer is the same however the stream is split.
    """

    __slots__ = (
        "_next_t",
        "_pending",
        "_pending_t",
        "fill",
        "frame_bytes",
        "frame_ms",
        "ms_per_byte",
        "sample_rate",
        "sample_width",
    )

    def __init__(
        self,
        frame_ms: int = 20,
        *,
        sample_rate: int = 8000,
        sample_width: int = 1,
        fill: int | None = None,
    ) -> None:
        if frame_ms not in FRAME_MS_CHOICES:
            raise AudioFormatError("frame_ms must be 10, 20 or 30")
        if sample_rate <= 0 or sample_rate % 1000:
            raise AudioFormatError("sample_rate must be a positive multiple of 1000 Hz")
        if sample_width not in (1, 2):
            raise AudioFormatError("sample_width must be 1 (mu-law) or 2 (16-bit PCM)")
        self.frame_ms = frame_ms
        self.sample_rate = sample_rate
        self.sample_width = sample_width
        self.frame_bytes = sample_rate * frame_ms // 1000 * sample_width
        self.ms_per_byte = 1000.0 / (sample_rate * sample_width)
        if fill is None:
            fill = 0xFF if sample_width == 1 else 0x00
        self.fill = fill
        self._pending = bytearray()
        self._pending_t = 0.0
        self._next_t: float | None = None

    @property
    def pending_bytes(self) -> int:
        """Bytes held back waiting for the rest of a frame."""
        return len(self._pending)

    def push(self, data: Buffer, t_ms: float | None = None) -> list[tuple[float, Buffer]]:
        """Add a payload; return the whole frames it completes."""
        out: list[tuple[float, Buffer]] = []
        if t_ms is None:
            t_ms = self._next_t if self._next_t is not None else 0.0
        elif self._next_t is not None and abs(t_ms - self._next_t) > _GAP_TOLERANCE_MS:
            self._flush_into(out)
        view = memoryview(data).cast("B")
        n = len(view)
        if n == 0:
            if self._next_t is None:
                self._next_t = t_ms
            return out
        fb = self.frame_bytes
        pending = self._pending
        if not pending:
            if n == fb:
                out.append((t_ms, data if isinstance(data, bytes) else bytes(view)))
                self._next_t = t_ms + n * self.ms_per_byte
                return out
            start_t = t_ms
            offset = 0
        else:
            need = fb - len(pending)
            if n < need:
                pending += view
                self._next_t = t_ms + n * self.ms_per_byte
                return out
            pending += view[:need]
            out.append((self._pending_t, bytes(pending)))
            pending.clear()
            offset = need
            start_t = t_ms + need * self.ms_per_byte
        mpb = self.ms_per_byte
        while n - offset >= fb:
            out.append((start_t, view[offset : offset + fb]))
            offset += fb
            start_t += fb * mpb
        if offset < n:
            pending += view[offset:]
            self._pending_t = start_t
        self._next_t = t_ms + n * mpb
        return out

    def flush(self) -> list[tuple[float, Buffer]]:
        """Complete any partial frame with silence and return it."""
        out: list[tuple[float, Buffer]] = []
        self._flush_into(out)
        return out

    def _flush_into(self, out: list[tuple[float, Buffer]]) -> None:
        pending = self._pending
        if pending:
            pending.extend(bytes([self.fill]) * (self.frame_bytes - len(pending)))
            out.append((self._pending_t, bytes(pending)))
            pending.clear()
        self._next_t = None
