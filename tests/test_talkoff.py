"""``python -m bench.talkoff``: it must never report success over nothing."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

from audio.synth import dtmf_tone
from audio.wav import write_wav

ROOT = Path(__file__).resolve().parent.parent


def _run(*dirs: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bench.talkoff", *map(str, dirs)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_an_empty_folder_measures_nothing_and_fails(tmp_path: Path) -> None:
    r = _run(tmp_path)
    assert r.returncode == 2
    assert json.loads(r.stdout)["files"] == 0
    assert "measured nothing" in r.stderr


def test_a_missing_folder_measures_nothing_and_fails(tmp_path: Path) -> None:
    r = _run(tmp_path / "absent")
    assert r.returncode == 2
    assert "measured nothing" in r.stderr


def test_speech_without_tones_passes(tmp_path: Path, data_dir: Path) -> None:
    shutil.copy(data_dir / "speech_talkoff.wav", tmp_path / "speech.wav")
    r = _run(tmp_path)
    report = json.loads(r.stdout)
    assert report["files"] == 1
    assert report["seconds"] > 0
    assert r.returncode == 0, report["false_events"]


def test_a_key_heard_is_a_failure(tmp_path: Path) -> None:
    tone = np.clip(dtmf_tone("5", 100.0), -32768, 32767).astype(np.int16)
    pcm = np.concatenate([np.zeros(800, np.int16), tone, np.zeros(800, np.int16)])
    write_wav(tmp_path / "key.wav", pcm)
    r = _run(tmp_path)
    assert r.returncode == 1
    assert json.loads(r.stdout)["false_events"]
