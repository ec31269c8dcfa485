"""The Pipecat adapter in a call: what broke when tried the way a Pipecat user wires it.

Each test is one numbered item of the live-call issue, run through a real
Pipecat pipeline (Pipecat's own test harness) with the real Twilio control
client against the loopback REST stand-in. Where a test must wait for Twilio
it does not sleep: a ``Settle`` frame makes the pipeline's head wait until the
guard's executor has no control call in flight.
"""

from __future__ import annotations

import asyncio
import random
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import numpy as np
import pytest
from pipecat.audio.dtmf.types import KeypadEntry
from pipecat.frames.frames import (
    CancelFrame,
    DataFrame,
    EndFrame,
    ErrorFrame,
    Frame,
    InputAudioRawFrame,
    InputDTMFFrame,
    InterruptionFrame,
    LLMFullResponseEndFrame,
    LLMMessagesAppendFrame,
    STTMuteFrame,
    TextFrame,
    TranscriptionFrame,
    TTSSpeakFrame,
)
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.task import PipelineParams
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor

from audio import synth
from guardrail.config import Config
from guardrail.events import Audit
from guardrail.pipecat_guard import Guard
from guardrail.sim.rest import FakeTwilio
from handoff.control import TwilioControl
from handoff.controller import CallController

AC = "AC00000000000000000000000000000001"
CA = "CA00000000000000000000000000000007"
AUTH = "test-auth-token-0000"
CARD = "4111111111111111"
REC = "RE00000000000000000000000000000009"

CONFIG = """
[twilio]
account_sid = "env:TWILIO_ACCOUNT_SID"
auth_token = "env:TWILIO_AUTH_TOKEN"
scopes = ["recording:pause", "recording:resume", "call:redirect", "recording:delete"]
[routes.secure_card]
kind = "keypad"
[routes.pay]
kind = "pay"
[routes.human]
kind = "human"
targets = ["queue:support"]
"""


class Settle:
    """Test-only step: wait until every frame sent before it has gone through the
    pipeline and the guard has no control call in flight, then go on sending.
    Keypad presses and audio are system frames that overtake everything else,
    so the waiting happens in the sender, not in the pipeline."""


@dataclass
class Barrier(DataFrame):
    reached: asyncio.Event | None = None


class Probe(FrameProcessor):
    """At the end: records what arrived, with how many control calls were in flight."""

    def __init__(self, guard: Guard) -> None:
        super().__init__(name="TestProbe")
        self.guard = guard
        self.seen: list[tuple[Frame, int]] = []
        self.up: list[Frame] = []

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if isinstance(frame, Barrier):
            frame.reached.set()
            return
        if direction is FrameDirection.DOWNSTREAM:
            self.seen.append((frame, self.guard.executor.in_flight))
        await self.push_frame(frame, direction)


class Top(FrameProcessor):
    """At the head: records what went upstream (errors)."""

    def __init__(self) -> None:
        super().__init__(name="TestTop")
        self.up: list[Frame] = []

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if direction is FrameDirection.UPSTREAM:
            self.up.append(frame)
        await self.push_frame(frame, direction)


async def run_call(guard: Guard, processors: list, frames: list, rate: int, end: bool):
    from pipecat.pipeline.worker import PipelineWorker

    top, probe = Top(), Probe(guard)
    worker = PipelineWorker(
        Pipeline([top, *processors, probe]),
        cancel_on_idle_timeout=False,
        params=PipelineParams(audio_in_sample_rate=rate),
    )
    started = asyncio.Event()

    @worker.event_handler("on_pipeline_started")
    async def _started(worker, frame):
        started.set()

    async def send():
        await asyncio.wait_for(started.wait(), 5.0)
        for frame in frames:
            if isinstance(frame, Settle):
                for _ in range(2):  # once for the frames, once for what settling pushed
                    reached = asyncio.Event()
                    await worker.queue_frame(Barrier(reached=reached))
                    await asyncio.wait_for(reached.wait(), 10.0)
                    await guard.executor.settle(10.0)
            else:
                await worker.queue_frame(frame)
        if end:
            await worker.queue_frame(EndFrame())

    await asyncio.gather(_run(worker), send())
    await guard.aclose()  # as a bot does after its runner: post-call steps finish
    return [f for f, _ in probe.seen], top.up, probe


async def _run(worker) -> None:
    from pipecat.workers.runner import WorkerRunner

    runner = WorkerRunner()
    await runner.add_workers(worker)
    await runner.run()


