"""Pipecat adapter and reaction-time rows (need pipecat-ai; skipped without it)."""

from __future__ import annotations

import asyncio
import time

import numpy as np

from .harness import Row

__all__ = ["pipecat_rows", "reaction_rows"]


def _frames(n: int):
    from pipecat.frames.frames import InputAudioRawFrame

    from .paths import material

    x = material()
    return [
        InputAudioRawFrame(audio=x[i : i + 160].tobytes(), sample_rate=8000, num_channels=1)
        for i in range(0, min(len(x), n * 160) - 159, 160)
    ]


async def _run_once(proc, frames) -> float:
    from pipecat.pipeline.pipeline import Pipeline
    from pipecat.tests.utils import run_test

    t0 = time.perf_counter()
    await run_test(Pipeline([proc]), frames_to_send=frames, start_timeout=5)
    return (time.perf_counter() - t0) / len(frames) * 1e6


def pipecat_rows(quick: bool) -> list[Row]:
    """Per audio frame through a pipeline: the input guard beside a no-op processor.

    Both run in a real Pipecat pipeline (its own test harness: source, the
    processor, sink); each sample is the mean per frame of one run, and runs
    alternate between the two so that load hits both.
    """
    import logging

    from loguru import logger
    from pipecat.processors.frame_processor import FrameProcessor

    from guardrail.pipecat_guard import Guard

    logger.remove()
    logging.getLogger().setLevel(logging.WARNING)

    class NoOp(FrameProcessor):
        async def process_frame(self, frame, direction):
            await super().process_frame(frame, direction)
            await self.push_frame(frame, direction)

    frames = _frames(500 if quick else 1500)
    runs = 4 if quick else 12
    a, b = [], []

    async def main():
        for _ in range(runs):
            a.append(await _run_once(Guard().input, frames))
            b.append(await _run_once(NoOp(), frames))

    asyncio.run(main())
    a_, b_ = np.array(a), np.array(b)
    p50, base = float(np.median(a_)), float(np.median(b_))
    ratio = p50 / base
    return [
        Row(
            "pipecat_input_guard_frame",
            "us",
            p50,
            float(np.percentile(a_, 99)),
            base,
            ratio,
            "ratio<=1.3 vs a no-op FrameProcessor (whole pipeline per frame)",
            ratio <= 1.3,
        )
    ]


def reaction_rows() -> list[Row]:
    """Stream time from a trigger to the session's protective action.

    Text and keypad triggers are answered in the same call that receives
    them (0 ms of stream time). A keypad *tone* is recognised some tens of
    ms after it starts; the recording path's 60 ms delay line masks it from
    its first sample, so the detection latency is reported separately.
    """
    from audio import mulaw, synth
    from guardrail.events import (
        AgentText,
        CallerAudio,
        CallerTranscript,
        CallStarted,
        MaskAudio,
        PauseRecording,
    )
    from guardrail.session import Session

    text_lat = []
    for trigger in (
        AgentText("What's the card number?", True, 1000.0),
        CallerTranscript("my social is 078-05-1123", True, 1000.0),
        AgentText("Could you read me the long number on the front of the card?", True, 1000.0),
    ):
        s = Session()
        s.feed(CallStarted("CA", "MZ", 0.0))
        acts = s.feed(trigger)
        prot = [x for x in acts if isinstance(x, PauseRecording | MaskAudio)]
        text_lat.append(min(x.t_ms for x in prot) - trigger.t_ms)
    tone_lat = []
    for offset in np.arange(0, 20, 1.0):
        x, [(_, start, _)] = synth.keyed_sequence("5", tone_ms=70, lead_ms=200 + offset)
        s = Session()
        s.feed(CallStarted("CA", "MZ", 0.0))
        for i in range(0, len(x) - 159, 160):
            acts = s.feed(CallerAudio(mulaw.encode_bytes(x[i : i + 160]), i / 8))
            if any(isinstance(a, MaskAudio) for a in acts):
                tone_lat.append(i / 8 + 20 - start)
                break
    t = np.array(text_lat)
    d = np.array(tone_lat)
    return [
        Row(
            "reaction_text_trigger",
            "ms",
            float(np.median(t)),
            float(np.max(t)),
            None,
            None,
            "<=20 ms of stream time",
            float(np.max(t)) <= 20,
        ),
        Row(
            "reaction_keypad_tone_detect",
            "ms",
            float(np.median(d)),
            float(np.max(d)),
            None,
            None,
            "reported; masked from its first sample via the 60 ms delay line",
            True,
        ),
    ]
