"""A Pipecat 1.14 Twilio bot, built the way Pipecat's own Twilio example builds one,
wrapped by the guardrail. Runs offline: scripted stand-ins play STT, LLM and TTS.

::

    python examples/pipecat_twilio_bot.py --self-test            # one call; exit 0 if protected
    python examples/pipecat_twilio_bot.py --self-test --rate 16000
    python examples/pipecat_twilio_bot.py --port 8765 [--config guardrail.toml]
                                          [--public-url https://bot.example.com]

The bot is a FastAPI app: ``WS /ws`` is the Twilio Media Stream
(``parse_telephony_websocket``, ``TwilioFrameSerializer`` with
``auto_hang_up=False``, ``FastAPIWebsocketTransport``, a pipeline of transport
input, STT, the user context aggregator, LLM, TTS, transport output,
``AudioBufferProcessor`` and the assistant aggregator, run by a
``PipelineWorker`` under a ``WorkerRunner``). The guardrail adds exactly three
lines to it::

    guard = calls.guard(call_data)                   # one per call, from the config
    pipeline = Pipeline(guard.wrap([...]))           # the bot's processors, unchanged
    await calls.stream_done(guard)                   # after the runner

plus the three Twilio webhooks, ``POST /twilio/voice`` (answers the call
with ``<Connect><Stream>`` to ``/ws``), ``POST /twilio/return`` (a caller
back from ``<Pay>`` or a colleague comes back to the *same* conversation:
``calls.guard`` hands back the same guard, and ``guard.context`` keeps the
bot's ``LLMContext``) and ``POST /twilio/status``.

The stand-ins follow a script instead of calling a provider:

- speech-to-text: an energy gate on the caller audio; each speech segment
  *is* the next line of :data:`CALLER_LINES`, emitted as a
  ``TranscriptionFrame`` when the segment ends;
- the LLM answers from the keyword table :data:`ANSWERS`;
- text-to-speech makes a speech-like harmonic signal at the output rate.

What happens in ``--self-test``: the script starts its own Twilio REST
stand-in and this server on free loopback ports, POSTs a signed incoming-call
webhook, opens the stream it was given as a signed Twilio client and plays a
call: the caller asks to pay; the LLM asks for the card number; the guardrail
keeps that question from text-to-speech, mutes speech-to-text, pauses the
recording (the stand-in sees the request), and asks for the card on the
keypad; the caller keys the public test card (tones in the audio *and*
Twilio ``dtmf`` messages, as Twilio sends them), which only the secure sink
gets; the recording resumes and the bot goes on by itself ("your payment
went through"). It exits 0 only if every protection happened, and prints
what each party saw (never the card).

Environment for serving: ``TWILIO_ACCOUNT_SID`` and ``TWILIO_AUTH_TOKEN``
(the built-in config refers to them; ``--config`` takes any guardrail config,
e.g. ``examples/guardrail.toml``). Twilio signs the public URL it calls and
accepts only ``wss://`` streams: behind a tunnel, pass ``--public-url``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import logging
import os
import re
import socket
import sys
import threading
import time
import urllib.parse
import uuid
import xml.etree.ElementTree as ET
from collections.abc import AsyncGenerator, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
from fastapi import FastAPI, Request, WebSocket
from fastapi.responses import Response
from loguru import logger
from pipecat.frames.frames import (
    AudioRawFrame,
    Frame,
    LLMContextFrame,
    LLMFullResponseEndFrame,
    LLMFullResponseStartFrame,
    LLMRunFrame,
    TranscriptionFrame,
    TTSAudioRawFrame,
)
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.worker import PipelineParams, PipelineWorker
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.processors.aggregators.llm_response_universal import (
    LLMContextAggregatorPair,
    LLMUserAggregatorParams,
)
from pipecat.processors.audio.audio_buffer_processor import AudioBufferProcessor
from pipecat.processors.frame_processor import FrameDirection
from pipecat.runner.utils import parse_telephony_websocket
from pipecat.serializers.twilio import TwilioFrameSerializer
from pipecat.services.llm_service import LLMService
from pipecat.services.settings import LLMSettings, STTSettings, TTSSettings
from pipecat.services.stt_service import STTService
from pipecat.services.tts_service import TTSService
from pipecat.transports.websocket.fastapi import (
    FastAPIWebsocketParams,
    FastAPIWebsocketTransport,
)
from pipecat.turns.user_start import TranscriptionUserTurnStartStrategy
from pipecat.turns.user_stop import SpeechTimeoutUserTurnStopStrategy
from pipecat.turns.user_turn_strategies import UserTurnStrategies
from pipecat.utils.time import time_now_iso8601
from pipecat.workers.runner import WorkerRunner

from guardrail.config import Config
from guardrail.pipecat_guard import GuardConfigError
from guardrail.pipecat_twilio import TwilioCalls

__all__ = [
    "ANSWERS",
    "CALLER_LINES",
    "DEMO_CONFIG",
    "DemoCall",
    "Records",
    "ScriptedLLM",
    "ScriptedSTT",
    "ScriptedTTS",
    "make_app",
    "self_test",
]

CALLER_LINES: tuple[str, ...] = (
    "Hi, I'd like to pay my bill please.",
    "What are your opening hours?",
    "Thanks, that's all for today.",
)
"""What the caller says, one line per speech segment, in order (the STT stand-in)."""

ANSWERS: tuple[tuple[str, str], ...] = (
    ("introduce yourself", "Hello, thanks for calling Acme Energy. How can I help you today?"),
    ("pay my bill", "Sure. What's the card number?"),
    ("accepted", "Thank you, your payment went through. Is there anything else I can help with?"),
    ("opening hours", "We're open from nine to five, Monday to Friday."),
    ("that's all", "Thanks for calling Acme Energy. Goodbye!"),
)
"""The LLM stand-in: the first keyword found in the latest message picks the answer."""

FALLBACK_ANSWER = "Sorry, I didn't catch that. Could you say it again?"

SYSTEM_PROMPT = (
    "You are the phone assistant of Acme Energy. Keep answers to one short sentence; "
    "your words are spoken on a phone call."
)

DEMO_CONFIG = """\
# The built-in guardrail config (see examples/guardrail.toml for every key).
[twilio]
account_sid = "env:{account_var}"
auth_token = "env:{auth_var}"
scopes = ["recording:pause", "recording:resume", "call:redirect"]
{api_base_url}
[routes.secure_card]
kind = "keypad"
sink = "demo"

