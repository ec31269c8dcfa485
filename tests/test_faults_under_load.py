"""Faults under load (issue 13): one or two calls suffer a fault while the others run.

Each test runs several concurrent calls through the real proxy (see
:mod:`proxy_rig`), with the audit trail in a SQLite store. The healthy calls
stream audio before and after the fault (an :class:`asyncio.Event` marks the
fault as done, so they overlap it without any sleep); then it checks that

(a) every healthy call's audio reached the bot whole and in order, and the
    call ended normally (counts and order, never milliseconds);
(b) every affected call ended in a defined state that the store records:
    its entries, its ``call_closed`` reason, no ``confirmed`` for a pause that
    was not;
(c) no value fed through the affected calls (the public test card, a
    generated SSN) is in any log record, any message the bot got, the
    metrics page or the store file, in any grouping;
(d) the server serves a new call after the fault.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from proxy_rig import (
    AUTH,
    CARD,
    SSN,
    Rig,
    assert_clean,
    bot_texts,
    record_texts,
    rig,
    run,
    wait_until,
)

from guardrail.audit import AuditStore
from guardrail.session import SessionConfig
from guardrail.sim.bot import BotConnection, ScriptedBot
from guardrail.sim.rest import FakeTwilio
from guardrail.sim.twilio import TwilioCall, speech_like

TEXTS = SessionConfig()
HEALTHY = 4
GARBAGE: list[str | bytes] = [
    "not json",
    "[1, 2, 3]",
    '{"event": 3}',
    '{"event": "media", "media": {"payload": "%%%"}}',
    '{"event": "media", "media": "wrong shape"}',
    "{" + " " * 70_000 + "}",  # oversized
    b"\x00\x01binary",
]


@pytest.fixture(autouse=True)
def _env(monkeypatch, caplog):
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC00000000000000000000000000000001")
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", AUTH)
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="websockets")


def sid(i: int) -> str:
    return f"CA{i:032d}"


def entries(path: Path, call_sid: str | None = None) -> list[dict]:
    """The store's entries (of ``call_sid``), read through a connection of its own."""
    store = AuditStore.open(f"sqlite:///{path}", create=False)
    try:
        return list(store.export(call=call_sid))
    finally:
        store.close()


def ends(path: Path, call_sid: str) -> list[str]:
    return [e["outcome"] for e in entries(path, call_sid) if e["event"] == "call_closed"]


async def closed_in_store(path: Path, sids: list[str]) -> None:
    """Wait until every call in ``sids`` has its ``call_closed`` in the store."""
    await wait_until(
        lambda: all(ends(path, s) for s in sids), 15, "call_closed of every call in the store"
    )


async def greeted(r: Rig, twilio: TwilioCall) -> BotConnection:
    conn = await r.bot.connection(twilio.call_sid)
    await r.bot.wait_for(lambda: bool(conn.utterances) and conn.utterances[0].complete)
    greeting = conn.utterances[0].audio
    await twilio.wait_for(lambda: twilio.received_audio == greeting, what="the greeting")
    return conn


async def healthy(r: Rig, i: int, fault_done: asyncio.Event) -> tuple[bytes, bytes, int | None]:
    """A call that streams before and after the fault and hangs up: what it sent,
    what the bot received, and the close code Twilio's side saw."""
    twilio = await r.call(sid(i))
    conn = await greeted(r, twilio)
    sent = bytearray(await twilio.send_audio(speech_like(300, seed=10 * i)))
    await fault_done.wait()
    sent += await twilio.send_audio(speech_like(300, seed=10 * i + 1))
    await r.bot.wait_for(lambda: len(conn.received_audio) >= len(sent), what="the audio")
    received = conn.received_audio
    await twilio.hangup()
    await conn.closed.wait()
    return bytes(sent), received, twilio.closed_code


async def feed_values(r: Rig, twilio: TwilioCall) -> None:
    """The sensitive values go through the call: spoken (the bot's speech-to-text
    hears them) and keyed."""
    await r.bot.hear(twilio.call_sid, f"my card is {CARD} and my social is {SSN}")
    await twilio.send_keyed(CARD, dtmf_messages=True)


async def one_more_call(r: Rig, i: int) -> None:
    """(d): a new call after the fault streams, is heard and ends normally."""
    twilio = await r.call(sid(i))
    conn = await greeted(r, twilio)
    sent = await twilio.send_audio(speech_like(200, seed=999))
    await r.bot.wait_for(lambda: conn.received_audio == sent, what="the new call's audio")
    await twilio.hangup()
    await conn.closed.wait()
    assert twilio.closed_code == 1000


