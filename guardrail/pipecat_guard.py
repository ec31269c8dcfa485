"""The Pipecat adapter: wrap an existing Pipecat bot with the guardrail.

::

    guard = calls.guard(call_data)            # guardrail.pipecat_twilio, for a Twilio call
    pipeline = Pipeline(guard.wrap([transport.input(), stt, user_aggregator, llm, tts,
                                    transport.output(), audiobuffer, assistant_aggregator]))
    ...
    await runner.run(task)
    await guard.aclose()

:meth:`Guard.wrap` places four thin processors, all sharing one call's
:class:`~guardrail.session.Session` and :class:`~guardrail.executor.Executor`:

1. after the transport input: caller audio and keypad presses (silence
   stands in for the caller while protected; ``STTMuteFrame`` so a
   third-party speech-to-text never hears keypad tones or spoken digits);
2. after speech-to-text: transcripts, redacted before the LLM sees them, and
   the guardrail's notices to the LLM (``LLMMessagesAppendFrame``; a notice
   that the caller is back runs the LLM, so the bot goes on by itself);
3. after the LLM, before text-to-speech: agent text, held to the sentence;
   a request for protected data never reaches text-to-speech;
4. in front of the recorder (``AudioBufferProcessor``): the caller audio is
   masked *in line* through a 60 ms delay line. On Pipecat 1.14
   ``InputAudioRawFrame`` is a system frame and overtakes control frames, so
   stopping the recorder with control frames cannot protect it; masking the
   audio itself can.

The processors translate frames to events and actions to frames; every
decision is the session's, and the executor carries out everything else
(recording pause and resume, redirects, the secure sink, audit) beside the
pipeline: nothing on the audio or text path waits for Twilio. Stream time is
the caller audio's own clock (samples / rate): telephony audio never stops,
so deadlines are checked as each frame arrives. Input runs at 8 or 16 kHz
(Pipecat's default); the session hears it at 8 kHz, Twilio's rate.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Callable, Sequence

import numpy as np
from pipecat.audio.dtmf.types import KeypadEntry
from pipecat.frames.frames import (
    CancelFrame,
    EndFrame,
    Frame,
    InputAudioRawFrame,
    InputDTMFFrame,
    InterimTranscriptionFrame,
    InterruptionFrame,
    LLMFullResponseEndFrame,
    LLMMessagesAppendFrame,
    OutputTransportMessageFrame,
    OutputTransportMessageUrgentFrame,
    StartFrame,
    STTMuteFrame,
    TextFrame,
    TranscriptionFrame,
    TTSSpeakFrame,
)
from pipecat.processors.audio.audio_buffer_processor import AudioBufferProcessor
from pipecat.processors.frame_processor import (
    FrameDirection,
    FrameProcessor,
    FrameProcessorSetup,
)
from pipecat.services.llm_service import LLMService
from pipecat.services.stt_service import STTService
from pipecat.services.tts_service import TTSService

from audio.masking import DelayLine, MaskSet
from handoff.sink import DemoSink

from .detect import scan
from .events import (
    AgentInterrupted,
    AgentText,
    Alert,
    Audit,
    CallerAudio,
    CallerDtmf,
    CallerTranscript,
    CallStarted,
    ForwardAudio,
    ForwardDtmf,
    ForwardText,
    MaskAudio,
    MuteBotInput,
    Notice,
    Say,
    StreamStopped,
    UnmuteBotInput,
)
from .executor import Control, Executor
from .logs import protect_loguru
from .policy import Policy
from .session import Session, SessionConfig

__all__ = ["SAMPLE_RATES", "Guard", "GuardConfigError"]

SAMPLE_RATES = (8000, 16000)
"""Input rates the guard works at: Twilio's 8 kHz and Pipecat's default 16 kHz."""


_RATE_ERROR = (
    "the guardrail needs mono caller audio at 8000 or 16000 Hz; set"
    " PipelineParams(audio_in_sample_rate=16000) (or 8000). Until then the bot hears nothing."
)


class GuardConfigError(ValueError):
    """The pipeline is set up in a way the guardrail cannot protect."""


class Guard:
    """One call's guardrail inside a Pipecat pipeline.

    ``control`` carries out recording pauses, resumes and redirects (a
    :class:`handoff.controller.CallController`; :mod:`guardrail.pipecat_twilio`
    builds one from the config); without one, recording steps are audited as
    ``not_configured`` and redirects fail closed. ``capture_sink`` receives the
    complete keyed value (:mod:`handoff.sink`; a demo sink by default);
    ``on_digit``, if given, sees each keyed digit (``secure_sink`` is its old
    name); ``on_audit`` receives audit entries and alerts (never a value);
    ``audit_health`` says whether the audit trail keeps them (default:
    ``on_audit.healthy`` when it has one, as a
    :class:`~guardrail.audit.BufferedAudit` does): while it does not, the
    session fails closed for new sensitive operations.
    ``context`` is the bot's to use: it lives as long as the call, across the
    streams of a caller who went to a secure path and came back.
    """

    def __init__(
        self,
        policy: Policy | None = None,
        *,
        routes: dict[str, str] | None = None,
        config: SessionConfig | None = None,
        control: Control | None = None,
        capture_sink: object | None = None,
        on_digit: Callable[[str], None] | None = None,
        secure_sink: Callable[[str], None] | None = None,
        on_audit: Callable[[object], None] | None = None,
        audit_health: Callable[[], bool] | None = None,
        on_transcript: Callable[[ForwardText], None] | None = None,
        call_sid: str = "",
        stream_sid: str = "",
    ) -> None:
        protect_loguru()  # Pipecat's own frame logging must not write a value either
        self.session = Session(policy, routes=routes, config=config)
        self.call_sid = call_sid
        self.stream_sid = stream_sid
        self.on_audit = on_audit
        self.on_transcript = on_transcript
        if audit_health is None and hasattr(on_audit, "healthy"):
            audit_health = lambda: on_audit.healthy  # noqa: E731
        self.executor = Executor(
            self.session,
            control=control,
            sink=capture_sink if capture_sink is not None else DemoSink(),
            audit=self._audit,
            deliver=self._deliver,
            on_digit=on_digit or secure_sink,
            audit_health=audit_health,
        )
        self.executor.feed(CallStarted(call_sid, stream_sid, 0.0))
        self.context: object | None = None
        self.t_ms = 0.0
        self._deferred: list = []
        self._new_processors()

    def _new_processors(self) -> None:
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
        recorder gate in front of an ``AudioBufferProcessor``. Each call of
        ``wrap`` (a new stream of the same call) gets fresh processors around
        the same session.
        """
        procs = list(processors)
        if not procs:
            raise GuardConfigError("wrap() needs the bot's processors, transport input first")
        if self.input._used:
            self._new_processors()
        self.input._used = True
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

    async def aclose(self, timeout: float = 10.0) -> None:
        """After the pipeline: let control calls in flight (post-call disposal) finish."""
        await self.executor.aclose(timeout)

    # -- actions -----------------------------------------------------------------

    def _audit(self, a: Audit | Alert) -> None:
        if self.on_audit is not None:
            self.on_audit(a)

    async def _deliver(self, actions: list) -> None:
        """Actions that arrive beside the pipeline (a control's answer)."""
        await self.carry_out(actions, None)

    async def carry_out(self, actions: list, audio: list | None) -> None:
        """Turn the executor's actions into frames; caller-audio forwards go to ``audio``.

        What arrives while no pipeline runs (the caller is on a secure path;
        its outcome comes back before the new stream starts) waits for the
        next pipeline's start.
        """
        for a in actions:
            kind = type(a)
            if kind is Notice or kind is Say:
                proc = self.transcripts if kind is Notice else self.agent
                if not proc.live:
                    self._deferred.append(a)
                    continue
            if kind is ForwardAudio:
                if audio is not None:
                    audio.append(a)
            elif kind is ForwardText:
                proc = self.transcripts if a.role == "caller" else self.agent
                proc.texts.append(a)
                if self.on_transcript is not None and a.final:
                    self.on_transcript(a)
            elif kind is MuteBotInput or kind is UnmuteBotInput:
                await self.input.emit(STTMuteFrame(mute=kind is MuteBotInput))
            elif kind is ForwardDtmf:
                await self.input.emit(InputDTMFFrame(button=KeypadEntry(a.digit)))
            elif kind is Say:
                await self.agent.emit(TTSSpeakFrame(text=a.text, append_to_context=False))
            elif kind is Notice:
                msg = {"role": "system", "content": a.text}
                await self.transcripts.emit(
                    LLMMessagesAppendFrame(messages=[msg], run_llm=a.respond)
                )
            elif kind is MaskAudio and a.target == "recording":
                self.recorder_gate.mask(a)

    async def feed(self, event: object, audio: list | None = None) -> None:
        await self.carry_out(self.executor.feed(event), audio)

    async def _started(self) -> None:
        """A pipeline (a new stream of this call) is running: catch it up."""
        if self.session.bot_muted:
            await self.input.emit(STTMuteFrame(mute=True))
        deferred, self._deferred = self._deferred, []
        await self.carry_out(deferred, None)


