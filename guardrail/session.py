"""One call's guardrail: a sans-I/O state machine, events in, actions out.

:class:`Session` never sleeps, reads a socket or calls Twilio. Adapters feed it
events (:mod:`guardrail.events`) with their stream times and carry out the
actions it returns; they arm a timer for :meth:`Session.next_deadline` and
call :meth:`Session.on_timer` when it fires. Tests drive it with a fake clock.

States (the transition table :data:`TRANSITIONS` is the whole truth):

``normal``
    Audio and text flow to the bot; transcripts and agent text are scanned,
    disclosures redacted, keypad tones masked from the recording.
``protecting``
    A request or disclosure that the policy routes to a secure path or a
    human: the bot's input is muted and the session waits for the recording
    pause and the handoff to be confirmed. Unconfirmed in time: fail closed.
``secure_capture``
    In-stream keypad capture: digits go to the secure sink only, the bot
    hears silence, the recording is masked, Twilio ``dtmf`` is not forwarded.
``handed_off``
    The caller is with a secure path or a human; nothing reaches the bot.
``ended``
    The call is over; events are ignored.

Beside the state, ``audit_ok`` (fed as :class:`~guardrail.events.AuditHealth`
by the executor): while the audit trail cannot keep entries, nothing starts
that it could not account for. An agent request for a protected category is
withheld (its audio suppressed, the caller told once, the bot told each
time), a disclosure that would start a secure capture or a handoff starts
neither; disclosures are still redacted and masked, keyed runs still
withheld. When the trail is back, normal service.

A disclosure is masked from the recording where it was spoken: by the
speech-to-text's word timings when the transcript has them, else on the
utterance's speech as the VAD heard it (:meth:`Session._disclosure_spans`).
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from audio import mulaw
from audio.dtmf import MASK_GUARD_MS, KeyDown, KeyUp
from audio.frontend import AudioFrontEnd
from audio.vad import SpeechStarted, SpeechStopped

from .detect import CallScanner
from .detect import categories as c
from .detect.validators import card_brand, luhn_ok
from .events import (
    AgentInterrupted,
    AgentText,
    Alert,
    Audit,
    AuditHealth,
    CallEnded,
    CallerAudio,
    CallerDtmf,
    CallerTranscript,
    CallStarted,
    CaptureComplete,
    CaptureDigit,
    CaptureResult,
    ControlResult,
    DisposeRecording,
    ForwardAudio,
    ForwardDtmf,
    ForwardText,
    Handoff,
    HandoffResult,
    MaskAudio,
    MuteBotInput,
    Notice,
    PauseRecording,
    Redact,
    ResumeRecording,
    Say,
    StreamStopped,
    SuppressAgentAudio,
    UnmuteBotInput,
    Word,
)
from .policy import Policy

__all__ = ["DEFAULT_ROUTES", "STATES", "TRANSITIONS", "Session", "SessionConfig"]

NORMAL = "normal"
PROTECTING = "protecting"
SECURE_CAPTURE = "secure_capture"
HANDED_OFF = "handed_off"
ENDED = "ended"
STATES = (NORMAL, PROTECTING, SECURE_CAPTURE, HANDED_OFF, ENDED)

DEFAULT_ROUTES: Mapping[str, str] = {"secure_card": "keypad", "human": "human"}
"""Route name to kind: ``keypad`` (in-stream capture), ``pay`` (Twilio
``<Pay>``) or ``human``. The handoff configuration replaces this."""

_SENTENCE_END = (".", "?", "!", ";", ":", "\n")

# (state, event type) -> handler: what each event does in each state. An
# event missing here is ignored (and audited as such): the session never
# raises on what the outside sends.
_ACTIVE = (NORMAL, PROTECTING, SECURE_CAPTURE, HANDED_OFF)
TRANSITIONS: dict[tuple[str, type], str] = {
    (NORMAL, CallStarted): "_on_start",
    (NORMAL, CallerAudio): "_on_audio",
    (NORMAL, CallerDtmf): "_dtmf_forward",
    (NORMAL, CallerTranscript): "_on_transcript",
    (NORMAL, AgentText): "_on_agent_text",
    (NORMAL, AgentInterrupted): "_on_interrupted",
    (NORMAL, StreamStopped): "_stopped_hang_up",
    # muted, waiting for the recording pause (then the prompt and capture, or
    # the redirect) or for the redirect to be confirmed
    (PROTECTING, CallStarted): "_on_start",
    (PROTECTING, CallerAudio): "_on_audio",
    (PROTECTING, CallerDtmf): "_dtmf_withheld",
    (PROTECTING, CallerTranscript): "_on_transcript",
    (PROTECTING, AgentText): "_agent_withheld",
    (PROTECTING, AgentInterrupted): "_on_interrupted",
    (PROTECTING, StreamStopped): "_stopped_while_protecting",
    # in-stream keypad capture: digits go to the secure sink only
    (SECURE_CAPTURE, CallStarted): "_on_start",
    (SECURE_CAPTURE, CallerAudio): "_on_audio",
    (SECURE_CAPTURE, CallerDtmf): "_dtmf_capture",
    (SECURE_CAPTURE, CallerTranscript): "_transcript_withheld",
    (SECURE_CAPTURE, AgentText): "_agent_withheld",
    (SECURE_CAPTURE, AgentInterrupted): "_on_interrupted",
    (SECURE_CAPTURE, StreamStopped): "_stopped_hang_up",
    # with <Pay> or a human: nothing reaches the bot
    (HANDED_OFF, CallStarted): "_on_start",
    (HANDED_OFF, CallerAudio): "_on_audio",
    (HANDED_OFF, CallerDtmf): "_dtmf_withheld",
    (HANDED_OFF, CallerTranscript): "_transcript_withheld",
    (HANDED_OFF, AgentText): "_agent_withheld",
    (HANDED_OFF, AgentInterrupted): "_on_interrupted",
    (HANDED_OFF, StreamStopped): "_stopped_while_leaving",
}
for _state in _ACTIVE:
    TRANSITIONS[(_state, ControlResult)] = "_on_control"
    TRANSITIONS[(_state, HandoffResult)] = "_on_handoff_result"
    TRANSITIONS[(_state, CaptureResult)] = "_on_capture_result"
    TRANSITIONS[(_state, CallEnded)] = "_on_end"
    # the audit trail can (or can no longer) account for what is done: a flag
    # beside the state, read when a new sensitive operation would start
    TRANSITIONS[(_state, AuditHealth)] = "_on_audit_health"
del _state

KEY_MATCH_MS = 1500.0
"""A keypad press reported twice (Twilio ``dtmf`` and the tone in the audio)
is one press when the two reports are this close in stream time."""


@dataclass(frozen=True, slots=True)
class SessionConfig:
    """Timing and wording the telephony team can tune."""

    confirm_timeout_ms: float = 2000.0
    capture_digit_timeout_ms: float = 8000.0
    capture_max_digits: int = 19
    capture_attempts: int = 3
    sink_timeout_ms: float = 5000.0
    say_reenter: str = "That number didn't look right. Please enter it again, then press pound."
    disclosure_lookback_ms: float = 15000.0
    mask_word_guard_ms: float = 120.0
    """Guard margin each side of a disclosure masked by the speech-to-text's
    word timings (they are good to a few tens of ms)."""
    mask_speech_guard_ms: float = 250.0
    """Guard margin each side of a disclosure placed proportionally on the
    utterance's speech (VAD), plus a tenth of its length: the estimate is rougher."""
    say_audit_unavailable: str = (
        "I'm sorry, I can't take those details right now. Please don't read them out on this call."
    )
    notice_audit_unavailable: str = (
        "Sensitive details cannot be taken on this call right now. Do not ask the caller"
        " for them; offer to call back or continue with something else."
    )
    say_secure_path: str = (
        "I'll take that on our secure line; please enter it on your keypad, then press pound."
    )
    say_pay: str = "I'm transferring you to our secure payment line to take your card details."
    say_human: str = "I'm connecting you to a colleague who can help with that."
    notice_redacted: str = (
        "The caller said their {categories}; it was removed from the transcript."
        " Do not repeat it or ask for it again."
    )
    say_failed: str = (
        "I'm sorry, I can't take that securely right now. Please don't read it out on this call."
    )
    notice_keyed: str = (
        "The caller keyed a {n}-digit number; it was withheld from you. Do not ask them to"
        " read it out."
    )
    notice_failed: str = (
        "The secure line is not available right now. Tell the caller you cannot take that"
        " detail on this call; do not ask them to read it out."
    )


