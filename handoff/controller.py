"""Carries out one call's control actions on Twilio: the executor's :class:`Control`.

The session decides (pause, resume, hand off, dispose of an exposed
recording); the executor hands each control action to
:meth:`CallController.perform`, which performs it through the scoped
:class:`~handoff.control.TwilioControl` and answers with an
:class:`~guardrail.executor.Outcome`. The executor feeds that back to the
session as an event, so nothing here calls the session and nothing recurses.
The controller chooses nothing itself beyond what configuration says: the
TwiML of a route, which fallback target is next, and whether business hours
send the caller to the after-hours route.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Awaitable, Callable

from guardrail.events import (
    DisposeRecording,
    Handoff,
    HandoffResult,
    PauseRecording,
    ResumeRecording,
)
from guardrail.executor import Outcome

from . import twiml
from .control import TwilioControl
from .routes import HumanRoute, PayRoute
from .sink import summary_for

__all__ = ["CALL_OVER", "CallController"]

_LAST4 = re.compile(r"(\d{4})\D*$")
CALL_OVER = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})
"""``CallStatus`` values of a status callback that mean the call has ended."""
_DIAL_FAILED = frozenset({"busy", "no-answer", "failed", "canceled", "queue-full", "system-error"})


class CallController:
    """One call's link to Twilio (the shared, scoped :class:`TwilioControl`)."""

    def __init__(
        self,
        control: TwilioControl,
        routes: dict,
        *,
        call_sid: str,
        return_url: str,
        pause_behavior: str = "silence",
        now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self.control = control
        self.routes = routes
        self.call_sid = call_sid
        self.return_url = return_url
        self.pause_behavior = pause_behavior
        self.recording_sid = "Twilio.CURRENT"
        self.handoff_id: int | None = None
        self.route_name: str | None = None
        self.attempt = 0
        self._now = now

    def perform(self, action: object) -> Awaitable[Outcome | None] | Outcome | None:
        """Start carrying out ``action``; the executor awaits the outcome beside the media."""
        if isinstance(action, PauseRecording):
            return self._outcome(
                self.control.pause_recording(
                    self.call_sid, self.recording_sid, behavior=self.pause_behavior
                )
            )
        if isinstance(action, ResumeRecording):
            return self._outcome(self.control.resume_recording(self.call_sid, self.recording_sid))
        if isinstance(action, Handoff) and action.kind != "keypad":
            xml = self._twiml(action.route, action.say)
            if xml is None:
                return Outcome(False, "no such route configured", "failed")
            self.handoff_id = action.action_id
            return self._outcome(self.control.redirect(self.call_sid, xml), handoff=True)
        if isinstance(action, DisposeRecording) and action.mode == "delete":
            if not self.recording_sid.startswith("RE"):
                return Outcome(False, "no recording sid")
            return self._outcome(self.control.delete_recording(self.recording_sid))
        return None

    async def _outcome(self, pending: Awaitable, *, handoff: bool = False) -> Outcome:
        out = await pending
        if handoff:
            return Outcome(out.ok, out.reason, "connected" if out.ok else "failed")
        return Outcome(out.ok, out.reason)

    def returned(
        self, form: dict[str, str], t_ms: float
    ) -> tuple[str | None, HandoffResult | None]:
        """The return webhook fired: the caller is back from ``<Pay>`` or a human leg.

        Returns ``(twiml, None)`` when the caller is not coming back yet (the
        next fallback target after a busy or unanswered one), else ``(None,
        event)`` with the ``HandoffResult`` for the session (``None`` if no
        handoff was in progress); the server then answers with the way back
        to the bot.
        """
        if self.handoff_id is None:
            return None, None
        dial_status = form.get("DialCallStatus") or form.get("QueueResult")
        if dial_status in _DIAL_FAILED:
            route = self._human_route()
            if route is not None and self.attempt + 1 < len(route.targets):
                self.attempt += 1
                return twiml.dial(route, action=self.return_url, attempt=self.attempt), None
        summary = ""
        if "Result" in form:  # <Pay> posts Result and a masked PaymentCardNumber
            m = _LAST4.search(form.get("PaymentCardNumber", ""))
            summary = summary_for("payment_card", form.get("Result") == "success", m and m[1])
        elif dial_status in _DIAL_FAILED:
            summary = "No colleague could take the call; the caller is back with you."
        else:
            summary = "The caller is back from the colleague."
        aid, self.handoff_id = self.handoff_id, None
        return None, HandoffResult(aid, "returned", t_ms, summary)

    def state(self) -> dict:
        """What another server needs to take the return webhook: ids and names, no value."""
        return {
            "recording_sid": self.recording_sid,
            "handoff_id": self.handoff_id,
            "route_name": self.route_name,
            "attempt": self.attempt,
        }

    def restore_state(self, state: dict) -> None:
        """Go on from :meth:`state` of this call's controller on another server."""
        rec = state.get("recording_sid")
        if isinstance(rec, str) and rec.startswith("RE"):  # a known SID, never the default
            self.recording_sid = rec
        handoff = state.get("handoff_id")
        self.handoff_id = handoff if isinstance(handoff, int) else None
        route = state.get("route_name")
        self.route_name = route if isinstance(route, str) else None
        attempt = state.get("attempt")
        self.attempt = attempt if isinstance(attempt, int) and attempt >= 0 else 0

    def _twiml(self, name: str, say: str) -> str | None:
        route = self.routes.get(name)
        self.route_name = name
        self.attempt = 0
        if isinstance(route, PayRoute):
            return twiml.pay(route, action=self.return_url, say=say or None)
        human = self._human_route()
        if human is not None:
            return twiml.dial(human, action=self.return_url, say=say or None)
        return None

    def _human_route(self) -> HumanRoute | None:
        """The human route in use: after hours, its after-hours route."""
        route = self.routes.get(self.route_name or "")
        if not isinstance(route, HumanRoute):
            return None
        if not route.open_at(self._now()) and route.after_hours in self.routes:
            after = self.routes[route.after_hours]
            if isinstance(after, HumanRoute):
                return after
        return route
