"""The Pipecat adapter: wrap an existing Pipecat bot with the guardrail.

::

    guard = Guard(policy)
    pipeline = Pipeline(guard.wrap([transport.input(), stt, context_aggregator.user(), llm,
                                    tts, transport.output(), audiobuffer]))

:meth:`Guard.wrap` places four thin processors, all sharing one
:class:`~guardrail.session.Session`:

1. after the transport input: caller audio and keypad presses (masked or
   withheld during secure capture; ``STTMuteFrame`` so a third-party
   speech-to-text never hears keypad tones or spoken digits);
2. after speech-to-text: transcripts, redacted before the LLM sees them;
3. after the LLM, before text-to-speech: agent text, held to the sentence,
   a request for protected data replaced by what the policy says;
4. in front of the recorder (``AudioBufferProcessor``): the caller audio is
   masked *in line* through a 60 ms delay line. On Pipecat 1.14
   ``InputAudioRawFrame`` is a system frame and overtakes control frames such
   as ``AudioBufferStopRecordingFrame``, so stopping the recorder with control
   frames cannot protect it; masking the audio itself can.

The processors translate frames to events and actions back to frames; every
decision is the session's. Stream time is the caller audio's own clock
(samples / 8): telephony audio never stops, so deadlines are checked as each
frame arrives. The call must run at 8 kHz (Twilio's rate): resampling to
16 kHz and back delays audio by 100 ms and more with soxr's stream
resampler, and the DTMF detector works at 8 kHz.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Sequence

import numpy as np
from pipecat.audio.dtmf.types import KeypadEntry
from pipecat.frames.frames import (
    EndFrame,
    Frame,
    InputAudioRawFrame,
    InputDTMFFrame,
    InterimTranscriptionFrame,
    LLMFullResponseEndFrame,
    LLMMessagesAppendFrame,
    STTMuteFrame,
    TextFrame,
    TranscriptionFrame,
    TTSSpeakFrame,
)
from pipecat.processors.audio.audio_buffer_processor import AudioBufferProcessor
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipecat.services.llm_service import LLMService
from pipecat.services.stt_service import STTService
from pipecat.services.tts_service import TTSService

from audio import mulaw
from audio.masking import DelayLine
from handoff.sink import DemoSink

from .events import (
    AgentText,
    Alert,
    Audit,
    CallerAudio,
    CallerDtmf,
    CallerTranscript,
    CallStarted,
    CaptureComplete,
    CaptureDigit,
    CaptureResult,
    ControlResult,
    ForwardAudio,
    ForwardDtmf,
    ForwardText,
    Handoff,
    HandoffResult,
    MaskAudio,
    MuteBotInput,
    Notice,
    PauseRecording,
    ResumeRecording,
    Say,
    UnmuteBotInput,
)
from .policy import Policy
from .session import Session, SessionConfig

__all__ = ["Guard", "GuardConfigError"]

SAMPLE_RATE = 8000


class GuardConfigError(ValueError):
    """The pipeline is set up in a way the guardrail cannot protect."""


Control = Callable[[object], Awaitable[None]]


class Guard:
    """One call's guardrail inside a Pipecat pipeline.

    ``control`` carries out recording pauses and handoffs (the handoff layer's
    Twilio client, in production) and reports back through :meth:`report`;
    without one, a dry run confirms them at once. ``capture_sink`` receives
    the complete keyed value (:mod:`handoff.sink`; a demo sink by default);
    ``secure_sink``, if given, sees each keyed digit; ``on_audit`` receives
    audit and alert actions (they never hold a value).
    """

    def __init__(
        self,
        policy: Policy | None = None,
        *,
        routes: dict[str, str] | None = None,
        config: SessionConfig | None = None,
        control: Control | None = None,
        secure_sink: Callable[[str], None] | None = None,
        capture_sink=None,
        on_audit: Callable[[object], None] | None = None,
        call_sid: str = "",
        stream_sid: str = "",
    ) -> None:
        self.session = Session(policy, routes=routes, config=config)
        self.session.feed(CallStarted(call_sid, stream_sid, 0.0))
        self.control = control
        self.secure_sink = secure_sink
        self.capture_sink = capture_sink if capture_sink is not None else DemoSink()
        self.on_audit = on_audit
        self.t_ms = 0.0
        self.input = _InputGuard(self)
        self.transcripts = _TranscriptGuard(self)
        self.agent = _AgentTextGuard(self)
        self.recorder_gate = _RecorderGate(self)

    # -- placement -------------------------------------------------------------

    def wrap(self, processors: Sequence[FrameProcessor]) -> list[FrameProcessor]:
        """The bot's processors with the guard's four placed among them.

        The input guard goes after the first processor (the transport input),
        the transcript guard after the speech-to-text service, the agent-text
        guard after the LLM service (so before text-to-speech), and the
        recorder gate in front of an ``AudioBufferProcessor``.
        """
        procs = list(processors)
        if not procs:
            raise GuardConfigError("wrap() needs the bot's processors, transport input first")
        out: list[FrameProcessor] = [procs[0], self.input]
        placed_stt = placed_llm = False
        for p in procs[1:]:
            if isinstance(p, AudioBufferProcessor):
                out.append(self.recorder_gate)
            if isinstance(p, TTSService) and not placed_llm:
                out.append(self.agent)
                placed_llm = True
            out.append(p)
            if isinstance(p, STTService) and not placed_stt:
                out.append(self.transcripts)
                placed_stt = True
            if isinstance(p, LLMService) and not placed_llm:
                out.append(self.agent)
                placed_llm = True
        if not placed_stt:
            raise GuardConfigError(
                "no speech-to-text service in the pipeline: place guard.transcripts after it"
            )
        if not placed_llm:
            raise GuardConfigError(
                "no LLM or text-to-speech service in the pipeline: place guard.agent before TTS"
            )
        return out

    # -- actions -----------------------------------------------------------------

    async def report(self, event: ControlResult | HandoffResult | CaptureResult) -> None:
        """The control's answer to a pause, resume or handoff."""
        await self.run(self.session.feed(event))

    async def run(self, actions: list, *, audio: list | None = None) -> None:
        """Carry out actions; caller-audio forwards go to ``audio`` if given."""
        for a in actions:
            if isinstance(a, ForwardAudio):
                if audio is not None:
                    audio.append(a)
            elif isinstance(a, ForwardText):
                proc = self.transcripts if a.role == "caller" else self.agent
                proc.texts.append(a)
            elif isinstance(a, MuteBotInput | UnmuteBotInput):
                await self.input.push_frame(STTMuteFrame(mute=isinstance(a, MuteBotInput)))
            elif isinstance(a, ForwardDtmf):
                await self.input.push_frame(InputDTMFFrame(button=KeypadEntry(a.digit)))
            elif isinstance(a, Say):
                await self.agent.push_frame(TTSSpeakFrame(text=a.text, append_to_context=False))
            elif isinstance(a, Notice):
                msg = {"role": "system", "content": a.text}
                await self.transcripts.push_frame(LLMMessagesAppendFrame(messages=[msg]))
            elif isinstance(a, CaptureDigit):
                if self.secure_sink is not None:
                    self.secure_sink(a.digit)
            elif isinstance(a, CaptureComplete):
                ok, summary = await self.capture_sink.submit(a.digits, a.category)
                await self.report(CaptureResult(a.action_id, ok, a.t_ms, summary))
            elif isinstance(a, MaskAudio):
                if a.target == "recording":
                    self.recorder_gate.mask(a)
            elif isinstance(a, PauseRecording | ResumeRecording | Handoff):
                if self.control is not None:
                    await self.control(a)
                elif isinstance(a, Handoff):
                    if a.kind != "keypad":
                        await self.report(HandoffResult(a.action_id, "connected", a.t_ms))
                else:
                    await self.report(ControlResult(a.action_id, True, a.t_ms))
            elif isinstance(a, Audit | Alert) and self.on_audit is not None:
                self.on_audit(a)


