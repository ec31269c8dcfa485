"""Two ``guardrail serve`` processes on one PostgreSQL: a call leaves through one and
returns through the other.

Everything is real: two server processes with the same config (their
``[store] url`` one PostgreSQL 16 database, ``[server] public_url`` the one
address Twilio signs, as behind a load balancer), the scripted bot and the
Twilio REST stand-in in this process, and signed webhooks and media streams
from the simulated Twilio. The agent asks for the card through server A;
the caller goes to ``<Pay>``; the return webhook and the new stream reach
server B, which takes the call on from the store: the session back in normal
state, the recording resumed, the bot told the outcome on a connection of
its own for the same CallSid, server A's bot connection let go, and the
call's end, reported to A, acted on by B. A replayed webhook is refused by
the server that did not see it first.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import xml.etree.ElementTree as ET

import pytest
from proxy_rig import (
    AC,
    AUTH,
    SSN,
    Rig,
    ServeProcess,
    assert_clean,
    bot_texts,
    config_text,
    rig,
    run,
    wait_until,
)

from guardrail.audit import AuditStore
from guardrail.call_state import CallStateStore
from guardrail.sim.bot import BotConnection, ScriptedBot
from guardrail.sim.rest import FakeTwilio
from guardrail.sim.twilio import (
    TwilioCall,
    parse_connect_stream,
    post_webhook,
    speech_like,
    voice_form,
)

CA = "CA" + "ab" * 16
PUBLIC = "http://127.0.0.1:8443"  # the load balancer's address: what Twilio signs
PAID = {"Result": "success", "PaymentCardNumber": "xxxx-xxxx-xxxx-1111"}
ASK = "Could you read me the long number on the front of your card?"
THANKS = "Thank you, that is all done. Is there anything else?"
ENV = {"TWILIO_ACCOUNT_SID": AC, "TWILIO_AUTH_TOKEN": AUTH}


@pytest.fixture(autouse=True)
def _env(monkeypatch, caplog):
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    caplog.set_level(logging.INFO, logger="websockets")


def _on(server: ServeProcess, public: str) -> str:
    """``public`` (a stream URL Twilio was given) as ``server``'s address behind the balancer."""
    ws_public = PUBLIC.replace("http", "ws", 1)
    assert public.startswith(ws_public)
    return server.base.replace("http", "ws", 1) + public[len(ws_public) :]


async def _webhook(server: ServeProcess, path: str, form: dict[str, str]) -> tuple[int, str]:
    return await post_webhook(
        server.base, path, {"AccountSid": AC, **form}, AUTH, public_url=PUBLIC
    )


def _state(url: str, call_sid: str):
    store = CallStateStore.open(url)
    try:
        return store.load(call_sid)
    finally:
        store.close()


