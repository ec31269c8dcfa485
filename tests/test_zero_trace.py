"""Zero trace: a call full of card numbers, security codes, SSNs and dates of birth,
spoken and written, keyed and said, leaves no trace of any value anywhere the
guardrail writes: its logs, the audit store, the transcripts at rest, the
recording files, and everything the bot received.

Two ways in: a live call through ``guardrail serve`` in proxy mode (with
``[store]`` and ``[retention] recordings_dir``, so every kind of output
exists), and ``guardrail replay`` of a message log as a subprocess (its stdout,
stderr, audit store and ``--record`` file).
"""

from __future__ import annotations

import base64
import json
import logging
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from proxy_rig import AUTH, bot_texts, record_texts, rig, run, wait_until

from audio import mulaw
from audio.dtmf import DtmfDetector, KeyUp
from audio.synth import keyed_sequence
from audio.wav import read_wav
from guardrail.sim.bot import ScriptedBot
from guardrail.sim.rest import FakeTwilio
from guardrail.sim.twilio import speech_like
from guardrail.transcripts import TranscriptStore

ROOT = Path(__file__).resolve().parent.parent
CA = "CA" + "3" * 32
CARD = "4111111111111111"
CARD_2 = "5105105105105100"
SSN = "386489361"
DOB = "07041990"
CVV = "737"
EXPIRY = "1229"

# What the caller says (as the bot's speech-to-text writes it): every value in
# written and spoken forms.
LINES = [
    "my card is 4111 1111 1111 1111",
    "it's four one one one one one one one one one one one one one one one",
    "expiry twelve twenty nine and the code on the back is seven three seven",
    "my social is 386-48-9361",
    "social security three eight six four eight nine three six one",
    "date of birth is 07/04/1990",
    "I was born july fourth nineteen ninety",
    "the other card is five one oh five one oh five one oh five one oh five one oh oh",
]
VALUE_WORDS = frozenset(
    {"4111", "1111", "386-48-9361", "07/04/1990", "one", "oh", "three", "four", "five", "six",
     "seven", "eight", "nine", "twelve", "twenty", "july", "fourth", "nineteen", "ninety"}
)  # fmt: skip
UTTERANCE_MS = 4000.0


def _timed(text: str, t0: float) -> tuple[list[dict], list[tuple[float, float]]]:
    """Word timings spread evenly over the utterance (as a speech-to-text reports
    them) and the spans of the runs of value words."""
    words = text.split()
    step = UTTERANCE_MS / len(words)
    timed = [
        {"word": w, "start_ms": t0 + i * step, "end_ms": t0 + (i + 1) * step - 10}
        for i, w in enumerate(words)
    ]
    spans: list[tuple[float, float]] = []
    for w in timed:
        if w["word"] in VALUE_WORDS:
            if spans and abs(spans[-1][1] - (w["start_ms"] - 10)) < 1:
                spans[-1] = (spans[-1][0], w["end_ms"])
            else:
                spans.append((w["start_ms"], w["end_ms"]))
    return timed, spans


SPOKEN = [
    "four one one one one one",
    "three eight six four eight",
    "seven three seven",
    "july fourth nineteen ninety",
    "five one oh five one oh",
]


def _grouped(digits: str) -> re.Pattern[str]:
    return re.compile(r"[\s\-./,_()]{0,3}".join(digits))


PATTERNS = [_grouped(v) for v in (CARD, CARD[:8], CARD_2, SSN, DOB)] + [
    re.compile(re.escape(s), re.IGNORECASE) for s in SPOKEN
]


def assert_no_trace(where: str, text: str) -> None:
    for p in PATTERNS:
        assert not p.search(text), f"a value left a trace in {where}: {p.pattern[:24]}..."


def _context_free_short_values(where: str, text: str) -> None:
    """A code or expiry is too short to search alone: search it with its cue."""
    for cue in ("back is 737", "code 737", "twelve twenty nine", "12/29"):
        assert cue not in text.lower(), f"a short value left a trace in {where}"


def _keys(pcm: np.ndarray) -> list:
    det = DtmfDetector(20)
    pad = np.concatenate([pcm, np.zeros((-len(pcm)) % 160, np.int16)])
    found = []
    for i in range(0, len(pad), 160):
        found += [e for e in det.process(pad[i : i + 160], i / 8) if isinstance(e, KeyUp)]
    return found


@pytest.fixture(autouse=True)
def _env(monkeypatch, caplog):
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC00000000000000000000000000000001")
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", AUTH)
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="websockets")


