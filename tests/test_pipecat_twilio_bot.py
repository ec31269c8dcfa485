"""examples/pipecat_twilio_bot.py run for real: uvicorn on loopback, a signed Twilio caller.

Each test starts the example's FastAPI app under uvicorn in a thread (on a
socket bound before the thread starts, so nothing waits for it to listen),
the Twilio REST stand-in (:mod:`guardrail.sim.rest`) and a simulated Twilio
(:mod:`guardrail.sim.twilio`): a signed incoming-call webhook, then the media stream
the TwiML names, streamed in real time the way Twilio streams (silence
included, between what the caller says). Waits are on conditions: what the
caller received (:meth:`TwilioCall.wait_for`) and what the bot's parties saw
(the example's :class:`Records`).

Every test ends by searching everything that came out -- every log line
(loguru, where Pipecat logs, and the logging module), every context the LLM
was run on, every transcript the LLM side got, what text-to-speech was asked
to say, every message the caller received, every request Twilio's API got,
every audit entry -- for the card number that was keyed or spoken, in any
grouping.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import json
import logging
import re
import socket
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import uvicorn
from loguru import logger

from audio.dtmf import DtmfDetector, KeyUp
from guardrail.config import Config
from guardrail.events import Audit
from guardrail.session import SessionConfig
from guardrail.sim.rest import FakeTwilio
from guardrail.sim.twilio import (
    StreamRejected,
    TwilioCall,
    parse_connect_stream,
    post_webhook,
    speech_like,
    voice_form,
)

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location(
    "pipecat_twilio_bot", ROOT / "examples" / "pipecat_twilio_bot.py"
)
assert _spec is not None
assert _spec.loader is not None
bot = importlib.util.module_from_spec(_spec)
sys.modules["pipecat_twilio_bot"] = bot
_spec.loader.exec_module(bot)

AC = "AC00000000000000000000000000000001"
AUTH = "test-auth-token-0000"
CARD = "4111111111111111"
RECORDING = "RE00000000000000000000000000000009"
CARD_SPOKEN = "Sure, my card number is 4111 1111 1111 1111."

CONFIG = """
[twilio]
account_sid = "env:TWILIO_ACCOUNT_SID"
auth_token = "env:TWILIO_AUTH_TOKEN"
scopes = ["recording:pause", "recording:resume", "call:redirect", "recording:delete"]
api_base_url = "{api}"

[routes.secure_card]
kind = "keypad"
sink = "demo"

[routes.pay]
kind = "pay"

[routes.human]
kind = "human"
targets = ["+1 415 555 0100"]

[policy]
recording_after_exposure = "{after}"