class _GuardProcessor(FrameProcessor):
    """Shared by the four: frames pushed for actions wait until the processor runs."""

    def __init__(self, guard: Guard, name: str) -> None:
        # Direct mode: a frame is handled in the pushing processor's task, in
        # push order, with no queue and no task of the guard's own -- the
        # guard adds its work to the pipeline, not four more hops.
        super().__init__(name=name, enable_direct_mode=True)
        self._guard = guard
        self._running = False
        self._stopped = False
        self._ending = False
        self._ended = False

    @property
    def live(self) -> bool:
        """Running in a pipeline that has started and is not ending."""
        return self._running and not self._stopped and not self._ending

    async def emit(self, frame: Frame) -> None:
        if self._running and not self._stopped:
            await self.push_frame(frame)

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if isinstance(frame, StartFrame):  # a pipeline starts (again, for a new stream)
            self._running, self._stopped, self._ending = True, False, False
        elif isinstance(frame, CancelFrame):
            self._stopped = True  # this stream's pipeline is going away now
        elif isinstance(frame, EndFrame):
            self._ending = True  # what is in flight still goes through


class _InputGuard(_GuardProcessor):
    """After the transport input: caller audio and keypad presses."""

    def __init__(self, guard: Guard) -> None:
        super().__init__(guard, "GuardrailInput")
        self._used = False
        self._silence: dict[int, bytes] = {}
        self._refused = False

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        g = self._guard
        if type(frame) is InputAudioRawFrame or isinstance(frame, InputAudioRawFrame):
            await self._audio(frame, direction)
            return
        if isinstance(frame, InputDTMFFrame):
            await g.feed(CallerDtmf(str(frame.button.value), g.t_ms))
            return
        if isinstance(frame, OutputTransportMessageFrame | OutputTransportMessageUrgentFrame):
            # RTVI (on by default in Pipecat 1.14) sends the speech-to-text's raw
            # transcript to the client as transport messages; its processor is at
            # the head of the pipeline, so they pass here before anything else
            frame = dataclasses.replace(frame, message=_redacted(frame.message))
        if isinstance(frame, StartFrame) and self._refused:
            await self.push_frame(frame, direction)
            await self.push_error(_RATE_ERROR, force_treat_as_permanent=True)
            return
        await self.push_frame(frame, direction)

    async def setup(self, setup: FrameProcessorSetup) -> None:
        await super().setup(setup)
        rate = getattr(setup, "audio_in_sample_rate", None)
        if rate not in (None, *SAMPLE_RATES):
            self._refused = True  # refused once, at the start, with one clear error
        elif rate == 16000 and self._guard.t_ms == 0.0:
            # Pipecat's 16 kHz input comes from the serializer's resampler in
            # chunks of about 100 ms: the session analyses them in 30 ms frames
            # (a third fewer calls; keypad tones are judged per 10 ms block
            # whatever the frame, so every decision and its time are the same)
            self._guard.session.analyse_in(30)

    async def _audio(self, frame: InputAudioRawFrame, direction: FrameDirection) -> None:
        g = self._guard
        rate = frame.sample_rate
        raw = frame.audio
        if self._refused or frame.num_channels != 1 or rate not in SAMPLE_RATES:
            if not self._refused:
                self._refused = True
                await self.push_error(_RATE_ERROR, force_treat_as_permanent=True)
            return  # fail closed: nothing the guard cannot read reaches the bot
        # 8 kHz for the session, from 16 kHz by taking every other sample: the
        # call's audio is Twilio's 8 kHz upsampled, with nothing above 4 kHz to
        # fold back, and keypad tones (<= 1633 Hz) and speech live well below that
        pcm = np.frombuffer(raw, np.int16)[0::2].tobytes() if rate == 16000 else raw
        t = g.t_ms
        g.t_ms = t + len(pcm) / 16.0
        forwards: list = []
        await g.carry_out(g.executor.feed(CallerAudio(b"", t, pcm)), forwards)
        for fwd in forwards:
            if fwd.masked:
                n = len(raw)
                silence = self._silence.get(n)
                if silence is None:
                    silence = self._silence[n] = bytes(n)
                frame.audio = silence  # the transport's own frame, now silence
            await self.push_frame(frame, direction)