def test_a_call_leaves_through_one_server_and_returns_through_the_other(pg_url, tmp_path):
    cfg = tmp_path / "guardrail.toml"

    async def go():
        with FakeTwilio() as fake:
            bot = ScriptedBot([THANKS], greet=False)
            async with bot.serve():
                extra = f'\n[server]\npublic_url = "{PUBLIC}"\ndrain_timeout_s = 2\n'
                cfg.write_text(
                    config_text(fake.url, bot.url, card_route="pay", store=pg_url) + extra
                )
                a = await ServeProcess.start(str(cfg), ENV)
                b = await ServeProcess.start(str(cfg), ENV)
                try:
                    return await _scenario(a, b, bot, fake, pg_url)
                except BaseException:
                    print("server A:", "".join(a.raw[-60:]), "server B:", "".join(b.raw[-60:]))
                    raise
                finally:
                    codes = [await a.stop(), await b.stop()]
                    assert codes == [0, 0], "".join(a.raw[-10:] + b.raw[-10:])

    out = run(go, timeout=120)
    a, b, bot, _first, back, requests, replays = out
    # the recording: paused by A, the redirect by A, resumed by B -- one of each
    assert [q["form"].get("Status") for q in requests] == ["paused", None, "in-progress"]
    assert ET.fromstring(requests[1]["form"]["Twiml"]).find("Pay") is not None
    # the bot: one connection per server, both for the same CallSid
    conn_a, conn_b = bot.all_connections
    assert conn_a.call_sid == conn_b.call_sid == CA
    assert conn_a.close_code == 1001  # A let go once B held the call
    assert conn_a.stops == 0  # the call did not end there
    assert conn_b.custom_parameters == {"guardrail_resumed": "true"}
    outcome = [n["text"] for n in conn_b.notices if n.get("respond") is True]
    assert outcome == ["card ending 1111 accepted"]
    assert [n.get("type") for n in conn_b.notices if n.get("type") == "unmute"] == ["unmute"]
    assert conn_b.stream_sid == back.stream_sid
    assert back.misaddressed == []
    assert conn_b.close_code == 1000  # the call's end, reported to A, ended it on B
    # B went on with the session A sent away: back in normal state, recording resumed
    assert [x["outcome"] for x in b.audits("resume")] == ["taken_over"]
    assert {"returned"} == {x["outcome"] for x in b.audits("handoff")}
    assert [x["outcome"] for x in b.audits("returned_to_bot")] == ["ok"]
    assert [x["outcome"] for x in b.audits("resume_recording")] == ["confirmed"]
    assert [x["outcome"] for x in b.audits("call_closed")] == ["call_completed"]
    assert [x["outcome"] for x in a.audits("call_released")] == ["call_moved"]
    assert a.audits("call_closed") == []  # nothing post-call happened on A
    assert [x["outcome"] for x in a.audits("handoff")] == ["requested", "connected"]
    # a replayed webhook is refused by the other server
    assert replays == {"return again on A": 403, "status again on B": 403, "return again on B": 200}
    # both servers appended to one audit chain in the store: it verifies, holds the
    # call's steps from both, never a value
    store = AuditStore.open(pg_url)
    try:
        assert store.verify().ok
        entries = list(store.export(call=CA))
    finally:
        store.close()
    assert len({e["origin"] for e in entries}) == 2
    seen = {(e["event"], e["outcome"]) for e in entries}
    assert {
        ("pause_recording", "confirmed"),
        ("handoff", "connected"),
        ("call_released", "call_moved"),
        ("resume", "taken_over"),
        ("handoff", "returned"),
        ("resume_recording", "confirmed"),
        ("returned_to_bot", "ok"),
        ("call_ended", "ok"),
    } <= seen
    assert_clean(a.raw, b.raw, bot_texts(bot), json.dumps(entries))