[routes.pay]
kind = "pay"

[routes.human]
kind = "human"
targets = ["+1 415 555 0100"]

[policy.payment_card]
on_request = "secure_path"
on_disclosure = "secure_path"
route = "secure_card"
"""
"""The built-in guardrail config: cards go to the keypad route. ``{account_var}``
and ``{auth_var}`` name the environment variables holding the Twilio account SID
and auth token; ``{api_base_url}`` is an ``api_base_url = "..."`` line pointing
the Twilio control at a stand-in (the self-test's), or empty."""

SPEECH_RMS = 500.0
"""The STT stand-in's energy gate (about -36 dBFS): louder 20 ms frames are speech."""
MIN_SPEECH_MS = 120.0
END_SILENCE_MS = 300.0
WORD_MS = 45.0
"""How long the TTS stand-in takes per word."""


# -- evidence: what each party saw ---------------------------------------------


@dataclass
class DemoCall:
    """One call as the bot saw it: the script's position and the evidence.

    A real bot keeps none of this; the demo keeps it to show (and its tests to
    check) what each party saw. ``stt_audio`` is the caller audio the
    speech-to-text received (8 kHz int16 bytes); ``llm_contexts`` the
    messages of every context the LLM was run on; ``llm_frames`` and
    ``tts_frames`` every other frame (but audio) that reached the LLM and the
    text-to-speech, as Pipecat prints them; ``recorded_caller`` the caller
    track the ``AudioBufferProcessor`` handed to ``on_track_audio_data``.
    """

    call_sid: str
    next_line: int = 0
    streams: int = 0
    stt_audio: bytearray = field(default_factory=bytearray)
    transcripts: list[str] = field(default_factory=list)
    llm_contexts: list[list[dict[str, str]]] = field(default_factory=list)
    llm_frames: list[str] = field(default_factory=list)
    tts_said: list[str] = field(default_factory=list)
    tts_frames: list[str] = field(default_factory=list)
    recorded_caller: bytearray = field(default_factory=bytearray)
    recorded_rate: int = 0
    audits: list[Any] = field(default_factory=list)
    streams_done: int = 0
    ended: bool = False


class Records:
    """Every call's :class:`DemoCall`, safe to read from another thread.

    The server changes them under the lock and calls :meth:`changed`;
    :meth:`wait_for` waits (off the event loop) until a predicate holds.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self.calls: dict[str, DemoCall] = {}

    def call(self, call_sid: str) -> DemoCall:
        with self._cond:
            rec = self.calls.get(call_sid)
            if rec is None:
                rec = self.calls[call_sid] = DemoCall(call_sid)
            return rec

    def update(self, fn: Callable[[], object]) -> None:
        """Run ``fn`` (a change to a record) under the lock and wake the waiters."""
        with self._cond:
            fn()
            self._cond.notify_all()

    async def wait_for(
        self, predicate: Callable[[], bool], timeout: float = 10.0, what: str = "condition"
    ) -> None:
        """Wait until ``predicate()`` holds (checked under the lock at every change).

        Raises :class:`TimeoutError` naming ``what`` after ``timeout`` seconds.
        """

        def wait() -> bool:
            with self._cond:
                return self._cond.wait_for(predicate, timeout)

        if not await asyncio.to_thread(wait):
            raise TimeoutError(f"timed out waiting for {what}")


def _to_8k(pcm: np.ndarray, rate: int) -> np.ndarray:
    if rate == 8000:
        return pcm
    if rate == 16000:
        return ((pcm[0::2].astype(np.int32) + pcm[1::2]) >> 1).astype(np.int16)
    raise ValueError("the demo runs at 8000 or 16000 Hz")


def _text_of(content: object) -> str:
    """A context message's content as text (a string, or a list of parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(p.get("text", "")) if isinstance(p, dict) else str(p) for p in content)
    return str(content)


# -- the stand-ins ---------------------------------------------------------------


class ScriptedSTT(STTService):
    """Speech-to-text stand-in: each caller speech segment is the next scripted line.

    A 20 ms frame louder than :data:`SPEECH_RMS` is speech; after at least
    :data:`MIN_SPEECH_MS` of speech and :data:`END_SILENCE_MS` of quiet, the
    next line of ``lines`` goes downstream as a final ``TranscriptionFrame``.
    Muted (``STTMuteFrame``), it hears nothing, like a real service.
    """

    def __init__(self, call: DemoCall, records: Records, lines: Sequence[str]) -> None:
        super().__init__(
            audio_passthrough=True,
            ttfs_p99_latency=0.1,  # it answers at once
            settings=STTSettings(model=None, language=None),
        )
        self._call = call
        self._records = records
        self._lines = tuple(lines)
        self._speech_ms = 0.0
        self._quiet_ms = 0.0

    async def run_stt(self, audio: bytes) -> AsyncGenerator[Frame | None, None]:
        rate = self.sample_rate
        pcm = np.frombuffer(audio, np.int16)
        heard = _to_8k(pcm, rate).tobytes()
        self._records.update(lambda: self._call.stt_audio.extend(heard))
        ms = len(pcm) * 1000.0 / rate
        rms = float(np.sqrt(np.mean(pcm.astype(np.float64) ** 2))) if len(pcm) else 0.0
        if rms >= SPEECH_RMS:
            self._speech_ms += ms
            self._quiet_ms = 0.0
            return
        if not self._speech_ms:
            return
        self._quiet_ms += ms
        if self._quiet_ms < END_SILENCE_MS:
            return
        long_enough = self._speech_ms >= MIN_SPEECH_MS
        self._speech_ms = self._quiet_ms = 0.0
        call = self._call
        if not long_enough or call.next_line >= len(self._lines):
            return
        text = self._lines[call.next_line]

        def heard_line() -> None:
            call.next_line += 1
            call.transcripts.append(text)

        self._records.update(heard_line)
        yield TranscriptionFrame(
            text=text, user_id="caller", timestamp=time_now_iso8601(), finalized=True
        )


class ScriptedLLM(LLMService):
    """LLM stand-in: answers the latest message from the keyword table, streamed by word.

    Like Pipecat's own LLM services it runs on each ``LLMContextFrame``,
    bracketing its text with ``LLMFullResponseStartFrame``/``EndFrame``, and
    passes every other frame on.
    """

    def __init__(
        self, call: DemoCall, records: Records, answers: Sequence[tuple[str, str]]
    ) -> None:
        super().__init__(
            settings=LLMSettings(
                model=None,
                system_instruction=None,
                temperature=None,
                max_tokens=None,
                top_p=None,
                top_k=None,
                frequency_penalty=None,
                presence_penalty=None,
                seed=None,
                filter_incomplete_user_turns=False,
                user_turn_completion_config=None,
            )
        )
        self._call = call
        self._records = records
        self._answers = tuple(answers)

    def answer(self, messages: list[dict[str, str]]) -> str:
        for m in reversed(messages):
            if m["role"] == "assistant":
                break
            text = m["content"].lower()
            for key, answer in self._answers:
                if key in text:
                    return answer
        return FALLBACK_ANSWER

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if not isinstance(frame, LLMContextFrame):
            if not isinstance(frame, AudioRawFrame):
                seen = str(frame)
                self._records.update(lambda: self._call.llm_frames.append(seen))
            await self.push_frame(frame, direction)
            return
        messages = [
            {"role": str(m.get("role", "")), "content": _text_of(m.get("content", ""))}
            for m in frame.context.get_messages()
            if isinstance(m, dict)
        ]
        self._records.update(lambda: self._call.llm_contexts.append(messages))
        await self.push_frame(LLMFullResponseStartFrame())
        for word in self.answer(messages).split(" "):
            await self._push_llm_text(word + " ")
        await self.push_frame(LLMFullResponseEndFrame())


class ScriptedTTS(TTSService):
    """Text-to-speech stand-in: a speech-like harmonic signal, :data:`WORD_MS` per word."""

    def __init__(self, call: DemoCall, records: Records, *, sample_rate: int) -> None:
        super().__init__(
            sample_rate=sample_rate,
            push_start_frame=True,
            push_stop_frames=True,
            settings=TTSSettings(model=None, voice=None, language=None),
        )
        self._call = call
        self._records = records

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        if not isinstance(frame, AudioRawFrame):
            seen = str(frame)
            self._records.update(lambda: self._call.tts_frames.append(seen))
        await super().process_frame(frame, direction)

    async def run_tts(self, text: str, context_id: str) -> AsyncGenerator[Frame | None, None]:
        self._records.update(lambda: self._call.tts_said.append(text))
        rate = self.sample_rate
        n = int(max(200.0, WORD_MS * len(text.split())) * rate / 1000)
        t = np.arange(n) / rate
        f0 = 110.0 + (sum(text.encode()) % 60)
        sig = sum(np.sin(2 * np.pi * k * f0 * t) / k for k in range(1, 12))
        env = 0.55 - 0.45 * np.cos(2 * np.pi * 4.0 * t)
        pcm = (sig * env * 2500.0).astype(np.int16).tobytes()
        step = rate // 50 * 2  # 20 ms
        for i in range(0, len(pcm), step):
            yield TTSAudioRawFrame(pcm[i : i + step], rate, 1, context_id=context_id)


# -- the bot ---------------------------------------------------------------------


def _ws_url(public_url: str, path: str) -> str:
    scheme, rest = public_url.rstrip("/").split("://", 1)
    return ("wss" if scheme == "https" else "ws") + "://" + rest + path


def _signed_url(base: str, request: Request) -> str:
    """The URL Twilio called and signed: the public origin, our path, its query."""
    query = request.url.query
    return base + request.url.path + ("?" + query if query else "")


async def _form(request: Request) -> dict[str, str]:
    """Twilio's webhook form (``application/x-www-form-urlencoded``), at most 64 KB."""
    body = await request.body()
    if len(body) > 64 * 1024:
        return {}
    return dict(urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))


