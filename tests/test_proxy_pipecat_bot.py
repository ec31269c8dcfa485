"""A plain Pipecat 1.14 Twilio bot, unchanged, behind ``guardrail serve``.

The bot is what a Pipecat user already runs: FastAPI's websocket endpoint,
``parse_telephony_websocket``, ``TwilioFrameSerializer(auto_hang_up=False)``
and ``FastAPIWebsocketTransport``, under uvicorn on loopback; it knows nothing
of the guardrail and sends no side channel. Between it and the simulated
Twilio stands the real proxy. What must hold: the bot parses the relayed
``start`` as Twilio's (call and stream ids), hears the
caller byte for byte, its own audio reaches the caller on the right stream,
and a card keyed on the keypad never reaches it as digits.
"""

from __future__ import annotations

import socket
import threading

import uvicorn
from fastapi import FastAPI, WebSocket
from pipecat.frames.frames import (
    Frame,
    InputAudioRawFrame,
    InputDTMFFrame,
    OutputAudioRawFrame,
    StartFrame,
)
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.worker import PipelineParams, PipelineWorker
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipecat.runner.utils import parse_telephony_websocket
from pipecat.serializers.twilio import TwilioFrameSerializer
from pipecat.transports.websocket.fastapi import (
    FastAPIWebsocketParams,
    FastAPIWebsocketTransport,
)
from pipecat.workers.runner import WorkerRunner
from proxy_rig import AC, AUTH, CARD, assert_clean, record_texts, rig, run, wait_until

from audio import mulaw
from guardrail.sim.bot import ScriptedBot
from guardrail.sim.rest import FakeTwilio
from guardrail.sim.twilio import speech_like

CA = "CA" + "5" * 32
GREETING = speech_like(400, seed=7)


class Seen(FrameProcessor):
    """What the bot's pipeline received, and its greeting on start."""

    def __init__(self, seen: dict) -> None:
        super().__init__()
        self.seen = seen

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if isinstance(frame, InputAudioRawFrame):
            self.seen["audio"] += frame.audio
        elif isinstance(frame, InputDTMFFrame):
            self.seen["dtmf"].append(str(frame.button.value))
        await self.push_frame(frame, direction)
        if isinstance(frame, StartFrame):
            await self.push_frame(
                OutputAudioRawFrame(audio=GREETING.tobytes(), sample_rate=8000, num_channels=1)
            )


def pipecat_app(seen: dict) -> FastAPI:
    app = FastAPI()

    @app.websocket("/ws")
    async def ws(websocket: WebSocket) -> None:
        await websocket.accept()
        _, call_data = await parse_telephony_websocket(websocket)
        seen["call_data"] = call_data
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
        worker = PipelineWorker(
            Pipeline([transport.input(), Seen(seen), transport.output()]),
            params=PipelineParams(audio_in_sample_rate=8000, audio_out_sample_rate=8000),
        )

        @transport.event_handler("on_client_disconnected")
        async def _gone(transport, client):
            await worker.cancel()

        runner = WorkerRunner(handle_sigint=False)
        await runner.add_workers(worker)
        await runner.run()
        seen["done"] = True

    return app


class PipecatBot:
    """The Pipecat bot under uvicorn in its own thread, on a socket bound first."""

    def __init__(self) -> None:
        self.seen: dict = {"audio": b"", "dtmf": [], "done": False}
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"ws://127.0.0.1:{self.sock.getsockname()[1]}/ws"
        self.server = uvicorn.Server(
            uvicorn.Config(pipecat_app(self.seen), log_level="warning", lifespan="off")
        )
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def __enter__(self) -> PipecatBot:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()


def test_an_unchanged_pipecat_bot_works_behind_the_proxy(caplog, monkeypatch):
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", AC)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", AUTH)
    with PipecatBot() as pipecat, FakeTwilio() as fake:
        seen = pipecat.seen

        async def go():
            async with rig(ScriptedBot(), fake, bot_url=pipecat.url) as r:
                twilio = await r.call(CA)
                await wait_until(lambda: "call_data" in seen, 10, "the bot's start")
                speech = await twilio.send_audio(speech_like(600, seed=3))
                await wait_until(lambda: len(seen["audio"]) >= 2 * len(speech), 10, "audio")
                await twilio.wait_for(lambda: len(twilio.received_audio) >= 3000, 10, "greeting")
                await twilio.send_keyed(CARD, dtmf_messages=True)
                await twilio.send_audio(speech_like(2000, seed=4))  # the run ends; time passes
                await wait_until(lambda: r.session(CA).next_deadline() is None, 10, "keyed run")
                await twilio.hangup()
                await wait_until(lambda: seen["done"], 15, "the bot's pipeline to end")
                return twilio, speech, await r.metrics_text()

        twilio, speech, metrics = run(go)
    data = seen["call_data"]
    assert data["call_id"] == CA
    assert data["stream_id"] == twilio.stream_sid
    # the bot heard the caller byte for byte (as the serializer decodes it)
    decoded = mulaw.decode(speech).tobytes()
    assert seen["audio"][: len(decoded)] == decoded
    # its audio reached the caller, on the caller's stream
    assert twilio.misaddressed == []
    assert len(twilio.received_audio) >= 3000
    # the keyed card never reached it as digits
    assert seen["dtmf"] == []
    assert_clean(record_texts(caplog.records), metrics, repr(seen["dtmf"]))