[policy.payment_card]
on_request = "secure_path"
on_disclosure = "secure_path"
route = "{card_route}"
"""

SAY = SessionConfig()


# -- the parts -----------------------------------------------------------------


@pytest.fixture
def twilio_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", AC)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", AUTH)


@pytest.fixture
def fake(twilio_env: None) -> Iterator[FakeTwilio]:
    with FakeTwilio() as f:
        yield f


def make_config(fake: FakeTwilio, *, card_route: str = "secure_card", after: str = "quarantine"):
    return Config.from_toml(CONFIG.format(api=fake.url, card_route=card_route, after=after))


class Logs:
    """Every log line while a test runs: loguru (Pipecat's logger) and ``logging``."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._lock = threading.Lock()

    def add(self, line: str) -> None:
        with self._lock:
            self.lines.append(line)


@pytest.fixture
def logs() -> Iterator[Logs]:
    captured = Logs()

    class Handler(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            captured.add(self.format(record))

    handler = Handler(logging.DEBUG)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    sink = logger.add(lambda m: captured.add(str(m)), level="DEBUG", format="{message}")
    try:
        yield captured
    finally:
        logger.remove(sink)
        root.removeHandler(handler)
        root.setLevel(level)


class Bot:
    """The example under uvicorn, in its own thread and event loop, on 127.0.0.1."""

    def __init__(self, config: Config, *, input_rate: int, **kwargs) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        port = self.sock.getsockname()[1]
        self.base = f"http://127.0.0.1:{port}"
        self.records = bot.Records()
        self.app = bot.make_app(
            config, public_url=self.base, input_rate=input_rate, records=self.records, **kwargs
        )
        self.calls = self.app.state.calls
        self.server = uvicorn.Server(
            uvicorn.Config(
                self.app,
                log_level="warning",
                lifespan="off",
                timeout_graceful_shutdown=5,
            )
        )
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def __enter__(self) -> Bot:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)
        self.sock.close()
        assert not self.thread.is_alive(), "the bot's server did not stop"


class Caller:
    """A call's caller side: Twilio streams silence whenever the caller says nothing."""

    def __init__(self, call: TwilioCall) -> None:
        self.call = call
        self._lock = asyncio.Lock()
        self._pump = asyncio.create_task(self._silence())

    async def _silence(self) -> None:
        while True:
            async with self._lock:
                if not await self.call.send_silence(20, realtime=True):
                    return

    async def say(self, ms: float = 1200.0, seed: int = 0) -> None:
        """Speak for ``ms`` (one line of the bot's STT script), then a short pause."""
        async with self._lock:
            await self.call.send_audio(speech_like(ms, seed=seed), realtime=True)

    async def key(self, digits: str, how: str = "both") -> None:
        """Key ``digits``: ``both`` tones in the audio and Twilio ``dtmf`` messages (as
        Twilio sends them by default), ``tones`` only, or ``dtmf`` messages only
        (a stream whose audio carries no tone)."""
        async with self._lock:
            if how == "dtmf":
                for d in digits:
                    await self.call.send_silence(140, realtime=True)
                    await self.call.send_dtmf(d)
                await self.call.send_silence(100, realtime=True)
            else:
                await self.call.send_keyed(digits, dtmf_messages=how == "both", realtime=True)

    async def stop_streaming(self) -> None:
        self._pump.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._pump

    async def hang_up(self, how: str = "stop") -> None:
        """Twilio's ways a stream ends: ``stop`` then close, a bare close, or a drop."""
        await self.stop_streaming()
        if how == "stop":
            await self.call.hangup()
        elif how == "close":
            await self.call.close()
        else:
            await self.call.drop()


async def dial(b: Bot, call_sid: str, **form: str) -> tuple[Caller, dict[str, str]]:
    """Twilio's incoming-call webhook, then the stream its TwiML names."""
    status, twiml = await post_webhook(b.base, "/twilio/voice", voice_form(call_sid, **form), AUTH)
    assert status == 200, twiml
    url, params = parse_connect_stream(twiml)
    assert url == b.base.replace("http://", "ws://") + "/ws"
    call = await TwilioCall.connect(
        url, AUTH, call_sid=call_sid, custom_parameters=params, realtime=True
    )
    return Caller(call), params


def said(rec: bot.DemoCall, text: str) -> int:
    return sum(text in s for s in rec.tts_said)


def keys_in(pcm_bytes: bytes | bytearray, rate: int = 8000) -> list[str]:
    pcm = np.frombuffer(bytes(pcm_bytes), np.int16)
    if rate == 16000:
        pcm = ((pcm[0::2].astype(np.int32) + pcm[1::2]) >> 1).astype(np.int16)
    det = DtmfDetector()
    return [
        e.digit
        for i in range(0, len(pcm) - 159, 160)
        for e in det.process(pcm[i : i + 160], i / 8)
        if isinstance(e, KeyUp)
    ]


def requests_with(fake: FakeTwilio, **fields: str) -> list[dict]:
    return [r for r in fake.requests if all(r["form"].get(k) == v for k, v in fields.items())]


def assert_no_card_anywhere(
    logs: Logs, rec: bot.DemoCall, calls: list[TwilioCall], fake: FakeTwilio
) -> None:
    """The hard rule: the card is nowhere but in the secure sink (and the STT's own output)."""
    outputs = {
        "logs": "\n".join(logs.lines),
        "LLM contexts": json.dumps(rec.llm_contexts),
        "frames the LLM saw": "\n".join(rec.llm_frames),
        "text-to-speech": json.dumps(rec.tts_said),
        "frames text-to-speech saw": "\n".join(rec.tts_frames),
        "audit": repr(rec.audits),
        "messages to the caller": json.dumps([c.inbox for c in calls]),
        "Twilio REST requests": json.dumps(fake.requests),
    }
    # (the verdict first: an assertion on card_in(text) would print the text)
    leaks = [where for where, text in outputs.items() if bot.card_in(text)]
    assert not leaks, f"the card is in: {', '.join(leaks)}"
    for c in calls:
        assert not c.malformed
        assert not c.misaddressed


def audits(rec: bot.DemoCall, event: str) -> list[Audit]:
    return [a for a in rec.audits if isinstance(a, Audit) and a.event == event]


# -- calls ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rate", "keys"), [(8000, "both"), (16000, "both"), (8000, "dtmf"), (16000, "tones")]
)
def test_card_on_the_keypad_then_the_bot_goes_on_by_itself(fake, logs, rate, keys):
    """Agent asks for the card -> pause -> keypad -> resume -> the bot goes on by itself.

    Each key press comes as a tone in the audio and a Twilio ``dtmf`` message
    (``both``), or one of the two: either way one press is one digit."""
    config = make_config(fake)
    call_sid = "CA" + "1" * 32

    async def main() -> tuple[bot.DemoCall, Caller]:
        with Bot(config, input_rate=rate) as b:
            rec = b.records.call(call_sid)
            caller, _ = await dial(b, call_sid)
            call = caller.call
            await call.wait_for(lambda: len(call.received_audio) > 0, 10, "the greeting")
            await caller.say()
            await b.records.wait_for(lambda: said(rec, "keypad"), 15, "the keypad prompt")
            # the prompt waits for the pause: by now Twilio was asked and answered
            assert requests_with(fake, Status="paused")
            assert not said(rec, "card number")
            guard = b.calls.guards[call_sid]
            await caller.key(CARD + "#", keys)
            answered = "payment went through"
            await b.records.wait_for(lambda: said(rec, answered), 15, "the bot going on")
            before = len(call.received_audio)
            # nobody spoke since the '#': the outcome ran the LLM, and its answer plays
            await call.wait_for(lambda: len(call.received_audio) > before, 10, "the answer")
            sink_tokens = list(guard.executor.sink.tokens)
            await caller.hang_up("stop")
            await b.records.wait_for(lambda: rec.streams_done == 1, 15, "the stream's end")
            assert_no_card_anywhere(logs, rec, [call], fake)
        # one key press is one digit: one value, 16 digits, Luhn-valid, accepted at once
        assert [last4 for _, last4 in sink_tokens] == ["1111"]
        assert not said(rec, "didn't look right")
        return rec, caller

    rec, _caller = asyncio.run(main())
    assert [r["form"].get("Status") for r in fake.requests] == ["paused", "in-progress"]
    last = rec.llm_contexts[-1]
    assert last[-1]["role"] == "system"
    assert "accepted" in last[-1]["content"]
    assert rec.transcripts == [bot.CALLER_LINES[0]]  # the STT heard nothing while muted
    assert said(rec, "keypad") == 1
    assert keys_in(rec.recorded_caller, rec.recorded_rate) == []  # the recording: no tone
    assert rec.ended
    assert audits(rec, "call_ended")
    assert [a.outcome for a in audits(rec, "secure_capture")][-1] == "accepted"


