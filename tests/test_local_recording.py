"""The local recording ``guardrail serve`` writes with ``[retention] recordings_dir``:
the caller's track with every protection applied, readable by the guardrail only."""

from __future__ import annotations

import stat

import numpy as np
import pytest
from proxy_rig import AUTH, rig, run

from audio.wav import read_wav
from guardrail.sim.bot import ScriptedBot
from guardrail.sim.rest import FakeTwilio
from guardrail.sim.twilio import speech_like

CA = "CA" + "5" * 32
SSN = "386-48-9361"


@pytest.fixture(autouse=True)
def _env(monkeypatch):
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC00000000000000000000000000000001")
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", AUTH)


def _rms(pcm: np.ndarray, start_ms: float, end_ms: float) -> float:
    part = pcm[int(start_ms * 8) : int(end_ms * 8)].astype(np.float64)
    return float(np.sqrt(np.mean(part**2))) if len(part) else 0.0


def test_a_disclosure_is_silenced_where_it_was_spoken_and_the_rest_is_kept(tmp_path):
    folder = tmp_path / "recordings"
    extra = f'\n[retention]\nrecordings_dir = "{folder}"\n'

    async def go():
        with FakeTwilio() as fake:
            async with rig(ScriptedBot(greet=False), fake, extra=extra) as r:
                twilio = await r.call(CA)
                conn = await r.bot.connection(CA)
                await twilio.send_audio(speech_like(1000, seed=1))  # 0-1000 ms: hello
                t1 = twilio.timestamp_ms
                said = await twilio.send_audio(speech_like(3000, seed=2))  # the disclosure
                # the bot's speech-to-text has heard it all before it says what it heard
                await r.bot.wait_for(lambda: conn.received_audio.endswith(said), what="audio")
                words = [
                    ("my", 0, 200), ("social", 200, 600), ("is", 600, 800),
                    (SSN, 900, 2600), ("thanks", 2700, 3000),
                ]  # fmt: skip
                await r.bot.hear(
                    CA,
                    f"my social is {SSN} thanks",
                    words=[{"word": w, "start_ms": t1 + a, "end_ms": t1 + b} for w, a, b in words],
                )
                await r.bot.wait_for(
                    lambda: any(n.get("type") == "transcript" for n in conn.notices),
                    what="the redacted transcript",
                )
                t2 = twilio.timestamp_ms
                await twilio.send_audio(speech_like(1000, seed=3))  # afterwards
                await twilio.hangup()
                await conn.closed.wait()
                return t1, t2

    t1, t2 = run(go)
    (path,) = folder.iterdir()
    assert path.name == f"{CA}.wav"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    pcm, _ = read_wav(path)
    assert len(pcm) >= (t2 + 1000) * 8 - 160
    loud = _rms(pcm, 0, 1000)
    assert loud > 1000
    assert _rms(pcm, t1 + 900, t1 + 2600) < loud / 100  # the SSN's words: silence
    assert _rms(pcm, t1 + 0, t1 + 600) > loud / 3  # "my social" kept
    assert _rms(pcm, t2 + 200, t2 + 1000) > loud / 3  # after the disclosure: kept


def test_without_a_recordings_dir_nothing_is_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    async def go():
        with FakeTwilio() as fake:
            async with rig(ScriptedBot(greet=False), fake) as r:
                twilio = await r.call(CA)
                conn = await r.bot.connection(CA)
                await twilio.send_audio(speech_like(500, seed=1))
                await twilio.hangup()
                await conn.closed.wait()

    run(go)
    assert list(tmp_path.rglob("*.wav")) == []