@pytest.fixture
def config(monkeypatch):
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", AC)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", AUTH)
    return Config.from_toml(CONFIG)


def make_guard(config, fake, *, policy_toml: str = "", deadline_s: float = 0.8, **kw):
    cfg = Config.from_toml(CONFIG + policy_toml) if policy_toml else config
    control = TwilioControl(
        AC,
        cfg.rest_credentials,
        cfg.scopes,
        base_url=fake.url,
        timeout_s=deadline_s,
        deadline_s=deadline_s,
        backoff_s=0.01,
        rng=random.Random(3),
    )
    routes = dict(cfg.routes)
    controller = CallController(
        control, routes, call_sid=CA, return_url="http://127.0.0.1:9/twilio/return"
    )
    audits: list = []
    digits: list[str] = []
    guard = Guard(
        cfg.policy,
        routes={n: r.kind for n, r in routes.items()},
        control=controller,
        on_audit=audits.append,
        on_digit=digits.append,
        call_sid=CA,
        stream_sid="MZ1",
        **kw,
    )
    return guard, controller, audits, digits


def run(guard, frames, rate: int = 8000, *, end: bool = True, processors=None):
    procs = processors or [guard.input, guard.transcripts, guard.agent]
    return asyncio.run(run_call(guard, procs, frames, rate, end))


def ask(text: str = "Sure. What's the card number?") -> list[Frame]:
    return [TextFrame(text=text), LLMFullResponseEndFrame()]


def audio_frames(pcm: np.ndarray, rate: int = 8000) -> list[InputAudioRawFrame]:
    if rate == 16000:
        pcm = np.repeat(pcm, 2)  # the same call audio, as Pipecat's 16 kHz input carries it
    n = rate // 50
    return [
        InputAudioRawFrame(audio=pcm[i : i + n].tobytes(), sample_rate=rate, num_channels=1)
        for i in range(0, len(pcm) - n + 1, n)
    ]


def said(down) -> list[str]:
    return [f.text for f in down if isinstance(f, TTSSpeakFrame)]


def outcomes(audits, event):
    return [a.outcome for a in audits if isinstance(a, Audit) and a.event == event]


def no_values(blob: str) -> None:
    digits = re.sub(r"\D", "", blob)
    assert CARD not in digits
    for grouped in ("4111 1111", "4111-1111", "41111111"):
        assert grouped not in blob


# 1. Twilio refuses or fails the recording pause: one coherent outcome, nothing stuck


@pytest.mark.parametrize("answer", [401, 404, "hang"])
def test_a_refused_pause_gives_one_coherent_outcome_and_the_bot_hears_again(config, answer):
    with FakeTwilio() as fake:
        fake.plan = [answer]
        guard, _, audits, _ = make_guard(config, fake, deadline_s=0.4)
        frames = [
            *ask(),
            Settle(),
            TranscriptionFrame(text="ok, what now?", user_id="u", timestamp="t"),
        ]
        down, _, _ = run(guard, frames)
    assert said(down) == [guard.session.config.say_failed]  # one thing, and no keypad prompt
    assert [f.mute for f in down if isinstance(f, STTMuteFrame)] == [True, False]
    assert [f.text for f in down if isinstance(f, TranscriptionFrame)] == ["ok, what now?"]
    pause = outcomes(audits, "pause_recording")
    assert pause == [{401: "http 401", 404: "http 404", "hang": "timeout"}[answer]]
    assert "confirmed" not in [a.outcome for a in audits if isinstance(a, Audit)]
    assert guard.session.state == "ended"  # the harness's EndFrame: nothing left waiting


# 2. Twilio dtmf and the same tones in the audio: one key press is one digit


