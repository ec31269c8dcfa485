"""Fail closed while the audit trail cannot keep entries (issue 12).

Through the one executor, with a real :class:`~guardrail.audit.BufferedAudit`:
on a SQLite store that another writer holds locked (the store is there but
cannot take an append), and on a store that refuses every append. The
session is told when the trail's health flips and starts nothing it could not
account for; nothing is dropped silently; when the store is back the buffered
entries are written in order and service is normal.
"""

from __future__ import annotations

import logging
import sqlite3

from guardrail.audit import AuditEntry, AuditStoreError, BufferedAudit
from guardrail.audit_sqlite import SqliteAuditStore
from guardrail.events import (
    AgentText,
    CallerDtmf,
    CallerTranscript,
    CallStarted,
    ForwardDtmf,
    ForwardText,
    Handoff,
    MuteBotInput,
    PauseRecording,
    Say,
    SuppressAgentAudio,
)
from guardrail.executor import DryRunControl, Executor
from guardrail.session import Session

CARD = "4111111111111111"


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def of(actions, kind):
    return [a for a in actions if isinstance(a, kind)]


def _call(audit, **kw) -> Executor:
    return Executor(Session(), control=DryRunControl(), audit=audit, **kw)


def test_a_locked_sqlite_store_fails_closed_then_recovers_with_every_entry(tmp_path):
    path = tmp_path / "audit.db"
    store = SqliteAuditStore.open(f"sqlite:///{path}", timeout=0.05)
    clock = FakeClock()
    trail = BufferedAudit(store, actor="test", clock=clock, retry_s=1.0)
    ex = _call(trail)
    ex.feed(CallStarted("CA1", "MZ1", 0.0))
    assert trail.healthy
    before = trail.appended

    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another writer holds the lock: appends fail
    try:
        # the first entry that cannot be written flips the trail's health
        ex.feed(CallerTranscript("hello there", True, 100.0))
        ex.feed(AgentText("What's your date of birth?", True, 200.0))
        assert not trail.healthy
        assert not ex.session.audit_ok
        acts = ex.feed(AgentText("What's the card number?", True, 300.0))
        assert of(acts, SuppressAgentAudio)
        assert [a.text for a in of(acts, Say)] == [ex.session.config.say_audit_unavailable]
        for kind in (Handoff, PauseRecording, MuteBotInput):
            assert not of(acts, kind)
        assert ex.session.state == "normal"
        # keyed digits are still withheld from the bot
        out = []
        for i, d in enumerate(CARD):
            out += ex.feed(CallerDtmf(d, 1000.0 + 150 * i))
        out += ex.on_timer(5000.0)
        assert of(out, ForwardDtmf) == []
        assert trail.pending > 0
        assert trail.dropped == 0  # kept, not dropped
    finally:
        other.execute("ROLLBACK")
        other.close()

    clock.now += 1.0  # the store is back: the next entry flushes what waited
    acts = ex.feed(AgentText("What's the card number?", True, 6000.0))
    assert trail.healthy
    assert ex.session.audit_ok
    # the request went through before the next entry showed the trail healthy;
    # it was withheld, so the caller was not told twice
    assert not of(acts, Say)
    acts = ex.feed(AgentText("What's the card number?", True, 6100.0))
    assert [h.kind for h in of(acts, Handoff)] == ["keypad"]
    assert ex.session.state == "secure_capture"

    rows = list(store.export())
    assert len(rows) > before
    events = [(r["event"], r["outcome"]) for r in rows]
    assert ("audit_trail", "unavailable") in events
    assert ("alert", "audit_unavailable") in events  # kept, and written once it could be
    assert events.index(("audit_trail", "unavailable")) < events.index(("audit_trail", "restored"))
    assert ("agent_request", "withheld_audit_unavailable") in events
    assert store.verify()
    store.close()


class DownStore:
    """A store whose backend is down: every append raises :class:`AuditStoreError`
    (all :class:`BufferedAudit` asks of a store is ``append``)."""

    def __init__(self) -> None:
        self.down = True
        self.rows: list[AuditEntry] = []

    def append(self, entry: AuditEntry) -> int:
        if self.down:
            raise AuditStoreError("audit store unreachable")
        self.rows.append(entry)
        return len(self.rows)