@pytest.mark.parametrize("keys", ["both", "tones"])
def test_the_closing_key_never_reaches_the_bot(fake, logs, keys):
    """The '#' that ends the capture is one press, reported twice (its tone, then
    Twilio's ``dtmf``): the bot's STT hears no part of its tone and the bot gets no
    ``InputDTMFFrame`` for it. At 8 kHz, where every 20 ms frame is judged on its
    own; at 16 kHz Pipecat's resampler hands over ~95 ms frames and whether the
    tone's tail falls in the next one depends on where the frames fall (the
    self-test at 16 kHz shows it)."""
    rate = 8000
    config = make_config(fake)
    call_sid = "CA" + "2" * 32

    async def main() -> bot.DemoCall:
        with Bot(config, input_rate=rate) as b:
            rec = b.records.call(call_sid)
            caller, _ = await dial(b, call_sid)
            await caller.call.wait_for(lambda: len(caller.call.received_audio) > 0, 10)
            await caller.say()
            await b.records.wait_for(lambda: said(rec, "keypad"), 15, "the keypad prompt")
            await caller.key(CARD + "#", keys)
            await b.records.wait_for(lambda: said(rec, "payment went through"), 15)
            await caller.hang_up("stop")
            await b.records.wait_for(lambda: rec.streams_done == 1, 15)
            assert_no_card_anywhere(logs, rec, [caller.call], fake)
        return rec

    rec = asyncio.run(main())
    problems = []
    if keys_in(rec.stt_audio):
        problems.append(f"the STT heard keypad tones {keys_in(rec.stt_audio)}")
    presses = [f for f in rec.llm_frames if "InputDTMFFrame" in f]
    if presses:
        problems.append(f"key presses reached the bot: {presses}")
    assert not problems