def under_load(
    bot: ScriptedBot,
    faulty: Callable[[Rig, asyncio.Event], Awaitable[object]],
    store: Path,
    *,
    prepare: Callable[[FakeTwilio], None] | None = None,
) -> tuple[list[tuple[bytes, bytes, int | None]], object, ScriptedBot, str]:
    """Run ``HEALTHY`` healthy calls (``sid(1..HEALTHY)``) beside ``faulty`` (which
    sets the event when its fault is done), then one new call; returns the
    healthy calls' results, what ``faulty`` returned, the bot and the metrics."""

    async def go():
        with FakeTwilio() as fake:
            if prepare is not None:
                prepare(fake)
            async with rig(bot, fake, store_path=str(store)) as r:
                done = asyncio.Event()

                async def fault() -> object:
                    try:
                        return await faulty(r, done)
                    finally:
                        done.set()

                *good, bad = await asyncio.gather(
                    *(healthy(r, i, done) for i in range(1, HEALTHY + 1)), fault()
                )
                await one_more_call(r, 99)
                await wait_until(lambda: not r.state.calls, 10, "every call to be over")
                metrics = await r.metrics_text()
                await closed_in_store(store, [sid(i) for i in [*range(1, HEALTHY + 1), 99]])
                return good, bad, r.bot, metrics

    return run(go, timeout=90)


def check_healthy(good: list[tuple[bytes, bytes, int | None]], store: Path) -> None:
    """(a): every byte in order, nothing else, a normal end, ``hang_up`` in the store."""
    for i, (sent, received, code) in enumerate(good, start=1):
        assert received == sent
        assert code == 1000
        assert ends(store, sid(i)) == ["hang_up"]
    assert ends(store, sid(99)) == ["hang_up"]


def check_clean(caplog, bot: ScriptedBot, metrics: str, store: Path) -> None:
    """(c): nothing fed in anywhere; no unexpected failure logged."""
    assert_clean(
        bot_texts(bot),
        record_texts(caplog.records),
        metrics,
        json.dumps(entries(store)),
        # the database and its write-ahead log: what is not checkpointed yet too
        [f.read_bytes().decode("latin-1") for f in store.parent.glob(store.name + "*")],
    )
    failures = [
        (r.name, r.getMessage())
        for r in caplog.records
        if r.levelno >= logging.ERROR and r.name.startswith(("guardrail", "aiohttp"))
    ]
    assert failures == []
    assert AuditStore.open(f"sqlite:///{store}", create=False).verify().ok


# -- the faults ---------------------------------------------------------------------------


def test_the_bot_disconnecting_two_calls_mid_call_ends_just_those(caplog, tmp_path):
    store = tmp_path / "audit.db"
    affected = [sid(50), sid(51)]

    async def faulty(r: Rig, done: asyncio.Event) -> list[int | None]:
        calls = [await r.call(s) for s in affected]
        for twilio in calls:
            await greeted(r, twilio)
            await twilio.send_audio(speech_like(200, seed=5))
            await feed_values(r, twilio)
        for s in affected:
            await r.bot.hang_up(s, 1011)
        return [await twilio.wait_closed() for twilio in calls]

    good, codes, bot, metrics = under_load(ScriptedBot(), faulty, store)
    check_healthy(good, store)
    assert codes == [1011, 1011]
    for s in affected:
        seen = [(e["event"], e["outcome"]) for e in entries(store, s)]
        assert ends(store, s) == ["bot_disconnected"]
        assert ("bot_disconnected", "call_ended") in seen
        assert ("call_ended", "ok") in seen  # the post-call disposal ran
        assert seen.index(("bot_disconnected", "call_ended")) < seen.index(
            ("call_closed", "bot_disconnected")
        )
    check_clean(caplog, bot, metrics, store)


