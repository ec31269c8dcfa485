"""Regenerate the demo's caller audio: ``python examples/make_demo_audio.py``.

Needs Debian's ``flite`` (voice ``slt``) and ``sox``; the demo itself needs
neither, it plays the committed files. Each line is synthesised in pieces so
that where a sensitive value is spoken is known to the millisecond: the
pieces are joined, written as 8 kHz mu-law WAV, and their spans go to
``lines.json`` (the demo's stand-in for a speech-to-text's word timings).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

import numpy as np

from audio.wav import read_wav

HERE = Path(__file__).resolve().parent.parent / "guardrail" / "demo" / "audio"

# name -> pieces; a piece marked with a category is a spoken value
LINES: dict[str, list[tuple[str, str | None]]] = {
    "bill": [("Hi, I'd like to pay my electricity bill, please.", None)],
    "ssn": [
        ("Oh, and my social is", None),
        ("one two three, four five, six seven eight nine,", "ssn"),
        ("in case you need it.", None),
    ],
    "update": [("Hello, I want to update the card on my account.", None)],
    "bye": [("Great, thanks. Bye!", None)],
}
GAP_MS = 120


def _say(text: str, tmp: Path) -> np.ndarray:
    raw, low = tmp / "raw.wav", tmp / "low.wav"
    flite = ["flite", "-voice", "slt", "-t", text, "-o", str(raw)]
    subprocess.run(flite, check=True)  # noqa: S603 - Debian's flite, fixed arguments
    sox = ["sox", str(raw), "-r", "8000", "-c", "1", "-b", "16", str(low), "norm", "-6"]
    subprocess.run(sox, check=True)  # noqa: S603 - Debian's sox, fixed arguments
    pcm, _ = read_wav(low)
    return pcm


def main() -> int:
    spans: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        for name, pieces in LINES.items():
            parts, t, values = [], 0.0, []
            for text, category in pieces:
                pcm = _say(text, tmp)
                if category:
                    values.append({"category": category, "start_ms": t, "end_ms": t + len(pcm) / 8})
                parts += [pcm, np.zeros(GAP_MS * 8, np.int16)]
                t += len(pcm) / 8 + GAP_MS
            pcm = np.concatenate(parts)
            out = HERE / f"{name}.wav"
            lin = tmp / "lin.wav"
            with wave.open(str(lin), "wb") as w:
                w.setnchannels(1)
                w.setsampwidth(2)
                w.setframerate(8000)
                w.writeframes(pcm.tobytes())
            ulaw = ["sox", str(lin), "-e", "u-law", "-b", "8", str(out)]
            subprocess.run(ulaw, check=True)  # noqa: S603 - Debian's sox
            spans[name] = {
                "text": " ".join(text for text, _ in pieces),
                "ms": round(len(pcm) / 8, 1),
                "values": [{**v, "start_ms": round(v["start_ms"], 1),
                            "end_ms": round(v["end_ms"], 1)} for v in values],
            }  # fmt: skip
    (HERE / "lines.json").write_text(json.dumps(spans, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
