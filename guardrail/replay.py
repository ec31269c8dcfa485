"""``guardrail replay``: drive a session from a recorded message log, offline.

Each line of the log is one message as Twilio sent it (or a side-channel
message standing in for the bot's speech-to-text and LLM). The replay plays
the part of everything around the session: a dry-run Twilio control that
confirms every recording pause and resume at once and connects handoffs, and
the clock (deadlines fire at the stream time of the next message). It prints
one JSON line per action taken, ``{"t_ms", "action", ...}``; routine audio
forwarding, notices to the bot and audit entries are not printed, and
captured digits never are. With ``--record``, the caller audio is written to
a WAV file with every mask and pause applied, as the local recorder would.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TextIO

from handoff.sink import DemoSink

from .events import (
    Alert,
    Audit,
    CallEnded,
    CallerAudio,
    CallStarted,
    ForwardDtmf,
    Handoff,
    MaskAudio,
    MuteBotInput,
    PauseRecording,
    Redact,
    ResumeRecording,
    Say,
    UnmuteBotInput,
)
from .executor import DryRunControl, Executor
from .media_stream import StreamParser, StreamProtocolError
from .policy import Policy
from .recording import LocalRecording
from .session import Session

__all__ = ["action_record", "replay"]

_SINK = DemoSink()


def action_record(action: object) -> dict | None:
    """The printed form of an action (DESIGN.md), or ``None`` for unprinted ones."""
    t = round(float(action.t_ms), 3)  # type: ignore[attr-defined]
    if isinstance(action, PauseRecording):
        return {"t_ms": t, "action": "pause_recording"}
    if isinstance(action, ResumeRecording):
        return {"t_ms": t, "action": "resume_recording"}
    if isinstance(action, MuteBotInput):
        return {"t_ms": t, "action": "mute_bot_input"}
    if isinstance(action, UnmuteBotInput):
        return {"t_ms": t, "action": "unmute_bot_input"}
    if isinstance(action, MaskAudio):
        if action.end_ms is None:
            return None  # printed when it closes, with its whole span
        return {
            "t_ms": t,
            "action": "mask_audio",
            "start_ms": round(action.start_ms, 3),
            "end_ms": round(action.end_ms, 3),
            "target": action.target,
        }
    if isinstance(action, Redact):
        return {"t_ms": t, "action": "redact", "category": action.category}
    if isinstance(action, Say):
        return {"t_ms": t, "action": "say", "text": action.text}
    if isinstance(action, Handoff):
        return {"t_ms": t, "action": "handoff", "route": action.route, "kind": action.kind}
    if isinstance(action, ForwardDtmf):
        # which key is never printed: a run of them could spell a value
        return {"t_ms": t, "action": "forward_dtmf"}
    if isinstance(action, Alert):
        return {"t_ms": t, "action": "alert", "reason": action.reason}
    return None


def replay(
    lines: Iterable[str],
    *,
    policy: Policy | None = None,
    record: str | Path | None = None,
    routes: dict[str, str] | None = None,
    audit: Callable[[Audit | Alert], None] | None = None,
) -> Iterator[dict]:
    """Yield the printed actions for a message log, in order.

    ``audit`` receives the session's ``Audit`` and ``Alert`` actions (the
    executor's callback, e.g. a :class:`~guardrail.audit.BufferedAudit`); if
    it has ``bind_call``, that is called with the call SID when the stream
    starts.

    ``routes`` maps route names to kinds (``keypad``, ``pay``, ``human``).
    The session's actions are carried out by the same executor as in a live
    call, with a dry-run control (its audit says ``dry_run``, not
    ``confirmed``) and the demo sink.
    """
    session = Session(policy, routes=routes)
    executor = Executor(session, control=DryRunControl(), sink=_SINK, audit=audit)
    bind_call = getattr(audit, "bind_call", None)
    parser = StreamParser()
    recorder = LocalRecording(record) if record else None
    try:
        for lineno, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                events = parser.parse(line)
            except StreamProtocolError as exc:
                yield {"t_ms": parser.last_t, "action": "alert", "reason": f"line {lineno}: {exc}"}
                continue
            for ev in events:
                if bind_call is not None and isinstance(ev, CallStarted):
                    bind_call(ev.call_sid)
                if recorder is not None and isinstance(ev, CallerAudio):
                    recorder.audio(ev)
                yield from _print(executor.feed(ev), recorder)
        if session.state != "ended":  # the log is the whole call
            yield from _print(executor.feed(CallEnded(parser.last_t)), recorder)
    finally:
        if recorder is not None:
            recorder.close()


def _print(actions: list, recorder: LocalRecording | None) -> Iterator[dict]:
    """The printed records of the adapter's actions; masks applied to the recording."""
    for a in actions:
        rec = action_record(a)
        if rec is not None:
            yield rec
    if recorder is not None:
        recorder.actions(actions)


def run(
    path: str,
    out: TextIO,
    *,
    policy: Policy | None = None,
    record: str | None = None,
    routes: dict[str, str] | None = None,
    audit: Callable[[Audit | Alert], None] | None = None,
) -> int:
    """The command: read ``path``, write JSON Lines to ``out``."""
    with open(path, encoding="utf-8", errors="replace") as f:
        for rec in replay(f, policy=policy, record=record, routes=routes, audit=audit):
            out.write(json.dumps(rec) + "\n")
    return 0