async def _scenario(a, b, bot, fake, pg_url):
    # the call arrives through A
    status, body = await _webhook(a, "/twilio/voice", voice_form(CA))
    assert status == 200, body
    stream, params = parse_connect_stream(body)
    first = await TwilioCall.connect(
        _on(a, stream), AUTH, call_sid=CA, custom_parameters=params, signed_url=stream
    )
    conn_a = await bot.connection(CA)
    said = await first.send_audio(speech_like(300, seed=3))
    await bot.wait_for(lambda: conn_a.received_audio.endswith(said), what="the caller on A")
    await bot.say(CA, ASK)  # the agent asks for the card: A pauses, then redirects to <Pay>
    await asyncio.to_thread(fake.wait_for_requests, 2, 10)
    await first.hangup()  # Twilio ends the stream when it redirects the call
    await _wait_snapshot(pg_url)

    # the caller comes back through B
    form = {"CallSid": CA, **PAID}
    status, body = await _webhook(b, "/twilio/return", form)
    assert status == 200, body
    stream, params = parse_connect_stream(body)
    assert set(params) == {"guardrail_resume"}
    assert stream == PUBLIC.replace("http", "ws", 1) + "/twilio/media"
    replays = {
        "return again on A": (await _webhook(a, "/twilio/return", form))[0],
        "return again on B": (await _webhook(b, "/twilio/return", form))[0],
    }
    back = await TwilioCall.connect(
        _on(b, stream), AUTH, call_sid=CA, custom_parameters=params, signed_url=stream
    )
    await bot.wait_for(lambda: len(bot.all_connections) == 2, 10, "B's bot connection")
    conn_b = bot.all_connections[1]
    await bot.wait_for(lambda: bool(conn_b.utterances) and conn_b.utterances[0].complete, 10)
    thanks = conn_b.utterances[0]
    assert thanks.text == THANKS
    await back.wait_for(lambda: back.received_audio == thanks.audio, what="the bot via B")
    await asyncio.wait_for(conn_a.closed.wait(), 10)  # A let go on its lease check
    later = await back.send_audio(speech_like(200, seed=4))
    await bot.wait_for(lambda: conn_b.received_audio.endswith(later), what="the caller on B")
    await asyncio.to_thread(fake.wait_for_requests, 3, 10)  # the resume, by B

    # the call ends; the status callback reaches A, which does not hold it any more
    end = {"CallSid": CA, "CallStatus": "completed"}
    assert (await _webhook(a, "/twilio/status", end))[0] == 204
    replays["status again on B"] = (await _webhook(b, "/twilio/status", end))[0]
    await asyncio.wait_for(conn_b.closed.wait(), 10)
    await back.wait_closed(10)
    record = _state(pg_url, CA)
    assert record.ended == "completed"
    assert record.remediated_by is not None
    return a, b, bot, first, back, list(fake.requests), replays


async def _wait_snapshot(pg_url: str) -> None:
    def ready() -> bool:
        record = _state(pg_url, CA)
        return bool(record and record.snapshot and record.snapshot["state"] == "handed_off")

    await wait_until(ready, 10, "A to write the call state")


# -- in one process: two apps on one SQLite store, every way the call can come back -------


@contextlib.asynccontextmanager
async def _two(bot: ScriptedBot, fake: FakeTwilio, path: str, extra: str = ""):
    """Two guardrail apps (A and B) in front of ``bot`` on one SQLite store."""
    spare = ScriptedBot()  # rig() serves a bot of its own; both put ``bot`` behind them
    async with (
        rig(bot, fake, card_route="pay", store_path=path, extra=extra) as ra,
        rig(spare, fake, card_route="pay", store_path=path, bot_url=bot.url, extra=extra) as rb,
    ):
        yield ra, rb


async def _sent_away(
    ra: Rig, bot: ScriptedBot, twilio: TwilioCall | None = None
) -> tuple[TwilioCall, BotConnection]:
    twilio = twilio or await ra.call(CA)
    conn = await bot.connection(CA)
    await bot.say(CA, ASK)
    await wait_until(lambda: ra.session(CA).state == "handed_off", what="handed off on A")
    call = ra.state.calls[CA]
    await twilio.hangup()
    await wait_until(lambda: call.leg is None, what="the stream to be detached")
    store = ra.state.shared

    def saved() -> bool:
        record = store.load(CA)
        return bool(record and record.snapshot and record.snapshot["state"] == "handed_off")

    await wait_until(saved, what="A to write the call state")
    return twilio, conn


def _outcomes(conn: BotConnection) -> list[str]:
    return [n["text"] for n in conn.notices if n.get("respond") is True]


