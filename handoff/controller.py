"""Carries out one call's control actions on Twilio and reports the results back.

The session decides (pause, resume, hand off); :class:`CallController` is the
adapter that performs those decisions through :class:`~handoff.control.TwilioControl`
and feeds each outcome back to the session as a ``ControlResult`` or
``HandoffResult``, so an unconfirmed step fails closed in the session. It
chooses nothing itself beyond what configuration says: which fallback target
is next, and whether business hours send the caller to the after-hours route.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from guardrail.events import (
    Audit,
    ControlResult,
    DisposeRecording,
    Handoff,
    HandoffResult,
    PauseRecording,
    ResumeRecording,
)
from guardrail.session import Session

from . import twiml
from .control import TwilioControl
from .routes import HumanRoute, PayRoute

__all__ = ["CallController"]

_LAST4 = re.compile(r"(\d{4})\D*$")


class CallController:
    """One call's link between its session and Twilio."""

    def __init__(
        self,
        session: Session,
        control: TwilioControl,
        routes: dict,
        *,
        call_sid: str,
        return_url: str,
        pause_behavior: str = "silence",
        now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self.session = session
        self.control = control
        self.routes = routes
        self.call_sid = call_sid
        self.return_url = return_url
        self.pause_behavior = pause_behavior
        self.recording_sid = "Twilio.CURRENT"
        self.handoff_id: int | None = None
        self.route_name: str | None = None
        self.attempt = 0
        self.rest: list = []
        self._now = now

    async def run(self, actions: list) -> list:
        """Carry out the control actions; return the others (for the media adapters)."""
        rest: list = []
        for a in actions:
            if isinstance(a, PauseRecording):
                out = await self.control.pause_recording(
                    self.call_sid, self.recording_sid, behavior=self.pause_behavior
                )
                rest += await self.run(
                    self.session.feed(ControlResult(a.action_id, out.ok, a.t_ms))
                )
            elif isinstance(a, ResumeRecording):
                out = await self.control.resume_recording(self.call_sid, self.recording_sid)
                rest += await self.run(
                    self.session.feed(ControlResult(a.action_id, out.ok, a.t_ms))
                )
            elif isinstance(a, Handoff) and a.kind != "keypad":
                if self.session.awaiting_handoff != a.action_id:
                    continue  # the session gave it up (a pause failed): do not redirect
                self.handoff_id = a.action_id
                xml = self._twiml(a.route)
                out = await self.control.redirect(self.call_sid, xml) if xml else None
                outcome = "connected" if out is not None and out.ok else "failed"
                rest += await self.run(
                    self.session.feed(HandoffResult(a.action_id, outcome, a.t_ms))
                )
            elif isinstance(a, DisposeRecording) and a.mode == "delete":
                if self.recording_sid.startswith("RE"):
                    out = await self.control.delete_recording(self.recording_sid)
                    rest.append(Audit("recording_deleted", "ok" if out.ok else "failed", a.t_ms))
                else:
                    rest.append(Audit("recording_deleted", "no_recording_sid", a.t_ms))
                rest.append(a)
            else:
                rest.append(a)
        return rest

    async def _report(self, event: ControlResult | HandoffResult) -> list:
        return await self.run(self.session.feed(event))

    async def returned(self, form: dict[str, str]) -> str | None:
        """The return webhook fired: the caller is back from ``<Pay>`` or a human leg.

        Returns TwiML to answer with when the caller is not coming back yet
        (the next fallback target after a busy or unanswered one), else
        ``None`` (the server answers with the way back to the bot).
        """
        if self.handoff_id is None:
            return None
        dial_status = form.get("DialCallStatus") or form.get("QueueResult")
        if dial_status in ("busy", "no-answer", "failed", "canceled", "queue-full", "system-error"):
            route = self._human_route()
            if route is not None and self.attempt + 1 < len(route.targets):
                self.attempt += 1
                return twiml.dial(route, action=self.return_url, attempt=self.attempt)
        summary = ""
        if "Result" in form:  # <Pay> posts Result and a masked PaymentCardNumber
            m = _LAST4.search(form.get("PaymentCardNumber", ""))
            ok = form.get("Result") == "success"
            summary = (
                f"card ending {m[1]} accepted"
                if ok and m
                else "card accepted"
                if ok
                else "the card was not accepted"
            )
        aid, self.handoff_id = self.handoff_id, None
        t = self.session._last_t
        self.rest = await self.run(self.session.feed(HandoffResult(aid, "returned", t, summary)))
        return None

    def _twiml(self, name: str) -> str | None:
        route = self.routes.get(name)
        self.route_name = name
        self.attempt = 0
        if isinstance(route, PayRoute):
            return twiml.pay(route, action=self.return_url)
        route = self._human_route()
        if route is not None:
            return twiml.dial(route, action=self.return_url)
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