_MAX_SEGMENTS = 256
"""Speech segments kept for one utterance (a caller who talks for minutes
without a final transcript: the oldest go, and the lookback bounds them anyway)."""
_MAX_WORDS = 512
_MAX_SKIP = 40
"""A transcript word found this many characters past the last one is not taken
as the same word (a short word can recur later in the text)..."""
_RUN_CHARS = 12
"""...plus this many for each word not found since (it stands for text the
transcript wrote differently: "4111" for "four one one one")."""
_DIGIT_WEIGHT = 4.0
"""A digit in a transcript is a spoken word ("seven"): about four letters long."""
_WORDS_SLACK_MS = 300.0
_MIN_SPEECH_MS = 300.0
"""Less speech than this heard in an utterance that disclosed a value: the VAD
missed it (a quiet caller), so the speech is no guide to where the value is."""


def _spoken_weights(text: str) -> list[float]:
    """Cumulative speaking weight of ``text[:i]`` for each ``i``: how long the
    characters take to say, relative to one another (letters and spaces 1, a
    digit a whole word, other punctuation a little)."""
    cum = [0.0]
    total = 0.0
    for ch in text:
        if ch.isdigit():
            total += _DIGIT_WEIGHT
        elif ch.isalpha() or ch.isspace():
            total += 1.0
        else:
            total += 0.5
        cum.append(total)
    return cum


def _share(cum: list[float], c0: int, c1: int, s: int, e: int) -> tuple[float, float]:
    """The part ``[s, e)`` of the text ``[c0, c1)`` as fractions of its speaking time."""
    whole = cum[c1] - cum[c0]
    if whole <= 0.0:
        return 0.0, 1.0
    return (cum[max(s, c0)] - cum[c0]) / whole, (cum[min(e, c1)] - cum[c0]) / whole


def _word_key(text: str) -> str:
    return text.strip().lower().strip(".,;:!?\"'()[]")


def _span_by_words(
    text: str, cum: list[float], words: Sequence[Word], start: int, end: int, guard_ms: float
) -> tuple[float, float] | None:
    """When the characters ``[start, end)`` of ``text`` were spoken, from word timings.

    Words are found in the text in order; a word the text wrote differently
    (and any run of them) stands for the text between the words found around
    it. A span that is only part of such a run is placed on it by speaking
    weight and widened by ``guard_ms`` plus a tenth of its length (within the
    run's own time): that part is an estimate. ``None`` when some letter or
    digit of the span is covered by no word: the timings do not say where it
    was.
    """
    low = text.lower()
    pieces: list[tuple[int, int, float, float, bool]] = []  # c0, c1, t0, t1, one word
    cursor = 0
    run: list[Word] = []
    for w in words[:_MAX_WORDS]:
        key = _word_key(w.text)
        pos = -1
        if key:
            reach = cursor + _MAX_SKIP + len(key) + _RUN_CHARS * len(run)
            m = re.compile(r"(?<![0-9a-z])" + re.escape(key) + r"(?![0-9a-z])").search(
                low, cursor, reach
            )
            pos = m.start() if m else -1
        if pos < 0:
            run.append(w)
            continue
        if run:
            pieces.append(_run_piece(text, cursor, pos, run))
            run = []
        pieces.append((pos, pos + len(key), w.start_ms, w.end_ms, True))
        cursor = pos + len(key)
    if run:
        pieces.append(_run_piece(text, cursor, len(text), run))
    lo = hi = None
    covered = [False] * (end - start)
    for c0, c1, t0, t1, whole in pieces:
        if c1 <= start or c0 >= end:
            continue
        for i in range(max(c0, start), min(c1, end)):
            covered[i - start] = True
        if whole:
            a, b = t0, t1  # a word partly in the span is masked whole
        else:
            fa, fb = _share(cum, c0, c1, start, end)
            a, b = t0 + (t1 - t0) * fa, t0 + (t1 - t0) * fb
            if fa > 0.0 or fb < 1.0:
                margin = guard_ms + 0.1 * (b - a)
                a, b = max(t0, a - margin), min(t1, b + margin)
        lo = a if lo is None else min(lo, a)
        hi = b if hi is None else max(hi, b)
    if lo is None or hi is None:
        return None
    for i, ok in enumerate(covered):
        if not ok and text[start + i].isalnum():
            return None
    return lo, hi