def make_app(
    config: Config,
    *,
    public_url: str,
    input_rate: int = 8000,
    records: Records | None = None,
    caller_lines: Sequence[str] = CALLER_LINES,
    answers: Sequence[tuple[str, str]] = ANSWERS,
    enable_rtvi: bool | None = None,
) -> FastAPI:
    """The bot's FastAPI app for ``config``.

    ``public_url`` is what Twilio calls (and signs): webhooks at
    ``{public_url}/twilio/*``, the stream at its ``ws(s)://`` form plus ``/ws``.
    ``input_rate`` is the pipeline's input rate (8000 or 16000). ``records``
    collects what each party saw (a new :class:`Records` if not given; the
    app keeps it as ``app.state.records``). ``caller_lines`` and ``answers``
    are the stand-ins' script; ``enable_rtvi`` goes to ``PipelineWorker``
    (``None``: Pipecat's default, on).
    """
    calls = TwilioCalls.from_config(config, public_url=public_url)
    records = records if records is not None else Records()
    base = public_url.rstrip("/")
    app = FastAPI()
    app.state.records = records
    app.state.calls = calls

    @app.post("/twilio/voice")
    async def voice(request: Request) -> Response:
        url, sig = _signed_url(base, request), request.headers.get("X-Twilio-Signature", "")
        status, twiml = await calls.voice(url, await _form(request), sig)
        return Response(content=twiml, status_code=status, media_type="text/xml")

    @app.post("/twilio/return")
    async def returned(request: Request) -> Response:
        url, sig = _signed_url(base, request), request.headers.get("X-Twilio-Signature", "")
        status, twiml = await calls.returned(url, await _form(request), sig)
        return Response(content=twiml, status_code=status, media_type="text/xml")

    @app.post("/twilio/status")
    async def status(request: Request) -> Response:
        url, sig = _signed_url(base, request), request.headers.get("X-Twilio-Signature", "")
        return Response(status_code=await calls.status(url, await _form(request), sig))

    @app.websocket("/ws")
    async def media(websocket: WebSocket) -> None:
        if not calls.stream_signed(websocket.headers.get("X-Twilio-Signature")):
            await websocket.close(code=1008)  # before accept: the upgrade gets HTTP 403
            return
        await websocket.accept()
        transport_type, call_data = await parse_telephony_websocket(websocket)
        if transport_type != "twilio":
            await websocket.close(code=1008)
            return
        await run_bot(
            websocket,
            call_data,
            calls,
            records,
            input_rate=input_rate,
            caller_lines=caller_lines,
            answers=answers,
            enable_rtvi=enable_rtvi,
        )

    return app