def test_returned_through_the_server_that_sent_it_away_then_streamed_to_the_other(tmp_path):
    async def go():
        with FakeTwilio() as fake:
            bot = ScriptedBot([THANKS], greet=False)
            async with _two(bot, fake, str(tmp_path / "g.db")) as (ra, rb):
                _, conn_a = await _sent_away(ra, bot)
                status, body = await ra.webhook("/twilio/return", {"CallSid": CA, **PAID})
                assert status == 200
                url, params = parse_connect_stream(body)
                url = url.replace(ra.base[len("http") :], rb.base[len("http") :])
                back = await TwilioCall.connect(url, AUTH, call_sid=CA, custom_parameters=params)
                await bot.wait_for(lambda: len(bot.all_connections) == 2, what="B's connection")
                conn_b = bot.all_connections[1]
                await bot.wait_for(lambda: _outcomes(conn_b) != [], what="the outcome on B")
                await asyncio.wait_for(conn_a.closed.wait(), 10)
                session_b = rb.session(CA)
                state = (session_b.state, session_b.recording_paused, CA in ra.state.calls)
                await back.hangup()
                await conn_b.closed.wait()
                return fake.requests, conn_a, conn_b, state

    requests, conn_a, conn_b, state = run(go)
    # A heard the outcome and resumed the recording at the return; B told its bot
    assert [q["form"].get("Status") for q in requests] == ["paused", None, "in-progress"]
    assert _outcomes(conn_a) == ["card ending 1111 accepted"]
    assert _outcomes(conn_b) == ["card ending 1111 accepted"]
    assert conn_b.custom_parameters == {"guardrail_resumed": "true"}
    assert conn_a.close_code == 1001
    assert state == ("normal", False, False)


def test_returned_through_the_other_server_then_streamed_back_to_the_first(tmp_path):
    async def go():
        with FakeTwilio() as fake:
            bot = ScriptedBot([THANKS], greet=False)
            async with _two(bot, fake, str(tmp_path / "g.db")) as (ra, rb):
                first, conn = await _sent_away(ra, bot)
                status, body = await rb.webhook("/twilio/return", {"CallSid": CA, **PAID})
                assert status == 200
                url, params = parse_connect_stream(body)
                url = url.replace(rb.base[len("http") :], ra.base[len("http") :])
                back = await TwilioCall.connect(url, AUTH, call_sid=CA, custom_parameters=params)
                await bot.wait_for(lambda: _outcomes(conn) != [], what="the outcome on A")
                await bot.wait_for(
                    lambda: len(conn.utterances) == 2 and conn.utterances[1].complete
                )
                thanks = conn.utterances[1]
                assert thanks.text == THANKS
                await back.wait_for(lambda: back.received_audio == thanks.audio, what="the bot")
                session = ra.session(CA)
                state = (session.state, session.recording_paused)
                await back.hangup()
                await conn.closed.wait()
                return fake.requests, bot, conn, first, back, state

    requests, bot, conn, first, back, state = run(go)
    # the same bot connection as ever: the outcome B recorded reached A's session
    assert len(bot.all_connections) == 1
    assert len(conn.starts) == 1
    assert conn.stream_sid == first.stream_sid
    assert conn.stream_sid_changes == []
    assert back.misaddressed == []
    assert _outcomes(conn) == ["card ending 1111 accepted"]
    assert [q["form"].get("Status") for q in requests] == ["paused", None, "in-progress"]
    assert state == ("normal", False)


def test_a_call_that_ends_while_away_ends_where_it_is_held_whoever_hears_of_it(tmp_path):
    async def go():
        with FakeTwilio() as fake:
            bot = ScriptedBot([THANKS], greet=False)
            async with _two(bot, fake, str(tmp_path / "g.db")) as (ra, rb):
                _, conn = await _sent_away(ra, bot)
                end = {"CallSid": CA, "CallStatus": "no-answer"}
                assert (await rb.webhook("/twilio/status", end))[0] == 204
                await asyncio.wait_for(conn.closed.wait(), 10)  # A's next lease check
                await wait_until(lambda: CA not in ra.state.calls, what="A to forget the call")
                record = ra.state.shared.load(CA)
                answer = await rb.webhook("/twilio/return", {"CallSid": CA, **PAID})
                return conn, record, ra.state.instance, answer

    conn, record, a_instance, (status, body) = run(go)
    assert conn.close_code == 1000  # ended, not let go
    assert record.ended == "no-answer"
    assert record.remediated_by == a_instance
    assert status == 200
    assert ET.fromstring(body).find("Hangup") is not None  # over, whichever server is asked


