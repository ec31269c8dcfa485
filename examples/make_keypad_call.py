"""Rebuild examples/keypad_call.wav, the bundled example recording.

The file is 8 kHz mono G.711 mu-law WAV: a real human prompt from Debian's
``asterisk-core-sounds-en-wav`` package (``vm-enter-num-to-call.wav``), then
the public test card number 4111 1111 1111 1111 keyed at 70 ms tones with
70 ms gaps, white noise 20 dB below the tones throughout, then the prompt
``astcc-followed-by-the-pound-key.wav`` and a ``#``. Run it from the repo
root with that package installed::

    python examples/make_keypad_call.py

The committed file is what the tests and the README use; nobody needs the
package to run them.
"""

from __future__ import annotations

import sys
import wave
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from audio import mulaw, synth

SOUNDS = Path("/usr/share/asterisk/sounds/en")
OUT = Path(__file__).resolve().parent / "keypad_call.wav"
CARD = "4111111111111111"


def _prompt(name: str) -> np.ndarray:
    with wave.open(str(SOUNDS / name)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)


def main() -> None:
    rng = np.random.default_rng(4111)
    keys, _ = synth.keyed_sequence(CARD, tone_ms=70, gap_ms=70, lead_ms=300, tail_ms=300)
    pound, _ = synth.keyed_sequence("#", tone_ms=120, lead_ms=200, tail_ms=400)
    tone_ref = synth.dtmf_tone("5", 100)
    parts = [
        _prompt("vm-enter-num-to-call.wav"),
        keys,
        _prompt("astcc-followed-by-the-pound-key.wav"),
        pound,
    ]
    clean = np.concatenate(parts)
    noisy = synth.add_noise(clean, 20, rng, reference=tone_ref)
    codes = mulaw.encode(noisy).tobytes()
    with open(OUT, "wb") as f:
        fmt = (7).to_bytes(2, "little") + (1).to_bytes(2, "little")
        fmt += (8000).to_bytes(4, "little") + (8000).to_bytes(4, "little")
        fmt += (1).to_bytes(2, "little") + (8).to_bytes(2, "little") + (0).to_bytes(2, "little")
        fact = (len(codes)).to_bytes(4, "little")
        body = b"WAVE" + b"fmt " + len(fmt).to_bytes(4, "little") + fmt
        body += b"fact" + (4).to_bytes(4, "little") + fact
        pad = b"\0" if len(codes) % 2 else b""
        body += b"data" + len(codes).to_bytes(4, "little") + codes + pad
        f.write(b"RIFF" + len(body).to_bytes(4, "little") + body)
    print(f"wrote {OUT} ({len(codes) / 8000:.1f} s)")


if __name__ == "__main__":
    main()
