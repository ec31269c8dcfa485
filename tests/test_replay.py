"""``guardrail replay`` on the bundled example call: the contract and the protection."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from audio.dtmf import DtmfDetector, KeyUp
from audio.wav import read_wav

ROOT = Path(__file__).resolve().parent.parent
CALL = ROOT / "examples" / "card_call.jsonl"
NAMES = {
    "pause_recording",
    "resume_recording",
    "mute_bot_input",
    "unmute_bot_input",
    "mask_audio",
    "redact",
    "say",
    "handoff",
    "forward_dtmf",
    "alert",
}


def replay(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "guardrail.cli", "replay", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def test_replay_prints_the_actions_of_the_example_call(tmp_path):
    out = tmp_path / "rec.wav"
    r = replay(str(CALL), "--record", str(out))
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert {row["action"] for row in rows} <= NAMES
    times = [row["t_ms"] for row in rows]
    assert times == sorted(times)
    names = [row["action"] for row in rows]
    # the card request goes to keypad capture, with the recording paused first
    assert names.index("pause_recording") < names.index("handoff")
    handoff = next(row for row in rows if row["action"] == "handoff")
    assert (handoff["route"], handoff["kind"]) == ("secure_card", "keypad")
    assert "resume_recording" in names
    assert "unmute_bot_input" in names
    assert {"action": "redact", "category": "ssn"}.items() <= next(
        row for row in rows if row["action"] == "redact"
    ).items()
    # no value in the output
    for secret in ("4111", "386-48-9361", "9361"):
        assert secret not in r.stdout
    # the recording holds no keypad tone
    pcm, _ = read_wav(out)
    det = DtmfDetector()
    keys = []
    for i in range(0, len(pcm) - 159, 160):
        keys += [e for e in det.process(pcm[i : i + 160], i / 8) if isinstance(e, KeyUp)]
    assert keys == []
    # the SSN is masked from the recording where it was spoken, and only there
    spec = importlib.util.spec_from_file_location(
        "make_card_call", ROOT / "examples/make_card_call.py"
    )
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    for _word, start, end, ssn in gen.PLACED:
        level = float(np.abs(pcm[int(start * 8) : int(end * 8)].astype(np.float64)).mean())
        assert (level < 50.0) if ssn else (level > 1000.0)


def test_replay_bad_lines_become_alerts_and_the_rest_goes_on(tmp_path):
    log = tmp_path / "bad.jsonl"
    good = CALL.read_text().splitlines()
    log.write_text(
        "\n".join([good[0], "garbage 4111111111111111", good[1], '{"event": "x"}', *good[2:]])
        + "\n"
    )
    r = replay(str(log))
    assert r.returncode == 0
    alerts = [json.loads(x) for x in r.stdout.splitlines() if '"alert"' in x]
    assert [a["reason"] for a in alerts[:2]] == [
        "line 2: message is not valid JSON",
        "line 4: unknown event",
    ]
    assert "4111" not in r.stdout
    assert '"handoff"' in r.stdout


def test_replay_missing_file_exit_2():
    r = replay("nope.jsonl")
    assert r.returncode == 2
    assert r.stderr.startswith("guardrail replay: ")
    assert "Traceback" not in r.stderr


def test_replay_of_the_real_twilio_capture(data_dir):
    r = replay(str(data_dir / "twilio_capture_head.jsonl"))
    assert r.returncode == 0, r.stderr
    assert r.stdout == ""  # a caller saying nothing sensitive: nothing to do, nothing wrong


def test_replay_never_prints_a_keyed_digit(tmp_path):
    import base64

    card = "4111111111111111"
    silence = base64.b64encode(bytes([0xFF]) * 160).decode()
    lines = [
        {"event": "connected", "protocol": "Call", "version": "1.0.0"},
        {"event": "start", "start": {"streamSid": "MZ1", "callSid": "CA1", "mediaFormat":
            {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1}}},
        # words the request detector does not take as a request: the keyed run alone
        {"event": "guardrail.agent_text", "text": "Okay, go ahead whenever you are ready."},
    ]  # fmt: skip
    t = 0
    for i, d in enumerate(card + "1#"):  # the card, then a menu choice
        for _ in range(10):
            t += 20
            lines.append({"event": "media", "media": {"payload": silence, "timestamp": str(t)}})
        lines.append({"event": "dtmf", "dtmf": {"digit": d}})
        if i == len(card) - 1:  # the caller pauses after the card
            for _ in range(100):
                t += 20
                lines.append({"event": "media", "media": {"payload": silence, "timestamp": str(t)}})
    lines.append({"event": "stop"})
    log = tmp_path / "keyed.jsonl"
    log.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    r = replay(str(log))
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    forwarded = [row for row in rows if row["action"] == "forward_dtmf"]
    assert len(forwarded) == 2  # the menu choice and its "#"; the card's 16 keys never
    assert all("digit" not in row for row in rows)
    assert "4111" not in r.stdout
