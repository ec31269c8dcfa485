"""The one executor: carries out a session's actions for every adapter.

The session (:class:`~guardrail.session.Session`) decides; this module does.
Every adapter -- the websocket proxy, the Pipecat processors, ``guardrail
replay`` -- feeds its events through one :class:`Executor` and gets back only
the actions that are its to translate (audio, text, notices, mutes, masks,
keypad digits to forward; control actions come along, already carried out,
for an adapter that shows them). Everything else is carried out here:

- **control actions** (recording pause and resume, the call redirect of a
  handoff, recording disposal after the call) go to a :class:`Control`. An
  asynchronous control runs *beside* the media path as its own task: audio
  and text keep flowing while Twilio answers, and the answer comes back to
  the session as an event (``ControlResult``/``HandoffResult``) stamped with
  the stream time at which it arrived. Whatever the session does with it is
  handed to the adapter's ``deliver`` callback. A synchronous control (the
  dry run of ``guardrail replay``) answers inline, so a replay is
  deterministic;
- **the secure sink** gets a complete keyed value (``CaptureComplete``) and
  its answer goes back as ``CaptureResult``; keyed digits (``CaptureDigit``)
  go to ``on_digit`` if given and nowhere else;
- **audit entries and alerts** go to ``audit``. After each one the executor
  reads the trail's health (``audit_health``, else the callback's own
  ``healthy``, as on a :class:`~guardrail.audit.BufferedAudit`; a callback
  with neither is taken as healthy) and, when it flips, feeds the session
  :class:`~guardrail.events.AuditHealth`: the session, not the adapter,
  decides to fail closed while the trail cannot account for what it does.

Because results are fed back as events and never by calling the session
from inside a control, nothing here recurses, however a control is wired.
A control that raises is an unconfirmed step: the session hears
``ok=False`` and fails closed. Nothing here logs a value: actions that carry
one (``CaptureDigit``, ``CaptureComplete``) hide it from ``repr``.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from .events import (
    Alert,
    Audit,
    AuditHealth,
    CallerAudio,
    CaptureComplete,
    CaptureDigit,
    CaptureResult,
    ControlResult,
    DisposeRecording,
    ForwardAudio,
    Handoff,
    HandoffResult,
    PauseRecording,
    ResumeRecording,
)
from .session import Session

__all__ = [
    "CONTROL_ACTIONS",
    "Control",
    "DryRunControl",
    "Executor",
    "NoControl",
    "Outcome",
]

CONTROL_ACTIONS = (PauseRecording, ResumeRecording, Handoff, DisposeRecording)
"""Actions a :class:`Control` carries out (a keypad ``Handoff`` needs none)."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """A control's answer to one action.

    ``ok``: the provider confirmed it. ``reason``: why not, or how it was
    confirmed when not by the provider (``dry_run``, ``not_configured``); a
    status code or error class, never content. ``outcome`` is for handoffs
    (``connected``, ``failed``); ``summary`` what the bot may learn.
    """

    ok: bool
    reason: str = ""
    outcome: str = ""
    summary: str = ""


class Control(Protocol):
    """Carries out control actions on the provider (Twilio, in production).

    ``perform`` returns an :class:`Outcome`, an awaitable of one, or ``None``
    for an action that needs no answer (a disposal's audit is its own).
    """

    def perform(self, action: object) -> Outcome | Awaitable[Outcome | None] | None: ...


class DryRunControl:
    """``guardrail replay``'s stand-in: answers every step at once, and says so.

    The audit reads ``dry_run``, never ``confirmed``: nothing was paused.
    """

    def perform(self, action: object) -> Outcome | None:
        if isinstance(action, Handoff):
            return Outcome(True, "dry_run", "connected")
        if isinstance(action, PauseRecording | ResumeRecording):
            return Outcome(True, "dry_run")
        return None


class NoControl:
    """No provider control configured (a Pipecat bot wrapped without Twilio).

    Recording steps are answered ``not_configured`` (the audit says exactly
    that, never "confirmed"); a redirect cannot happen, so a handoff fails
    and the session fails closed.
    """

    def perform(self, action: object) -> Outcome | None:
        if isinstance(action, Handoff):
            return Outcome(False, "not_configured", "failed")
        if isinstance(action, PauseRecording | ResumeRecording):
            return Outcome(True, "not_configured")
        return None


Deliver = Callable[[list], Awaitable[None] | None]


class Executor:
    """Carries out one call's actions; one per call, driven from one event loop.

    ``feed``/``on_timer`` are synchronous and return the actions for the
    adapter; results of asynchronous control calls and sink submissions
    arrive later and go to ``deliver`` (a plain function or a coroutine
    function). ``sink`` has ``check(digits, category)`` (synchronous, used when
    present) or ``submit(digits, category)`` (awaitable), answering ``(ok, summary)``.
    ``audit_health`` says whether the audit trail is keeping entries (an
    adapter whose ``audit`` wraps a :class:`~guardrail.audit.BufferedAudit`
    passes its ``healthy``); without it, ``audit.healthy`` if there is one.
    """

    def __init__(
        self,
        session: Session,
        *,
        control: Control | None = None,
        sink: object | None = None,
        audit: Callable[[Audit | Alert], None] | None = None,
        deliver: Deliver | None = None,
        on_digit: Callable[[str], None] | None = None,
        audit_health: Callable[[], bool] | None = None,
    ) -> None:
        self.session = session
        self.control: Control = control if control is not None else NoControl()
        self.sink = sink
        self.audit = audit
        self.deliver = deliver
        self.on_digit = on_digit
        self._tasks: set[asyncio.Task] = set()
        if audit_health is None and hasattr(audit, "healthy"):
            audit_health = lambda: audit.healthy  # noqa: E731
        self._audit_health = audit_health
        self._audit_ok = True

    # -- driving -------------------------------------------------------------

    def feed(self, event: object) -> list:
        """Feed one event (timers due by its time first); return the adapter's actions.

        Before any event but caller audio (what can start a sensitive operation: a
        request, a transcript, a key), the trail's health is read, so a store that
        went down while this call wrote nothing (another call's write is stuck, say)
        is known to the session before it decides; the per-frame path pays nothing.
        """
        session = self.session
        out = (
            self._dispatch(self._check_audit())
            if self._audit_health is not None and type(event) is not CallerAudio
            else []
        )
        deadline = session.next_deadline()
        t = getattr(event, "t_ms", None)
        if deadline is not None and isinstance(t, int | float) and deadline <= t:
            out += self._dispatch(session.on_timer(float(t)))
        out += self._dispatch(session.feed(event))
        return out

    def on_timer(self, now: float) -> list:
        """Deadlines at or before ``now``; return the adapter's actions."""
        return self._dispatch(self.session.on_timer(now))

    def next_deadline(self) -> float | None:
        return self.session.next_deadline()

    @property
    def in_flight(self) -> int:
        """Control calls and sink submissions not yet answered."""
        return len(self._tasks)

    async def settle(self, timeout: float | None = None) -> None:
        """Wait until no control call is in flight (results delivered)."""
        loop = asyncio.get_running_loop()
        end = None if timeout is None else loop.time() + timeout
        while self._tasks:
            remaining = None if end is None else end - loop.time()
            if remaining is not None and remaining <= 0:
                raise TimeoutError("control calls still in flight")
            await asyncio.wait(set(self._tasks), timeout=remaining)

    async def aclose(self, timeout: float = 10.0) -> None:
        """Let in-flight calls finish (post-call disposal among them), then cancel the rest."""
        try:
            await self.settle(timeout)
        except TimeoutError:
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

    # -- carrying out --------------------------------------------------------

    def _dispatch(self, actions: list) -> list:
        if len(actions) == 1 and type(actions[0]) is ForwardAudio:
            return actions  # the per-frame case: nothing to carry out here
        out: list = []
        pending = list(actions)
        i = 0
        while i < len(pending):
            a = pending[i]
            i += 1
            kind = type(a)
            if kind is Audit or kind is Alert:
                if self.audit is not None:
                    self.audit(a)
                    if self._audit_health is not None:
                        pending[i:i] = self._check_audit()
                continue
            if kind is CaptureDigit:
                if self.on_digit is not None:
                    self.on_digit(a.digit)
                continue
            if kind is CaptureComplete:
                pending[i:i] = self._submit(a)
                continue
            out.append(a)  # control actions too: adapters may show or log them
            if kind in CONTROL_ACTIONS and not (kind is Handoff and a.kind == "keypad"):
                pending[i:i] = self._control(a)
        return out

    def _check_audit(self) -> list:
        """The session's actions if the trail's health flipped (none otherwise)."""
        try:
            ok = bool(self._audit_health())  # type: ignore[misc]
        except Exception:  # a health probe that fails says the trail is not healthy
            ok = False
        if ok is self._audit_ok:
            return []
        self._audit_ok = ok
        return self.session.feed(AuditHealth(ok, self.session.now))

    def _control(self, a: object) -> list:
        try:
            result = self.control.perform(a)
        except Exception as exc:  # a control that raises did not confirm anything
            result = Outcome(False, type(exc).__name__, "failed")
        if inspect.isawaitable(result):
            self._spawn(self._await_control(a, result))
            return []
        return self._answer(a, result)

    def _answer(self, a: object, result: Outcome | None) -> list:
        if result is None:
            return []
        t = self.session.now
        if isinstance(a, Handoff):
            outcome = result.outcome or ("connected" if result.ok else "failed")
            ev: object = HandoffResult(a.action_id, outcome, t, result.summary, result.reason)
        elif isinstance(a, PauseRecording | ResumeRecording):
            ev = ControlResult(a.action_id, result.ok, t, result.reason)
        elif isinstance(a, DisposeRecording):
            outcome = "ok" if result.ok else (result.reason or "failed")
            return [Audit(f"recording_{a.mode}", outcome, t)]
        else:
            return []
        return self.session.feed(ev)

    async def _await_control(self, a: object, pending: Awaitable) -> None:
        try:
            result = await pending
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            result = Outcome(False, type(exc).__name__, "failed")
        await self._hand_over(self._dispatch(self._answer(a, result)))

    def _submit(self, a: CaptureComplete) -> list:
        sink = self.sink
        if sink is None:
            return self.session.feed(
                CaptureResult(a.action_id, False, self.session.now, "no secure sink configured")
            )
        submit = getattr(sink, "submit", None)
        check = getattr(sink, "check", None)
        if check is not None:  # an in-process sink answers at once
            ok, summary = check(a.digits, a.category)
            return self.session.feed(CaptureResult(a.action_id, ok, self.session.now, summary))
        self._spawn(self._await_sink(a, submit(a.digits, a.category)))
        return []

    async def _await_sink(self, a: CaptureComplete, pending: Awaitable) -> None:
        try:
            ok, summary = await pending
        except asyncio.CancelledError:
            raise
        except Exception:
            ok, summary = False, ""
        ev = CaptureResult(a.action_id, bool(ok), self.session.now, summary)
        await self._hand_over(self._dispatch(self.session.feed(ev)))

    async def _hand_over(self, actions: list) -> None:
        if not actions:
            return
        if self.deliver is None:  # an adapter with nothing to send (audit went already)
            return
        r = self.deliver(actions)
        if inspect.isawaitable(r):
            await r

    def _spawn(self, coro) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task) -> None:
        """A control task ended; one that failed (its delivery raised) is alerted,
        by class name only, and never left unretrieved."""
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None and self.audit is not None:
            self.audit(Alert(f"delivery failed: {type(exc).__name__}", self.session.now))
