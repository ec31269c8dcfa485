"""The Pipecat adapter, through Pipecat's own test harness (a real pipeline run)."""

from __future__ import annotations

import asyncio

import numpy as np
from pipecat.audio.dtmf.types import KeypadEntry
from pipecat.frames.frames import (
    InputAudioRawFrame,
    InputDTMFFrame,
    LLMFullResponseEndFrame,
    LLMMessagesAppendFrame,
    STTMuteFrame,
    TextFrame,
    TranscriptionFrame,
    TTSSpeakFrame,
)
from pipecat.pipeline.pipeline import Pipeline
from pipecat.tests.utils import SleepFrame, run_test

from audio import synth
from guardrail.events import Audit
from guardrail.pipecat_guard import Guard

CARD = "4111111111111111"


def audio_frames(pcm: np.ndarray) -> list[InputAudioRawFrame]:
    return [
        InputAudioRawFrame(audio=pcm[i : i + 160].tobytes(), sample_rate=8000, num_channels=1)
        for i in range(0, len(pcm) - 159, 160)
    ]


def guarded(guard: Guard) -> Pipeline:
    return Pipeline([guard.input, guard.transcripts, guard.agent, guard.recorder_gate])


def test_transcript_is_redacted_before_the_llm():
    guard = Guard()
    frames = [TranscriptionFrame(text=f"my card is {CARD}", user_id="u", timestamp="t")]
    down, _ = asyncio.run(run_test(guarded(guard), frames_to_send=frames))
    texts = [f.text for f in down if isinstance(f, TranscriptionFrame)]
    assert texts == ["my card is [payment_card]"]
    assert all(CARD not in str(getattr(f, "text", "")) for f in down)
    # volunteering a card moves the caller to the keypad: the bot's STT is muted
    assert any(isinstance(f, STTMuteFrame) and f.mute for f in down)
    assert any(isinstance(f, TTSSpeakFrame) for f in down)


def test_agent_request_never_reaches_tts_and_keypad_digits_go_to_the_sink():
    captured: list[str] = []
    audits: list = []
    guard = Guard(secure_sink=captured.append, on_audit=audits.append)
    frames = [
        TextFrame(text="Sure. What's the card "),
        TextFrame(text="number?"),
        LLMFullResponseEndFrame(),
        # keypad presses are system frames and would overtake the text: in a call
        # they come seconds after the question
        SleepFrame(sleep=0.2),
        *[InputDTMFFrame(button=KeypadEntry(d)) for d in CARD],
        InputDTMFFrame(button=KeypadEntry.POUND),
    ]
    down, _ = asyncio.run(run_test(guarded(guard), frames_to_send=frames))
    spoken = [f.text for f in down if isinstance(f, TextFrame) and not isinstance(f, TTSSpeakFrame)]
    assert not any("card" in t.lower() for t in spoken)
    assert [f.text for f in down if isinstance(f, TTSSpeakFrame)]
    assert not any(isinstance(f, InputDTMFFrame) for f in down)
    assert "".join(captured) == CARD
    assert [f.mute for f in down if isinstance(f, STTMuteFrame)] == [True, False]
    assert any(
        isinstance(a, Audit) and a.event == "secure_capture" and a.outcome == "accepted"
        for a in audits
    )


def test_caller_audio_passes_then_is_masked_during_capture_and_in_the_recording():
    guard = Guard()
    x, _ = synth.keyed_sequence("4111", tone_ms=80, gap_ms=80)
    speech = (np.sin(np.arange(1600) / 3) * 3000).astype(np.int16)
    frames = [
        *audio_frames(speech),
        SleepFrame(sleep=0.1),
        TextFrame(text="What's the card number?"),
        LLMFullResponseEndFrame(),
        SleepFrame(sleep=0.2),
        *audio_frames(x),
    ]
    down, _ = asyncio.run(run_test(guarded(guard), frames_to_send=frames))
    audio = [f for f in down if isinstance(f, InputAudioRawFrame)]
    assert len(audio) == len(audio_frames(speech)) + len(audio_frames(x))
    recorded = np.frombuffer(b"".join(f.audio for f in audio), np.int16)
    # before the request the audio is untouched (the recorder gate's delay aside)
    assert np.array_equal(recorded[:800], speech[:800])
    # no keypad tone reaches the recorder
    from audio.dtmf import DtmfDetector, KeyUp

    det = DtmfDetector()
    keys = [
        e
        for i in range(0, len(recorded) - 159, 160)
        for e in det.process(recorded[i : i + 160], i / 8)
        if isinstance(e, KeyUp)
    ]
    assert keys == []