def test_a_live_call_full_of_values_leaves_no_trace_anywhere(caplog, tmp_path):
    store = tmp_path / "guardrail.db"
    folder = tmp_path / "recordings"
    extra = f'\n[retention]\nrecordings_dir = "{folder}"\n' + "".join(
        f'\n[policy.{c}]\non_request = "block"\non_disclosure = "redact"\n'
        for c in ("card_expiry", "card_security_code", "date_of_birth")
    )
    spans: list[tuple[float, float]] = []

    async def go():
        with FakeTwilio() as fake:
            bot = ScriptedBot(greet=False)
            # a card said aloud is redacted and the call goes on (no keypad capture),
            # so every utterance below reaches the guardrail in normal state
            async with rig(
                bot, fake, store_path=str(store), extra=extra, card_disclosure="redact"
            ) as r:
                twilio = await r.call(CA)
                conn = await r.bot.connection(CA)
                for i, text in enumerate(LINES):
                    t0 = twilio.timestamp_ms
                    said = await twilio.send_audio(speech_like(UTTERANCE_MS, seed=10 + i))
                    await r.bot.wait_for(lambda s=said: conn.received_audio.endswith(s))
                    words, values = _timed(text, t0)
                    n = len(conn.notices)
                    await r.bot.hear(CA, text, words=words)
                    await r.bot.wait_for(lambda n=n: len(conn.notices) > n, what="a notice")
                    spans.extend(values)
                await twilio.send_keyed(CARD_2)  # keyed unprompted, in normal state
                await twilio.send_audio(np.zeros(8000, np.int16))
                await twilio.hangup()
                await conn.closed.wait()
                await wait_until(lambda: CA not in r.state.calls, 5, "the call to end")
            return bot

    bot = run(go)
    logs = "\n".join(record_texts(caplog.records))
    assert_no_trace("the logs", logs)
    _context_free_short_values("the logs", logs)
    texts = "\n".join(bot_texts(bot))
    assert_no_trace("what the bot received", texts)
    _context_free_short_values("what the bot received", texts)
    assert bot.all_connections[0].received_dtmf == []  # the keyed card: not one digit
    # the store, as rows and as raw database pages
    with TranscriptStore.open(f"sqlite:///{store}") as ts:
        kept = ts.export(CA)
    assert len(kept) >= len(LINES)  # every utterance kept, redacted
    assert_no_trace("the transcripts at rest", json.dumps(kept))
    _context_free_short_values("the transcripts at rest", json.dumps(kept))
    for f in [store, *store.parent.glob("guardrail.db-*")]:
        assert_no_trace(f"the store file {f.name}", f.read_bytes().decode("latin-1"))
    # the recording: no keypad tone, and no caller speech in any disclosure's span
    (wav,) = folder.iterdir()
    assert_no_trace("the recording's file name", wav.name)
    pcm, _ = read_wav(wav)
    assert _keys(pcm) == []
    assert_no_trace("the recording file", wav.read_bytes().decode("latin-1"))
    loud = float(np.sqrt(np.mean(pcm[: 8 * 4000].astype(np.float64) ** 2)))
    for a, b in spans:
        part = pcm[int(a * 8) : int(b * 8)].astype(np.float64)
        assert float(np.sqrt(np.mean(part**2))) < loud / 50, "a value's speech is audible"


def test_replaying_a_call_full_of_values_leaves_no_trace(tmp_path):
    silence = base64.b64encode(bytes([mulaw.SILENCE]) * 160).decode()
    msgs: list[dict] = [
        {"event": "connected", "protocol": "Call", "version": "1.0.0"},
        {"event": "start", "start": {"streamSid": "MZ1", "callSid": CA, "mediaFormat":
            {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1}}},
    ]  # fmt: skip
    t = 0
    for i, text in enumerate(LINES):
        pcm = speech_like(1500, seed=i)
        data = mulaw.encode_bytes(pcm)
        for k in range(0, len(data), 160):
            t += 20
            payload = base64.b64encode(data[k : k + 160]).decode()
            msgs.append({"event": "media", "media": {"payload": payload, "timestamp": str(t)}})
        msgs.append({"event": "guardrail.transcript", "text": text, "final": True})
        if i == 3:
            msgs.append({"event": "guardrail.agent_text", "text": "Read me the card number"})
    tones, keys = keyed_sequence(CARD_2)  # the card keyed: tones in the audio, and
    data = mulaw.encode_bytes(tones)  # Twilio's dtmf message after each
    data += bytes([mulaw.SILENCE]) * ((-len(data)) % 160)
    ends = {int(e // 20): d for d, _, e in keys}
    for n, k in enumerate(range(0, len(data), 160)):
        t += 20
        payload = base64.b64encode(data[k : k + 160]).decode()
        msgs.append({"event": "media", "media": {"payload": payload, "timestamp": str(t)}})
        if n in ends:
            msgs.append({"event": "dtmf", "dtmf": {"digit": ends[n]}})
    for _ in range(50):
        t += 20
        msgs.append({"event": "media", "media": {"payload": silence, "timestamp": str(t)}})
    msgs.append({"event": "stop"})
    log = tmp_path / "call.jsonl"
    log.write_text("\n".join(json.dumps(m) for m in msgs) + "\n")
    store = tmp_path / "audit.db"
    wav = tmp_path / "out.wav"
    r = subprocess.run(
        [sys.executable, "-m", "guardrail.cli", "replay", str(log),
         "--audit", f"sqlite:///{store}", "--record", str(wav)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "redact" in r.stdout
    for where, text in (("stdout", r.stdout), ("stderr", r.stderr)):
        assert_no_trace(where, text)
        _context_free_short_values(where, text)
    for f in [store, *store.parent.glob("audit.db-*"), wav]:
        assert_no_trace(f.name, f.read_bytes().decode("latin-1"))
    pcm, _ = read_wav(wav)
    assert _keys(pcm) == []