async def run_bot(
    websocket: WebSocket,
    call_data: Any,
    calls: TwilioCalls,
    records: Records,
    *,
    input_rate: int,
    caller_lines: Sequence[str],
    answers: Sequence[tuple[str, str]],
    enable_rtvi: bool | None = None,
) -> None:
    """One Media Stream of a call: the bot's pipeline, guarded, until the stream ends."""
    try:
        guard = calls.guard(call_data)
    except GuardConfigError:  # a second stream for a live call, without its resume token
        await websocket.close(code=1008)
        return
    call = records.call(str(call_data["call_id"]))
    records.update(lambda: setattr(call, "streams", call.streams + 1))
    # A returning caller (back from <Pay> or a colleague) gets the same guard,
    # and with it the conversation so far.
    first_stream = guard.context is None
    if first_stream:
        guard.context = LLMContext(messages=[{"role": "system", "content": SYSTEM_PROMPT}])
        previous_audit = guard.on_audit

        def audit(entry: object) -> None:  # the demo's evidence (entries never hold a value)
            records.update(lambda: call.audits.append(entry))
            if previous_audit is not None:
                previous_audit(entry)

        guard.on_audit = audit
    context = guard.context

    serializer = TwilioFrameSerializer(
        stream_sid=call_data["stream_id"],
        call_sid=call_data["call_id"],
        params=TwilioFrameSerializer.InputParams(auto_hang_up=False),
    )
    transport = FastAPIWebsocketTransport(
        websocket=websocket,
        params=FastAPIWebsocketParams(
            audio_in_enabled=True,
            audio_out_enabled=True,
            add_wav_header=False,
            serializer=serializer,
        ),
    )
    stt = ScriptedSTT(call, records, caller_lines)
    llm = ScriptedLLM(call, records, answers)
    tts = ScriptedTTS(call, records, sample_rate=8000)

    user_aggregator, assistant_aggregator = LLMContextAggregatorPair(
        context,
        user_params=LLMUserAggregatorParams(
            # A real bot passes vad_analyzer=SileroVADAnalyzer() here; the
            # scripted STT marks the end of speech itself, so the turn ends a
            # moment after its transcript.
            user_turn_strategies=UserTurnStrategies(
                start=[TranscriptionUserTurnStartStrategy()],
                stop=[SpeechTimeoutUserTurnStopStrategy(user_speech_timeout=0.2)],
            ),
        ),
    )
    audiobuffer = AudioBufferProcessor()

    pipeline = Pipeline(
        guard.wrap(
            [
                transport.input(),
                stt,
                user_aggregator,
                llm,
                tts,
                transport.output(),
                audiobuffer,
                assistant_aggregator,
            ]
        )
    )
    worker = PipelineWorker(
        pipeline,
        params=PipelineParams(audio_in_sample_rate=input_rate, audio_out_sample_rate=8000),
        enable_rtvi=enable_rtvi,
    )

    @transport.event_handler("on_client_connected")
    async def on_client_connected(transport, client) -> None:
        await audiobuffer.start_recording()
        if first_stream:
            context.add_message({"role": "developer", "content": "Please introduce yourself."})
            await worker.queue_frames([LLMRunFrame()])

    @transport.event_handler("on_client_disconnected")
    async def on_client_disconnected(transport, client) -> None:
        await worker.cancel()

    @audiobuffer.event_handler("on_track_audio_data")
    async def on_track_audio_data(buffer, user_audio, bot_audio, sample_rate, num_channels):
        def keep() -> None:
            call.recorded_caller.extend(user_audio)
            call.recorded_rate = sample_rate

        records.update(keep)

    runner = WorkerRunner(handle_sigint=False)
    await runner.add_workers(worker)
    try:
        await runner.run()
    finally:
        await calls.stream_done(guard)

        def done() -> None:
            call.streams_done += 1
            call.ended = guard.session.state == "ended"

        records.update(done)