def test_twilio_dropping_two_sockets_without_stop_is_a_hang_up_for_just_those(caplog, tmp_path):
    """One call drops after the values went through it; the other while its
    recording pause is still unanswered (the REST stand-in hangs): a stream that
    ends with no redirect sent is a hang-up, whatever the session was doing."""
    store = tmp_path / "audit.db"
    affected = [sid(50), sid(51)]

    def prepare(fake: FakeTwilio) -> None:
        fake.plan = ["hang"] * 20

    async def faulty(r: Rig, done: asyncio.Event) -> list[tuple[BotConnection, str]]:
        out = []
        for s in affected:
            twilio = await r.call(s)
            conn = await greeted(r, twilio)
            await twilio.send_audio(speech_like(200, seed=6))
            if s == affected[1]:
                await r.bot.say(s, "What's the card number?")
                await wait_until(lambda s=s: r.session(s).state == "protecting", 5)
            else:
                await feed_values(r, twilio)
            state = r.session(s).state
            await twilio.drop()
            out.append((conn, state))
        for conn, _ in out:  # the bot's side of a stuck call would stay open
            await asyncio.wait_for(conn.closed.wait(), 10)
        return out

    good, dropped, bot, metrics = under_load(ScriptedBot(), faulty, store, prepare=prepare)
    check_healthy(good, store)
    assert dropped[1][1] == "protecting"
    for s, (conn, _) in zip(affected, dropped, strict=True):
        assert conn.close_code == 1000
        assert conn.stops == 0  # Twilio never sent one
        seen = [(e["event"], e["outcome"]) for e in entries(store, s)]
        assert ends(store, s) == ["hang_up"]
        assert [o for e, o in seen if e == "stream_stopped"] != []
        assert ("call_ended", "ok") in seen
        assert ("pause_recording", "confirmed") not in seen  # it never was
    check_clean(caplog, bot, metrics, store)


def test_one_call_flooding_malformed_messages_is_closed_1008_and_the_rest_go_on(caplog, tmp_path):
    store = tmp_path / "audit.db"
    flooder = sid(50)

    async def faulty(r: Rig, done: asyncio.Event) -> int | None:
        twilio = await r.call(flooder)
        await greeted(r, twilio)
        await feed_values(r, twilio)
        n = 0
        while await twilio.send_raw(GARBAGE[n % len(GARBAGE)]):  # as fast as it goes
            n += 1
            if n > 10_000:
                break
        return await twilio.wait_closed()

    good, code, bot, metrics = under_load(ScriptedBot(), faulty, store)
    check_healthy(good, store)
    assert code == 1008
    assert ends(store, flooder) == ["twilio_protocol_errors"]
    errors = [e for e in entries(store, flooder) if e["event"] == "protocol_error"]
    assert errors
    assert all(e["call_sid"] == flooder for e in errors)
    check_clean(caplog, bot, metrics, store)


def test_a_flood_with_valid_messages_mixed_in_is_closed_too(caplog, tmp_path):
    """Garbage with a valid media message after every 20 (so never 50 bad in a row)
    still ends that call within a second's worth of bad messages: it cannot keep
    the process parsing its garbage while the other calls wait."""
    store = tmp_path / "audit.db"
    flooder = sid(50)

    async def faulty(r: Rig, done: asyncio.Event) -> tuple[int | None, int]:
        twilio = await r.call(flooder)
        await greeted(r, twilio)
        n = 0
        while n < 10_000 and await twilio.send_raw(GARBAGE[n % len(GARBAGE)]):
            n += 1
            if n % 20 == 0 and not await twilio.send_audio(speech_like(20, seed=n)):
                break
        return await twilio.wait_closed(), n

    good, (code, sent), bot, metrics = under_load(ScriptedBot(), faulty, store)
    check_healthy(good, store)
    assert code == 1008
    assert sent < 10_000
    assert ends(store, flooder) == ["twilio_protocol_errors"]
    check_clean(caplog, bot, metrics, store)


