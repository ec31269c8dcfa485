"""``python -m bench.talkoff [DIR ...]``: DTMF talk-off over a speech library.

Runs the detector over every 8 kHz mono WAV under the given folders (default:
Debian's ``asterisk-core-sounds-en-wav`` prompts, when installed) and prints
the seconds of speech heard and every false key, as one JSON object.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from audio.dtmf import DtmfDetector
from audio.errors import AudioFormatError
from audio.wav import read_wav

DEFAULT = Path("/usr/share/asterisk/sounds/en")


def main(argv: list[str] | None = None) -> int:
    dirs = [Path(a) for a in (argv if argv is not None else sys.argv[1:])] or [DEFAULT]
    seconds, files, false = 0.0, 0, []
    for d in dirs:
        for f in sorted(d.rglob("*.wav")):
            try:
                pcm, _ = read_wav(f)
            except AudioFormatError:
                continue
            files += 1
            seconds += len(pcm) / 8000
            pcm = np.concatenate([pcm, np.zeros((-len(pcm)) % 160, np.int16)])
            det = DtmfDetector(20)
            for i in range(0, len(pcm), 160):
                false.extend((f.name, e) for e in det.process(pcm[i : i + 160], i / 8))
            false.extend((f.name, e) for e in det.flush())
    print(
        json.dumps(
            {
                "files": files,
                "seconds": round(seconds, 1),
                "false_events": [f"{n}: {e}" for n, e in false],
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