# -- the self-test: a REST stand-in and a signed Twilio caller -------------------

CARD = "4111111111111111"
"""The public test card the self-test keys (never printed)."""
_CARD_RE = re.compile(r"4[\s.,\-]*" + r"[\s.,\-]*".join("1" * 15))


def card_in(text: str) -> bool:
    """Whether ``text`` holds the test card in any grouping ("4111 1111-1111 1111")."""
    return bool(_CARD_RE.search(text))


class RestStandIn:
    """A loopback stand-in for Twilio's REST API: answers 200 and records requests."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.url = ""
        self._runner: Any = None

    async def start(self) -> None:
        from aiohttp import web

        async def answer(request: web.Request) -> web.StreamResponse:
            form = dict(urllib.parse.parse_qsl(await request.text()))
            self.requests.append((request.method, request.path, form))
            if request.method == "DELETE":
                return web.Response(status=204)
            return web.json_response({"sid": "RE" + "0" * 32, "status": "paused"})

        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", answer)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


def _sign(auth_token: str, url: str, form: dict[str, str] | None = None) -> str:
    from twilio.request_validator import RequestValidator

    return RequestValidator(auth_token).compute_signature(url, form or {})


def speech(ms: float, seed: int = 1) -> np.ndarray:
    """A voiced, speech-like 8 kHz signal (harmonics on a wandering pitch, syllables)."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(ms * 8)) / 8000.0
    f0 = 140.0 + 30.0 * np.sin(2 * np.pi * 0.9 * t + rng.random() * 6.28)
    phase = 2 * np.pi * np.cumsum(f0) / 8000.0
    sig = sum(np.sin(k * phase + rng.random() * 6.28) / k for k in range(1, 20))
    env = np.clip(1.4 * (0.5 - 0.5 * np.cos(2 * np.pi * 4.0 * t)) - 0.2, 0.0, 1.0)
    return (sig * env * 3000.0).astype(np.int16)


