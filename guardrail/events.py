"""Events the session takes in, and actions it gives out.

Small frozen, slotted dataclasses: cheap to create on the per-frame path and
impossible to mutate behind the session's back. Times are stream times in
milliseconds (Twilio's ``media.timestamp`` clock); the session never reads a
clock of its own.

Nothing here ever holds a sensitive value outside the two places that must:
:class:`CallerAudio`/:class:`ForwardAudio` carry audio, and
:class:`CaptureDigit` carries one keyed digit on its way to the secure sink.
Their ``repr`` hides the payload, so a stray log line cannot leak it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "Action",
    "AgentInterrupted",
    "AgentText",
    "Alert",
    "Audit",
    "AuditHealth",
    "CallEnded",
    "CallStarted",
    "CallerAudio",
    "CallerDtmf",
    "CallerTranscript",
    "CaptureComplete",
    "CaptureDigit",
    "CaptureResult",
    "ControlResult",
    "DisposeRecording",
    "Event",
    "ForwardAudio",
    "ForwardDtmf",
    "ForwardText",
    "Handoff",
    "HandoffResult",
    "MaskAudio",
    "MuteBotInput",
    "Notice",
    "PauseRecording",
    "Redact",
    "ResumeRecording",
    "Say",
    "StreamStopped",
    "SuppressAgentAudio",
    "UnmuteBotInput",
    "Word",
]

# -- events ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CallStarted:
    """The media stream started (Twilio ``start``)."""

    call_sid: str
    stream_sid: str
    t_ms: float = 0.0


@dataclass(frozen=True, slots=True)
class CallerAudio:
    """One inbound mu-law payload at stream time ``t_ms``.

    ``pcm``: the same audio as 16-bit PCM at 8 kHz, from an adapter that has
    PCM already (Pipecat); then ``payload`` may be empty.
    """

    payload: bytes = field(repr=False)
    t_ms: float
    pcm: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class CallerDtmf:
    """A keypad press Twilio reported as a ``dtmf`` message."""

    digit: str = field(repr=False)
    t_ms: float


@dataclass(frozen=True, slots=True)
class Word:
    """One word of a transcript as the speech-to-text timed it, in stream time (ms).

    ``text`` is the word as the speech-to-text wrote it (it may be a whole
    formatted number, or a spoken "four" where the transcript says "4"); it
    is hidden from ``repr`` like the transcript it belongs to.
    """

    text: str = field(repr=False)
    start_ms: float
    end_ms: float


@dataclass(frozen=True, slots=True)
class CallerTranscript:
    """What speech-to-text heard the caller say (``final=False``: an interim).

    ``words``: the speech-to-text's word timings, in stream time, when it gives
    them; with them a disclosure is masked from the recording where its own
    words were spoken, without them where the session's VAD heard the
    utterance's speech (see :meth:`guardrail.session.Session`).
    """

    text: str = field(repr=False)
    final: bool
    t_ms: float
    words: tuple[Word, ...] = field(default=(), repr=False)


@dataclass(frozen=True, slots=True)
class AgentText:
    """A chunk of what the bot is about to say; ``final`` ends the utterance."""

    text: str = field(repr=False)
    final: bool
    t_ms: float


@dataclass(frozen=True, slots=True)
class ControlResult:
    """The outcome of a control action (pause, resume) the session asked for."""

    action_id: int
    ok: bool
    t_ms: float
    reason: str = ""
    """Why not, or how it was answered when not by the provider (``dry_run``,
    ``not_configured``); a status code or error class, never content."""


@dataclass(frozen=True, slots=True)
class HandoffResult:
    """Where a handoff ended: ``connected``, ``returned`` (caller back with the
    bot), ``completed`` (the call ended there) or ``failed``. ``summary`` is
    what the bot may learn ("card ending 4242 accepted"), never a value."""

    action_id: int
    outcome: str
    t_ms: float
    summary: str = ""
    reason: str = ""


@dataclass(frozen=True, slots=True)
class CaptureResult:
    """The secure sink's answer to a :class:`CaptureComplete`: ``summary`` is what
    the bot may learn ("card ending 4242 accepted"), never the value."""

    action_id: int
    ok: bool
    t_ms: float
    summary: str = ""


@dataclass(frozen=True, slots=True)
class CallEnded:
    """The call ended (the status callback, a hang-up, the pipeline's end)."""

    t_ms: float


@dataclass(frozen=True, slots=True)
class StreamStopped:
    """Twilio ``stop``: this media stream ended. Not the end of the call when
    the caller was sent to a secure path or a human (Twilio ends the stream
    when it redirects the call); otherwise it is a hang-up."""

    t_ms: float


@dataclass(frozen=True, slots=True)
class AgentInterrupted:
    """The caller barged in: what the bot was about to say is abandoned."""

    t_ms: float


@dataclass(frozen=True, slots=True)
class AuditHealth:
    """The audit trail became able (``ok``) or unable to keep entries.

    The executor feeds it when its audit callback's ``healthy`` flips (a
    :class:`~guardrail.audit.BufferedAudit` buffering for a store that is
    down is not healthy). While it is not, the session fails closed for new
    sensitive operations: it cannot account for them.
    """

    ok: bool
    t_ms: float


Event = (
    CallStarted
    | CallerAudio
    | CallerDtmf
    | CallerTranscript
    | AgentText
    | ControlResult
    | HandoffResult
    | CaptureResult
    | CallEnded
    | StreamStopped
    | AgentInterrupted
    | AuditHealth
)

# -- actions -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ForwardAudio:
    """Send this caller audio to the bot (``masked``: silence stands in for it)."""

    payload: bytes = field(repr=False)
    t_ms: float
    masked: bool = False


@dataclass(frozen=True, slots=True)
class ForwardText:
    """Pass text on: a caller transcript to the bot/LLM, agent text to text-to-speech.

    ``redacted``: a value was removed from it; for agent text, whatever the bot
    already made of the original (its audio, in proxy mode) holds the value.
    """

    text: str
    role: str
    final: bool
    t_ms: float
    redacted: bool = False


@dataclass(frozen=True, slots=True)
class ForwardDtmf:
    """Pass a keypad press on to the bot (outside secure capture)."""

    digit: str
    t_ms: float


@dataclass(frozen=True, slots=True)
class CaptureDigit:
    """A keyed digit for the secure sink only; the bot never sees it."""

    digit: str = field(repr=False)
    t_ms: float


@dataclass(frozen=True, slots=True)
class CaptureComplete:
    """The keyed value, complete and checked, for the secure sink only."""

    action_id: int
    digits: str = field(repr=False)
    category: str
    t_ms: float


@dataclass(frozen=True, slots=True)
class MuteBotInput:
    t_ms: float


@dataclass(frozen=True, slots=True)
class UnmuteBotInput:
    t_ms: float


@dataclass(frozen=True, slots=True)
class PauseRecording:
    action_id: int
    t_ms: float


@dataclass(frozen=True, slots=True)
class ResumeRecording:
    action_id: int
    t_ms: float


@dataclass(frozen=True, slots=True)
class MaskAudio:
    """Mask ``[start_ms, end_ms)`` on ``target`` (``bot`` or ``recording``);
    ``end_ms=None`` masks until a later :class:`MaskAudio` closes it."""

    start_ms: float
    end_ms: float | None
    target: str
    t_ms: float


@dataclass(frozen=True, slots=True)
class Redact:
    """A value of ``category`` was removed from text before it went anywhere."""

    category: str
    t_ms: float


@dataclass(frozen=True, slots=True)
class Say:
    """Speak this to the caller (in place of what the bot would have said)."""

    text: str
    t_ms: float


@dataclass(frozen=True, slots=True)
class Handoff:
    """Route the caller: ``kind`` is ``secure_path`` or ``human``."""

    action_id: int
    route: str
    kind: str
    category: str
    t_ms: float
    say: str = ""
    """What the caller hears first, spoken by Twilio in the redirect's TwiML,
    so the redirect can never cut the prompt off."""


@dataclass(frozen=True, slots=True)
class Notice:
    """Tell the bot what it needs to know (``guardrail.notice``); never a value.

    ``respond``: the bot should speak now (the caller is back from a secure
    path and waits for it), not only take note.
    """

    text: str
    t_ms: float
    respond: bool = False


@dataclass(frozen=True, slots=True)
class SuppressAgentAudio:
    """What the bot is saying now asked for protected data: drop its audio for
    this utterance and clear what the caller's side has queued, until the next
    agent text that is let through."""

    t_ms: float


@dataclass(frozen=True, slots=True)
class Audit:
    """What happened and when, for the audit trail; never the value."""

    event: str
    outcome: str
    t_ms: float
    category: str | None = None


@dataclass(frozen=True, slots=True)
class DisposeRecording:
    """After the call: the provider's recording caught a disclosure before it could
    be paused. ``mode`` is ``delete`` or ``quarantine``; ``spans`` are the
    ``(start_ms, end_ms, category)`` stretches of stream time to redact."""

    mode: str
    spans: tuple[tuple[float, float, str], ...]
    t_ms: float


@dataclass(frozen=True, slots=True)
class Alert:
    """Something needs a human's attention (a protection could not be confirmed)."""

    reason: str
    t_ms: float


Action = (
    ForwardAudio
    | ForwardText
    | ForwardDtmf
    | CaptureDigit
    | CaptureComplete
    | MuteBotInput
    | UnmuteBotInput
    | PauseRecording
    | ResumeRecording
    | MaskAudio
    | Redact
    | Say
    | Handoff
    | Notice
    | SuppressAgentAudio
    | Audit
    | Alert
    | DisposeRecording
)
