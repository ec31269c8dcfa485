"""The command line as a user runs it: real subprocesses, exit codes, stderr."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from audio import mulaw, synth
from audio.wav import write_wav

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "keypad_call.wav"


def guardrail(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "guardrail.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )


def test_dtmf_digits_on_the_bundled_example():
    r = guardrail("dtmf", str(EXAMPLE), "--digits")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "4111111111111111#\n"


def test_dtmf_json_lines():
    r = guardrail("dtmf", str(EXAMPLE))
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert [row["digit"] for row in rows] == list("4111111111111111#")
    assert all(set(row) == {"digit", "start_ms", "end_ms"} for row in rows)
    assert all(row["end_ms"] - row["start_ms"] >= 40 for row in rows)
    starts = [row["start_ms"] for row in rows]
    assert starts == sorted(starts)


def test_card_number_at_70_ms_with_20_db_snr(tmp_path):
    card = "4111111111111111"
    x, _ = synth.keyed_sequence(card, tone_ms=70, gap_ms=70)
    noisy = synth.add_noise(x, 20, np.random.default_rng(11), reference=synth.dtmf_tone("5", 100))
    write_wav(tmp_path / "card.wav", noisy)
    r = guardrail("dtmf", str(tmp_path / "card.wav"), "--digits")
    assert (r.returncode, r.stdout) == (0, card + "\n")


def test_dtmf_raw_mulaw(tmp_path):
    x, _ = synth.keyed_sequence("2468", tone_ms=70)
    (tmp_path / "keys.ul").write_bytes(mulaw.encode_bytes(x))
    r = guardrail("dtmf", str(tmp_path / "keys.ul"), "--raw", "--digits")
    assert (r.returncode, r.stdout) == (0, "2468\n")


def test_vad_segments(tmp_path, data_dir):
    from audio.wav import read_wav

    speech, _ = read_wav(data_dir / "espeak_card_digits.wav")
    x = np.concatenate([synth.silence(500), speech, synth.silence(1500), speech])
    write_wav(tmp_path / "two.wav", x)
    r = guardrail("vad", str(tmp_path / "two.wav"))
    assert r.returncode == 0, r.stderr
    segs = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(segs) == 2
    first, second = segs
    assert 400 <= first["start_ms"] <= 800
    assert first["end_ms"] <= 500 + len(speech) / 8 + 20
    assert second["start_ms"] >= 500 + len(speech) / 8 + 1400


def _stereo(path: Path) -> None:
    import wave

    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(bytes(3200))


@pytest.mark.parametrize("command", ["dtmf", "vad"])
@pytest.mark.parametrize("case", ["rate", "stereo", "truncated", "empty", "notwav", "missing"])
def test_bad_input_one_line_exit_2_no_traceback(tmp_path, command, case):
    f = tmp_path / "in.wav"
    if case == "rate":
        write_wav(f, np.zeros(1600, np.int16), sample_rate=16000)
    elif case == "stereo":
        _stereo(f)
    elif case == "truncated":
        write_wav(f, np.zeros(1600, np.int16))
        f.write_bytes(f.read_bytes()[:1000])
    elif case == "empty":
        f.write_bytes(b"")
    elif case == "notwav":
        f.write_text("card 4111 1111 1111 1111\n")
    r = guardrail(command, str(f))
    assert r.returncode == 2
    assert r.stdout == ""
    lines = r.stderr.splitlines()
    assert len(lines) == 1, r.stderr
    assert "Traceback" not in r.stderr
    assert lines[0].startswith(f"guardrail {command}: ")
    assert "4111" not in r.stderr


def test_usage_errors_exit_2():
    r = guardrail("dtmf")
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