@pytest.mark.parametrize(
    ("rate", "answer"), [(8000, 401), (16000, 401), (8000, 404), (8000, "hang")]
)
def test_a_refused_pause_gives_one_coherent_outcome(fake, logs, rate, answer):
    """Twilio refuses the pause (401), the call is not recorded (404), or Twilio never
    answers: one failure message, no keypad prompt, and the bot hears again."""
    config = make_config(fake)
    fake.plan = [answer] * 8  # every retry gets the same answer
    call_sid = "CA" + "3" * 32

    async def main() -> bot.DemoCall:
        with Bot(config, input_rate=rate) as b:
            rec = b.records.call(call_sid)
            caller, _ = await dial(b, call_sid)
            await caller.call.wait_for(lambda: len(caller.call.received_audio) > 0, 10)
            await caller.say()
            await b.records.wait_for(lambda: said(rec, SAY.say_failed), 15, "the failure")
            await caller.say(seed=1)  # "What are your opening hours?"
            await b.records.wait_for(lambda: said(rec, "nine to five"), 15, "the answer")
            await caller.hang_up("stop")
            await b.records.wait_for(lambda: rec.streams_done == 1, 15)
            assert_no_card_anywhere(logs, rec, [caller.call], fake)
        return rec

    rec = asyncio.run(main())
    assert said(rec, SAY.say_failed) == 1
    assert not said(rec, "keypad")
    assert not said(rec, "card number")
    assert rec.transcripts == list(bot.CALLER_LINES[:2])  # unmuted: it heard the next line
    assert {r["form"].get("Status") for r in fake.requests} == {"paused"}  # no redirect
    outcome = "timeout" if answer == "hang" else f"http {answer}"
    assert [a.outcome for a in audits(rec, "pause_recording")][:1] == [outcome]


@pytest.mark.parametrize("rate", [8000, 16000])
def test_without_twilio_control_the_audit_says_so(fake, logs, rate):
    """No account SID in the config: no Twilio control. The keypad capture still
    protects the card, and the audit says the pause was not configured, never confirmed."""
    text = CONFIG.format(api=fake.url, card_route="secure_card", after="quarantine")
    config = Config.from_toml(text.replace('account_sid = "env:TWILIO_ACCOUNT_SID"\n', ""))
    call_sid = "CA" + "7" * 32

    async def main() -> bot.DemoCall:
        with Bot(config, input_rate=rate) as b:
            rec = b.records.call(call_sid)
            caller, _ = await dial(b, call_sid)
            await caller.call.wait_for(lambda: len(caller.call.received_audio) > 0, 10)
            await caller.say()
            await b.records.wait_for(lambda: said(rec, "keypad"), 15, "the keypad prompt")
            await caller.key(CARD + "#")
            await b.records.wait_for(lambda: said(rec, "payment went through"), 15)
            await caller.hang_up("stop")
            await b.records.wait_for(lambda: rec.streams_done == 1, 15)
            assert_no_card_anywhere(logs, rec, [caller.call], fake)
        return rec

    rec = asyncio.run(main())
    assert fake.requests == []
    assert {a.outcome for a in audits(rec, "pause_recording")} == {"not_configured"}
    assert not any(a.outcome == "confirmed" for a in rec.audits if isinstance(a, Audit))


@pytest.mark.parametrize("how", ["stop", "close", "drop"])
def test_the_end_of_the_stream_ends_the_call_and_disposes_of_the_recording(fake, logs, how):
    """The caller reads the card out, then hangs up during the capture: the call ends
    with the session, and the recording that heard the card is deleted through Twilio."""
    config = make_config(fake, after="delete")
    call_sid = "CA" + "4" * 32
    lines = (CARD_SPOKEN, *bot.CALLER_LINES[1:])

    async def main() -> bot.DemoCall:
        # RTVI off: with Pipecat's default it copies the STT's raw transcript into
        # transport messages (test_rtvi_messages_never_carry_a_spoken_card)
        with Bot(config, input_rate=8000, caller_lines=lines, enable_rtvi=False) as b:
            rec = b.records.call(call_sid)
            caller, _ = await dial(b, call_sid)
            status = await post_webhook(
                b.base,
                "/twilio/status",
                voice_form(call_sid, call_status="in-progress", RecordingSid=RECORDING),
                AUTH,
            )
            assert status[0] == 204
            await caller.call.wait_for(lambda: len(caller.call.received_audio) > 0, 10)
            await caller.say()
            await b.records.wait_for(lambda: said(rec, "keypad"), 15, "the keypad prompt")
            await caller.hang_up(how)
            await b.records.wait_for(lambda: rec.streams_done == 1, 15, "the stream's end")
            assert_no_card_anywhere(logs, rec, [caller.call], fake)
            assert call_sid not in b.calls.guards  # the call is over: nothing kept
        return rec

    rec = asyncio.run(main())
    assert rec.ended
    assert [a.outcome for a in audits(rec, "recording_exposed")] == ["delete"]
    assert audits(rec, "call_ended")
    deletes = [r for r in fake.requests if r["method"] == "DELETE"]
    assert len(deletes) == 1
    assert deletes[0]["path"].endswith(f"/Recordings/{RECORDING}.json")
    # the LLM learnt that a card was said, never which
    assert any("[payment_card]" in m["content"] for ctx in rec.llm_contexts for m in ctx)