@pytest.mark.parametrize("step", [500, "hang", "slow"])
def test_twilio_rest_failing_fails_the_pause_closed_and_the_call_goes_on(caplog, tmp_path, step):
    """Every request to the REST stand-in fails (500, retried to the deadline), never
    answers, or answers after the client gave up: the pause is never confirmed, so
    no capture starts; the call goes on with the bot and ends normally."""
    store = tmp_path / "audit.db"
    affected = [sid(50), sid(51)]

    def prepare(fake: FakeTwilio) -> None:
        fake.plan, fake.slow_s = [step] * 60, 3.0

    async def faulty(r: Rig, done: asyncio.Event) -> list[tuple[list[str], str]]:
        out = []
        for s in affected:
            twilio = await r.call(s)
            conn = await greeted(r, twilio)
            await r.bot.say(s, "What's the card number?")
            await r.bot.wait_for(
                lambda conn=conn: (
                    TEXTS.say_failed in [n["text"] for n in conn.notices if n.get("type") == "say"]
                ),
                8,
                "the failure",
            )
            state = r.session(s).state
            await feed_values(r, twilio)
            after = await twilio.send_audio(speech_like(200, seed=7))
            await r.bot.wait_for(
                lambda conn=conn, after=after: conn.received_audio.endswith(after), what="audio"
            )
            await twilio.hangup()
            await conn.closed.wait()
            out.append((conn.received_dtmf, state))
        return out

    good, results, bot, metrics = under_load(ScriptedBot(), faulty, store, prepare=prepare)
    check_healthy(good, store)
    for s, (dtmf, state) in zip(affected, results, strict=True):
        assert state == "normal"  # no capture started on a pause that failed
        assert dtmf == []  # the keyed card never reached the bot
        pauses = [e["outcome"] for e in entries(store, s) if e["event"] == "pause_recording"]
        assert pauses
        assert "confirmed" not in pauses
        assert pauses[0] in ("http 500", "timeout", "deadline")
        assert ends(store, s) == ["hang_up"]
    check_clean(caplog, bot, metrics, store)