def _run_piece(text: str, c0: int, c1: int, run: list[Word]) -> tuple[int, int, float, float, bool]:
    """Words the text wrote differently stand for the text between the words
    found around them, spaces and punctuation at its edges left out."""
    while c0 < c1 and not text[c0].isalnum():
        c0 += 1
    while c1 > c0 and not text[c1 - 1].isalnum():
        c1 -= 1
    return (c0, c1, run[0].start_ms, run[-1].end_ms, False)


def _words_fit(words: Sequence[Word], segments: list, floor: float, t: float) -> bool:
    """Word timings that fit the call's clock: inside the lookback, not after the
    transcript arrived, and (when the VAD heard the utterance) mostly where it
    heard speech. A speech-to-text on another clock would mask the wrong audio."""
    if min(w.start_ms for w in words) < floor or any(w.end_ms > t + _WORDS_SLACK_MS for w in words):
        return False
    if not segments:
        return True
    spoken = inside = 0.0
    for w in words:
        spoken += w.end_ms - w.start_ms
        for a, b in segments:
            lo, hi = max(w.start_ms, a - _WORDS_SLACK_MS), min(w.end_ms, b + _WORDS_SLACK_MS)
            if hi > lo:
                inside += hi - lo
    return spoken <= 0.0 or inside >= 0.5 * spoken


def _span_by_speech(
    cum: list[float], start: int, end: int, segments: list, guard_ms: float
) -> tuple[float, float]:
    """When the characters ``[start, end)`` were spoken, from the utterance's speech.

    The span's share of the text's speaking weight is placed on the same share
    of the speech time (the segments laid end to end, silences left out), a
    margin of ``guard_ms`` plus a tenth of its length is added each side (also
    on speech time, so it does not run out in a pause), and each end is
    widened to the edge of the segment it falls in when that edge is within
    one more margin: a caller who pauses around a number is masked exactly
    from the pause.
    """
    total = sum(b - a for a, b in segments)
    fa, fb = _share(cum, 0, len(cum) - 1, start, end)
    ta, tb = fa * total, fb * total
    margin = guard_ms + 0.1 * (tb - ta)
    ta, tb = max(0.0, ta - margin), min(total, tb + margin)

    def place(x: float, snap_down: bool) -> float:
        for a, b in segments:
            if x <= b - a:
                at = a + x
                if snap_down:
                    return a if at - a <= margin else at
                return b if b - at <= margin else at
            x -= b - a
        return segments[-1][1]

    return place(ta, True), place(tb, False)


class _KeyPresses:
    """One key press is one digit, whichever report of it arrives first.

    Twilio reports a press as a ``dtmf`` message and, when the stream carries
    the caller's audio, the tone is in the audio too, where the detector finds
    it. Each report from one source is matched, oldest first, with an
    unmatched report of the same digit from the other source within
    :data:`KEY_MATCH_MS`; a matched report is the same press, not a new one.
    """

    __slots__ = ("_unmatched",)

    def __init__(self) -> None:
        self._unmatched: dict[str, list[tuple[str, float]]] = {"audio": [], "twilio": []}

    def new_press(self, source: str, digit: str, t: float) -> bool:
        other = self._unmatched["twilio" if source == "audio" else "audio"]
        floor = t - KEY_MATCH_MS
        while other and other[0][1] < floor:
            other.pop(0)
        for i, (d, _) in enumerate(other):
            if d == digit:
                del other[i]
                return False
        mine = self._unmatched[source]
        while mine and mine[0][1] < floor:
            mine.pop(0)
        mine.append((digit, t))
        return True

    def reset(self) -> None:
        self._unmatched["audio"].clear()
        self._unmatched["twilio"].clear()