def test_a_pay_redirect_comes_back_to_the_same_conversation(fake, logs):
    """<Pay>: redirect, the stream ends, the return webhook, a new stream, the bot goes on."""
    config = make_config(fake, card_route="pay")
    call_sid = "CA" + "5" * 32

    async def main() -> tuple[bot.DemoCall, list[TwilioCall]]:
        with Bot(config, input_rate=8000) as b:
            rec = b.records.call(call_sid)
            first, _ = await dial(b, call_sid)
            await first.call.wait_for(lambda: len(first.call.received_audio) > 0, 10)
            await first.say()
            # the pause, then the redirect to <Pay> (Twilio says its prompt itself)
            await b.records.wait_for(
                lambda: any(a.outcome == "connected" for a in audits(rec, "handoff")),
                15,
                "the redirect confirmed",
            )
            assert requests_with(fake, Status="paused")
            redirect = _redirects(fake)
            assert len(redirect) == 1
            assert "<Pay" in redirect[0]
            assert SAY.say_pay in redirect[0]
            context = b.calls.guards[call_sid].context
            await first.hang_up("stop")  # Twilio ends the stream when it redirects
            await b.records.wait_for(lambda: rec.streams_done == 1, 15)
            assert not rec.ended
            assert call_sid in b.calls.guards
            form = voice_form(
                call_sid,
                call_status="in-progress",
                Result="success",
                PaymentCardNumber="xxxxxxxxxxxx1111",
            )
            status, twiml = await post_webhook(b.base, "/twilio/return", form, AUTH)
            assert status == 200, twiml
            url, params = parse_connect_stream(twiml)
            assert "guardrail_resume" in params
            second = Caller(
                await TwilioCall.connect(
                    url, AUTH, call_sid=call_sid, custom_parameters=params, realtime=True
                )
            )
            # nobody speaks: the outcome runs the LLM on the same conversation
            await b.records.wait_for(lambda: said(rec, "payment went through"), 15, "the bot")
            await second.call.wait_for(lambda: len(second.call.received_audio) > 0, 10)
            assert b.calls.guards[call_sid].context is context
            await second.say(seed=1)
            await b.records.wait_for(lambda: said(rec, "nine to five"), 15)
            await second.hang_up("stop")
            await b.records.wait_for(lambda: rec.streams_done == 2, 15)
            assert_no_card_anywhere(logs, rec, [first.call, second.call], fake)
        return rec, [first.call, second.call]

    rec, _ = asyncio.run(main())
    assert rec.ended
    assert rec.streams == 2
    assert len(audits(rec, "call_ended")) == 1
    assert [a.outcome for a in audits(rec, "handoff")][-1] == "returned"
    # the same conversation: the first stream's turns are in the context the LLM ran on
    last = rec.llm_contexts[-1]
    assert any(bot.CALLER_LINES[0] in m["content"] for m in last)
    assert any("accepted" in m["content"] for m in last)
    assert said(rec, "Hello, thanks for calling") == 1  # no second greeting


async def _keyed_then_spoken(b: Bot, call_sid: str) -> tuple[bot.DemoCall, TwilioCall]:
    """The card keyed at the prompt, then read out after all; the caller hangs up."""
    rec = b.records.call(call_sid)
    caller, _ = await dial(b, call_sid)
    await caller.call.wait_for(lambda: len(caller.call.received_audio) > 0, 10)
    await caller.say()
    await b.records.wait_for(lambda: said(rec, "keypad"), 15, "the keypad prompt")
    await caller.key(CARD + "#")
    await b.records.wait_for(lambda: said(rec, "payment went through"), 15)
    await caller.say(seed=1)
    await b.records.wait_for(lambda: len(rec.transcripts) == 2, 15, "the second line")
    await caller.hang_up("stop")
    await b.records.wait_for(lambda: rec.streams_done == 1, 15)
    return rec, caller.call