def test_a_draining_server_leaves_an_away_call_for_the_server_it_returns_to(tmp_path):
    async def go():
        with FakeTwilio() as fake:
            bot = ScriptedBot([THANKS], greet=False)
            async with _two(bot, fake, str(tmp_path / "g.db")) as (ra, rb):
                _, conn_a = await _sent_away(ra, bot)
                loop = asyncio.get_running_loop()
                t0 = loop.time()
                await ra.state.drain(30)  # returns at once: nothing left to wait for
                drained_in = loop.time() - t0
                await asyncio.wait_for(conn_a.closed.wait(), 5)
                status, body = await rb.webhook("/twilio/return", {"CallSid": CA, **PAID})
                url, params = parse_connect_stream(body)
                back = await TwilioCall.connect(url, AUTH, call_sid=CA, custom_parameters=params)
                await bot.wait_for(lambda: len(bot.all_connections) == 2, what="B's connection")
                conn_b = bot.all_connections[1]
                await bot.wait_for(lambda: _outcomes(conn_b) != [], what="the outcome on B")
                state = rb.session(CA).state
                await back.hangup()
                await conn_b.closed.wait()
                store = rb.state.shared
                await wait_until(lambda: store.load(CA).ended is not None, what="the end stored")
                return drained_in, conn_a, status, state, store.load(CA)

    drained_in, conn_a, status, state, record = run(go)
    assert drained_in < 5
    assert conn_a.close_code == 1001  # let go, not ended
    assert conn_a.stops == 0
    assert status == 200
    assert state == "normal"
    assert record.ended == "ended"  # the hang-up on B ended it there


def test_an_exposure_caught_on_one_server_is_remediated_once_by_the_other(tmp_path):
    rec = "RE" + "c" * 32
    extra = '\n[policy]\nrecording_after_exposure = "delete"\n'

    async def go():
        with FakeTwilio() as fake:
            bot = ScriptedBot([THANKS], greet=False)
            async with _two(bot, fake, str(tmp_path / "g.db"), extra) as (ra, rb):
                twilio = await ra.call(CA)
                await bot.connection(CA)
                # the recording SID reaches B; the caller reads an SSN out unprompted on A
                await rb.webhook("/twilio/status", {"CallSid": CA, "RecordingSid": rec})
                await bot.hear(CA, f"my social is {SSN}")
                await wait_until(lambda: ra.session(CA).exposed != [], what="the exposure")
                await _sent_away(ra, bot, twilio)
                _, body = await rb.webhook("/twilio/return", {"CallSid": CA, **PAID})
                url, params = parse_connect_stream(body)
                back = await TwilioCall.connect(url, AUTH, call_sid=CA, custom_parameters=params)
                await bot.wait_for(lambda: len(bot.all_connections) == 2, what="B's connection")
                conn_b = bot.all_connections[1]
                await bot.wait_for(lambda: _outcomes(conn_b) != [], what="the outcome on B")
                await back.hangup()  # the caller hangs up, with B
                await conn_b.closed.wait()
                store = rb.state.shared
                await wait_until(lambda: store.load(CA).remediated_by is not None, 5, "the end")
                deletes = [q for q in fake.requests if q["method"] == "DELETE"]
                return deletes, store.load(CA), rb.state.instance, bot

    deletes, record, b_instance, bot = run(go)
    assert [d["path"].rsplit("/", 1)[-1] for d in deletes] == [f"{rec}.json"]
    assert record.remediated_by == b_instance
    assert_clean(bot_texts(bot))


def test_a_recording_sid_reported_to_the_other_server_is_the_one_paused(tmp_path):
    rec = "RE" + "d" * 32

    async def go():
        with FakeTwilio() as fake:
            bot = ScriptedBot([THANKS], greet=False)
            async with _two(bot, fake, str(tmp_path / "g.db")) as (ra, rb):
                twilio = await ra.call(CA)
                await bot.connection(CA)
                await rb.webhook("/twilio/status", {"CallSid": CA, "RecordingSid": rec})
                control = ra.state.calls[CA].control
                await wait_until(lambda: control.recording_sid == rec, 5, "A's lease check")
                await _sent_away(ra, bot, twilio)
                return fake.requests[0]["path"]

    assert run(go).endswith(f"/Calls/{CA}/Recordings/{rec}.json")