class Session:
    """The guardrail for one call. Not thread-safe; one adapter drives it."""

    def __init__(
        self,
        policy: Policy | None = None,
        *,
        routes: Mapping[str, str] | None = None,
        config: SessionConfig | None = None,
    ) -> None:
        self.policy = policy or Policy.default()
        self.routes = dict(DEFAULT_ROUTES if routes is None else routes)
        self.config = config or SessionConfig()
        self.state = NORMAL
        self.started = False
        self.scanner = CallScanner()
        self.frontend = AudioFrontEnd()
        self.recording_paused = False
        self.bot_muted = False
        self._next_id = 1
        self._pending: dict[int, tuple[str, float, str | None]] = {}
        self._given_up: dict[int, str] = {}
        self._handoff_id: int | None = None
        self._route: tuple[int, str, str, str] | None = None  # id, route, kind, category
        self._pause_id: int | None = None
        self._agent_buf = ""
        self._speech_open: float | None = None
        self._speech: deque[tuple[float, float]] = deque(maxlen=_MAX_SEGMENTS)
        self._speech_floor = 0.0
        self.audit_ok = True
        self._audit_told = False
        self._last_t = 0.0
        self._silence = bytes([mulaw.SILENCE]) * 160
        self._capture_digits = 0
        self._capture_buf: list[str] = []
        self._capture_attempts = 0
        self._sink_id: int | None = None
        self._capture_deadline: float | None = None
        self._keys = _KeyPresses()
        self._key_down = False
        self._says: deque[str] = deque(maxlen=8)
        self._keyed: list[tuple[str, float]] = []
        self._keyed_deadline: float | None = None
        self._capture_category: str | None = None
        self._recording_mask_open: float | None = None
        self.exposed: list[tuple[float, float, str]] = []

    # -- public API ----------------------------------------------------------

    def feed(self, event: object) -> list:
        """Process one event; return the actions to carry out, in order."""
        if type(event) is CallerAudio and self.state == NORMAL:  # the per-frame path
            t = event.t_ms
            if t > self._last_t:
                self._last_t = t
            return self._on_audio(event)
        t = getattr(event, "t_ms", self._last_t)
        if isinstance(t, int | float) and t > self._last_t:
            self._last_t = float(t)
        if self.state == ENDED:
            return []
        handler = TRANSITIONS.get((self.state, type(event)))
        if handler is None:
            return [Audit("ignored_event", type(event).__name__, self._last_t)]
        return getattr(self, handler)(event)

    def analyse_in(self, frame_ms: int) -> None:
        """Analyse caller audio (VAD, DTMF) in frames of ``frame_ms`` (10, 20, 30):
        an adapter whose audio arrives in large chunks sets this before the first.
        Keypad decisions are made per 10 ms block whatever the frame."""
        if self._last_t > 0.0:
            raise RuntimeError("analyse_in() must be called before any caller audio")
        self.frontend = AudioFrontEnd(frame_ms=frame_ms)

    @property
    def now(self) -> float:
        """The latest stream time the session has seen (ms)."""
        return self._last_t

    def next_deadline(self) -> float | None:
        """Stream time of the next timeout, or ``None``."""
        if not self._pending and self._capture_deadline is None and self._keyed_deadline is None:
            return None  # the per-frame case
        times = [d for _, d, _ in self._pending.values()]
        if self._capture_deadline is not None:
            times.append(self._capture_deadline)
        if self._keyed_deadline is not None:
            times.append(self._keyed_deadline)
        return min(times) if times else None

    def on_timer(self, now: float) -> list:
        """Handle every deadline at or before ``now``."""
        if now > self._last_t:
            self._last_t = now
        out: list = []
        if self.state == ENDED:
            return out
        for aid, (kind, deadline, category) in list(self._pending.items()):
            if deadline <= now and self._pending.pop(aid, None) is not None:
                self._given_up[aid] = kind
                self._fail_closed(out, kind, "timeout", category, now, aid)
        if (
            self._capture_deadline is not None
            and self._capture_deadline <= now
            and self.state == SECURE_CAPTURE
        ):
            self._end_capture(out, now, "timeout")
        if self._keyed_deadline is not None and self._keyed_deadline <= now:
            self._settle_keyed(out, now)
        return out

    # -- handlers ------------------------------------------------------------

    def _on_start(self, ev: CallStarted) -> list:
        if self.started:
            return [Audit("stream_restarted", "ok", ev.t_ms)]
        self.started = True
        return [Audit("call_started", "ok", ev.t_ms)]

    def _on_audio(self, ev: CallerAudio) -> list:
        state = self.state
        pcm = ev.pcm
        frontend = self.frontend
        events = (
            frontend.feed(ev.payload, ev.t_ms) if pcm is None else frontend.feed_pcm(pcm, ev.t_ms)
        )
        dtmf = frontend.dtmf
        if (
            state == NORMAL
            and not self._key_down
            and dtmf.key_down is None
            and not dtmf.tone_suspect
        ):
            out: list = [ForwardAudio(ev.payload, ev.t_ms)]
            if not events:
                return out
        else:
            # (a key is down, found in this frame or before, or the frame may hold
            # a key's first blocks, which the detector confirms only after 30 ms:
            # the bot never hears a keypad tone, it gets the key as a digit.)
            # Silence stands in, so every downstream clock (the recorder gate's
            # among them) keeps counting the call's own time.
            n = len(ev.payload)
            if n > len(self._silence):
                self._silence = bytes([mulaw.SILENCE]) * n
            out = [ForwardAudio(self._silence[:n], ev.t_ms, masked=True)]
        for e in events:
            if isinstance(e, SpeechStarted):
                self._speech_open = e.t_ms
            elif isinstance(e, SpeechStopped):
                # kept until the utterance's final transcript (which may still come)
                self._speech_open = None
                start = max(e.start_ms, self._speech_floor)
                if e.t_ms > start:
                    self._speech.append((start, e.t_ms))
            elif isinstance(e, KeyDown):
                # a key is down: its tone is kept from the bot until it is released,
                # whatever the state (a capture that the key ends included)
                self._key_down = True
                out.append(MaskAudio(e.t_ms - MASK_GUARD_MS, None, "recording", ev.t_ms))
                if self.state == SECURE_CAPTURE and self._keys.new_press("audio", e.digit, e.t_ms):
                    self._capture(out, e.digit, ev.t_ms)
            elif isinstance(e, KeyUp):
                self._key_down = False
                out.append(
                    MaskAudio(
                        e.start_ms - MASK_GUARD_MS, e.end_ms + MASK_GUARD_MS, "recording", ev.t_ms
                    )
                )
                if self.state == NORMAL:
                    out.append(Audit("keypad_tone_masked", "ok", ev.t_ms))
        return out

    def _dtmf_forward(self, ev: CallerDtmf) -> list:
        """With the bot: keyed digits are held until the run ends, then passed on
        only if the run is short enough to be a menu choice."""
        out: list = []
        if not self._keys.new_press("twilio", ev.digit, ev.t_ms):
            return out  # Twilio's report of a key the secure capture already took
        if ev.digit.isdigit():
            self._keyed.append((ev.digit, ev.t_ms))
            self._keyed_deadline = ev.t_ms + self.policy.keyed_digits_gap_ms
            return out
        self._settle_keyed(out, ev.t_ms, ev)
        return out

    def _settle_keyed(self, out: list, t: float, end: CallerDtmf | None = None) -> None:
        """A run of keyed digits ended (``#``/``*``, a pause, or the bot's turn ended)."""
        run, self._keyed = self._keyed, []
        self._keyed_deadline = None
        if len(run) > self.policy.keyed_digits_max:
            digits = "".join(d for d, _ in run)
            category = (
                c.PAYMENT_CARD
                if 13 <= len(digits) <= 19 and luhn_ok(digits) and card_brand(digits)
                else None
            )
            out.append(Audit("keyed_digits", "withheld", t, category))
            out.append(Notice(self.config.notice_keyed.format(n=len(run)), t))
        else:
            out.extend(ForwardDtmf(d, dt) for d, dt in run)
        if end is not None:
            out.append(ForwardDtmf(end.digit, end.t_ms))

    def _dtmf_capture(self, ev: CallerDtmf) -> list:
        out: list = []
        if self._keys.new_press("twilio", ev.digit, ev.t_ms):
            self._capture(out, ev.digit, ev.t_ms)
        return out

    def _dtmf_withheld(self, ev: CallerDtmf) -> list:
        return [Audit("dtmf_withheld", self.state, ev.t_ms)]

    def _transcript_withheld(self, ev: CallerTranscript) -> list:
        # The bot must not learn what the caller says while protected; a
        # speech-to-text that was not muted in time is dropped here.
        return [Audit("transcript_withheld", self.state, ev.t_ms)]

    def _agent_withheld(self, ev: AgentText) -> list:
        own = self._own_words(ev)
        if own is not None:
            return own
        self._agent_buf = ""
        return [Audit("agent_text_withheld", self.state, ev.t_ms), SuppressAgentAudio(ev.t_ms)]

    def _on_interrupted(self, ev: AgentInterrupted) -> list:
        # Barge-in: what the bot was about to say is abandoned, so the part of
        # it held back for the end of its sentence must not start the next reply.
        self._agent_buf = ""
        return []

    def _stopped_hang_up(self, ev: StreamStopped) -> list:
        """The stream stopped while the caller was with the bot: the call is over."""
        return [Audit("stream_stopped", self.state, ev.t_ms), *self._on_end(CallEnded(ev.t_ms))]

    def _stopped_while_protecting(self, ev: StreamStopped) -> list:
        """While protecting, a redirect may be on its way (Twilio ends the stream for
        it) or not sent yet (the recording pause is still awaited): Twilio ends a
        stream only for a redirect or a hang-up, so without one the caller is gone."""
        if self._handoff_id is None:
            return self._stopped_hang_up(ev)
        return self._stopped_while_leaving(ev)

    def _stopped_while_leaving(self, ev: StreamStopped) -> list:
        """Twilio ends the stream when it redirects the call: the call goes on."""
        out: list = [Audit("stream_stopped", self.state, ev.t_ms)]
        self._flush_keys(out, ev.t_ms)
        return out

    def _on_transcript(self, ev: CallerTranscript) -> list:
        out: list = []
        result = self.scanner.caller(ev.text, final=ev.final)
        out.append(ForwardText(result.redacted, "caller", ev.final, ev.t_ms))
        if not result.findings:
            if ev.final:
                self._utterance_done(ev.t_ms)
            return out
        spans = self._disclosure_spans(ev, result.findings)
        exposed = ev.final and not self.recording_paused
        for (start, end), f in zip(spans, result.findings, strict=True):
            out.append(MaskAudio(start, end, "recording", ev.t_ms))
            if exposed:
                # the provider's recording heard it before anything could pause it
                self.exposed.append((start, end, f.category))
        seen: list[str] = []
        for f in result.findings:
            if f.category not in seen:
                seen.append(f.category)
            out.append(Redact(f.category, ev.t_ms))
        for cat in seen:
            out.append(Audit("disclosure", "redacted", ev.t_ms, cat))
        if ev.final:
            self._utterance_done(ev.t_ms)
            self._apply(out, seen, "on_disclosure", ev.t_ms, exposed=exposed)
        return out

    def _utterance_done(self, t: float) -> None:
        """A final transcript closes the utterance: its speech is forgotten; speech
        still going on belongs to the next one."""
        self._speech.clear()
        self._speech_floor = t
        if self._speech_open is not None:
            self._speech_open = max(self._speech_open, t)

    def _disclosure_spans(self, ev: CallerTranscript, findings: Sequence) -> list:
        """Where in stream time each finding of ``ev`` was spoken: ``(start, end)``.

        The recording is masked there, not over the whole utterance. Best, the
        speech-to-text's word timings: the finding's characters are mapped to
        the words that spoke them (words the transcript wrote differently, a
        spoken "four" for a "4", share the text between the words around
        them), plus :attr:`SessionConfig.mask_word_guard_ms`. Word timings
        that do not fit the call's own clock (outside the lookback, after the
        transcript, or not where the VAD heard speech) are not trusted. Else
        the utterance's speech segments from the VAD since the last final
        transcript: the finding's share of the text (weighted by how long it
        takes to say: a digit is a word) placed on the share of the speech
        time, plus a guard margin, widened to the edges of the segments it
        touches when they are that close. With neither (or less than
        :data:`_MIN_SPEECH_MS` of speech heard), the recording is masked from
        the lookback to the transcript, as before.
        """
        t = ev.t_ms
        floor = max(0.0, t - self.config.disclosure_lookback_ms)
        segments = [(max(a, floor), min(b, t)) for a, b in self._speech if b > floor and a < t]
        if self._speech_open is not None:
            segments.append((max(self._speech_open, floor), max(t, self._speech_open)))
        cum = _spoken_weights(ev.text)
        words = ev.words if ev.words and _words_fit(ev.words, segments, floor, t) else ()
        guard = self.config.mask_word_guard_ms
        speech_guard = self.config.mask_speech_guard_ms
        out: list = []
        for f in findings:
            span = (
                _span_by_words(ev.text, cum, words, f.start, f.end, speech_guard) if words else None
            )
            if span is not None:
                start, end = span[0] - guard, span[1] + guard
            elif sum(b - a for a, b in segments) >= _MIN_SPEECH_MS:
                start, end = _span_by_speech(cum, f.start, f.end, segments, speech_guard)
            else:
                start, end = floor, t
            start, end = max(floor, start), min(end, t + guard)
            out.append((start, end) if end > start else (floor, t))
        return out

    def _on_agent_text(self, ev: AgentText) -> list:
        own = self._own_words(ev)
        if own is not None:
            return own
        out: list = []
        self._agent_buf += ev.text
        buf = self._agent_buf
        if not ev.final:
            cut = max(buf.rfind(ch) for ch in _SENTENCE_END)
            if cut < 0:
                return out
            ready, self._agent_buf = buf[: cut + 1], buf[cut + 1 :]
        else:
            ready, self._agent_buf = buf, ""
        if not ready.strip():
            return out
        result = self.scanner.agent(ready)
        for f in result.findings:
            out.append(Redact(f.category, ev.t_ms))
            out.append(Audit("agent_disclosure", "redacted", ev.t_ms, f.category))
        requests = list(result.requests)
        routed = [
            r for r in requests if self.policy.rule(r).on_request in ("secure_path", "handoff")
        ]
        blocked = [r for r in requests if self.policy.rule(r).on_request == "block"]
        held = [
            r
            for r in requests
            if self.policy.rule(r).on_request in ("secure_path", "handoff", "redact")
        ]
        if held and not self.audit_ok:
            # the trail cannot account for what the answer would start: not asked
            for r in requests:
                out.append(Audit("agent_request", "withheld_audit_unavailable", ev.t_ms, r))
            self._agent_buf = ""
            out.append(SuppressAgentAudio(ev.t_ms))
            self._withhold_for_audit(out, [], ev.t_ms)
            return out
        if routed:
            for r in requests:
                out.append(Audit("agent_request", "intercepted", ev.t_ms, r))
            self._agent_buf = ""
            out.append(SuppressAgentAudio(ev.t_ms))
            self._apply(out, routed, "on_request", ev.t_ms)
            return out
        if blocked:
            rule = self.policy.rule(blocked[0])
            for r in requests:
                out.append(Audit("agent_request", "blocked", ev.t_ms, r))
            self._agent_buf = ""
            out.append(SuppressAgentAudio(ev.t_ms))
            self._say(out, rule.block_message, ev.t_ms)
            return out
        for r in requests:
            rule = self.policy.rule(r)
            out.append(Audit("agent_request", rule.on_request, ev.t_ms, r))
            if rule.pause_recording and rule.on_request == "redact":
                self._pause(out, ev.t_ms, r)
        if not requests and not self._pending:
            # The agent moved on: the answer it asked for is behind us.
            self._close_mask(out, ev.t_ms)
            self._resume(out, ev.t_ms)
        if result.findings:
            # what the bot said holds a value: its audio of this utterance must not play
            out.append(SuppressAgentAudio(ev.t_ms))
        out.append(ForwardText(result.redacted, "agent", ev.final, ev.t_ms, bool(result.findings)))
        return out

    def _on_control(self, ev: ControlResult) -> list:
        out: list = []
        entry = self._pending.pop(ev.action_id, None)
        if entry is None:
            late = self._given_up.pop(ev.action_id, None)
            if late is None:
                out.append(Audit("control_result", "unexpected", ev.t_ms))
                return out
            # it was given up on (timed out) and the caller told; record the truth
            out.append(Audit(late, "confirmed_late" if ev.ok else "failed_late", ev.t_ms))
            if late == "pause_recording" and ev.ok:
                self.recording_paused = True  # paused after all: resume it later
            elif late == "resume_recording" and ev.ok:
                self.recording_paused = False
            return out
        kind, _, category = entry
        if not ev.ok:
            self._fail_closed(out, kind, ev.reason or "failed", category, ev.t_ms, ev.action_id)
            return out
        out.append(Audit(kind, ev.reason or "confirmed", ev.t_ms, category))
        if kind == "pause_recording" and ev.action_id == self._pause_id:
            self._pause_id = None
            if self.state == PROTECTING and self._route is not None and self._handoff_id is None:
                self._proceed(out, ev.t_ms)
        return out

    def _on_handoff_result(self, ev: HandoffResult) -> list:
        out: list = []
        if ev.action_id != self._handoff_id:
            if self._given_up.pop(ev.action_id, None) == "handoff" and ev.outcome == "connected":
                # The redirect went through after the session gave up on it:
                # the caller is on the secure path after all; keep the bot out.
                self._handoff_id = ev.action_id
                self.state = HANDED_OFF
                self._mute(out, ev.t_ms)
                out.append(Audit("handoff", "connected_late", ev.t_ms))
                return out
            out.append(Audit("handoff_result", "unexpected", ev.t_ms))
            return out
        self._pending.pop(ev.action_id, None)
        category = self._capture_category
        if ev.outcome == "connected":
            self.state = HANDED_OFF
            out.append(Audit("handoff", "connected", ev.t_ms, category))
        elif ev.outcome == "returned":
            self._handoff_id = None
            self._route = None
            out.append(Audit("handoff", "returned", ev.t_ms, category))
            self._back_to_bot(out, ev.t_ms, ev.summary)
        elif ev.outcome == "completed":
            out.append(Audit("handoff", "completed", ev.t_ms, category))
            self._handoff_id = None
        else:
            self._fail_closed(
                out, "handoff", ev.reason or "failed", category, ev.t_ms, ev.action_id
            )
        return out

    def _on_end(self, ev: CallEnded) -> list:
        out: list = []
        self._keyed, self._keyed_deadline = [], None  # nobody is left to hear them
        self._flush_keys(out, ev.t_ms)
        self._close_mask(out, ev.t_ms)
        if self.exposed:
            mode = self.policy.recording_after_exposure
            out.append(DisposeRecording(mode, tuple(self.exposed), ev.t_ms))
            for _, _, category in self.exposed:
                out.append(Audit("recording_exposed", mode, ev.t_ms, category))
        for kind, _, category in self._pending.values():
            out.append(Audit(kind, "unconfirmed_at_end", ev.t_ms, category))
        self._pending.clear()
        self._capture_deadline = None
        if self.bot_muted:
            self.bot_muted = False
            out.append(UnmuteBotInput(ev.t_ms))
        self.state = ENDED
        out.append(Audit("call_ended", "ok", ev.t_ms))
        return out

    def _flush_keys(self, out: list, t: float) -> None:
        for e in self.frontend.flush():
            if isinstance(e, KeyUp):  # a key still held when the stream stopped
                out.append(
                    MaskAudio(e.start_ms - MASK_GUARD_MS, e.end_ms + MASK_GUARD_MS, "recording", t)
                )

    # -- decisions -----------------------------------------------------------

    def _apply(
        self, out: list, categories: list[str], which: str, t: float, *, exposed: bool = False
    ) -> None:
        """Carry out the policy for categories asked for or disclosed.

        ``exposed``: a disclosure the provider's recording already heard. In
        normal state nothing more of it is coming, so a pause now would
        protect nothing (and be resumed at once): the recording is marked for
        remediation after the call instead (:attr:`exposed`, then
        :class:`DisposeRecording`), and the audit says so. A disclosure that
        starts a protected flow still pauses: what the caller says or keys
        next is protected by it.
        """
        rules = [self.policy.rule(cat) for cat in categories]
        routed = [r for r in rules if getattr(r, which) in ("secure_path", "handoff")]
        if routed and self.state == NORMAL and not self.audit_ok:
            # no secure capture, no handoff that the trail could not account for
            self._withhold_for_audit(out, [r.category for r in routed], t)
        elif routed and self.state == NORMAL:
            if self._keyed:
                self._settle_keyed(out, t)
            rule = routed[0]
            kind = self.routes.get(rule.route or "", "human")
            aid = self._new_id()
            self._route = (aid, rule.route or "human", kind, rule.category)
            self._capture_category = rule.category
            self.state = PROTECTING
            self._mute(out, t)
            out.append(Notice(rule.notice, t))
            out.append(Audit("handoff", "requested", t, rule.category))
            if any(r.pause_recording for r in rules):
                self._pause(out, t, categories[0])
            if self._pause_id is None:
                self._proceed(out, t)
            # else: the prompt, the capture and the redirect wait for the pause,
            # so a pause that fails leaves the caller one thing to hear
            return
        paused = [r.category for r in rules if r.pause_recording]
        if paused and exposed and self.state == NORMAL:
            mode = self.policy.recording_after_exposure
            for cat in paused:
                out.append(Audit("recording_exposed", f"pause_too_late_{mode}", t, cat))
        elif paused:
            self._pause(out, t, categories[0])
        if which == "on_disclosure":
            redacted = [r.category for r in rules if r.on_disclosure in ("redact", "block")]
            if redacted:
                names = ", ".join(cat.replace("_", " ") for cat in redacted)
                out.append(Notice(self.config.notice_redacted.format(categories=names), t))

    def _withhold_for_audit(self, out: list, categories: list[str], t: float) -> None:
        """The audit trail is down: what would start a sensitive operation does not;
        the caller hears once why, the bot every time."""
        for cat in categories:
            out.append(Audit("sensitive_operation", "withheld_audit_unavailable", t, cat))
        if not self._audit_told:
            self._audit_told = True
            self._say(out, self.config.say_audit_unavailable, t)
        out.append(Notice(self.config.notice_audit_unavailable, t))

    def _on_audit_health(self, ev: AuditHealth) -> list:
        """The trail can (again) or can no longer keep entries: fail closed for new
        sensitive operations while it cannot; normal service when it can."""
        if ev.ok == self.audit_ok:
            return []
        self.audit_ok = ev.ok
        if not ev.ok:
            return [
                Alert("audit_unavailable", ev.t_ms),
                Audit("audit_trail", "unavailable", ev.t_ms),
            ]
        self._audit_told = False
        return [Audit("audit_trail", "restored", ev.t_ms)]

    def _proceed(self, out: list, t: float) -> None:
        """The recording is paused (or needs no pause): send the caller on."""
        assert self._route is not None
        aid, route, kind, category = self._route
        if kind == "keypad":
            self._say(out, self.config.say_secure_path, t)
            out.append(Handoff(aid, route, kind, category, t))
            self._handoff_id = None
            self._start_capture(out, t)
            return
        say = self.config.say_pay if kind == "pay" else self.config.say_human
        self._handoff_id = aid
        self._pending[aid] = ("handoff", t + self.config.confirm_timeout_ms, category)
        out.append(Handoff(aid, route, kind, category, t, say))

    def _pause(self, out: list, t: float, category: str | None) -> None:
        if self.recording_paused:
            return
        self.recording_paused = True
        aid = self._new_id()
        self._pause_id = aid
        self._pending[aid] = ("pause_recording", t + self.config.confirm_timeout_ms, category)
        out.append(PauseRecording(aid, t))

    def _resume(self, out: list, t: float) -> None:
        if not self.recording_paused:
            return
        self.recording_paused = False
        aid = self._new_id()
        self._pending[aid] = ("resume_recording", t + self.config.confirm_timeout_ms, None)
        out.append(ResumeRecording(aid, t))

    def _say(self, out: list, text: str, t: float) -> None:
        """Ask for ``text`` to be spoken; remembered, so a bot that speaks it for
        the guardrail (proxy mode: it announces it as agent text) is let through."""
        self._says.append(text.strip())
        out.append(Say(text, t))

    def _own_words(self, ev: AgentText) -> list | None:
        """Agent text that is exactly a prompt the guardrail asked for: its words,
        not the bot's, let through unscanned in any state (once per prompt)."""
        if not ev.final or not self._says:
            return None
        text = ev.text.strip()
        if text not in self._says:
            return None
        self._says.remove(text)
        self._agent_buf = ""
        return [ForwardText(ev.text, "agent", True, ev.t_ms)]

    def _mute(self, out: list, t: float) -> None:
        # the bot's speech-to-text hears silence from here: speech so far is no
        # part of a transcript still to come, and speech from here on none at all
        self._utterance_done(t)
        if not self.bot_muted:
            self.bot_muted = True
            out.append(MuteBotInput(t))

    def _unmute(self, out: list, t: float) -> None:
        if self.bot_muted:
            self.bot_muted = False
            out.append(UnmuteBotInput(t))

    def _start_capture(self, out: list, t: float) -> None:
        self.state = SECURE_CAPTURE
        self._capture_digits = 0
        self._capture_buf = []
        self._capture_attempts = 0
        self._keys.reset()
        self._capture_deadline = t + self.config.capture_digit_timeout_ms
        self._open_mask(out, t)
        out.append(Audit("secure_capture", "started", t, self._capture_category))

    def _capture(self, out: list, digit: str, t: float) -> None:
        if self._sink_id is not None:
            return  # submitted; waiting for the sink
        if digit == "#":
            self._end_capture(out, t, "completed")
            return
        if not digit.isdigit():
            return
        self._capture_digits += 1
        self._capture_buf.append(digit)
        out.append(CaptureDigit(digit, t))
        self._capture_deadline = t + self.config.capture_digit_timeout_ms
        if self._capture_digits >= self.config.capture_max_digits:
            self._end_capture(out, t, "completed")

    def _end_capture(self, out: list, t: float, outcome: str) -> None:
        """The caller finished keying (or stopped): check, submit, re-prompt or give up."""
        digits = "".join(self._capture_buf)
        self._capture_buf = []
        self._capture_digits = 0
        self._capture_deadline = None
        category = self._capture_category or ""
        if not digits:
            out.append(Audit("secure_capture", outcome, t, category))
            self._route = None
            self._back_to_bot(out, t, "The caller did not enter anything.")
            return
        card = category in (c.PAYMENT_CARD,)
        if card and not (luhn_ok(digits) and card_brand(digits)):
            self._capture_attempts += 1
            if self._capture_attempts < self.config.capture_attempts:
                out.append(Audit("secure_capture", "invalid_reprompted", t, category))
                self._say(out, self.config.say_reenter, t)
                self._capture_deadline = t + self.config.capture_digit_timeout_ms
                return
            out.append(Audit("secure_capture", "invalid_gave_up", t, category))
            self._route = None
            self._back_to_bot(out, t, "The caller could not enter a valid card number.")
            return
        aid = self._new_id()
        self._sink_id = aid
        self._pending[aid] = ("capture_sink", t + self.config.sink_timeout_ms, category)
        out.append(Audit("secure_capture", "submitted", t, category))
        out.append(CaptureComplete(aid, digits, category, t))

    def _on_capture_result(self, ev: CaptureResult) -> list:
        out: list = []
        if ev.action_id != self._sink_id:
            out.append(Audit("capture_result", "unexpected", ev.t_ms))
            return out
        self._pending.pop(ev.action_id, None)
        self._sink_id = None
        self._route = None
        category = self._capture_category
        out.append(Audit("secure_capture", "accepted" if ev.ok else "rejected", ev.t_ms, category))
        default = "The value was accepted." if ev.ok else "The value was not accepted."
        self._back_to_bot(out, ev.t_ms, ev.summary or default)
        return out

    def _back_to_bot(self, out: list, t: float, summary: str) -> None:
        self._utterance_done(t)  # the next transcript is of speech from here on
        self._close_mask(out, t)
        self.state = NORMAL
        self._resume(out, t)
        self._unmute(out, t)
        if summary:
            # the caller is waiting for the bot: it must go on, not wait to be spoken to
            out.append(Notice(summary, t, respond=True))
        out.append(Audit("returned_to_bot", "ok", t, self._capture_category))
        self._capture_category = None

    def _fail_closed(
        self, out: list, kind: str, why: str, category: str | None, t: float, aid: int
    ) -> None:
        """A protection could not be confirmed: protect the data first, then say so.

        One coherent outcome: the value stays masked from the recording and
        out of every transcript; a protected flow in progress is abandoned
        with one thing said to the caller; the bot is unmuted (it may talk
        again) and nothing waits on a step that will never come.
        """
        out.append(Alert(f"{kind} {why}", t))
        out.append(Audit(kind, why, t, category))
        if kind == "pause_recording":
            self.recording_paused = False  # as far as we know, it is still recording
            if aid == self._pause_id:
                self._pause_id = None
        elif kind == "resume_recording":
            self.recording_paused = True  # still paused, as far as we know
            return
        self._open_mask(out, t)
        flow = self.state in (PROTECTING, SECURE_CAPTURE)
        if kind == "capture_sink" or (flow and kind in ("handoff", "pause_recording")):
            self._say(out, self.config.say_failed, t)
            if self._handoff_id is not None:
                self._pending.pop(self._handoff_id, None)
            self._handoff_id = None
            self._route = None
            self._sink_id = None
            self._capture_buf = []
            self._capture_deadline = None
            self._capture_category = None
            self.state = NORMAL
            self._unmute(out, t)
            out.append(Notice(self.config.notice_failed, t, respond=False))

    def _open_mask(self, out: list, t: float) -> None:
        """Mask the recording from ``t`` until :meth:`_close_mask`."""
        if self._recording_mask_open is None:
            self._recording_mask_open = t
            out.append(MaskAudio(t, None, "recording", t))

    def _close_mask(self, out: list, t: float) -> None:
        """Close the open recording mask: the same start, now with an end."""
        start = self._recording_mask_open
        if start is not None:
            self._recording_mask_open = None
            out.append(MaskAudio(start, max(start, t), "recording", t))

    def _new_id(self) -> int:
        aid = self._next_id
        self._next_id += 1
        return aid

    # -- snapshot and restore (call state shared across servers) -------------

    SNAPSHOT_VERSION = 1

    def snapshot(self) -> dict:
        """What another server needs to take this call on after the caller returns.

        States, times (stream ms), ids and categories only, never a value: no
        transcript, no keyed digit, no agent text (those buffers are left
        out by construction, and :func:`guardrail.call_state.check_no_value`
        checks again before anything is stored). Control steps in flight are
        left out too: their answers belong to this process's executor.
        """
        return {
            "v": self.SNAPSHOT_VERSION,
            "state": self.state,
            "started": self.started,
            "recording_paused": self.recording_paused,
            "bot_muted": self.bot_muted,
            "next_id": self._next_id,
            "handoff_id": self._handoff_id,
            "route": list(self._route) if self._route is not None else None,
            "capture_category": self._capture_category,
            "recording_mask_open": self._recording_mask_open,
            "last_t": self._last_t,
            "exposed": [[s, e, cat] for s, e, cat in self.exposed],
            "expected": list(self.scanner.expected),
            "routes": dict(self.routes),
        }

    @classmethod
    def restore(
        cls, config: SessionConfig | None, snapshot: Mapping, *, policy: Policy | None = None
    ) -> Session:
        """A session that goes on from ``snapshot`` (:meth:`snapshot`) with ``config``
        and ``policy`` (the server's own: every server runs the same policy).

        ``ValueError`` (naming the field, never its content) for a snapshot
        this version cannot take on.
        """
        if snapshot.get("v") != cls.SNAPSHOT_VERSION:
            raise ValueError("session snapshot: unknown version")
        state = snapshot.get("state")
        if state not in _ACTIVE:
            raise ValueError("session snapshot: state is not one a call can go on from")
        routes = snapshot.get("routes")
        if not isinstance(routes, dict):
            raise ValueError("session snapshot: routes missing")
        s = cls(policy, routes=routes, config=config)
        try:
            s.state = state
            s.started = bool(snapshot["started"])
            s.recording_paused = bool(snapshot["recording_paused"])
            s.bot_muted = bool(snapshot["bot_muted"])
            s._next_id = int(snapshot["next_id"])
            handoff = snapshot["handoff_id"]
            s._handoff_id = None if handoff is None else int(handoff)
            route = snapshot["route"]
            if route is not None:
                aid, name, kind, category = route
                s._route = (int(aid), str(name), str(kind), str(category))
            category = snapshot["capture_category"]
            s._capture_category = None if category is None else str(category)
            mask = snapshot["recording_mask_open"]
            s._recording_mask_open = None if mask is None else float(mask)
            s._last_t = float(snapshot["last_t"])
            s.exposed = [(float(a), float(b), str(cat)) for a, b, cat in snapshot["exposed"]]
            s.scanner._expected = tuple(str(x) for x in snapshot["expected"])
        except (KeyError, TypeError, ValueError):
            raise ValueError("session snapshot: a field is missing or malformed") from None
        return s
