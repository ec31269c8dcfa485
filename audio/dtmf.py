"""DTMF (keypad tone) detection at 8 kHz, to ITU-T Q.24 receiver limits.

The detector evaluates the eight DTMF frequencies on every 10 ms block of
audio (80 samples) as Goertzel/DFT bins. Rather than running eight Goertzel
recursions in Python, the bins of all blocks of a frame come out of a single
matrix product with a precomputed cosine/sine basis: the same numbers, in one
numpy call. A block is a *candidate* for key ``k`` when its strongest row and
column bins name ``k``, both tones are loud enough and the twist is in range.
Two consecutive candidate blocks form a *pair*, and the pair is what decides:

- **Frequency.** The phase advance of a bin from one block to the next is the
  tone's offset from the nominal frequency, measured to a fraction of a hertz
  even in 20 dB noise. Q.24 asks a receiver to accept a deviation of 1.5 % and
  reject 3.5 %; the detector draws the line at 2.5 %.
- **Purity.** With the window loss at the measured offset taken out, the two
  tones must carry at least 80 % of each block's energy. Speech, music and
  noise spread their energy and fail this; a block that a tone only partly
  covers fails it too, which is what makes the duration test exact.
- **Duration.** A key goes down after three consecutive tone blocks. A tone
  of 40 ms always covers three whole blocks; a tone of 23 ms covers at most
  two blocks to 80 %, so it is rejected. The key goes up after three blocks
  without the tone (a 40 ms pause always separates two presses; a 10 ms
  drop-out does not).

Stream times are resolved to the 10 ms block: ``start_ms`` is the start of the
first tone block, ``end_ms`` the end of the last. A masker that must remove a
tone from its very first sample widens the span by :data:`MASK_GUARD_MS` on
each side (see :mod:`audio.masking`).
"""

from __future__ import annotations

import cmath
import math
from dataclasses import dataclass

import numpy as np

from .errors import AudioFormatError

__all__ = [
    "COLS",
    "DETECTION_LATENCY_MS",
    "KEYS",
    "MASK_GUARD_MS",
    "ROWS",
    "DtmfDetector",
    "KeyDown",
    "KeyUp",
]

SAMPLE_RATE = 8000
BLOCK = 80
BLOCK_MS = 10.0
ROWS = (697.0, 770.0, 852.0, 941.0)
COLS = (1209.0, 1336.0, 1477.0, 1633.0)
KEYS = ("123A", "456B", "789C", "*0#D")
FREQS = ROWS + COLS

MAX_DEVIATION = 0.025
"""Accept a tone within 2.5 % of nominal (Q.24: accept 1.5 %, reject 3.5 %)."""

MIN_PURITY = 0.80
"""Fraction of a block's energy the two tones must carry."""

TWIST_LOW_DB = -10.0
TWIST_HIGH_DB = 6.0
"""Accepted level of the high tone relative to the low tone (Q.24: -8 to +4 dB)."""

MIN_TONE_POWER = 200.0**2 / 2
"""Mean power of the weaker tone, in 16-bit units squared: about -44 dBFS."""

DOWN_BLOCKS = 3
UP_BLOCKS = 3

MASK_GUARD_MS = 15.0
"""Widen a detected tone span by this much on each side to mask all of it."""

DETECTION_LATENCY_MS = 50.0
"""Worst-case time from a tone's first sample to the end of the frame whose
processing emits its :class:`KeyDown` (three tone blocks plus a partial block
before them, rounded up to whole 20 ms frames)."""


@dataclass(frozen=True, slots=True)
class KeyDown:
    """Key ``digit`` went down; its tone started at stream time ``t_ms``."""

    digit: str
    t_ms: float


@dataclass(frozen=True, slots=True)
class KeyUp:
    """Key ``digit`` was released; its tone spanned ``start_ms``..``end_ms``."""

    digit: str
    start_ms: float
    end_ms: float


def _basis() -> np.ndarray:
    n = np.arange(BLOCK, dtype=np.float64)
    w = 2 * np.pi * np.asarray(FREQS) / SAMPLE_RATE
    return np.concatenate([np.cos(np.outer(n, w)), -np.sin(np.outer(n, w))], axis=1).astype(
        np.float32
    )


_BASIS = _basis()
_ROT = tuple(cmath.exp(-1j * 2 * math.pi * f * BLOCK / SAMPLE_RATE) for f in FREQS)
_HZ_PER_RAD = SAMPLE_RATE / (2 * math.pi * BLOCK)
_MAX_DF = tuple(MAX_DEVIATION * f for f in FREQS)
_phase = cmath.phase
_NORM = 2.0 / BLOCK  # |Z|^2 * _NORM / BLOCK = mean power of a tone, energy of a block = sum x^2
_EMPTY: tuple = ()
_MIN_ENERGY = MIN_TONE_POWER * BLOCK


