"""An existing-style Pipecat bot, wrapped by the guardrail. Runs offline.

    python examples/pipecat_bot.py

The bot is the usual chain (transport input, speech-to-text, LLM,
text-to-speech, transport output, recorder); offline stand-ins that follow a
script play STT, LLM and TTS, and the caller audio is examples/keypad_call.wav.
The only guardrail line is ``Pipeline(guard.wrap([...]))``.

What happens: the caller asks to pay; the LLM asks for the card number; the
guardrail keeps that question from text-to-speech, says it will take the card
on the keypad, mutes speech-to-text and pauses the recording; the caller keys
the card, which goes to the secure sink only (never to the LLM, the STT or the
recording); after "#" the bot is back, and when the caller volunteers an SSN
the LLM sees ``[ssn]``. The script prints what each party saw.
"""

from __future__ import annotations

import asyncio
import sys
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
warnings.simplefilter("ignore", DeprecationWarning)

import numpy as np  # noqa: E402
from loguru import logger  # noqa: E402
from pipecat.frames.frames import (  # noqa: E402
    EndFrame,
    InputAudioRawFrame,
    LLMFullResponseEndFrame,
    LLMFullResponseStartFrame,
    TextFrame,
    TranscriptionFrame,
)
from pipecat.pipeline.pipeline import Pipeline  # noqa: E402
from pipecat.pipeline.worker import PipelineParams, PipelineWorker  # noqa: E402
from pipecat.processors.audio.audio_buffer_processor import AudioBufferProcessor  # noqa: E402
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor  # noqa: E402
from pipecat.services.stt_service import STTService  # noqa: E402
from pipecat.services.tts_service import TTSService  # noqa: E402
from pipecat.workers.runner import WorkerRunner  # noqa: E402

from audio.dtmf import DtmfDetector, KeyUp  # noqa: E402
from audio.wav import read_wav  # noqa: E402
from guardrail.pipecat_guard import Guard  # noqa: E402

HERE = Path(__file__).resolve().parent

# what the caller says, by stream time (ms) -- the stand-in speech-to-text
CALLER = {1800: "Hi, I'd like to pay my bill please.",
          6900: "Thanks. Oh, and my social is 078-05-1123 if you need it."}  # fmt: skip
# how the stand-in LLM answers
LLM = {"pay my bill": "Sure. What's the card number?",
       "social": "Thanks, I've noted that you shared it. Anything else?"}  # fmt: skip


class Transport(FrameProcessor):
    """Stands in for a transport's input or output: passes every frame on."""

    async def process_frame(self, frame, direction):
        await super().process_frame(frame, direction)
        await self.push_frame(frame, direction)


class ScriptedSTT(STTService):
    """Emits the scripted transcripts as the caller audio reaches their times."""

    def __init__(self) -> None:
        super().__init__()
        self.t_ms = 0.0
        self.heard: list[str] = []

    async def process_frame(self, frame, direction):
        if isinstance(frame, InputAudioRawFrame):  # the clock runs while muted too
            self.t_ms += len(frame.audio) / 16
        await super().process_frame(frame, direction)

    async def run_stt(self, audio: bytes):
        for at, text in CALLER.items():
            if self.t_ms - 20 < at <= self.t_ms:
                self.heard.append(text)
                yield TranscriptionFrame(text=text, user_id="caller", timestamp=str(at))


class ScriptedLLM(FrameProcessor):
    """Answers transcripts from a script, in chunks, like a streaming LLM."""

    def __init__(self) -> None:
        super().__init__()
        self.saw: list[str] = []

    async def process_frame(self, frame, direction):
        await super().process_frame(frame, direction)
        if isinstance(frame, TranscriptionFrame):
            self.saw.append(frame.text)
            for key, answer in LLM.items():
                if key in frame.text:
                    await self.push_frame(LLMFullResponseStartFrame())
                    for word in answer.split(" "):
                        await self.push_frame(TextFrame(text=word + " "))
                    await self.push_frame(LLMFullResponseEndFrame())
            return
        await self.push_frame(frame, direction)


class RecordingTTS(TTSService):
    """Records what it was asked to say instead of synthesising it."""

    def __init__(self) -> None:
        super().__init__(sample_rate=8000)
        self.said: list[str] = []

    async def run_tts(self, text: str, context_id: str | None = None):
        self.said.append(text)
        yield None


async def main() -> int:
    logger.remove()
    pcm, _ = read_wav(HERE / "keypad_call.wav")
    stt, llm, tts = ScriptedSTT(), ScriptedLLM(), RecordingTTS()
    recorder = AudioBufferProcessor(sample_rate=8000)
    recorded: list[bytes] = []

    @recorder.event_handler("on_audio_data")
    async def _on_audio(_, audio, sample_rate, num_channels):
        recorded.append(audio)

    keyed: list[str] = []
    guard = Guard(secure_sink=keyed.append)
    transport_in, transport_out = Transport(), Transport()
    pipeline = Pipeline(guard.wrap([transport_in, stt, llm, tts, transport_out, recorder]))
    worker = PipelineWorker(
        pipeline,
        params=PipelineParams(audio_in_sample_rate=8000, audio_out_sample_rate=8000),
        cancel_on_idle_timeout=False,
    )
    started = asyncio.Event()

    @worker.event_handler("on_pipeline_started")
    async def _started(*_):
        await recorder.start_recording()
        started.set()

    async def caller():
        await started.wait()
        for i in range(0, len(pcm) - 159, 160):
            frame = InputAudioRawFrame(
                audio=pcm[i : i + 160].tobytes(), sample_rate=8000, num_channels=1
            )
            await worker.queue_frame(frame, FrameDirection.DOWNSTREAM)
            await asyncio.sleep(0.002)  # 10x real time; text frames keep their place
        await recorder.stop_recording()
        await worker.queue_frame(EndFrame())

    await asyncio.gather(_run(worker), caller())

    print(f"speech-to-text heard:    {len(stt.heard)} utterances (the caller's own voice)")
    print("the LLM saw:            ", llm.saw)
    print("text-to-speech said:    ", tts.said)
    print(f"secure sink got:         {len(keyed)} digits (never printed)")
    audio = np.frombuffer(b"".join(recorded), np.int16)
    caller_audio = audio[0::2] if audio.size else audio
    det = DtmfDetector()
    keys = [
        e
        for i in range(0, len(caller_audio) - 159, 160)
        for e in det.process(caller_audio[i : i + 160], i / 8)
        if isinstance(e, KeyUp)
    ]
    print("keypad tones in the recording:", len(keys))
    ok = (
        len(keyed) == 16
        and not keys
        and not any("078" in s for s in llm.saw)
        and any("[ssn]" in s for s in llm.saw)
        and not any("card number" in s for s in tts.said)
    )
    print("protected:", ok)
    return 0 if ok else 1


async def _run(worker):
    runner = WorkerRunner()
    await runner.add_workers(worker)
    await runner.run()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