@pytest.mark.parametrize("rate", [8000, 16000])
def test_a_key_reported_twice_is_one_digit(config, rate):
    x, spans = synth.keyed_sequence(CARD + "#", tone_ms=80, gap_ms=80)
    frames_audio = audio_frames(x, rate)
    per_frame_ms = 20.0
    # Twilio's dtmf message for each key arrives just after its tone ends
    schedule: dict[int, list[str]] = {}
    for d, _, end in spans:
        schedule.setdefault(int(end // per_frame_ms) + 1, []).append(d)
    keyed: list[Frame] = []
    for i, f in enumerate(frames_audio):
        keyed.append(f)
        keyed += [InputDTMFFrame(button=KeypadEntry(d)) for d in schedule.get(i, [])]
    with FakeTwilio() as fake:
        guard, _, audits, digits = make_guard(config, fake)
        down, _, _ = run(guard, [*ask(), Settle(), *keyed, Settle()], rate)
    assert "".join(digits) == CARD
    assert "accepted" in outcomes(audits, "secure_capture")
    assert "invalid_reprompted" not in outcomes(audits, "secure_capture")
    assert not any(isinstance(f, InputDTMFFrame) for f in down)


# 3. Wiring the controller: no recursion, no action dropped after it


def test_the_controller_is_wired_once_and_every_action_is_carried_out(config):
    with FakeTwilio() as fake:
        guard, _, audits, digits = make_guard(config, fake)
        frames = [
            *ask(),
            Settle(),
            *[InputDTMFFrame(button=KeypadEntry(d)) for d in CARD + "#"],
            Settle(),
        ]
        down, _, _ = run(guard, frames)
        statuses = [r["form"].get("Status") for r in fake.requests]
    assert statuses == ["paused", "in-progress"]
    assert outcomes(audits, "pause_recording") == ["confirmed"]
    assert outcomes(audits, "resume_recording") == ["confirmed"]
    assert said(down) == [guard.session.config.say_secure_path]
    assert "".join(digits) == CARD


# 4. Barge-in: held agent text never leaks into the next reply


def test_barge_in_drops_the_text_the_guard_was_holding():
    guard = Guard()
    frames = [
        TextFrame(text="Sure, I can"),
        Settle(),  # the guard holds it, waiting for the end of the sentence
        InterruptionFrame(),
        TextFrame(text="How can I help?"),
        LLMFullResponseEndFrame(),
    ]
    down, _, _ = run(guard, frames)
    spoken = [
        f.text for f in down if isinstance(f, TextFrame) and not isinstance(f, TranscriptionFrame)
    ]
    assert spoken == ["How can I help?"]


# 5. Twilio REST latency never blocks the text path


def test_a_slow_twilio_does_not_hold_up_transcripts_or_prompts(config):
    with FakeTwilio() as fake:
        fake.slow_s = 1.0
        fake.plan = ["slow"]
        guard, _, audits, _ = make_guard(config, fake, deadline_s=3.0)
        frames = [
            *ask("What's your date of birth?"),  # asked: the recording pauses, slowly
            TranscriptionFrame(text="it's the fourth of July 1976", user_id="u", timestamp="t"),
            TranscriptionFrame(text="and what's the weather", user_id="u", timestamp="t"),
            Settle(),
        ]
        _, _, probe = run(guard, frames)
    seen = [(f.text, busy) for f, busy in probe.seen if isinstance(f, TranscriptionFrame)]
    # both transcripts passed while the pause was still in flight
    assert seen == [("it's the [date_of_birth]", 1), ("and what's the weather", 1)]
    assert outcomes(audits, "pause_recording") == ["confirmed"]


# 6. The end of the stream ends the call: post-call disposal, recorder flushed


@pytest.mark.parametrize("ending", ["end", "cancel"])
def test_end_and_cancel_end_the_call_and_dispose_of_an_exposed_recording(config, ending):
    policy = '\n[policy]\nrecording_after_exposure = "delete"\n'
    with FakeTwilio() as fake:
        guard, controller, audits, _ = make_guard(config, fake, policy_toml=policy)
        controller.recording_sid = REC
        speech = (np.sin(np.arange(8000) / 3) * 3000).astype(np.int16)
        recorded: list[bytes] = []

        class Recorder(FrameProcessor):
            async def process_frame(self, frame, direction):
                await super().process_frame(frame, direction)
                if isinstance(frame, InputAudioRawFrame):
                    recorded.append(frame.audio)
                await self.push_frame(frame, direction)

        frames = [
            *audio_frames(speech[:4000]),
            TranscriptionFrame(text="my social is 078-05-1123", user_id="u", timestamp="t"),
            *audio_frames(speech[4000:]),
        ]
        if ending == "cancel":
            frames += [Settle(), CancelFrame()]  # the caller hangs up a moment later
        procs = [guard.input, guard.transcripts, guard.agent, guard.recorder_gate, Recorder()]
        run(guard, frames, end=ending == "end", processors=procs)
        deletes = [r["path"] for r in fake.requests if r["method"] == "DELETE"]
    assert guard.session.state == "ended"
    assert outcomes(audits, "call_ended") == ["ok"]
    assert [d.rsplit("/", 1)[-1] for d in deletes] == [f"{REC}.json"]
    assert outcomes(audits, "recording_delete") == ["ok"]
    if ending == "end":
        assert sum(len(b) for b in recorded) == 2 * len(speech)  # every sample reached it


# 7. After the card is accepted the bot goes on by itself


def test_the_outcome_runs_the_llm_so_the_bot_goes_on(config):
    with FakeTwilio() as fake:
        guard, _, _, _ = make_guard(config, fake)
        frames = [
            *ask(),
            Settle(),
            *[InputDTMFFrame(button=KeypadEntry(d)) for d in CARD + "#"],
            Settle(),
        ]
        down, _, _ = run(guard, frames)
    appends = [f for f in down if isinstance(f, LLMMessagesAppendFrame)]
    last = appends[-1]
    assert last.run_llm is True
    assert last.messages[0]["content"] == "card ending 1111 accepted"
    assert all(a.run_llm is not True for a in appends[:-1])
    no_values(" ".join(str(m) for f in appends for m in f.messages))


# 8. The <Pay> route: its own prompt, spoken before the redirect can cut it off


def test_the_pay_route_says_its_own_prompt_inside_the_redirect(config):
    policy = '\n[policy.payment_card]\non_request = "secure_path"\nroute = "pay"\n'
    with FakeTwilio() as fake:
        guard, _, audits, _ = make_guard(config, fake, policy_toml=policy)
        down, _, _ = run(guard, [*ask(), Settle()])
        redirect = next(r for r in fake.requests if "Twiml" in r["form"])
    root = ET.fromstring(redirect["form"]["Twiml"])
    assert [child.tag for child in root] == ["Say", "Pay"]
    assert root.find("Say").text == guard.session.config.say_pay
    assert "colleague" not in root.find("Say").text
    assert said(down) == []  # nothing through the bot's TTS that the redirect could cut off
    assert outcomes(audits, "handoff") == ["requested", "connected"]
    assert guard.session.state in ("handed_off", "ended")


# 9. Pipecat's default 16 kHz input


def test_16_khz_input_is_protected_like_8_khz(config):
    x, _ = synth.keyed_sequence("41", tone_ms=80, gap_ms=80)
    speech = (np.sin(np.arange(1600) / 3) * 3000).astype(np.int16)
    with FakeTwilio() as fake:
        guard, _, _, _ = make_guard(config, fake)
        frames = [*audio_frames(speech, 16000), *ask(), Settle(), *audio_frames(x, 16000)]
        down, up, _ = run(guard, frames, 16000)
    assert not [f for f in up if isinstance(f, ErrorFrame)]
    audio = [f for f in down if isinstance(f, InputAudioRawFrame)]
    n_speech = len(audio_frames(speech, 16000))
    assert len(audio) == n_speech + len(audio_frames(x, 16000))
    assert all(f.sample_rate == 16000 for f in audio)
    assert b"".join(f.audio for f in audio[:n_speech]) == np.repeat(speech, 2).tobytes()
    assert all(not any(f.audio) for f in audio[n_speech:])  # silence while capturing


# 10. No Twilio control configured: the audit says so


def test_without_twilio_control_the_audit_never_says_confirmed():
    audits: list = []
    guard = Guard(on_audit=audits.append)
    run(guard, [*ask(), Settle(), *[InputDTMFFrame(button=KeypadEntry(d)) for d in CARD + "#"]])
    assert outcomes(audits, "pause_recording") == ["not_configured"]
    assert outcomes(audits, "resume_recording") == ["not_configured"]
    assert "confirmed" not in [a.outcome for a in audits if isinstance(a, Audit)]


# 8, the way back: a returning caller's stream gets the call's own guard and notice


def test_a_caller_back_from_pay_rejoins_the_same_conversation(config):
    from twilio.request_validator import RequestValidator

    from guardrail.pipecat_twilio import TwilioCalls
    from handoff.control import TwilioControl

    cfg = Config.from_toml(
        CONFIG + '\n[policy.payment_card]\non_request = "secure_path"\nroute = "pay"\n'
    )
    public = "http://127.0.0.1:8765"
    audits: list = []
    procs = lambda g: [g.input, g.transcripts, g.agent]  # noqa: E731

    async def call(fake):
        control = TwilioControl(AC, cfg.rest_credentials, cfg.scopes, base_url=fake.url)
        calls = TwilioCalls(cfg, public_url=public, control=control, on_audit=audits.append)
        guard = calls.guard({"call_id": CA, "stream_id": "MZ1", "body": {}})
        guard.context = ["the conversation so far"]
        await run_call(guard, procs(guard), [*ask(), Settle()], 8000, True)
        assert guard.session.state == "handed_off"  # Twilio ended the stream; the call goes on

        url = public + "/twilio/return"
        assert (await calls.returned(url, {"CallSid": CA, "AccountSid": AC}, "forged"))[0] == 403
        form = {
            "CallSid": CA,
            "AccountSid": AC,
            "Result": "success",
            "PaymentCardNumber": "xxxx-xxxx-xxxx-1111",
        }
        sig = RequestValidator(AUTH).compute_signature(url, form)
        status, twiml = await calls.returned(url, form, sig)
        assert status == 200
        token = ET.fromstring(twiml).find("Connect/Stream/Parameter").get("value")
        with pytest.raises(Exception, match="resume token"):
            calls.guard({"call_id": CA, "stream_id": "MZ2", "body": {}})
        again = calls.guard(
            {"call_id": CA, "stream_id": "MZ2", "body": {"guardrail_resume": token}}
        )
        assert again is guard
        assert again.context == ["the conversation so far"]
        with pytest.raises(Exception, match="resume token"):  # single use
            calls.guard({"call_id": CA, "stream_id": "MZ3", "body": {"guardrail_resume": token}})
        hello = TranscriptionFrame(text="hello?", user_id="u", timestamp="t")
        down, _, _ = await run_call(again, procs(again), [hello], 8000, True)
        return down

    with FakeTwilio() as fake:
        down = asyncio.run(call(fake))
        statuses = [r["form"].get("Status") for r in fake.requests]
    appends = [f for f in down if isinstance(f, LLMMessagesAppendFrame)]
    assert appends[0].run_llm is True
    assert appends[0].messages[0]["content"] == "card ending 1111 accepted"
    assert [f.text for f in down if isinstance(f, TranscriptionFrame)] == ["hello?"]
    assert statuses == ["paused", None, "in-progress"]  # pause, redirect, resume
    assert ("handoff", "returned") in [(a.event, a.outcome) for a in audits]


def test_a_delivery_that_raises_is_alerted_not_lost():
    import asyncio as aio

    from guardrail.events import AgentText, Alert, PauseRecording
    from guardrail.executor import Executor, Outcome
    from guardrail.session import Session

    class Slow:
        def perform(self, action):
            async def answer():
                return Outcome(True)

            return answer() if isinstance(action, PauseRecording) else None

    alerts: list = []

    def deliver(actions):
        raise RuntimeError("adapter broke")

    async def go():
        ex = Executor(Session(), control=Slow(), audit=alerts.append, deliver=deliver)
        ex.feed(AgentText("What's the card number?", True, 10.0))  # the prompt follows the pause
        await ex.settle(5.0)
        await aio.sleep(0)

    asyncio.run(go())
    assert [a.reason for a in alerts if isinstance(a, Alert)] == ["delivery failed: RuntimeError"]


def test_a_pipecat_call_from_the_config_leaves_a_verified_audit_trail(config, tmp_path):
    from guardrail.audit import AuditStore
    from guardrail.pipecat_twilio import TwilioCalls

    path = tmp_path / "audit.db"
    cfg = Config.from_toml(CONFIG + f'\n[store]\nurl = "sqlite:///{path}"\n')

    async def call(fake):
        control = TwilioControl(AC, cfg.rest_credentials, cfg.scopes, base_url=fake.url)
        calls = TwilioCalls(cfg, public_url="http://127.0.0.1:8765", control=control)
        guard = calls.guard({"call_id": CA, "stream_id": "MZ1", "body": {}})
        keyed = [InputDTMFFrame(button=KeypadEntry(d)) for d in CARD + "#"]
        await run_call(guard, [guard.input, guard.transcripts, guard.agent],
                       [*ask(), Settle(), *keyed, Settle()], 8000, True)  # fmt: skip
        await calls.aclose()  # the process shuts down: calls ended, audit writers drained
        calls.audit_store.close()

    with FakeTwilio() as fake:
        asyncio.run(call(fake))
    store = AuditStore.open(f"sqlite:///{path}")
    try:
        assert store.verify().ok
        entries = list(store.export(call=CA))
    finally:
        store.close()
    seen = {(e["event"], e["outcome"]) for e in entries}
    assert {("pause_recording", "confirmed"), ("secure_capture", "accepted")} <= seen
    assert {e["actor"] for e in entries} == {"pipecat"}
    no_values(path.read_bytes().decode("latin-1"))