def test_a_call_left_in_the_store_that_ends_there_is_remediated_once(tmp_path):
    """A drained (the caller away, the call left in the store); the caller never
    comes back and the call ends: its exposure is remediated once, by one of the
    servers that are left, although none holds the call."""
    rec = "RE" + "e" * 32
    extra = '\n[policy]\nrecording_after_exposure = "delete"\n'

    async def go():
        with FakeTwilio() as fake:
            bot = ScriptedBot([THANKS], greet=False)
            async with _two(bot, fake, str(tmp_path / "g.db"), extra) as (ra, rb):
                twilio = await ra.call(CA)
                await bot.connection(CA)
                await ra.webhook("/twilio/status", {"CallSid": CA, "RecordingSid": rec})
                await bot.hear(CA, f"my social is {SSN}")
                await wait_until(lambda: ra.session(CA).exposed != [], what="the exposure")
                await _sent_away(ra, bot, twilio)
                await ra.state.drain(30)
                assert CA not in ra.state.calls
                end = {"CallSid": CA, "CallStatus": "completed"}
                assert (await rb.webhook("/twilio/status", end))[0] == 204
                store = rb.state.shared
                await wait_until(lambda: store.load(CA).remediated_by is not None, 5, "a claim")
                await asyncio.to_thread(fake.wait_for_requests, 3, 5)  # pause, redirect, delete
                deletes = [q for q in fake.requests if q["method"] == "DELETE"]
                return deletes, store.load(CA), {ra.state.instance, rb.state.instance}

    deletes, record, instances = run(go)
    assert [d["path"].rsplit("/", 1)[-1] for d in deletes] == [f"{rec}.json"]
    assert record.remediated_by in instances


def test_a_human_route_walks_its_fallbacks_whichever_server_takes_each_return(tmp_path):
    async def go():
        with FakeTwilio() as fake:
            bot = ScriptedBot([THANKS], greet=False)
            async with _two(bot, fake, str(tmp_path / "g.db")) as (ra, rb):
                twilio = await ra.call(CA)
                await bot.connection(CA)
                await bot.say(CA, "What's your social security number?")
                await wait_until(lambda: ra.session(CA).state == "handed_off", what="handed off")
                await twilio.hangup()
                await wait_until(lambda: ra.state.calls[CA].leg is None, what="detached")
                store = ra.state.shared

                def saved() -> bool:  # Twilio's first return comes a ring timeout later
                    record = store.load(CA)
                    return bool(record and record.snapshot and record.controller)

                await wait_until(saved, what="the call's state in the store")
                answers = []
                for server, form in (
                    (rb, {"DialCallStatus": "no-answer"}),
                    (ra, {"DialCallStatus": "busy"}),
                    (rb, {"QueueResult": "bridged"}),
                ):
                    status, body = await server.webhook("/twilio/return", {"CallSid": CA, **form})
                    assert status == 200
                    answers.append(ET.fromstring(body))
                url, params = parse_connect_stream(ET.tostring(answers[2], encoding="unicode"))
                back = await TwilioCall.connect(url, AUTH, call_sid=CA, custom_parameters=params)
                await bot.wait_for(lambda: len(bot.all_connections) == 2, what="B's connection")
                conn_b = bot.all_connections[1]
                await bot.wait_for(lambda: _outcomes(conn_b) != [], what="the outcome on B")
                state = rb.session(CA).state
                await back.hangup()
                await conn_b.closed.wait()
                return answers, _outcomes(conn_b), state

    answers, outcomes, state = run(go)
    assert answers[0].find("Dial/Sip").text == "sip:agents@pbx.example.com"
    assert answers[1].find("Enqueue").text == "support"  # A knew B had walked one
    assert answers[2].find("Connect/Stream") is not None
    assert outcomes == ["The caller is back from the colleague."]
    assert state == "normal"