def test_the_audit_store_locked_by_another_writer_stalls_no_call_and_loses_no_entry(
    caplog, tmp_path
):
    """Another connection holds SQLite's write lock (``BEGIN IMMEDIATE``) while the
    calls stream, one asks for the card and one ends: the media path never waits
    on the store; once the lock is gone every entry is written, in order."""
    store = tmp_path / "audit.db"
    asked, ending = sid(50), sid(51)
    lock: dict[str, sqlite3.Connection] = {}

    async def faulty(r: Rig, done: asyncio.Event) -> tuple[str, int | None]:
        a, b = await r.call(asked), await r.call(ending)
        conn_a, conn_b = await greeted(r, a), await greeted(r, b)
        await wait_until(lambda: ends(store, asked) == [] and entries(store, asked) != [], 5)
        other = sqlite3.connect(store, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # from here every append waits
        lock["held"] = other
        try:
            before = len(entries(store))
            await r.bot.say(asked, "What's the card number?")
            await r.bot.wait_for(
                lambda: (
                    TEXTS.say_secure_path
                    in [n["text"] for n in conn_a.notices if n.get("type") == "say"]
                ),
                8,
                "the keypad prompt",
            )
            await feed_values(r, b)
            await b.hangup()
            await conn_b.closed.wait()
            await wait_until(lambda: ending not in r.state.calls, 5, "the call to be over")
            assert len(entries(store)) == before  # the store did stall meanwhile
        finally:
            other.execute("ROLLBACK")
            other.close()
        await a.send_keyed(CARD + "#", dtmf_messages=True)
        await r.bot.wait_for(
            lambda: any(n.get("respond") is True for n in conn_a.notices), 8, "the outcome"
        )
        state = r.session(asked).state
        await a.hangup()
        await conn_a.closed.wait()
        return state, b.closed_code

    good, (state, code_b), bot, metrics = under_load(ScriptedBot(), faulty, store)
    assert "held" in lock
    check_healthy(good, store)
    assert code_b == 1000
    assert state == "normal"
    assert ends(store, ending) == ["hang_up"]
    assert ends(store, asked) == ["hang_up"]
    seen = [(e["event"], e["outcome"]) for e in entries(store, asked)]
    assert ("pause_recording", "confirmed") in seen
    assert ("secure_capture", "accepted") in seen
    for s in (asked, ending):  # every entry, in the order the call made them
        rows = entries(store, s)
        assert rows[0]["event"] == "call_started"
        assert rows[-1]["event"] == "call_closed"
        assert [e["t_ms"] for e in rows] == sorted(e["t_ms"] for e in rows)
    check_clean(caplog, bot, metrics, store)


def test_a_stalled_store_fails_new_card_requests_closed_until_it_is_back(caplog, tmp_path):
    """The store's write lock is held by another connection past the trail's
    ``stall_s``: the call's trail reports itself unhealthy, so the bot's request
    for the card is withheld (no recording pause asked of Twilio) instead of
    starting a capture whose entries might never be written; once the lock is
    gone the trail is restored and every entry, the outage's included, is in
    the store in order."""
    store = tmp_path / "audit.db"
    asked = sid(50)

    def logged() -> list[tuple[str, str]]:
        return [
            (r.fields["event"], r.fields["outcome"])
            for r in caplog.records
            if r.name == "guardrail.audit" and r.msg == "audit"
        ]

    async def faulty(r: Rig, done: asyncio.Event) -> tuple[list[str], int]:
        twilio = await r.call(asked)
        conn = await greeted(r, twilio)
        await wait_until(lambda: entries(store, asked) != [], 5, "the call's first entry")
        other = sqlite3.connect(store, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            await r.bot.hear(asked, f"my social is {SSN}")  # an entry that waits on the lock
            trail = r.state._trails[asked]
            await wait_until(lambda: not trail.healthy, 10, "the trail to report the stall")
            await r.bot.hear(asked, f"my social is {SSN}")  # the next entry tells the session
            await wait_until(lambda: not r.session(asked).audit_ok, 5, "the session to know")
            await r.bot.hear(asked, f"my card is {CARD}")  # redacted, no capture started
            await r.bot.say(asked, "What's the card number?")
            await wait_until(
                lambda: ("agent_request", "withheld_audit_unavailable") in logged(),
                5,
                "the request withheld",
            )
            state = r.session(asked).state
            requests = len(r.fake.requests)
        finally:
            other.execute("ROLLBACK")
            other.close()
        await wait_until(lambda: trail.healthy, 10, "the trail to be back")
        await r.bot.hear(asked, f"my social is {SSN}")  # the next entry tells the session
        await wait_until(lambda: r.session(asked).audit_ok, 5, "the session to know")
        after = await twilio.send_audio(speech_like(200, seed=8))
        await r.bot.wait_for(lambda: conn.received_audio.endswith(after), what="audio")
        await twilio.hangup()
        await conn.closed.wait()
        assert TEXTS.say_audit_unavailable in [
            n["text"] for n in conn.notices if n.get("type") == "say"
        ]
        return [state], requests

    good, ([state], requests), bot, metrics = under_load(ScriptedBot(), faulty, store)
    check_healthy(good, store)
    assert state == "normal"  # no capture started while the trail was down
    assert requests == 0  # and no recording pause asked of Twilio
    seen = [(e["event"], e["outcome"]) for e in entries(store, asked)]
    assert ("agent_request", "withheld_audit_unavailable") in seen
    assert ("pause_recording", "confirmed") not in seen
    assert seen.index(("audit_trail", "unavailable")) < seen.index(("audit_trail", "restored"))
    assert seen[0] == ("call_started", "ok")
    assert seen[-1] == ("call_closed", "hang_up")
    check_clean(caplog, bot, metrics, store)


def test_a_store_stuck_for_one_call_stops_another_calls_first_card_request(caplog, tmp_path):
    """The store is shared: once one call's write is stuck past ``stall_s``, a second
    call that has written nothing since asks for the card and its request is withheld
    at once (no recording pause asked of Twilio), because the server's health check
    looks at every call's writer and the executor reads it before the request."""
    store = tmp_path / "audit.db"
    a, b = sid(60), sid(61)

    async def go():
        with FakeTwilio() as fake:
            async with rig(ScriptedBot(), fake, store_path=str(store)) as r:
                ta, tb = await r.call(a), await r.call(b)
                await greeted(r, ta)
                await greeted(r, tb)
                await wait_until(lambda: entries(store, b) != [], 5, "b's first entry")
                other = sqlite3.connect(store, isolation_level=None)
                other.execute("BEGIN IMMEDIATE")
                try:
                    await r.bot.hear(a, f"my social is {SSN}")  # a's write waits on the lock
                    trail = r.state._trails[a]
                    await wait_until(lambda: trail.store_trouble, 10, "a's writer to stall")
                    await r.bot.say(b, "What's the card number?")
                    await wait_until(lambda: not r.session(b).audit_ok, 5, "b's session to know")
                    state, asked = r.session(b).state, len(fake.requests)
                finally:
                    other.execute("ROLLBACK")
                    other.close()
                for t in (ta, tb):
                    await t.hangup()
                await closed_in_store(store, [a, b])
                return state, asked

    state, asked = run(go)
    assert state == "normal"
    assert asked == 0  # b never asked Twilio to pause: its request was withheld
    seen = [(e["event"], e["outcome"]) for e in entries(store, b)]
    assert ("agent_request", "withheld_audit_unavailable") in seen
    assert ("pause_recording", "confirmed") not in seen