class _TranscriptGuard(_GuardProcessor):
    """After speech-to-text: transcripts are redacted before anything else sees them."""

    def __init__(self, guard: Guard) -> None:
        super().__init__(guard, "GuardrailTranscripts")
        self.texts: list[ForwardText] = []

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        g = self._guard
        if isinstance(frame, TranscriptionFrame | InterimTranscriptionFrame):
            final = isinstance(frame, TranscriptionFrame)
            self.texts.clear()
            await g.feed(CallerTranscript(frame.text, final, g.t_ms))
            texts, self.texts = self.texts, []
            for fwd in texts:
                # the speech-to-text's raw result holds what was said, value and
                # all (its transcript, its words): a redacted frame goes on without it
                extra = {} if fwd.text == frame.text else {"result": None}
                await self.push_frame(dataclasses.replace(frame, text=fwd.text, **extra), direction)
            return
        await self.push_frame(frame, direction)


class _AgentTextGuard(_GuardProcessor):
    """After the LLM, before text-to-speech: what the bot is about to say."""

    def __init__(self, guard: Guard) -> None:
        super().__init__(guard, "GuardrailAgentText")
        self.texts: list[ForwardText] = []

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        g = self._guard
        if direction is FrameDirection.DOWNSTREAM:
            if isinstance(frame, TextFrame) and not isinstance(
                frame, TranscriptionFrame | InterimTranscriptionFrame
            ):
                await self._agent(frame.text, False, frame)
                return
            if isinstance(frame, TTSSpeakFrame):
                # Text a bot speaks directly (a greeting, a scripted question) is
                # agent text too: a question for a card must not bypass the LLM path.
                self.texts.clear()
                await g.feed(AgentText(frame.text, True, g.t_ms))
                texts, self.texts = self.texts, []
                for fwd in texts:
                    await self.push_frame(dataclasses.replace(frame, text=fwd.text), direction)
                return
            if isinstance(frame, StartFrame):
                self._ended = False
                await self.push_frame(frame, direction)
                await g._started()
                return
            if isinstance(frame, InterruptionFrame):
                await g.feed(AgentInterrupted(g.t_ms))
            elif isinstance(frame, LLMFullResponseEndFrame | EndFrame):
                await self._agent("", True, None)
            if isinstance(frame, EndFrame | CancelFrame) and not self._ended:
                # Twilio's `stop` never reaches the pipeline (the serializer
                # drops it) and a hang-up cancels it: either way this stream is
                # over. The session decides whether the call is (a hand-off
                # goes on). Here, behind the transcripts, nothing of the
                # stream is still on its way to the session.
                self._ended = True
                await g.feed(StreamStopped(g.t_ms))
        await self.push_frame(frame, direction)

    async def _agent(self, text: str, final: bool, frame: TextFrame | None) -> None:
        g = self._guard
        self.texts.clear()
        await g.feed(AgentText(text, final, g.t_ms))
        texts, self.texts = self.texts, []
        for fwd in texts:
            out = dataclasses.replace(frame, text=fwd.text) if frame else TextFrame(text=fwd.text)
            await self.push_frame(out)