SPOKEN_AFTER_ALL = (bot.CALLER_LINES[0], CARD_SPOKEN)


def test_rtvi_messages_never_carry_a_spoken_card(fake, logs):
    """Pipecat 1.14's ``PipelineWorker`` turns RTVI on by default; its observer sees
    the STT's own push of the raw transcript and sends it on as ``user-transcription``
    transport messages, through the LLM and TTS to the transport (Twilio's serializer
    drops them; a WebRTC or websocket client would get them)."""
    config = make_config(fake)

    async def main() -> tuple[bot.DemoCall, TwilioCall]:
        with Bot(config, input_rate=8000, caller_lines=SPOKEN_AFTER_ALL) as b:
            return await _keyed_then_spoken(b, "CA" + "8" * 32)

    rec, call = asyncio.run(main())
    assert "[payment_card]" in json.dumps(rec.llm_contexts)  # redacted where the guard acts
    assert_no_card_anywhere(logs, rec, [call], fake)


def test_trace_logs_never_hold_a_keyed_or_spoken_card(fake):
    """At loguru's TRACE level Pipecat logs every frame pushed between processors:
    the transport's push of each ``InputDTMFFrame`` to the guard and the STT's
    push of its raw transcript happen before the guard can act on them."""
    config = make_config(fake)
    lines: list[str] = []
    sink = logger.add(lambda m: lines.append(str(m)), level="TRACE", format="{message}")

    async def main() -> tuple[bot.DemoCall, TwilioCall]:
        with Bot(config, input_rate=8000, caller_lines=SPOKEN_AFTER_ALL, enable_rtvi=False) as b:
            return await _keyed_then_spoken(b, "CA" + "9" * 32)

    try:
        asyncio.run(main())
    finally:
        logger.remove(sink)
    keyed = "".join(re.findall(r"Pushing InputDTMFFrame#\d+\(tone: (.)\)", "\n".join(lines)))
    problems = []
    if CARD in keyed:
        problems.append("the TRACE log has every keyed digit, one InputDTMFFrame a line")
    spoken = [re.sub(r"\d", "#", line)[-120:] for line in lines if bot.card_in(line)]
    if spoken:
        problems.append(f"the TRACE log has the spoken card in {len(spoken)} lines: {spoken[0]}")
    assert not problems


def test_unsigned_requests_and_streams_are_refused(fake):
    config = make_config(fake)

    async def main() -> None:
        with Bot(config, input_rate=8000) as b:
            form = voice_form("CA" + "6" * 32)
            status, _ = await post_webhook(b.base, "/twilio/voice", form, "not-the-token")
            assert status == 403
            with pytest.raises(StreamRejected) as refused:
                await TwilioCall.connect(b.base.replace("http", "ws") + "/ws", "wrong",
                                         call_sid="CA" + "6" * 32)  # fmt: skip
            assert refused.value.status == 403

    asyncio.run(main())


def test_a_second_stream_without_its_resume_token_is_refused(fake, logs):
    """Only the return path's token joins a new stream to a live call's guard."""
    config = make_config(fake)
    call_sid = "CA" + "a" * 32

    async def main() -> None:
        with Bot(config, input_rate=8000) as b:
            rec = b.records.call(call_sid)
            first, _ = await dial(b, call_sid)
            await first.call.wait_for(lambda: len(first.call.received_audio) > 0, 10)
            url = b.base.replace("http://", "ws://") + "/ws"
            intruder = await TwilioCall.connect(url, AUTH, call_sid=call_sid)
            assert await intruder.wait_closed(10) == 1008
            assert rec.streams == 1
            await first.say()
            await b.records.wait_for(lambda: said(rec, "keypad"), 15, "the first stream going on")
            await first.hang_up("stop")
            await b.records.wait_for(lambda: rec.streams_done == 1, 15)
            assert_no_card_anywhere(logs, rec, [first.call, intruder], fake)

    asyncio.run(main())


def test_the_self_test_passes():
    """What a newcomer runs: ``python examples/pipecat_twilio_bot.py --self-test``."""
    assert asyncio.run(bot.self_test(verbose=False))


# -- helpers -------------------------------------------------------------------


def _redirects(fake: FakeTwilio) -> list[str]:
    return [r["form"]["Twiml"] for r in fake.requests if "Twiml" in r["form"]]