def _block_ok(blk: tuple, gr: float, gc: float) -> bool:
    """Twist, level and purity of one candidate block, window loss taken out."""
    pr = blk[2] / gr
    pc = blk[3] / gc
    if pc < _TWIST_LO * pr or pc > _TWIST_HI * pr:
        return False
    if (pc if pc < pr else pr) * _NORM < _MIN_ENERGY:
        return False
    return (pr + pc) * _NORM >= MIN_PURITY * blk[4]


def _window_gain(df: float) -> float:
    """Power gain of an 80-sample rectangular DFT bin for a tone ``df`` Hz off."""
    x = math.pi * df * BLOCK / SAMPLE_RATE
    if abs(x) < 1e-9:
        return 1.0
    return (math.sin(x) / (BLOCK * math.sin(x / BLOCK))) ** 2


_LOSS = _window_gain(MAX_DEVIATION * COLS[-1])
"""The window gain of the farthest tone accepted (1633 Hz, 2.5 % off)."""
_TWIST_LO = 10 ** (TWIST_LOW_DB / 10)
_TWIST_HI = 10 ** (TWIST_HIGH_DB / 10)


class DtmfDetector:
    """One stream's DTMF detector: feed int16 frames of 10, 20 or 30 ms at 8 kHz.

    :meth:`process` returns a tuple of :class:`KeyDown`/:class:`KeyUp` events
    (usually empty). Results are the same however the audio is cut into
    frames, as long as the stream times are continuous; a gap in stream time
    resets the block history (a tone cannot span a gap).
    """

    __slots__ = (
        "_blocks",
        "_down",
        "_down_rc",
        "_flat",
        "_last_tone",
        "_last_tone_end",
        "_nblocks",
        "_next_t",
        "_prev",
        "_run_digit",
        "_run_len",
        "_run_start_t",
        "_up_start",
        "_views",
        "block_index",
    )

    def __init__(self, frame_ms: int = 20) -> None:
        if frame_ms not in (10, 20, 30):
            raise AudioFormatError("DTMF frame_ms must be 10, 20 or 30")
        self._nblocks = frame_ms // 10
        self._flat = np.zeros(self._nblocks * BLOCK, dtype=np.float32)
        self._blocks = self._flat.reshape(self._nblocks, BLOCK)
        self._views = tuple(self._blocks[i] for i in range(self._nblocks))
        self.reset()

    def reset(self) -> None:
        """Forget all history (a new stream); a key that was down is dropped."""
        self._prev: tuple | None = None
        self._next_t: float | None = None
        self._down: str | None = None
        self._down_rc: tuple | None = None
        self._run_digit: str | None = None
        self._run_len = 0
        self._run_start_t = 0.0
        self._last_tone = -10
        self._last_tone_end = 0.0
        self._up_start = 0.0
        self.block_index = 0

    @property
    def key_down(self) -> str | None:
        """The key currently held down, if any."""
        return self._down

    @property
    def tone_suspect(self) -> bool:
        """Whether the last block could be the start of a key not yet confirmed.

        A key is confirmed (:class:`KeyDown`) only after ``DOWN_BLOCKS`` blocks
        of its tone, so the frames before carry the tone's start; a stream that
        must never pass a keypad tone on (to a bot) silences the frames this is
        true after, too. The test is the per-block part of the acceptance
        (twist, level, purity, at the largest window loss accepted), about 1 %
        of speech frames.
        """
        prev = self._prev
        return prev is not None and self._down is None and _block_ok(prev, _LOSS, _LOSS)

    def process(self, samples: np.ndarray, t_ms: float) -> tuple:
        """Feed one frame (int16, ``frame_ms`` long) that starts at ``t_ms``."""
        flat = self._flat
        if samples.shape != flat.shape:
            raise AudioFormatError("DTMF frame has the wrong number of samples")
        if self._next_t is not None and abs(t_ms - self._next_t) > 0.5:
            self._prev = None
        self._next_t = t_ms + self._nblocks * BLOCK_MS
        np.copyto(flat, samples, casting="unsafe")
        energies = [float(v.dot(v)) for v in self._views]
        if max(energies) < _MIN_ENERGY:
            return self._quiet()
        zz = np.dot(self._blocks, _BASIS)
        q = np.square(zz).tolist()
        events: list | None = None
        for i in range(self._nblocks):
            e = energies[i]
            qi = q[i]
            cand = None
            if e >= _MIN_ENERGY:
                pr = max(qi[0] + qi[8], qi[1] + qi[9], qi[2] + qi[10], qi[3] + qi[11])
                pc = max(qi[4] + qi[12], qi[5] + qi[13], qi[6] + qi[14], qi[7] + qi[15])
                # Cheap rejection first: even with the largest window loss we
                # accept (about 2 dB), the two bins must hold half the energy.
                if (pr + pc) * _NORM >= 0.5 * e:
                    cand = self._candidate(zz[i].tolist(), qi, pr, pc, e, t_ms + i * BLOCK_MS)
            if cand is None and self._prev is None and self._down is None:
                self.block_index += 1
                continue
            ev = self._block(cand, t_ms + i * BLOCK_MS)
            if ev is not None:
                if events is None:
                    events = ev
                else:
                    events.extend(ev)
        return _EMPTY if events is None else tuple(events)

    @staticmethod
    def _candidate(z: list, q: list, pr: float, pc: float, e: float, t: float) -> tuple:
        """(row, col, row power, col power, energy, time, row bin, col bin)."""
        r = (q[0] + q[8], q[1] + q[9], q[2] + q[10], q[3] + q[11]).index(pr)
        c = (q[4] + q[12], q[5] + q[13], q[6] + q[14], q[7] + q[15]).index(pc)
        return (r, c, pr, pc, e, t, complex(z[r], z[r + 8]), complex(z[c + 4], z[c + 12]))

    def _quiet(self) -> tuple:
        """A frame too quiet to hold a tone: only the block bookkeeping runs."""
        self._prev = None
        idx = self.block_index + self._nblocks
        self.block_index = idx
        if self._down is not None and idx - 1 - self._last_tone > UP_BLOCKS:
            return (self._release(),)
        return _EMPTY

    def _release(self) -> KeyUp:
        ev = KeyUp(self._down, self._up_start, self._last_tone_end)  # type: ignore[arg-type]
        self._down = None
        self._down_rc = None
        self._run_digit = None
        self._run_len = 0
        return ev

    def flush(self) -> tuple:
        """End of stream: release a key that is still down."""
        self._prev = None
        if self._down is not None:
            return (self._release(),)
        return _EMPTY

    def _block(self, cand: tuple | None, t: float) -> list | None:
        idx = self.block_index
        self.block_index = idx + 1
        prev = self._prev
        self._prev = cand
        events = None
        if (
            cand is not None
            and prev is not None
            and prev[0] == cand[0]
            and prev[1] == cand[1]
            and (self._down_rc == cand[:2] or self._pair_ok(prev, cand))
        ):
            events = self._tone_pair(KEYS[cand[0]][cand[1]], idx, prev[5], t)
            if self._down is not None:
                self._down_rc = cand[:2]
        if self._down is not None and idx - self._last_tone > UP_BLOCKS:
            ev = self._release()
            if events is None:
                events = [ev]
            else:
                events.insert(0, ev)
        return events

    def _pair_ok(self, prev: tuple, cand: tuple) -> bool:
        """Frequency from the phase advance; then twist, level, purity per block.

        A block that already passed as the second half of the previous pair
        is not checked again.
        """
        r = cand[0]
        c = cand[1] + 4
        dfr = _phase(cand[6] * prev[6].conjugate() * _ROT[r]) * _HZ_PER_RAD
        if abs(dfr) > _MAX_DF[r]:
            return False
        dfc = _phase(cand[7] * prev[7].conjugate() * _ROT[c]) * _HZ_PER_RAD
        if abs(dfc) > _MAX_DF[c]:
            return False
        gr = _window_gain(dfr)
        gc = _window_gain(dfc)
        if not _block_ok(cand, gr, gc):
            return False
        return self._last_tone == self.block_index - 2 or _block_ok(prev, gr, gc)

    def _tone_pair(self, digit: str, idx: int, prev_t: float, t: float) -> list | None:
        """Blocks ``idx - 1`` and ``idx`` both carry ``digit``."""
        events = None
        if self._run_digit == digit and self._last_tone >= idx - 1 - (
            UP_BLOCKS if self._down == digit else 0
        ):
            self._run_len += 1 if self._last_tone == idx - 1 else idx - self._last_tone
        else:
            if self._down is not None:
                events = [self._release()]
            self._run_digit = digit
            self._run_len = 2
            self._run_start_t = prev_t
        self._last_tone = idx
        self._last_tone_end = t + BLOCK_MS
        if self._down is None and self._run_len >= DOWN_BLOCKS:
            self._down = digit
            self._up_start = self._run_start_t
            ev = KeyDown(digit, self._run_start_t)
            if events is None:
                events = [ev]
            else:
                events.append(ev)
        return events