def _redacted(value: object, depth: int = 0) -> object:
    """A transport message with every string in it redacted (bounded depth)."""
    if isinstance(value, str):
        return scan(value, "caller").redacted if value else value
    if depth > 8:
        return None
    if isinstance(value, dict):
        return {k: _redacted(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redacted(v, depth + 1) for v in value]
    return value


class _RecorderGate(_GuardProcessor):
    """In front of the recorder: caller audio masked in line, through a delay line."""

    def __init__(self, guard: Guard) -> None:
        super().__init__(guard, "GuardrailRecorderGate")
        self._line: DelayLine | None = None
        self._t = guard.t_ms  # a new stream of the call goes on on the call's clock
        self._open: set[float] = set()
        self._pending: list[MaskAudio] = []
        self._frames: deque[InputAudioRawFrame] = deque()

    async def _release(self, held: InputAudioRawFrame, pcm: np.ndarray, direction) -> None:
        if held.audio != (raw := pcm.tobytes()):
            held.audio = raw  # the held frame itself: same length, masked where it must be
        await self.push_frame(held, direction)

    def _line_for(self, rate: int) -> DelayLine:
        line = self._line
        if line is None:
            line = self._line = DelayLine(60.0, MaskSet(sample_rate=rate))
            for a in self._pending:
                self._apply(line, a)
            self._pending.clear()
        return line

    def mask(self, a: MaskAudio) -> None:
        if self._line is None:
            self._pending.append(a)
        else:
            self._apply(self._line, a)

    def _apply(self, line: DelayLine, a: MaskAudio) -> None:
        if a.end_ms is None:
            self._open.add(a.start_ms)
            line.mask(a.start_ms)
        elif a.start_ms in self._open:
            self._open.discard(a.start_ms)
            line.end_mask(a.end_ms, a.start_ms)
        else:
            line.mask(a.start_ms, a.end_ms)

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if isinstance(frame, InputAudioRawFrame) and direction is FrameDirection.DOWNSTREAM:
            rate = frame.sample_rate
            line = self._line_for(rate)
            pcm = np.frombuffer(frame.audio, np.int16)
            t = self._t
            self._t = t + len(pcm) * 1000.0 / rate
            self._frames.append(frame)
            for _, masked in line.push(pcm, t):
                await self._release(self._frames.popleft(), masked, direction)
            return
        if isinstance(frame, EndFrame | CancelFrame) and self._line is not None:
            # the recorder gets every sample, masked, before it stops
            for _, masked in self._line.flush():
                await self._release(self._frames.popleft(), masked, direction)
        await self.push_frame(frame, direction)