def test_a_store_that_is_down_from_the_start_never_lets_a_capture_start():
    store = DownStore()
    clock = FakeClock()
    trail = BufferedAudit(store, actor="test", clock=clock)
    ex = _call(trail)
    ex.feed(CallStarted("CA1", "MZ1", 0.0))  # its entry fails: the session is told at once
    assert not ex.session.audit_ok
    acts = ex.feed(CallerTranscript(f"my card is {CARD}", True, 500.0))
    assert [f.text for f in of(acts, ForwardText)] == ["my card is [payment_card]"]
    assert ex.session.state == "normal"
    assert not of(acts, Handoff)
    assert [a.text for a in of(acts, Say)] == [ex.session.config.say_audit_unavailable]
    waiting = trail.pending
    store.down = False
    clock.now += 1.0
    ex.feed(CallerTranscript("my card is 4111 1111 1111 1111", True, 900.0))
    assert ex.session.audit_ok
    # every entry kept while it was down, in order, before the new ones
    events = [(e.event, e.outcome) for e in store.rows]
    assert len(store.rows) > waiting
    assert events[0] == ("call_started", "ok")
    assert events.index(("audit_trail", "unavailable")) < events.index(("audit_trail", "restored"))
    assert all(CARD not in repr(e) for e in store.rows)


def test_entries_beyond_the_buffer_are_dropped_loudly_and_the_guardrail_stays_closed(caplog):
    store = DownStore()
    trail = BufferedAudit(store, actor="test", capacity=3, clock=FakeClock())
    ex = _call(trail)
    with caplog.at_level(logging.ERROR, logger="guardrail.audit"):
        ex.feed(CallStarted("CA1", "MZ1", 0.0))
        for i in range(4):
            ex.feed(AgentText("What's your social security number?", True, 100.0 + i))
    assert trail.dropped > 0
    assert any("dropped" in r.getMessage() for r in caplog.records)  # never silently
    assert not ex.session.audit_ok
    assert ex.session.state == "normal"
    assert CARD not in caplog.text


def test_an_audit_callback_without_health_is_taken_as_healthy_and_audit_health_wins():
    seen: list = []
    ex = _call(seen.append)
    ex.feed(CallStarted("CA1", "MZ1", 0.0))
    assert ex.session.audit_ok
    healthy = [True]
    ex = _call(seen.append, audit_health=lambda: healthy[0])
    ex.feed(CallStarted("CA1", "MZ1", 0.0))
    healthy[0] = False
    ex.feed(CallStarted("CA1", "MZ1", 5.0))  # a stream restart: its entry shows the trail down
    assert ex.session.audit_ok is False
    acts = ex.feed(AgentText("What's the card number?", True, 10.0))
    assert of(acts, SuppressAgentAudio)
    assert not of(acts, Handoff)
    assert ex.session.state == "normal"


def test_a_pipecat_bot_with_its_trail_down_asks_for_no_card():
    import asyncio

    from pipecat.frames.frames import STTMuteFrame, TranscriptionFrame, TTSSpeakFrame
    from pipecat.pipeline.pipeline import Pipeline
    from pipecat.tests.utils import run_test

    from guardrail.pipecat_guard import Guard

    store = DownStore()
    trail = BufferedAudit(store, actor="pipecat", clock=FakeClock())
    guard = Guard(on_audit=trail)  # its health is read from the BufferedAudit itself
    assert not guard.session.audit_ok  # the call's first entry could not be written
    frames = [
        TTSSpeakFrame(text="Please say your card number."),
        TranscriptionFrame(text=f"my card is {CARD}", user_id="u", timestamp="t", result=CARD),
    ]
    pipeline = Pipeline([guard.input, guard.transcripts, guard.agent, guard.recorder_gate])
    down, _ = asyncio.run(run_test(pipeline, frames_to_send=frames))
    spoken = [f.text for f in down if isinstance(f, TTSSpeakFrame)]
    assert spoken == [guard.session.config.say_audit_unavailable]
    assert not any(isinstance(f, STTMuteFrame) and f.mute for f in down)  # no capture
    [heard] = [f for f in down if isinstance(f, TranscriptionFrame)]
    assert heard.text == "my card is [payment_card]"
    assert heard.result is None  # the speech-to-text's raw result held the value
    store.down = False
    assert trail.flush()
    events = [(e.event, e.outcome) for e in store.rows]
    assert ("agent_request", "withheld_audit_unavailable") in events
    assert ("alert", "audit_unavailable") in events
    assert not [e for e in events if e[0] in ("secure_capture", "handoff")]


def test_a_trail_that_went_down_while_this_call_wrote_nothing_stops_its_first_request():
    """The store failed elsewhere (another call's write is stuck): this call made no
    entry since, yet its very first request for the card is withheld, because the
    executor reads the trail's health before any event that can start one."""
    healthy = [True]
    seen: list = []
    ex = _call(seen.append, audit_health=lambda: healthy[0])
    ex.feed(CallStarted("CA1", "MZ1", 0.0))
    healthy[0] = False  # no entry of this call noticed it
    acts = ex.feed(AgentText("What's the card number?", True, 10.0))
    assert of(acts, SuppressAgentAudio)
    assert not of(acts, PauseRecording)
    assert not of(acts, Handoff)
    assert ex.session.state == "normal"
    healthy[0] = True
    acts = ex.feed(AgentText("What's the card number?", True, 20.0))
    assert of(acts, PauseRecording)  # back: the request goes to the secure path again