class _InputGuard(FrameProcessor):
    """After the transport input: caller audio and keypad presses."""

    def __init__(self, guard: Guard) -> None:
        super().__init__(name="GuardrailInput")
        self._guard = guard
        self._silence: dict[int, bytes] = {}

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        g = self._guard
        if isinstance(frame, InputAudioRawFrame) and direction is FrameDirection.DOWNSTREAM:
            if frame.sample_rate != SAMPLE_RATE or frame.num_channels != 1:
                raise GuardConfigError(
                    "caller audio must be 8000 Hz mono: run the pipeline at the call's rate"
                    " (PipelineParams(audio_in_sample_rate=8000))"
                )
            session = g.session
            t = g.t_ms
            n = len(frame.audio) // 2
            g.t_ms = t + n / 8.0
            payload = mulaw.ENCODE_TABLE.take(np.frombuffer(frame.audio, np.int16).view(np.uint16))
            deadline = session.next_deadline()
            if deadline is not None and deadline <= t:
                await g.run(session.on_timer(t))
            forwards: list = []
            await g.run(session.feed(CallerAudio(payload.tobytes(), t)), audio=forwards)
            for fwd in forwards:
                if fwd.masked:
                    silence = self._silence.get(n)
                    if silence is None:
                        silence = self._silence[n] = bytes(2 * n)
                    frame = dataclasses.replace(frame, audio=silence)
                await self.push_frame(frame, direction)
            return
        if isinstance(frame, InputDTMFFrame):
            await g.run(g.session.feed(CallerDtmf(str(frame.button.value), g.t_ms)))
            return
        await self.push_frame(frame, direction)


