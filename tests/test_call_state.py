"""The shared call state (:mod:`guardrail.call_state`) on SQLite and on a real PostgreSQL 16.

Resume tokens redeem once over any number of servers, everything expires,
a session snapshot holds no value and a restored session goes on exactly as
the one it was taken from. Time is an argument everywhere: the tests step it.
"""

from __future__ import annotations

import json
import threading

import pytest
from proxy_rig import CARD, SSN, assert_clean

from guardrail.call_state import CallStateStore, CallStateValueError, check_no_value
from guardrail.events import (
    AgentText,
    CallEnded,
    CallerTranscript,
    CallStarted,
    ControlResult,
    DisposeRecording,
    Handoff,
    HandoffResult,
    PauseRecording,
    ResumeRecording,
)
from guardrail.policy import Policy
from guardrail.session import Session, SessionConfig

CA = "CA" + "1" * 32
CB = "CA" + "2" * 32
T0 = 1_800_000_000.0
ROUTES = {"pay": "pay", "human": "human", "secure_card": "keypad"}


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'guardrail.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def store(url):
    s = CallStateStore.open(url)
    yield s
    s.close()


# -- resume tokens -------------------------------------------------------------------


def test_a_token_works_once_for_its_call_before_it_expires(store, url):
    token = store.issue_token(CA, T0, ttl_s=60)
    other = CallStateStore.open(url)  # another server on the same store
    try:
        assert other.redeem_token(token, CA, T0 + 1)
        assert not store.redeem_token(token, CA, T0 + 2)  # used up, on every server
    finally:
        other.close()
    wrong = store.issue_token(CA, T0, ttl_s=60)
    assert not store.redeem_token(wrong, CB, T0 + 1)  # shown for another call: leaked
    assert not store.redeem_token(wrong, CA, T0 + 1)  # and used up by that
    late = store.issue_token(CA, T0, ttl_s=60)
    assert not store.redeem_token(late, CA, T0 + 60)
    old = store.issue_token(CA, T0, ttl_s=60)
    new = store.issue_token(CA, T0, ttl_s=60)  # a call has one token out
    assert not store.redeem_token(old, CA, T0 + 1)
    assert store.redeem_token(new, CA, T0 + 1)
    assert not store.redeem_token("not-a-token", CA, T0)
    assert not store.redeem_token("", CA, T0)


def test_only_a_hash_of_a_token_is_stored(store, url, tmp_path):
    token = store.issue_token(CA, T0)
    rows = _rows(store, "SELECT token_hash, call_sid FROM guardrail_cs_tokens")
    assert rows
    assert all(token not in json.dumps(r) for r in rows)
    if url.startswith("sqlite"):
        assert token.encode() not in (tmp_path / "guardrail.db").read_bytes()


