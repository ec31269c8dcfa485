"""Prometheus metrics for ``guardrail serve`` (``GET /metrics``).

One :class:`Metrics` per server, each with its own ``CollectorRegistry``
(never the process-global one), so tests and several apps in one process
never clash over metric names.

Label values are never taken from outside input: every label has a fixed,
small set of values, and a method given anything else counts it under
``"other"`` (or, for the per-frame direction, not at all). A label value can
therefore never carry a sensitive value, and the series count is bounded
whatever callers send. Metrics count *what* happened, never a value.

The per-frame calls (:meth:`Metrics.frame`, :meth:`Metrics.latency`) are on
the media hot path: labelled children are created once, at init, so a call
is one dict lookup and one locked add; label resolution never happens there.
"""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

from .detect.categories import REQUEST_CATEGORIES
from .events import Alert, Audit
from .logs import FORBIDDEN_REASONS

__all__ = [
    "CATEGORIES",
    "CONTROL_OPERATIONS",
    "DIRECTIONS",
    "FORBIDDEN",
    "HANDOFF_KINDS",
    "HANDOFF_OUTCOMES",
    "LATENCY_BUCKETS",
    "PROTOCOL_SOURCES",
    "Metrics",
]

OTHER = "other"

DIRECTIONS: tuple[str, ...] = ("caller", "bot")
"""``guardrail_media_frames_total{direction}``: caller audio in, bot audio out."""

CATEGORIES: tuple[str, ...] = (*REQUEST_CATEGORIES, OTHER)
"""``guardrail_detections_total{category}``: the fixed category names, and ``other``."""

HANDOFF_KINDS: tuple[str, ...] = ("keypad", "pay", "human", OTHER)
HANDOFF_OUTCOMES: tuple[str, ...] = (
    "requested",
    "connected",
    "returned",
    "completed",
    "failed",
    OTHER,
)
"""``guardrail_handoffs_total{kind, outcome}``; a ``timeout`` counts as ``failed``."""

CONTROL_OPERATIONS: tuple[str, ...] = (
    "recording:pause",
    "recording:resume",
    "call:redirect",
    "recording:delete",
    "capture_sink",
    "handoff",
    OTHER,
)
"""``guardrail_control_failures_total{operation}`` and ``guardrail_alerts_total{operation}``."""

PROTOCOL_SOURCES: tuple[str, ...] = ("twilio", "bot", OTHER)
"""``guardrail_protocol_errors_total{source}``: who sent the bad message."""

FORBIDDEN: tuple[str, ...] = tuple(r.replace(" ", "_") for r in FORBIDDEN_REASONS)
"""``guardrail_forbidden_total{reason}``: :data:`guardrail.logs.FORBIDDEN_REASONS`,
spaces as underscores (``missing_signature``, ...)."""

LATENCY_BUCKETS: tuple[float, ...] = (
    1e-5,
    2e-5,
    5e-5,
    1e-4,
    2e-4,
    5e-4,
    1e-3,
    2e-3,
    5e-3,
    1e-2,
    2e-2,
    5e-2,
)
"""10 us to 50 ms: the budget is tens of microseconds per frame (DESIGN.md), and
anything past 50 ms is a broken call whatever its exact value."""

# The session's names for its pending controls, and the scope names.
_OPERATION_ALIASES = {
    "pause_recording": "recording:pause",
    "resume_recording": "recording:resume",
    "redirect": "call:redirect",
    "delete_recording": "recording:delete",
    **{op: op for op in CONTROL_OPERATIONS},
}
_FAILED = frozenset({"failed", "timeout"})
_DETECTION_EVENTS = frozenset({"disclosure", "agent_disclosure", "agent_request"})