class _TranscriptGuard(FrameProcessor):
    """After speech-to-text: transcripts are redacted before anything else sees them."""

    def __init__(self, guard: Guard) -> None:
        super().__init__(name="GuardrailTranscripts")
        self._guard = guard
        self.texts: list[ForwardText] = []

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        g = self._guard
        if isinstance(frame, TranscriptionFrame | InterimTranscriptionFrame):
            final = isinstance(frame, TranscriptionFrame)
            self.texts.clear()
            await g.run(g.session.feed(CallerTranscript(frame.text, final, g.t_ms)))
            for fwd in self.texts:
                await self.push_frame(dataclasses.replace(frame, text=fwd.text), direction)
            self.texts.clear()
            return
        await self.push_frame(frame, direction)


class _AgentTextGuard(FrameProcessor):
    """After the LLM, before text-to-speech: what the bot is about to say."""

    def __init__(self, guard: Guard) -> None:
        super().__init__(name="GuardrailAgentText")
        self._guard = guard
        self.texts: list[ForwardText] = []

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if (
            isinstance(frame, TextFrame)
            and not isinstance(frame, TranscriptionFrame | InterimTranscriptionFrame)
            and direction is FrameDirection.DOWNSTREAM
        ):
            await self._agent(frame.text, False, frame)
            return
        if isinstance(frame, TTSSpeakFrame) and direction is FrameDirection.DOWNSTREAM:
            # Text a bot speaks directly (a greeting, a scripted question) is
            # agent text too: a question for a card must not bypass the LLM path.
            g = self._guard
            self.texts.clear()
            await g.run(g.session.feed(AgentText(frame.text, True, g.t_ms)))
            for fwd in self.texts:
                await self.push_frame(dataclasses.replace(frame, text=fwd.text), direction)
            self.texts.clear()
            return
        if isinstance(frame, LLMFullResponseEndFrame | EndFrame):
            await self._agent("", True, None)
        await self.push_frame(frame, direction)

    async def _agent(self, text: str, final: bool, frame: TextFrame | None) -> None:
        g = self._guard
        self.texts.clear()
        await g.run(g.session.feed(AgentText(text, final, g.t_ms)))
        for fwd in self.texts:
            out = dataclasses.replace(frame, text=fwd.text) if frame else TextFrame(text=fwd.text)
            await self.push_frame(out)
        self.texts.clear()


class _RecorderGate(FrameProcessor):
    """In front of the recorder: caller audio masked in line, through a delay line."""

    def __init__(self, guard: Guard) -> None:
        super().__init__(name="GuardrailRecorderGate")
        self._guard = guard
        self._line = DelayLine(60.0)
        self._t = 0.0
        self._open: set[float] = set()
        self._frames: list[InputAudioRawFrame] = []

    def mask(self, a: MaskAudio) -> None:
        if a.end_ms is None:
            self._open.add(a.start_ms)
            self._line.mask(a.start_ms)
        elif a.start_ms in self._open:
            self._open.discard(a.start_ms)
            self._line.end_mask(a.end_ms, a.start_ms)
        else:
            self._line.mask(a.start_ms, a.end_ms)

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if isinstance(frame, InputAudioRawFrame) and direction is FrameDirection.DOWNSTREAM:
            pcm = np.frombuffer(frame.audio, np.int16)
            t = self._t
            self._t = t + len(pcm) / 8.0
            self._frames.append(frame)
            for _, masked in self._line.push(pcm, t):
                held = self._frames.pop(0)
                await self.push_frame(dataclasses.replace(held, audio=masked.tobytes()), direction)
            return
        if isinstance(frame, EndFrame):
            for _, masked in self._line.flush():
                held = self._frames.pop(0)
                await self.push_frame(dataclasses.replace(held, audio=masked.tobytes()), direction)
        await self.push_frame(frame, direction)