class TwilioCaller:
    """A minimal signed Twilio Media Streams client (the ``websockets`` library).

    Sends ``connected``, ``start``, 20 ms mu-law ``media``, ``dtmf`` and
    ``stop`` as Twilio does; collects the bot's ``media`` payloads.
    """

    def __init__(self, ws: Any, call_sid: str, stream_sid: str) -> None:
        self.ws = ws
        self.call_sid = call_sid
        self.stream_sid = stream_sid
        self.seq = 0
        self.chunk = 0
        self.received = bytearray()
        self.received_at: list[float] = []
        self.dtmf_sent_at: dict[str, float] = {}
        self._rx = asyncio.create_task(self._receive())

    @classmethod
    async def connect(
        cls, url: str, auth_token: str, call_sid: str, params: dict[str, str]
    ) -> TwilioCaller:
        from websockets.asyncio.client import connect

        ws = await connect(
            url,
            additional_headers={"X-Twilio-Signature": _sign(auth_token, url)},
            proxy=None,
            compression=None,
        )
        caller = cls(ws, call_sid, "MZ" + uuid.uuid4().hex)
        await caller.send({"event": "connected", "protocol": "Call", "version": "1.0.0"})
        await caller.send(
            {
                "event": "start",
                "sequenceNumber": caller._next(),
                "start": {
                    "accountSid": "AC" + "0" * 32,
                    "streamSid": caller.stream_sid,
                    "callSid": call_sid,
                    "tracks": ["inbound"],
                    "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
                    "customParameters": params,
                },
                "streamSid": caller.stream_sid,
            }
        )
        return caller

    def _next(self) -> str:
        self.seq += 1
        return str(self.seq)

    async def send(self, message: dict) -> None:
        await self.ws.send(json.dumps(message))

    async def _receive(self) -> None:
        with contextlib.suppress(Exception):
            async for message in self.ws:
                obj = json.loads(message)
                if obj.get("event") == "media":
                    self.received += base64.b64decode(obj["media"]["payload"])
                    self.received_at.append(time.monotonic())

    async def audio(self, pcm: np.ndarray, *, dtmf_after: dict[int, str] | None = None) -> None:
        """Send 8 kHz int16 audio as 20 ms media messages; ``dtmf`` after chosen frames."""
        from audio import mulaw

        data = mulaw.encode_bytes(pcm)
        data += bytes([0xFF]) * (-len(data) % 160)
        for n, i in enumerate(range(0, len(data), 160), start=1):
            self.chunk += 1
            await self.send(
                {
                    "event": "media",
                    "sequenceNumber": self._next(),
                    "media": {
                        "track": "inbound",
                        "chunk": str(self.chunk),
                        "timestamp": str((self.chunk - 1) * 20),
                        "payload": base64.b64encode(data[i : i + 160]).decode("ascii"),
                    },
                    "streamSid": self.stream_sid,
                }
            )
            if dtmf_after and n in dtmf_after:
                await self.send(
                    {
                        "event": "dtmf",
                        "streamSid": self.stream_sid,
                        "sequenceNumber": self._next(),
                        "dtmf": {"track": "inbound_track", "digit": dtmf_after[n]},
                    }
                )
                self.dtmf_sent_at[dtmf_after[n]] = time.monotonic()
            await asyncio.sleep(0.02)  # Twilio streams in real time

    async def hang_up(self) -> None:
        await self.send(
            {
                "event": "stop",
                "sequenceNumber": self._next(),
                "streamSid": self.stream_sid,
                "stop": {"accountSid": "AC" + "0" * 32, "callSid": self.call_sid},
            }
        )
        await self.ws.close()
        await self._rx