class Metrics:
    """The guardrail's counters, gauges and histograms, in a registry of their own.

    Every method is cheap and never raises on an unknown label value (a
    metrics call must not break a call); see the module docstring for how
    unknown values are counted.
    """

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = CollectorRegistry(auto_describe=True) if registry is None else registry
        r = self.registry
        frames = Counter(
            "guardrail_media_frames",
            "Media messages handled, by direction (caller: Twilio to bot; bot: bot to Twilio).",
            ["direction"],
            registry=r,
        )
        self._latency = Histogram(
            "guardrail_added_latency_seconds",
            "Time the guardrail added to one media message (in to out).",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        detections = Counter(
            "guardrail_detections",
            "Sensitive data disclosed or asked for, by category.",
            ["category"],
            registry=r,
        )
        handoffs = Counter(
            "guardrail_handoffs",
            "Handoffs to a secure path or a human, by route kind and outcome.",
            ["kind", "outcome"],
            registry=r,
        )
        control = Counter(
            "guardrail_control_failures",
            "Protective control actions that failed or timed out (the session failed closed).",
            ["operation"],
            registry=r,
        )
        alerts = Counter(
            "guardrail_alerts",
            "Alerts raised (a protection could not be confirmed), by operation.",
            ["operation"],
            registry=r,
        )
        self._active = Gauge("guardrail_calls_active", "Calls in progress.", registry=r)
        self._calls = Counter("guardrail_calls", "Calls started.", registry=r)
        protocol = Counter(
            "guardrail_protocol_errors",
            "Malformed or unexpected messages, by who sent them.",
            ["source"],
            registry=r,
        )
        forbidden = Counter(
            "guardrail_forbidden",
            "Requests refused with 403, by the check that failed.",
            ["reason"],
            registry=r,
        )

        # Pre-created children: the hot path binds ``inc``/``observe`` once.
        self._frame_inc = {d: frames.labels(d).inc for d in DIRECTIONS}
        self._observe = self._latency.observe
        self._detections = {c: detections.labels(c) for c in CATEGORIES}
        self._handoffs = {
            (k, o): handoffs.labels(k, o) for k in HANDOFF_KINDS for o in HANDOFF_OUTCOMES
        }
        self._control = {op: control.labels(op) for op in CONTROL_OPERATIONS}
        self._alerts = {op: alerts.labels(op) for op in CONTROL_OPERATIONS}
        self._protocol = {s: protocol.labels(s) for s in PROTOCOL_SOURCES}
        self._forbidden = {r_: forbidden.labels(r_) for r_ in FORBIDDEN}
        self._forbidden_alias = {
            **{r_: r_.replace(" ", "_") for r_ in FORBIDDEN_REASONS},
            **{r_: r_ for r_ in FORBIDDEN},
        }
        self._active_n = 0

    # -- the per-frame path --------------------------------------------------

    def frame(self, direction: str) -> None:
        """One media message passed, ``"caller"`` or ``"bot"`` (anything else is not counted)."""
        inc = self._frame_inc.get(direction)
        if inc is not None:
            inc()

    def latency(self, seconds: float) -> None:
        """The time the guardrail added to one media message (negative counts as 0)."""
        self._observe(seconds if seconds > 0.0 else 0.0)

    # -- events ----------------------------------------------------------------

    def detection(self, category: str) -> None:
        """A value of ``category`` disclosed or asked for (unknown names: ``other``)."""
        self._detections.get(category, self._detections[OTHER]).inc()

    def handoff(self, kind: str, outcome: str) -> None:
        """A handoff step: ``kind`` in :data:`HANDOFF_KINDS`, ``outcome`` in
        :data:`HANDOFF_OUTCOMES` (``timeout`` counts as ``failed``)."""
        if outcome == "timeout":
            outcome = "failed"
        k = kind if kind in HANDOFF_KINDS else OTHER
        o = outcome if outcome in HANDOFF_OUTCOMES else OTHER
        self._handoffs[k, o].inc()

    def control_failure(self, operation: str) -> None:
        """A control action that failed or timed out: a scope name
        (``recording:pause``), the session's name (``pause_recording``),
        ``capture_sink`` or ``handoff``; anything else is ``other``."""
        self._control[_OPERATION_ALIASES.get(operation, OTHER)].inc()

    def alert(self, operation: str) -> None:
        """An :class:`~guardrail.events.Alert` for ``operation`` (as :meth:`control_failure`)."""
        self._alerts[_OPERATION_ALIASES.get(operation, OTHER)].inc()

    def call_started(self) -> None:
        """A call began: ``guardrail_calls_total`` and ``guardrail_calls_active`` go up."""
        self._calls.inc()
        self._active_n += 1
        self._active.inc()

    def call_ended(self) -> None:
        """A call ended. An end without a start is ignored, so the gauge never goes negative."""
        if self._active_n > 0:
            self._active_n -= 1
            self._active.dec()

    def protocol_error(self, source: str) -> None:
        """A malformed or unexpected message from ``"twilio"`` or ``"bot"`` (else ``other``)."""
        self._protocol.get(source, self._protocol[OTHER]).inc()

    def forbidden(self, reason: str) -> None:
        """A request refused with 403; ``reason`` as given to :func:`guardrail.logs.forbidden`
        (``"missing signature"`` or ``"missing_signature"``; anything else is ``other``)."""
        self._forbidden[self._forbidden_alias.get(reason, OTHER)].inc()

    def observe_audit(self, audit: Audit | Alert, *, handoff_kind: str = OTHER) -> None:
        """Count what one session :class:`Audit` or :class:`Alert` says happened.

        - ``disclosure``, ``agent_disclosure``, ``agent_request``: a detection
          of the audit's category;
        - ``handoff``: a handoff step with the audit's outcome; the audit does
          not carry the route kind, so the caller passes the kind of the
          :class:`~guardrail.events.Handoff` action it carried out;
        - outcome ``failed`` or ``timeout`` of ``pause_recording``,
          ``resume_recording``, ``handoff``, ``capture_sink``: a control failure;
        - an :class:`Alert`: ``guardrail_alerts_total`` for the operation named
          by the first word of its reason (``"pause_recording timeout"``).

        Each failure is both audited and alerted by the session, and the two
        go to different counters, so feeding every action through this counts
        nothing twice. Calls are counted by :meth:`call_started` and
        :meth:`call_ended`, not from audits: a call's stream stops and
        restarts around a handoff.
        """
        if type(audit) is Alert:
            self.alert(audit.reason.split(" ", 1)[0])
            return
        if type(audit) is not Audit:
            return
        event = audit.event
        if event in _DETECTION_EVENTS:
            self.detection(audit.category or OTHER)
        elif event == "handoff":
            self.handoff(handoff_kind, audit.outcome)
        if audit.outcome in _FAILED and event in _OPERATION_ALIASES:
            self.control_failure(event)

    # -- exposition --------------------------------------------------------------

    def render(self) -> tuple[bytes, str]:
        """The exposition text of this registry and its content type, for ``GET /metrics``."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
