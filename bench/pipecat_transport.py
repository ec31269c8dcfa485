"""The Pipecat input path per caller audio frame, through the real transport and serializer.

``python -m bench.pipecat_transport [--quick] [--json PATH] [--breakdown] [--profile]``
(``python -m bench`` includes its two rows, ``pipecat_transport_input_8k`` and
``_16k``).

What is measured: one Twilio ``media`` message (20 ms of mu-law, JSON text, as
Twilio sends it) from the moment the websocket hands it to Pipecat until the
caller audio frame it became has gone through the whole bot pipeline. The bot
is Pipecat 1.14's own Twilio set-up (as ``examples/pipecat_twilio_bot.py``
builds it): ``FastAPIWebsocketTransport`` with ``TwilioFrameSerializer``
(``auto_hang_up=False``), speech-to-text, the ``LLMContextAggregatorPair``
user aggregator, LLM, text-to-speech, the transport output, a recording
``AudioBufferProcessor`` and the assistant aggregator, run by a
``PipelineWorker`` (its defaults: RTVI and turn tracking on) under a
``WorkerRunner``. The services are no-op subclasses of Pipecat's own
``STTService``/``LLMService``/``TTSService`` (a provider's network I/O is not
the guard's cost). Guarded is ``Pipeline(guard.wrap([...]))``; the baseline is
the same pipeline unguarded. Both run in the same event loop and are fed
alternately, frame by frame, so a burst of load hits both; a frame is fed
only when the one before it has come out (per-frame cost, no queueing).

The websocket: a stand-in for Starlette's ``WebSocket`` whose ``receive()``
hands out the next message, driving the transport's own receive path
(``FastAPIWebsocketClient.receive``, ``TwilioFrameSerializer.deserialize``,
``push_audio_frame``, the input transport's audio task). A real loopback
socket was not chosen: it adds the same uvicorn and socket work to both
sides, which only dilutes the ratio, and its scheduling jitter swamps a
per-frame p99 of a few hundred microseconds; nothing the guard does touches
the socket.

The recorder gate holds caller audio for its 60 ms delay line, so on the
guarded side the frame that comes out is an earlier one; the lag (in frames)
is found during the warm-up and from then on each frame fed brings one out.

``--breakdown`` adds variants in the same interleaved run: the guard's four
processors replaced by no-op ``FrameProcessor`` s (Pipecat's cost of four
more hops: queues, tasks, observers), the same in Pipecat's direct mode
(``enable_direct_mode=True``: no queue or task of their own), then with only
the input guard real, then with only the recorder gate real, so the guard's
input-path cost splits into hops, input guard and recorder gate. ``--profile`` runs the
guarded pipeline alone under cProfile and prints where its time goes.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import io
import json
import pstats
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import ClassVar

import numpy as np

from .harness import Row

__all__ = ["BUDGET", "measure_variants", "transport_rows"]

BUDGET = 1.5
"""DESIGN.md: the guarded input path costs at most 1.5x the unguarded one."""

VARIANTS = ("bare", "guarded")
BREAKDOWN = ("bare", "hops", "hops_direct", "input_only", "gate_only", "guarded")


@dataclass
class _Lane:
    """One pipeline under test: its websocket stand-in, worker and probe."""

    name: str
    socket: object
    worker: object
    probe: object
    serializer: object
    held: int = 0
    """Frames the pipeline holds (the recorder gate's delay line)."""
    seen: int = 0
    """Frames the serializer had made when the last message was fed."""
    times: list[float] = field(default_factory=list)


def _classes() -> SimpleNamespace:
    """The stand-ins, defined on first use (the bench runs without the pipecat extra)."""
    from pipecat.frames.frames import InputAudioRawFrame, LLMContextFrame
    from pipecat.processors.frame_processor import FrameProcessor
    from pipecat.serializers.twilio import TwilioFrameSerializer
    from pipecat.services.llm_service import LLMService
    from pipecat.services.settings import LLMSettings, STTSettings, TTSSettings
    from pipecat.services.stt_service import STTService
    from pipecat.services.tts_service import TTSService
    from starlette.websockets import WebSocketState

    class FeedSocket:
        """Stands in for Starlette's ``WebSocket``: ``receive()`` hands out fed messages."""

        headers: ClassVar[dict[str, str]] = {}

        def __init__(self) -> None:
            self.client_state = WebSocketState.CONNECTED
            self.application_state = WebSocketState.CONNECTED
            self._queue: asyncio.Queue = asyncio.Queue()
            self.waiting = asyncio.Event()
            self.t_waiting = 0.0

        def feed(self, text: str | None) -> None:
            self.waiting.clear()
            self._queue.put_nowait(text)

        async def receive(self) -> dict:
            # the transport's receive loop is back for more: it has handled the last one
            self.t_waiting = time.perf_counter()
            self.waiting.set()
            text = await self._queue.get()
            if text is None:
                return {"type": "websocket.disconnect", "code": 1000}
            return {"type": "websocket.receive", "text": text}

        async def send_text(self, data: str) -> None:
            pass

        async def send_bytes(self, data: bytes) -> None:
            pass

        async def close(self, code: int = 1000, reason: str | None = None) -> None:
            self.client_state = WebSocketState.DISCONNECTED
            self.application_state = WebSocketState.DISCONNECTED

    class CountingSerializer(TwilioFrameSerializer):
        """Pipecat's Twilio serializer, counting the audio frames it makes (at 16 kHz
        its stream resampler turns about five 20 ms messages into one ~95 ms frame)."""

        produced = 0

        async def deserialize(self, data):
            frame = await super().deserialize(data)
            if isinstance(frame, InputAudioRawFrame):
                self.produced += 1
            return frame

    class Probe(FrameProcessor):
        """The pipeline's last processor: notes when caller audio comes out."""

        def __init__(self) -> None:
            super().__init__(name="BenchProbe")
            self.count = 0
            self.t = 0.0
            self.arrived = asyncio.Event()

        async def process_frame(self, frame, direction) -> None:
            await super().process_frame(frame, direction)
            if isinstance(frame, InputAudioRawFrame):
                self.t = time.perf_counter()
                self.count += 1
                self.arrived.set()
                return
            await self.push_frame(frame, direction)

    class NoOp(FrameProcessor):
        """A processor that passes every frame on (a hop, nothing more)."""

        async def process_frame(self, frame, direction) -> None:
            await super().process_frame(frame, direction)
            await self.push_frame(frame, direction)

    class SilentSTT(STTService):
        def __init__(self) -> None:
            super().__init__(ttfs_p99_latency=0.1, settings=STTSettings(model=None, language=None))

        async def run_stt(self, audio: bytes):
            return
            yield

    class SilentLLM(LLMService):
        def __init__(self) -> None:
            unset = (
                "model",
                "system_instruction",
                "temperature",
                "max_tokens",
                "top_p",
                "top_k",
                "frequency_penalty",
                "presence_penalty",
                "seed",
                "user_turn_completion_config",
            )
            settings = LLMSettings(**dict.fromkeys(unset), filter_incomplete_user_turns=False)
            super().__init__(settings=settings)

        async def process_frame(self, frame, direction) -> None:
            await super().process_frame(frame, direction)
            if not isinstance(frame, LLMContextFrame):
                await self.push_frame(frame, direction)

    class SilentTTS(TTSService):
        def __init__(self) -> None:
            super().__init__(
                sample_rate=8000,
                push_start_frame=True,
                push_stop_frames=True,
                settings=TTSSettings(model=None, voice=None, language=None),
            )

        async def run_tts(self, text: str, context_id: str):
            return
            yield

    return SimpleNamespace(
        FeedSocket=FeedSocket,
        Serializer=CountingSerializer,
        Probe=Probe,
        NoOp=NoOp,
        STT=SilentSTT,
        LLM=SilentLLM,
        TTS=SilentTTS,
    )


def _build(variant: str, rate: int, c: SimpleNamespace) -> _Lane:
    """One bot pipeline: ``bare``, ``guarded`` or a breakdown variant."""
    from pipecat.pipeline.pipeline import Pipeline
    from pipecat.pipeline.worker import PipelineParams, PipelineWorker
    from pipecat.processors.aggregators.llm_context import LLMContext
    from pipecat.processors.aggregators.llm_response_universal import (
        LLMContextAggregatorPair,
        LLMUserAggregatorParams,
    )
    from pipecat.processors.audio.audio_buffer_processor import AudioBufferProcessor
    from pipecat.transports.websocket.fastapi import (
        FastAPIWebsocketParams,
        FastAPIWebsocketTransport,
    )
    from pipecat.turns.user_start import TranscriptionUserTurnStartStrategy
    from pipecat.turns.user_stop import SpeechTimeoutUserTurnStopStrategy
    from pipecat.turns.user_turn_strategies import UserTurnStrategies

    from guardrail.pipecat_guard import Guard

    sock = c.FeedSocket()
    serializer = c.Serializer(
        stream_sid="MZ00000000000000000000000000000000",
        call_sid="CA00000000000000000000000000000000",
        params=c.Serializer.InputParams(auto_hang_up=False),
    )
    transport = FastAPIWebsocketTransport(
        websocket=sock,
        params=FastAPIWebsocketParams(
            audio_in_enabled=True,
            audio_out_enabled=True,
            add_wav_header=False,
            serializer=serializer,
        ),
    )
    user, assistant = LLMContextAggregatorPair(
        LLMContext(),
        user_params=LLMUserAggregatorParams(
            user_turn_strategies=UserTurnStrategies(
                start=[TranscriptionUserTurnStartStrategy()],
                stop=[SpeechTimeoutUserTurnStopStrategy(user_speech_timeout=0.2)],
            )
        ),
    )
    recorder = AudioBufferProcessor()
    procs = [
        transport.input(),
        c.STT(),
        user,
        c.LLM(),
        c.TTS(),
        transport.output(),
        recorder,
        assistant,
    ]
    if variant != "bare":
        guard = Guard(call_sid="CA00000000000000000000000000000000", stream_sid="MZ0")
        procs = guard.wrap(procs)
        theirs = {guard.input, guard.transcripts, guard.agent, guard.recorder_gate}
        keep = {
            "guarded": theirs,
            "hops": set(),
            "hops_direct": set(),
            "input_only": {guard.input},
            "gate_only": {guard.recorder_gate},
        }[variant]
        direct = variant == "hops_direct"
        procs = [
            c.NoOp(name=f"NoOp{i}", enable_direct_mode=direct) if p in theirs - keep else p
            for i, p in enumerate(procs)
        ]
    probe = c.Probe()
    worker = PipelineWorker(
        Pipeline([*procs, probe]),
        params=PipelineParams(audio_in_sample_rate=rate, audio_out_sample_rate=8000),
        idle_timeout_secs=None,
    )

    @transport.event_handler("on_client_connected")
    async def _connected(transport, client) -> None:
        await recorder.start_recording()

    return _Lane(variant, sock, worker, probe, serializer)


def _messages(n: int) -> list[str]:
    from .paths import material, media_messages

    msgs = media_messages(material())
    return [msgs[i % len(msgs)] for i in range(n)]


async def _start(lanes: Sequence[_Lane]):
    from pipecat.workers.runner import WorkerRunner

    started = {lane.name: asyncio.Event() for lane in lanes}
    for lane in lanes:

        @lane.worker.event_handler("on_pipeline_started")
        async def _started(worker, frame, _ev=started[lane.name]) -> None:
            _ev.set()

    runner = WorkerRunner(handle_sigint=False)
    await runner.add_workers(*(lane.worker for lane in lanes))
    running = asyncio.create_task(runner.run())
    await asyncio.wait_for(asyncio.gather(*(e.wait() for e in started.values())), 30)
    return runner, running


async def _feed(lane: _Lane, text: str, *, discover: bool = False) -> float | None:
    """Feed one message and wait until the pipeline is done with it.

    Done: the transport's receive loop is back for the next message and, if
    the message became an audio frame, a frame has come out of the pipeline's
    end (one per frame once the delay line is full). Returns the microseconds
    from the feed to the end, or ``None`` for a message that made no frame
    (the serializer's resampler kept it) or one the delay line is still
    filling with. With ``discover``, a frame that does not come out within
    50 ms counts as held: that is how the delay line's length is learnt (only
    in the warm-up; a wrong guess is corrected as soon as frames come out).
    """
    sock, probe, ser = lane.socket, lane.probe, lane.serializer
    t0 = time.perf_counter()
    sock.feed(text)
    await asyncio.wait_for(sock.waiting.wait(), 10)
    if ser.produced == lane.seen:
        return None
    lane.seen = ser.produced
    want = ser.produced - lane.held
    try:
        while probe.count < want:
            probe.arrived.clear()
            await asyncio.wait_for(probe.arrived.wait(), 0.05 if discover else 10)
    except TimeoutError:
        if not discover:
            raise
        lane.held += 1
        return None
    if probe.count > want:  # more came out than expected: fewer are held
        lane.held -= probe.count - want
    return (max(probe.t, sock.t_waiting) - t0) * 1e6


async def _discover(lane: _Lane, msgs: list[str]) -> None:
    """Feed until frames come out: learns how many the pipeline holds."""
    for text in msgs:
        if await _feed(lane, text, discover=True) is not None:
            return
    raise RuntimeError("no caller audio came out of the pipeline")


async def _run(variants: Sequence[str], rate: int, frames: int, warmup: int) -> dict:
    """Per-frame microseconds of each lane, fed interleaved until each has ``frames``."""
    classes = _classes()
    lanes = [_build(v, rate, classes) for v in variants]
    per_frame = 1 if rate == 8000 else 5  # messages per pipeline frame, about
    msgs = _messages((frames + warmup) * per_frame + 200)
    runner, running = await _start(lanes)
    try:
        for lane in lanes:
            await _discover(lane, msgs[:64])
        i = 64
        for _ in range(warmup * per_frame):
            for lane in lanes:
                await _feed(lane, msgs[i])
            i += 1
        enabled = gc.isenabled()
        gc.collect()
        gc.disable()
        try:
            while min(len(lane.times) for lane in lanes) < frames:
                for lane in lanes:
                    us = await _feed(lane, msgs[i % len(msgs)])
                    if us is not None:
                        lane.times.append(us)
                i += 1
        finally:
            if enabled:
                gc.enable()
    finally:
        for lane in lanes:
            lane.socket.feed(None)
        await runner.cancel()
        await asyncio.wait_for(running, 30)
    return {lane.name: np.array(lane.times[:frames]) for lane in lanes}


def measure_variants(
    variants: Sequence[str] = VARIANTS, *, rate: int = 8000, frames: int = 3000, warmup: int = 300
) -> dict[str, np.ndarray]:
    """Per-frame microseconds of each variant, fed interleaved in one event loop."""
    from loguru import logger

    logger.disable("pipecat")
    try:
        return asyncio.run(_run(variants, rate, frames, warmup))
    finally:
        logger.enable("pipecat")


def transport_rows(quick: bool = False, only: list[str] | None = None) -> list[Row]:
    """``pipecat_transport_input_8k`` and ``_16k``: guarded over unguarded, per frame."""
    names = {f"pipecat_transport_input_{r // 1000}k": r for r in (8000, 16000)}
    if only and not ({*names, "pipecat_transport_input"} & set(only)):
        return []
    try:
        import fastapi  # noqa: F401
        import pipecat  # noqa: F401
    except ImportError:  # the pipecat extra is not installed
        return []
    frames, warmup = (400, 100) if quick else (3000, 300)
    rows = []
    for name, rate in names.items():
        if only and name not in only and "pipecat_transport_input" not in only:
            continue
        t = measure_variants(VARIANTS, rate=rate, frames=frames, warmup=warmup)
        a, b = t["guarded"], t["bare"]
        p50, base = float(np.median(a)), float(np.median(b))
        ratio = p50 / base
        rows.append(
            Row(
                name,
                "us",
                p50,
                float(np.percentile(a, 99)),
                base,
                ratio,
                f"ratio<={BUDGET} vs the same pipeline unguarded "
                f"(real transport + TwilioFrameSerializer, {rate} Hz in; "
                f"unguarded p99 {np.percentile(b, 99):.0f} us)",
                ratio <= BUDGET,
                samples=a,
                baseline_samples=b,
            )
        )
    return rows


# -- where the time goes ---------------------------------------------------------


def breakdown(rate: int, frames: int, warmup: int) -> str:
    """The guard's extra per-frame cost split into hops, input guard and recorder gate."""
    t = measure_variants(BREAKDOWN, rate=rate, frames=frames, warmup=warmup)
    med = {k: float(np.median(v)) for k, v in t.items()}
    p99 = {k: float(np.percentile(v, 99)) for k, v in t.items()}
    extra = med["guarded"] - med["bare"]
    lines = [f"{rate} Hz, {frames} frames each, interleaved; p50 (p99) per frame in us"]
    for k in BREAKDOWN:
        lines.append(f"  {k:<11} {med[k]:8.1f} ({p99[k]:7.1f})  x{med[k] / med['bare']:.2f}")
    hops = med["hops"] - med["bare"]
    lines.append(
        f"  one more Pipecat processor: {hops / 4:.1f} us per frame queued, "
        f"{(med['hops_direct'] - med['bare']) / 4:.1f} us in direct mode"
    )
    parts = {
        "4 more Pipecat hops (no-op processors)": hops,
        "input guard's own work (input_only - hops)": med["input_only"] - med["hops"],
        "recorder gate's own work (gate_only - hops)": med["gate_only"] - med["hops"],
    }
    lines.append(f"  guard's extra cost: {extra:.1f} us per frame")
    for what, us in parts.items():
        lines.append(f"    {what:<46} {us:7.1f} us  ({100 * us / extra if extra else 0:.0f} %)")
    rest = extra - sum(parts.values())
    lines.append(f"    {'the rest (transcript + agent guards, interplay)':<46} {rest:7.1f} us")
    return "\n".join(lines)


def profile(rate: int, frames: int, *, top: int = 30) -> str:
    """cProfile of the guarded pipeline alone: the functions its time goes to."""
    prof = cProfile.Profile()
    from loguru import logger

    async def run() -> None:
        classes = _classes()
        lane = _build("guarded", rate, classes)
        msgs = _messages(frames * (1 if rate == 8000 else 5) + 64)
        runner, running = await _start([lane])
        try:
            await _discover(lane, msgs[:64])
            prof.enable()
            for text in msgs[64:]:
                await _feed(lane, text)
            prof.disable()
        finally:
            lane.socket.feed(None)
            await runner.cancel()
            await asyncio.wait_for(running, 30)

    logger.disable("pipecat")
    try:
        asyncio.run(run())
    finally:
        logger.enable("pipecat")
    out = io.StringIO()
    st = pstats.Stats(prof, stream=out)
    st.sort_stats("tottime").print_stats(top)
    out.write("\n-- the guard's own code (cumulative) --\n")
    st.sort_stats("cumulative").print_stats(r"guardrail|/audio/|handoff", top)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.pipecat_transport", description=__doc__)
    p.add_argument("--quick", action="store_true", help="fewer frames (a smoke run)")
    p.add_argument("--json", metavar="PATH", help="also write the rows as JSON to PATH")
    p.add_argument("--breakdown", action="store_true", help="split the guard's cost")
    p.add_argument("--profile", action="store_true", help="cProfile the guarded pipeline")
    p.add_argument("--rate", type=int, choices=(8000, 16000), action="append",
                   help="breakdown/profile at this input rate (default: both)")  # fmt: skip
    args = p.parse_args(argv)
    from loguru import logger

    logger.remove()
    rows = transport_rows(args.quick)
    for r in rows:
        print(
            f"{r.name:<28} p50 {r.p50:7.1f} us  p99 {r.p99:7.1f} us  unguarded p50 "
            f"{r.baseline:7.1f} us  ratio {r.ratio:.2f}  [{'ok' if r.ok else 'OVER'}]"
        )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump([r.as_dict() for r in rows], f, indent=1)
            f.write("\n")
    frames = 400 if args.quick else 3000
    for rate in args.rate or (8000, 16000):
        if args.breakdown:
            print(breakdown(rate, frames, 100 if args.quick else 300))
        if args.profile:
            print(f"-- cProfile, guarded, {rate} Hz --")
            print(profile(rate, frames))
    return 0


if __name__ == "__main__":
    sys.exit(main())