def test_disclosure_notice_reaches_the_llm_context_without_the_value():
    guard = Guard()
    frames = [TranscriptionFrame(text="my social is 078-05-1123", user_id="u", timestamp="t")]
    down, _ = asyncio.run(run_test(guarded(guard), frames_to_send=frames))
    notes = [
        m["content"] for f in down if isinstance(f, LLMMessagesAppendFrame) for m in f.messages
    ]
    assert notes
    assert all("1123" not in n for n in notes)


def test_wrap_places_the_guards_around_an_existing_bot():
    import warnings

    import pytest
    from pipecat.processors.audio.audio_buffer_processor import AudioBufferProcessor
    from pipecat.processors.frame_processor import FrameProcessor
    from pipecat.services.llm_service import LLMService
    from pipecat.services.stt_service import STTService
    from pipecat.services.tts_service import TTSService

    from guardrail.pipecat_guard import GuardConfigError

    class StubSTT(STTService):
        async def run_stt(self, audio):
            yield None

    class StubTTS(TTSService):
        async def run_tts(self, text, context_id=None):
            yield None

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        transport_in, stt, llm, tts = FrameProcessor(), StubSTT(), LLMService(), StubTTS()
        out_transport, recorder = FrameProcessor(), AudioBufferProcessor(sample_rate=8000)
    guard = Guard()
    wrapped = guard.wrap([transport_in, stt, llm, tts, out_transport, recorder])
    assert wrapped == [
        transport_in,
        guard.input,
        stt,
        guard.transcripts,
        llm,
        guard.agent,
        tts,
        out_transport,
        guard.recorder_gate,
        recorder,
    ]
    with pytest.raises(GuardConfigError, match="speech-to-text"):
        Guard().wrap([FrameProcessor(), llm])
    with pytest.raises(GuardConfigError):
        Guard().wrap([])


def test_an_unsupported_sample_rate_is_refused_once_and_nothing_reaches_the_bot():
    from pipecat.frames.frames import ErrorFrame
    from pipecat.pipeline.task import PipelineParams

    guard = Guard()
    frames = [InputAudioRawFrame(audio=bytes(882), sample_rate=44100, num_channels=1)] * 3
    down, up = asyncio.run(
        run_test(
            guarded(guard),
            frames_to_send=frames,
            pipeline_params=PipelineParams(audio_in_sample_rate=44100),
        )
    )
    errors = [f for f in up if isinstance(f, ErrorFrame)]
    assert len(errors) == 1
    assert "8000 or 16000" in errors[0].error
    assert not any(isinstance(f, InputAudioRawFrame) for f in down)


def test_the_example_bot_runs_protected():
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    r = subprocess.run(
        [sys.executable, "examples/pipecat_bot.py"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "protected: True" in r.stdout
    assert "[ssn]" in r.stdout
    for secret in ("078-05-1123", "4111"):
        assert secret not in r.stdout + r.stderr


def test_a_scripted_tts_question_for_the_card_does_not_bypass_the_guard():
    audits: list = []
    guard = Guard(on_audit=audits.append)
    frames = [TTSSpeakFrame(text="Welcome!"), TTSSpeakFrame(text="Please say your card number.")]
    down, _ = asyncio.run(run_test(guarded(guard), frames_to_send=frames))
    spoken = [f.text for f in down if isinstance(f, TTSSpeakFrame)]
    assert spoken[0] == "Welcome!"
    assert not any("card number" in t for t in spoken)
    assert ("secure_capture", "started") in [(a.event, a.outcome) for a in audits]
