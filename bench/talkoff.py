"""``python -m bench.talkoff [DIR ...]``: DTMF talk-off over a speech library.

Runs the detector over every 8 kHz mono WAV under the given folders (default:
Debian's ``asterisk-core-sounds-en-wav`` prompts, when installed) and prints
the seconds of speech heard and every false key, as one JSON object.

Exit status: 0 when speech was measured and no false key was heard; 1 when a
false key was heard; 2 when there was nothing to measure (no folder, or no
8 kHz mono WAV in it), because "no false keys in 0 seconds" proves nothing.
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
        for f in sorted(d.rglob("*.wav")) if d.is_dir() else ():
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
    if not files:
        where = ", ".join(str(d) for d in dirs)
        hint = " (apt-get install asterisk-core-sounds-en-wav)" if DEFAULT in dirs else ""
        print(
            f"bench.talkoff: measured nothing: no 8 kHz mono WAV in {where}{hint}",
            file=sys.stderr,
        )
        return 2
    return 1 if false else 0


if __name__ == "__main__":
    sys.exit(main())