def _connect_stream(twiml: str) -> tuple[str, dict[str, str]]:
    # TwiML from this process's own server, parsed by the self-test's caller
    stream = ET.fromstring(twiml).find("Connect/Stream")  # noqa: S314
    if stream is None:
        raise RuntimeError("the voice webhook did not connect a stream")
    params = {p.get("name", ""): p.get("value", "") for p in stream.findall("Parameter")}
    return stream.get("url", ""), params


class _Captured:
    """Every log line of the run at DEBUG, Pipecat's default level (loguru and the
    ``logging`` module), to search for the card."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._handler = _ListHandler(self.lines)
        self._sink_id: int | None = None
        self._level = logging.WARNING

    def __enter__(self) -> _Captured:
        self._sink_id = logger.add(lambda m: self.lines.append(str(m)), level="DEBUG")
        root = logging.getLogger()
        self._level = root.level
        root.addHandler(self._handler)
        root.setLevel(logging.DEBUG)
        return self

    def __exit__(self, *exc: object) -> None:
        root = logging.getLogger()
        root.removeHandler(self._handler)
        root.setLevel(self._level)
        if self._sink_id is not None:
            logger.remove(self._sink_id)


class _ListHandler(logging.Handler):
    def __init__(self, lines: list[str]) -> None:
        super().__init__(logging.DEBUG)
        self._lines = lines

    def emit(self, record: logging.LogRecord) -> None:
        self._lines.append(self.format(record))


async def self_test(rate: int = 8000, *, verbose: bool = True) -> bool:
    """Play one call against this bot on loopback; ``True`` only if every protection happened."""
    import uvicorn

    from audio import synth
    from audio.dtmf import DtmfDetector, KeyUp

    token, sid = "selftest-" + uuid.uuid4().hex, "AC" + uuid.uuid4().hex
    os.environ["GUARDRAIL_SELFTEST_ACCOUNT_SID"] = sid
    os.environ["GUARDRAIL_SELFTEST_AUTH_TOKEN"] = token
    rest = RestStandIn()
    await rest.start()
    config = Config.from_toml(
        DEMO_CONFIG.format(
            account_var="GUARDRAIL_SELFTEST_ACCOUNT_SID",
            auth_var="GUARDRAIL_SELFTEST_AUTH_TOKEN",
            api_base_url=f'api_base_url = "{rest.url}"\n',
        )
    )
    # bound and listening before the server runs: the caller's connection waits
    # in the backlog, nothing polls for the server to come up
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    public = f"http://127.0.0.1:{sock.getsockname()[1]}"
    records = Records()
    app = make_app(config, public_url=public, input_rate=rate, records=records)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    call_sid = "CA" + uuid.uuid4().hex
    ok = False
    with _Captured() as logs:
        try:
            import aiohttp

            form = {"CallSid": call_sid, "AccountSid": sid, "From": "+14155550100"}
            async with aiohttp.ClientSession() as http:
                url = public + "/twilio/voice"
                headers = {"X-Twilio-Signature": _sign(token, url, form)}
                async with http.post(url, data=form, headers=headers) as r:
                    twiml = await r.text()
            stream_url, params = _connect_stream(twiml)
            caller = await TwilioCaller.connect(stream_url, token, call_sid, params)
            call = records.call(call_sid)
            await records.wait_for(lambda: bool(call.tts_said), what="the greeting")
            await caller.audio(np.concatenate([speech(1200), synth.silence(600)]))
            prompt = "keypad"
            await records.wait_for(
                lambda: any(prompt in s for s in call.tts_said), what="the keypad prompt"
            )
            keys, spans = synth.keyed_sequence(CARD + "#", tone_ms=70, gap_ms=70)
            after = {int(np.ceil(end / 20)): d for d, _, end in spans}
            await caller.audio(keys, dtmf_after=after)
            await records.wait_for(
                lambda: any("went through" in s for s in call.tts_said),
                what="the bot going on after the card",
            )
            await caller.audio(synth.silence(600))
            await caller.hang_up()
            await records.wait_for(lambda: call.streams_done >= 1, what="the end of the stream")
        finally:
            server.should_exit = True
            await serving
            sock.close()
            await rest.stop()
            for name in ("GUARDRAIL_SELFTEST_ACCOUNT_SID", "GUARDRAIL_SELFTEST_AUTH_TOKEN"):
                os.environ.pop(name, None)

        det = DtmfDetector()
        stt_pcm = np.frombuffer(bytes(call.stt_audio), np.int16)
        stt_keys = [
            e
            for i in range(0, len(stt_pcm) - 159, 160)
            for e in det.process(stt_pcm[i : i + 160], i / 8)
            if isinstance(e, KeyUp)
        ]
        rec = np.frombuffer(bytes(call.recorded_caller), np.int16)
        rec = _to_8k(rec, call.recorded_rate) if call.recorded_rate else rec
        det = DtmfDetector()
        rec_keys = [
            e
            for i in range(0, len(rec) - 159, 160)
            for e in det.process(rec[i : i + 160], i / 8)
            if isinstance(e, KeyUp)
        ]
        llm_text = json.dumps([call.llm_contexts, call.llm_frames, call.tts_frames])
        paused = [f for m, p, f in rest.requests if p.endswith(".json") and "Recordings" in p]
        checks = {
            "text-to-speech never asked for the card": not any(
                "card number" in s.lower() for s in call.tts_said
            ),
            "the recording was paused and resumed through Twilio": [
                f.get("Status") for f in paused
            ][:2]
            == ["paused", "in-progress"],
            "speech-to-text heard no keypad tone": not stt_keys,
            "the recording holds no keypad tone": len(rec) > 0 and not rec_keys,
            "the LLM and text-to-speech never saw the card": not card_in(llm_text),
            "the LLM was told the card was accepted": any(
                "accepted" in m["content"] for ctx in call.llm_contexts for m in ctx
            ),
            # nobody spoke after the '#': audio after it is the bot going on by itself
            "the bot went on by itself (its answer reached the caller)": any(
                t > caller.dtmf_sent_at.get("#", float("inf")) for t in caller.received_at
            ),
            "no log line holds the card": not any(card_in(line) for line in logs.lines),
            "the session ended with the call": call.ended,
        }
        ok = all(checks.values())
    if verbose:
        print(f"speech-to-text heard:  {call.transcripts}")
        print(f"the LLM was run on:    {len(call.llm_contexts)} contexts; the last ends with")
        if call.llm_contexts:
            print(f"                       {call.llm_contexts[-1][-1]}")
        print(f"text-to-speech said:   {call.tts_said}")
        print(f"keypad tones the STT heard: {[e.digit for e in stt_keys]}")
        print(f"Twilio REST requests:  {[(m, p.rsplit('/', 2)[-2:]) for m, p, _ in rest.requests]}")
        for what, good in checks.items():
            print(f"  [{'ok' if good else 'FAILED'}] {what}")
        print("protected:", ok)
    return ok


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--self-test", action="store_true", help="play one call offline and check it")
    p.add_argument("--config", help="guardrail TOML config (default: the built-in demo config)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--public-url", help="the URL Twilio calls (default http://HOST:PORT)")
    p.add_argument("--rate", type=int, choices=(8000, 16000), default=8000,
                   help="the pipeline's input sample rate")  # fmt: skip
    args = p.parse_args(argv)
    logger.remove()
    logger.add(sys.stderr, level="WARNING")
    if args.self_test:
        return 0 if asyncio.run(self_test(args.rate)) else 1
    import uvicorn

    if args.config:
        config = Config.load(args.config)
    else:
        config = Config.from_toml(
            DEMO_CONFIG.format(
                account_var="TWILIO_ACCOUNT_SID", auth_var="TWILIO_AUTH_TOKEN", api_base_url=""
            )
        )
    public = args.public_url or f"http://{args.host}:{args.port}"
    app = make_app(config, public_url=public, input_rate=args.rate)
    print(json.dumps({"listening": f"http://{args.host}:{args.port}", "public_url": public,
                      "stream": _ws_url(public, "/ws")}), flush=True)  # fmt: skip
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