def test_two_servers_redeeming_the_same_tokens_at_once_exactly_one_wins(store, url):
    tokens = [store.issue_token(f"CA{i:032x}", T0) for i in range(40)]
    servers = [CallStateStore.open(url) for _ in range(2)]
    won: list[list[bool]] = [[], []]
    start = threading.Barrier(2)

    def redeem(k: int) -> None:
        start.wait()
        for i, token in enumerate(tokens):
            won[k].append(servers[k].redeem_token(token, f"CA{i:032x}", T0 + 1))

    threads = [threading.Thread(target=redeem, args=(k,)) for k in range(2)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    finally:
        for s in servers:
            s.close()
    assert [a + b for a, b in zip(won[0], won[1], strict=True)] == [1] * len(tokens)


# -- calls: ownership, outcome, recording, end, remediation ----------------------------


def test_one_lease_check_renews_every_held_call_and_shows_the_ones_that_moved(store, url):
    other = CallStateStore.open(url)
    gone = "CA" + "9" * 32
    try:
        assert store.claim(CA, "server-a", T0, 30) is None
        assert store.claim(CB, "server-a", T0, 30) is None
        assert other.claim(CB, "server-b", T0 + 1, 30) == "server-a"
        seen = store.heartbeat_all([CA, CB, gone], "server-a", T0 + 2, 30)
        assert seen[CA].owner == "server-a"
        assert seen[CA].lease_until == T0 + 2 + 30  # renewed
        assert seen[CB].owner == "server-b"  # moved: A lets it go
        assert seen[CB].lease_until == T0 + 1 + 30  # and A did not renew B's lease
        assert seen[gone] is None
        many = [f"CA{k:032x}" for k in range(1200)]  # more than one chunk
        for sid in many:
            store.claim(sid, "server-a", T0, 30)
        seen = store.heartbeat_all(many, "server-a", T0 + 5, 30)
        assert all(r is not None and r.lease_until == T0 + 35 for r in seen.values())
    finally:
        other.close()


def test_the_call_moves_to_the_server_that_claims_it(store, url):
    other = CallStateStore.open(url)
    try:
        assert store.claim(CA, "server-a", T0, 30) is None
        assert store.heartbeat(CA, "server-a", T0 + 1, 30)
        assert other.claim(CA, "server-b", T0 + 2, 30) == "server-a"
        assert not store.heartbeat(CA, "server-a", T0 + 3, 30)  # A learns it moved
        assert other.heartbeat(CA, "server-b", T0 + 3, 30)
        assert store.load(CA).owner == "server-b"
        other.record_recording(CA, "RE" + "5" * 32, T0 + 4)
        store.record_end(CA, "completed", T0 + 5)
        other.record_end(CA, "canceled", T0 + 6)  # the first end is kept
        wins = [store.claim_remediation(CA, "server-a", T0 + 7)]
        wins.append(other.claim_remediation(CA, "server-b", T0 + 7))
        record = other.load(CA)
    finally:
        other.close()
    assert wins == [True, False]  # exactly once over all servers
    assert record.recording_sid == "RE" + "5" * 32
    assert record.ended == "completed"
    assert record.remediated_by == "server-a"


def test_an_ended_call_nobody_holds_is_an_orphan_until_someone_claims_it(store):
    snap = {"state": "handed_off"}
    for sid in (CA, CB):
        store.save(sid, T0, snapshot=snap)
        store.claim(sid, "server-a", T0, 30)
    store.record_end(CA, "completed", T0 + 1)
    assert store.orphans(T0 + 10) == []  # A's lease still runs: A will end it
    assert store.orphans(T0 + 31) == [CA]  # A is gone; CB has not ended
    store.release(CB, "server-a")
    store.record_end(CB, "completed", T0 + 2)
    assert store.orphans(T0 + 10) == [CB]  # let go by a draining A
    assert store.claim_remediation(CB, "server-b", T0 + 11)
    assert store.orphans(T0 + 31) == [CA]


def test_an_outcome_is_taken_once(store, url):
    outcome = {"action_id": 3, "outcome": "returned", "summary": "x", "fed": False}
    store.set_outcome(CA, outcome, T0)
    other = CallStateStore.open(url)
    try:
        assert other.take_outcome(CA) == outcome
        assert store.take_outcome(CA) is None
    finally:
        other.close()
    assert store.take_outcome(CB) is None  # no row at all


def test_a_replayed_webhook_is_known_to_every_server_until_it_expires(store, url):
    key = bytes(range(32))
    other = CallStateStore.open(url)
    try:
        assert store.seen_webhook(key, T0, 100) is None
        assert other.seen_webhook(key, T0 + 5, 100) == T0
        assert other.seen_webhook(key, T0 + 101, 100) is None  # forgotten: new again
        other.forget_webhook(key)
        assert store.seen_webhook(key, T0 + 102, 100) is None
    finally:
        other.close()


def test_everything_expires_and_purge_deletes_it(store):
    store.issue_token(CA, T0, ttl_s=60)
    store.save(CA, T0, snapshot={"state": "handed_off"})
    store.seen_webhook(b"k" * 32, T0, 120)
    assert store.counts() == {"tokens": 1, "calls": 1, "webhooks": 1}
    assert store.purge(T0 + 59) == 0
    assert store.purge(T0 + 121) == 2  # the token, the replay key
    assert store.counts() == {"tokens": 0, "calls": 1, "webhooks": 0}
    assert store.purge(T0 + 7 * 3600) == 1  # the call's row, hours after its last update
    assert store.counts() == {"tokens": 0, "calls": 0, "webhooks": 0}


def test_a_snapshot_holding_a_value_is_refused_and_nothing_is_stored(store):
    for bad in (
        {"state": "normal", "heard": f"my card is {CARD}"},
        {"state": "normal", "digits": CARD},
        {"state": "normal", "ssn": SSN},
        {"state": "normal", "t": [1.0, {"x": "4111 1111"}]},
        {"state": "normal", "blob": b"4111"},
    ):
        with pytest.raises(CallStateValueError) as err:
            store.save(CA, T0, snapshot=bad)
        assert_clean(str(err.value))
    record = store.load(CA)
    assert record is None or record.snapshot is None
    check_no_value({"sid": "RE" + "0" * 32, "call": CA, "t": 12.5, "cats": ["ssn"]})


# -- snapshot and restore ---------------------------------------------------------------


def _policy() -> Policy:
    return Policy.from_dict(
        {
            "payment_card": {
                "on_request": "secure_path",
                "on_disclosure": "secure_path",
                "route": "pay",
            },
            "ssn": {"on_request": "handoff", "on_disclosure": "redact", "route": "human"},
        },
        routes=frozenset(ROUTES),
    )


def _settle(session: Session, actions: list, t: float) -> list:
    """Answer every control step as a Twilio that confirms it; returns everything done."""
    done, todo = list(actions), list(actions)
    while todo:
        a = todo.pop(0)
        if isinstance(a, PauseRecording | ResumeRecording):
            more = session.feed(ControlResult(a.action_id, True, t))
        elif isinstance(a, Handoff) and a.kind != "keypad":
            more = session.feed(HandoffResult(a.action_id, "connected", t))
        else:
            continue
        done += more
        todo += more
    return done


def _away_session() -> Session:
    """A call the agent sent to ``<Pay>`` after the caller read an SSN out unprompted."""
    s = Session(_policy(), routes=ROUTES)
    s.feed(CallStarted(CA, "MZ" + "0" * 32, 0.0))
    _settle(s, s.feed(CallerTranscript(f"my social is {SSN}", True, 5000.0)), 5100.0)
    _settle(
        s,
        s.feed(AgentText("Could you read me the long number on your card?", True, 8000.0)),
        8100.0,
    )
    assert s.state == "handed_off"
    assert s.exposed
    return s


def test_a_snapshot_round_trips_through_the_store_and_holds_no_value(store):
    session = _away_session()
    snap = session.snapshot()
    check_no_value(snap)
    assert_clean(json.dumps(snap))
    store.save(CA, T0, snapshot=snap)
    assert store.load(CA).snapshot == json.loads(json.dumps(snap))


def test_a_restored_session_goes_on_as_the_one_it_was_taken_from(store):
    original = _away_session()
    store.save(CA, T0, snapshot=original.snapshot())
    restored = Session.restore(SessionConfig(), store.load(CA).snapshot, policy=_policy())
    for s in (original, restored):
        assert (s.state, s.recording_paused, s.bot_muted, s.now) == (
            original.state,
            original.recording_paused,
            original.bot_muted,
            original.now,
        )
    assert restored.exposed == original.exposed
    aid = original._handoff_id
    back = [HandoffResult(aid, "returned", 60_000.0, "card ending 1111 accepted")]
    later = [AgentText("Thank you, that is all done.", True, 61_000.0), CallEnded(70_000.0)]
    runs = []
    for s in (original, restored):
        out = []
        for ev in back + later:
            out += _settle(s, s.feed(ev), ev.t_ms)
        runs.append(out)
    assert runs[0] == runs[1]
    assert restored.state == "ended"
    assert any(isinstance(a, ResumeRecording) for a in runs[1])
    [dispose] = [a for a in runs[1] if isinstance(a, DisposeRecording)]
    assert [x[2] for x in dispose.spans] == ["ssn"]


def test_a_snapshot_this_version_cannot_take_on_is_refused():
    snap = _away_session().snapshot()
    for broken in (
        {**snap, "v": 99},
        {**snap, "state": "ended"},
        {**snap, "exposed": "x"},
        {k: v for k, v in snap.items() if k != "last_t"},
    ):
        with pytest.raises(ValueError, match="session snapshot"):
            Session.restore(SessionConfig(), broken)


def _rows(store: CallStateStore, sql: str) -> list:
    rows, _ = store._run(sql, fetch=True)
    return [list(r) for r in rows]
