"""Proxy mode, whole calls: simulated Twilio -> ``guardrail serve`` -> a websocket bot.

Real parts on loopback (see :mod:`proxy_rig`): signed webhooks and media
streams, the bot on its own websocket server, Twilio's REST API as a
stand-in that can fail. Each test ends by searching every output (log
records, the metrics page, every message the bot received) for the values
it fed in.
"""

from __future__ import annotations

import asyncio
import json
import logging
import xml.etree.ElementTree as ET

import pytest
from proxy_rig import (
    AC,
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

from audio import mulaw
from audio.dtmf import DtmfDetector, KeyUp
from guardrail.policy import Policy
from guardrail.session import SessionConfig
from guardrail.sim.bot import DEFAULT_TURNS, BotConnection, ScriptedBot, Utterance
from guardrail.sim.rest import FakeTwilio
from guardrail.sim.twilio import TwilioCall, speech_like
from handoff.control import SCOPES, TwilioControl

CA = "CA" + "7" * 32
CB = "CA" + "8" * 32
SILENCE = mulaw.SILENCE
TEXTS = SessionConfig()
PAID = {"Result": "success", "PaymentCardNumber": "xxxx-xxxx-xxxx-1111"}


@pytest.fixture(autouse=True)
def _env(monkeypatch, caplog):
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC00000000000000000000000000000001")
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", AUTH)
    caplog.set_level(logging.DEBUG)
    # the simulated Twilio's and the bot's own frame logs are test equipment
    caplog.set_level(logging.INFO, logger="websockets")


def audits(caplog, event: str | None = None) -> list[dict]:
    """The audit entries logged (their fields), of ``event`` if given."""
    out = [r.fields for r in caplog.records if r.name == "guardrail.audit" and r.msg == "audit"]
    return [f for f in out if event is None or f["event"] == event]


def keys_in(audio: bytes) -> list[str]:
    """The keypad presses a DTMF detector finds in mu-law ``audio``."""
    detector, pcm = DtmfDetector(20), mulaw.decode(audio)
    found = []
    for i in range(0, len(pcm) - 159, 160):
        found += [e.digit for e in detector.process(pcm[i : i + 160], i / 8) if type(e) is KeyUp]
    return found + [e.digit for e in detector.flush() if type(e) is KeyUp]


def says(conn: BotConnection) -> list[str]:
    return [n["text"] for n in conn.notices if n.get("type") == "say"]


def outcomes(conn: BotConnection) -> list[str]:
    """Notices that make the bot go on (``respond``)."""
    return [n["text"] for n in conn.notices if n.get("respond") is True]


async def greeted(r: Rig, twilio: TwilioCall) -> tuple[BotConnection, Utterance]:
    """The bot's connection for ``twilio``'s call, once its greeting reached the caller."""
    conn = await r.bot.connection(twilio.call_sid)
    await r.bot.wait_for(lambda: bool(conn.utterances) and conn.utterances[0].complete)
    greeting = conn.utterances[0]
    await twilio.wait_for(lambda: twilio.received_audio == greeting.audio, what="the greeting")
    return conn, greeting


async def heard(r: Rig, conn: BotConnection, audio: bytes) -> None:
    await r.bot.wait_for(lambda: conn.received_audio.endswith(audio), what="the caller's audio")


async def leaves(r: Rig, twilio: TwilioCall) -> None:
    """Twilio ends the stream as it does when it redirects the call."""
    call = r.state.calls[twilio.call_sid]
    await twilio.hangup()
    await wait_until(lambda: call.leg is None, what="the stream to be detached")


def leaks(caplog, r_bot: ScriptedBot, *more: str) -> None:
    """Nothing fed in leaked anywhere, and nothing failed unexpectedly on the way."""
    assert_clean(bot_texts(r_bot), record_texts(caplog.records), *more)
    failures = [
        (r.name, r.getMessage())
        for r in caplog.records
        if r.levelno >= logging.ERROR and r.name.startswith(("guardrail", "aiohttp"))
    ]
    assert failures == []


# -- the keypad route: pause, capture, resume, the bot goes on --------------------


def test_agent_asks_for_the_card_keypad_capture_then_the_bot_goes_on(caplog):
    async def go():
        with FakeTwilio() as fake:
            async with rig(ScriptedBot(), fake) as r:
                twilio = await r.call(CA)
                conn, greeting = await greeted(r, twilio)
                speech = await twilio.send_audio(speech_like(400, seed=1))
                await heard(r, conn, speech)

                await r.bot.say_next(CA)  # "Could you read me the long number ... card?"
                await r.bot.wait_for(lambda: TEXTS.say_secure_path in says(conn))
                assert r.session(CA).state == "secure_capture"
                assert [q["form"].get("Status") for q in fake.requests] == ["paused"]
                before = len(conn.received_audio)
                t0 = twilio.timestamp_ms
                keys = await twilio.send_keyed(CARD + "#", dtmf_messages=True)
                await r.bot.wait_for(lambda: outcomes(conn) != [], what="the outcome notice")
                await r.bot.wait_for(
                    lambda: len(conn.utterances) >= 3 and conn.utterances[2].complete
                )
                thanks = conn.utterances[2]
                await twilio.wait_for(lambda: twilio.received_audio.endswith(thanks.audio))
                after = await twilio.send_audio(speech_like(200, seed=2))
                await heard(r, conn, after)
                metrics = await r.metrics_text()
                await twilio.hangup()
                await conn.closed.wait()
                hash_start = next(s for d, s, _ in keys if d == "#")
                keyed_bytes = int((hash_start - t0) * 8)
                return (
                    fake,
                    r.bot,
                    conn,
                    twilio,
                    greeting,
                    speech,
                    thanks,
                    metrics,
                    (
                        before,
                        keyed_bytes,
                    ),
                )

    fake, bot, conn, twilio, greeting, speech, thanks, metrics, (before, keyed) = run(go)
    # Twilio's REST API: the recording paused for the capture, resumed after
    assert [q["form"].get("Status") for q in fake.requests] == ["paused", "in-progress"]
    assert all(CA in q["path"] for q in fake.requests)
    # the bot heard the caller byte for byte, silence while the digits were keyed
    assert conn.received_audio[: len(speech)] == speech
    assert set(conn.received_audio[before : before + keyed]) == {SILENCE}
    assert "".join(keys_in(twilio.sent_audio)) == CARD + "#"  # the detector hears keys...
    assert keys_in(conn.received_audio) == []  # ...and the bot none, not even the last
    assert conn.received_dtmf == []
    assert says(conn) == [TEXTS.say_secure_path]
    assert outcomes(conn) == ["card ending 1111 accepted"]
    assert conn.said == list(DEFAULT_TURNS[:3])
    # what the caller heard: the greeting and the bot going on, never the request
    assert twilio.received_audio == greeting.audio + thanks.audio
    assert twilio.clears >= 1
    assert twilio.other == []
    assert twilio.misaddressed == []
    assert twilio.malformed == []
    assert "utt-0" in conn.marks_echoed  # the bot's own marks come back
    assert "guardrail_media_frames_total" in metrics
    assert "guardrail_added_latency_seconds_count" in metrics
    assert conn.stops == 1
    assert conn.close_code == 1000
    leaks(caplog, bot, metrics)


class SpeakingBot(ScriptedBot):
    """A bot that speaks what a ``say`` notice asks, announcing it as agent text."""

    async def _on_message(self, conn: BotConnection, message: str | bytes) -> None:
        await super()._on_message(conn, message)
        obj = conn.messages[-1] if conn.messages else {}
        if obj.get("event") == "guardrail.notice" and obj.get("type") == "say":
            self._spawn(conn, self._speak(conn, obj["text"]))


def test_a_say_the_bot_speaks_reaches_the_caller_and_is_not_rescanned(caplog):
    async def go():
        with FakeTwilio() as fake:
            async with rig(SpeakingBot(), fake) as r:
                twilio = await r.call(CA)
                conn, greeting = await greeted(r, twilio)
                await r.bot.say_next(CA)
                await r.bot.wait_for(
                    lambda: any(
                        u.text == TEXTS.say_secure_path and u.complete for u in conn.utterances
                    )
                )
                prompt = next(u for u in conn.utterances if u.text == TEXTS.say_secure_path)
                await twilio.wait_for(lambda: twilio.received_audio.endswith(prompt.audio))
                state = r.session(CA).state
                await twilio.hangup()
                return r.bot, twilio, greeting, prompt, state

    bot, twilio, greeting, prompt, state = run(go)
    assert state == "secure_capture"  # the prompt was not taken for the bot's own words
    assert twilio.received_audio == greeting.audio + prompt.audio
    assert audits(caplog, "agent_text_withheld") == []
    leaks(caplog, bot)


def test_deadlines_fire_on_the_wall_clock_when_no_media_comes(caplog):
    """The pause is answered after 3 s, the session gives up after 2 s of stream
    time, and no caller audio flows meanwhile: the call's ticker fires it."""

    async def go():
        with FakeTwilio() as fake:
            fake.plan, fake.slow_s = ["slow"], 3.0
            slow = TwilioControl(
                AC, lambda: (AC, AUTH), SCOPES, base_url=fake.url, timeout_s=5, deadline_s=5
            )
            async with rig(ScriptedBot(), fake, twilio=slow) as r:
                twilio = await r.call(CA)
                conn, _ = await greeted(r, twilio)
                loop = asyncio.get_running_loop()
                await r.bot.say_next(CA)
                asked = loop.time()
                await r.bot.wait_for(lambda: TEXTS.say_failed in says(conn), 5)
                gave_up = loop.time() - asked
                await wait_until(lambda: audits(caplog, "pause_recording")[-1:] != [], 5)
                await wait_until(
                    lambda: any(a["outcome"] == "confirmed_late" for a in audits(caplog)), 5
                )
                await twilio.hangup()
                await conn.closed.wait()
                return r.bot, gave_up

    bot, gave_up = run(go)
    assert 1.9 <= gave_up < 2.9
    assert [a["outcome"] for a in audits(caplog, "pause_recording")] == [
        "timeout",
        "confirmed_late",
    ]
    leaks(caplog, bot)


# -- <Pay>: away on a redirect, back on a new stream, the same bot connection -------


def test_pay_route_round_trip_joins_the_new_stream_to_the_same_bot_connection(caplog):
    async def go():
        with FakeTwilio() as fake:
            async with rig(ScriptedBot(), fake, card_route="pay") as r:
                twilio = await r.call(CA)
                conn, _greeting = await greeted(r, twilio)
                await twilio.send_audio(speech_like(300, seed=3))
                await r.bot.say_next(CA)  # asks for the card
                await wait_until(lambda: r.session(CA).state == "handed_off", what="handed off")
                redirect = fake.requests[1]["form"]["Twiml"]
                left_at = r.session(CA).now
                await leaves(r, twilio)
                assert not conn.closed.is_set()
                assert conn.stops == 0

                back = await r.comes_back(CA, PAID)
                await r.bot.wait_for(lambda: outcomes(conn) != [])
                await r.bot.wait_for(
                    lambda: len(conn.utterances) >= 3 and conn.utterances[2].complete
                )
                thanks = conn.utterances[2]
                await back.wait_for(lambda: back.received_audio == thanks.audio, what="the bot")
                later = await back.send_audio(speech_like(200, seed=4))
                await heard(r, conn, later)
                back_at = r.session(CA).now
                status, _ = await r.webhook(
                    "/twilio/status", {"CallSid": CA, "CallStatus": "completed"}
                )
                await conn.closed.wait()
                await back.wait_closed()
                return fake, r.bot, conn, twilio, back, redirect, thanks, (left_at, back_at), status

    fake, bot, conn, first, back, redirect, thanks, (left_at, back_at), status = run(go)
    assert [q["form"].get("Status") for q in fake.requests] == ["paused", None, "in-progress"]
    root = ET.fromstring(redirect)
    assert [child.tag for child in root] == ["Say", "Pay"]  # the prompt, then <Pay>
    assert root.find("Pay").get("action").endswith("/twilio/return")
    # one bot connection, one start, the first streamSid throughout
    assert len(bot.all_connections) == 1
    assert len(conn.starts) == 1
    assert conn.connected == 1
    assert conn.stream_sid == first.stream_sid
    assert conn.stream_sid_changes == []
    assert outcomes(conn) == ["card ending 1111 accepted"]
    # the bot's next words reached the new stream, addressed to it
    assert back.stream_sid != first.stream_sid
    assert back.received_audio == thanks.audio
    assert back.misaddressed == []
    assert back_at > left_at  # the call's clock never went back
    assert status == 204
    assert conn.close_code == 1000
    leaks(caplog, bot)


def test_a_caller_who_never_comes_back_ends_with_the_status_callback(caplog):
    async def go():
        with FakeTwilio() as fake:
            async with rig(ScriptedBot(), fake, card_route="pay") as r:
                twilio = await r.call(CA)
                conn, _ = await greeted(r, twilio)
                await r.bot.say_next(CA)
                await wait_until(lambda: r.session(CA).state == "handed_off")
                await leaves(r, twilio)
                await r.webhook("/twilio/status", {"CallSid": CA, "CallStatus": "no-answer"})
                await conn.closed.wait()
                await wait_until(lambda: CA not in r.state.calls)
                answer = await r.webhook("/twilio/return", {"CallSid": CA, **PAID})
                return r.bot, conn, answer

    bot, conn, (status, body) = run(go)
    assert conn.close_code == 1000
    assert status == 200
    assert ET.fromstring(body).find("Hangup") is not None
    ended = audits(caplog, "call_closed")
    assert [a["outcome"] for a in ended] == ["call_no-answer"]
    assert [a["outcome"] for a in audits(caplog, "call_ended")] == ["ok"]
    leaks(caplog, bot)


# -- a human, walking the fallbacks --------------------------------------------------


def test_human_handoff_walks_the_fallbacks_then_rejoins_the_bot(caplog):
    turns = ["Hello, how can I help?", "Welcome back. Is there anything else today?"]

    async def go():
        with FakeTwilio() as fake:
            async with rig(ScriptedBot(turns), fake) as r:
                twilio = await r.call(CA)
                conn, _ = await greeted(r, twilio)
                await r.bot.say(CA, "What's your social security number?")
                await wait_until(lambda: r.session(CA).state == "handed_off")
                await leaves(r, twilio)
                legs = []
                for form in ({"DialCallStatus": "no-answer"}, {"DialCallStatus": "busy"}):
                    status, body = await r.webhook("/twilio/return", {"CallSid": CA, **form})
                    assert status == 200
                    legs.append(body)
                back = await r.comes_back(CA, {"QueueResult": "bridged"})
                await r.bot.wait_for(
                    lambda: len(conn.utterances) >= 3 and conn.utterances[2].complete
                )
                await back.wait_for(lambda: back.received_audio == conn.utterances[2].audio)
                await back.hangup()
                await conn.closed.wait()
                return fake, r.bot, conn, legs

    fake, bot, conn, legs = run(go)
    twiml = next(q["form"]["Twiml"] for q in fake.requests if "Twiml" in q["form"])
    assert ET.fromstring(twiml).find("Dial/Number").text == "+14155550100"
    assert ET.fromstring(legs[0]).find("Dial/Sip").text == "sip:agents@pbx.example.com"
    assert ET.fromstring(legs[1]).find("Enqueue").text == "support"
    assert outcomes(conn) == ["The caller is back from the colleague."]
    assert conn.said[-1] == turns[1]
    assert len(bot.all_connections) == 1
    assert conn.stream_sid_changes == []
    leaks(caplog, bot)


# -- Twilio refusing the recording pause ---------------------------------------------


@pytest.mark.parametrize(
    ("plan", "why"),
    [([401], "http 401"), ([404], "http 404"), (["hang"] * 3, "timeout")],
    ids=["401", "404", "timeout"],
)
def test_pause_refused_gives_one_coherent_outcome(caplog, plan, why):
    async def go():
        with FakeTwilio() as fake:
            fake.plan = list(plan)
            async with rig(ScriptedBot(), fake) as r:
                twilio = await r.call(CA)
                conn, _ = await greeted(r, twilio)
                await r.bot.say_next(CA)
                await r.bot.wait_for(lambda: TEXTS.say_failed in says(conn), 6, "the failure")
                state = r.session(CA).state
                after = await twilio.send_audio(speech_like(300, seed=5))
                await heard(r, conn, after)
                paths = [q["path"] for q in fake.requests]
                await twilio.hangup()
                await conn.closed.wait()
                return r.bot, conn, state, paths

    bot, conn, state, paths = run(go)
    assert says(conn) == [TEXTS.say_failed]  # exactly one thing said; no keypad prompt
    assert [n["text"] for n in conn.notices if n.get("text") == TEXTS.notice_failed]
    assert state == "normal"
    assert [n["type"] for n in conn.notices if n.get("type") in ("mute", "unmute")] == [
        "mute",
        "unmute",
    ]
    assert paths
    assert all("/Recordings/" in p for p in paths)
    pauses = audits(caplog, "pause_recording")
    assert pauses[0]["outcome"] == why
    assert all(a["outcome"] != "confirmed" for a in pauses)
    leaks(caplog, bot)


# -- a bot that ignores the guardrail ------------------------------------------------


def test_a_careless_bot_speaking_a_blocked_request_is_never_heard(caplog):
    turns = ["Hello there.", "What's your PIN?", "Is there anything else I can help with?"]
    block = Policy.default().rules["pin"].block_message

    async def go():
        with FakeTwilio() as fake:
            async with rig(ScriptedBot(turns, ignore_notices=True), fake) as r:
                twilio = await r.call(CA)
                conn, greeting = await greeted(r, twilio)
                pin = await r.bot.say_next(CA)
                assert pin is not None
                assert pin.complete
                await twilio.wait_for(lambda: twilio.clears >= 1)
                last = await r.bot.say_next(CA)
                await twilio.wait_for(lambda: twilio.received_audio.endswith(last.audio))
                await twilio.hangup()
                await conn.closed.wait()
                return r.bot, conn, twilio, greeting, pin, last

    bot, conn, twilio, greeting, _pin, last = run(go)
    assert twilio.received_audio == greeting.audio + last.audio  # not a frame of the request
    assert says(conn) == [block]
    assert "utt-1" in twilio.marks  # its mark still went through, so the bot's playback agrees
    leaks(caplog, bot)


def test_a_careless_bot_asking_for_the_card_is_never_heard_while_protected(caplog):
    turns = ["Hello there.", "What's the card number?", "Go on, read it to me."]

    async def go():
        with FakeTwilio() as fake:
            async with rig(ScriptedBot(turns, ignore_notices=True), fake) as r:
                twilio = await r.call(CA)
                conn, greeting = await greeted(r, twilio)
                await r.bot.say_next(CA)
                await r.bot.wait_for(lambda: TEXTS.say_secure_path in says(conn))
                pushy = await r.bot.say_next(CA)  # keeps talking during the capture
                await twilio.wait_for(lambda: "utt-2" in twilio.marks)
                await twilio.hangup()
                await conn.closed.wait()
                return r.bot, twilio, greeting, pushy

    bot, twilio, greeting, pushy = run(go)
    assert pushy.complete
    assert twilio.received_audio == greeting.audio
    assert len(audits(caplog, "agent_text_withheld")) == 1
    leaks(caplog, bot)


# -- text: redacted transcripts, dtmf, marks -----------------------------------------


def test_a_disclosed_ssn_reaches_the_bot_only_redacted_and_dtmf_passes_in_normal_state(caplog):
    async def go():
        with FakeTwilio() as fake:
            async with rig(ScriptedBot(), fake) as r:
                twilio = await r.call(CA)
                conn, _ = await greeted(r, twilio)
                await r.bot.hear(CA, "I would like to check my balance")
                await r.bot.hear(CA, f"sure, my social is {SSN}")
                await r.bot.wait_for(
                    lambda: any(n.get("type") == "transcript" for n in conn.notices)
                )
                await twilio.send_dtmf("5")
                await r.bot.wait_for(lambda: conn.received_dtmf == ["5"])
                await twilio.hangup()
                await conn.closed.wait()
                return r.bot, conn, twilio

    bot, conn, twilio = run(go)
    transcripts = [n["text"] for n in conn.notices if n.get("type") == "transcript"]
    assert len(transcripts) == 1  # only the one that changed
    assert transcripts[0].startswith("sure, my social is ")
    assert "[" in transcripts[0]
    assert twilio.other == []  # the side channel never reached Twilio
    assert [a["category"] for a in audits(caplog, "disclosure")] == ["ssn"]
    leaks(caplog, bot)


def test_an_utterance_that_speaks_a_card_number_is_never_played(caplog):
    """The session lets agent text through only redacted; its audio holds the value."""
    turns = ["Hello there.", "Your card 4111 1111 1111 1111 is on file.", "Anything else?"]

    async def go():
        with FakeTwilio() as fake:
            async with rig(ScriptedBot(turns, ignore_notices=True), fake) as r:
                twilio = await r.call(CA)
                conn, greeting = await greeted(r, twilio)
                spoken = await r.bot.say_next(CA)
                await twilio.wait_for(lambda: "utt-1" in twilio.marks)
                last = await r.bot.say_next(CA)
                await twilio.wait_for(lambda: twilio.received_audio.endswith(last.audio))
                await twilio.hangup()
                await conn.closed.wait()
                return r.bot, conn, twilio, greeting, spoken, last

    bot, conn, twilio, greeting, spoken, last = run(go)
    assert spoken.complete
    assert twilio.received_audio == greeting.audio + last.audio
    assert twilio.clears == 1
    redacted = [n["text"] for n in conn.notices if n.get("type") == "agent_redacted"]
    assert redacted == ["Your card [payment_card] is on file."]
    assert [a["category"] for a in audits(caplog, "agent_disclosure")] == ["payment_card"]
    leaks(caplog, bot)


async def _keyed_unprompted(r: Rig) -> tuple[BotConnection, TwilioCall, bytes]:
    """The caller keys a menu choice, then a card number, while with the bot."""
    twilio = await r.call(CA)
    conn, _ = await greeted(r, twilio)
    before = len(conn.received_audio)
    await twilio.send_keyed("2#", dtmf_messages=True)
    await r.bot.wait_for(lambda: conn.received_dtmf == ["2", "#"], what="menu keys")
    await twilio.send_keyed(CARD, dtmf_messages=True)
    keyed = TEXTS.notice_keyed.format(n=len(CARD))
    await r.bot.wait_for(lambda: keyed in [n.get("text") for n in conn.notices], 5)
    heard_audio = conn.received_audio[before:]
    await twilio.hangup()
    await conn.closed.wait()
    return conn, twilio, heard_audio


def test_a_card_keyed_unprompted_never_reaches_the_bot_as_digits(caplog):
    """With the bot, a short keyed run (a menu choice) passes; a card number does not."""

    async def go():
        with FakeTwilio() as fake:
            async with rig(ScriptedBot(), fake) as r:
                return r.bot, *await _keyed_unprompted(r)

    bot, conn, twilio, _ = run(go)
    assert conn.received_dtmf == ["2", "#"]
    assert "".join(keys_in(twilio.sent_audio)) == "2#" + CARD
    assert [a["category"] for a in audits(caplog, "keyed_digits")] == ["payment_card"]
    leaks(caplog, bot)


def test_tones_keyed_with_the_bot_are_silenced_from_their_first_frame():
    async def go():
        with FakeTwilio() as fake:
            async with rig(ScriptedBot(), fake) as r:
                return await _keyed_unprompted(r)

    _, _, heard_audio = run(go)
    assert keys_in(heard_audio) == []


# -- failures stay in their call -------------------------------------------------------


def test_the_bot_dropping_mid_call_ends_the_call_and_closes_twilio_1011(caplog):
    async def go():
        with FakeTwilio() as fake:
            async with rig(ScriptedBot(drop_after_ms=200), fake) as r:
                twilio = await r.call(CA)
                conn, _ = await greeted(r, twilio)
                await twilio.send_audio(speech_like(400, seed=6))
                code = await twilio.wait_closed()
                await wait_until(lambda: CA not in r.state.calls)
                return r.bot, conn, code

    bot, conn, code = run(go)
    assert code == 1011
    assert conn.close_code == 1011
    assert [a["outcome"] for a in audits(caplog, "bot_disconnected")] == ["call_ended"]
    assert [a["outcome"] for a in audits(caplog, "call_ended")] == ["ok"]  # disposal ran
    leaks(caplog, bot)


def test_the_bot_dropping_while_the_caller_is_away_ends_the_call(caplog):
    async def go():
        with FakeTwilio() as fake:
            async with rig(ScriptedBot(), fake, card_route="pay") as r:
                twilio = await r.call(CA)
                _conn, _ = await greeted(r, twilio)
                await r.bot.say_next(CA)
                await wait_until(lambda: r.session(CA).state == "handed_off")
                await leaves(r, twilio)
                await r.bot.hang_up(CA, 1011)
                await wait_until(lambda: CA not in r.state.calls)
                answer = await r.webhook("/twilio/return", {"CallSid": CA, **PAID})
                return r.bot, answer

    bot, (status, body) = run(go)
    assert status == 200
    assert ET.fromstring(body).find("Hangup") is not None
    assert [a["outcome"] for a in audits(caplog, "bot_disconnected")] == ["call_ended"]
    leaks(caplog, bot)


def test_a_bot_that_refuses_the_connection_closes_the_stream_1011(caplog):
    async def go():
        with FakeTwilio() as fake:
            async with rig(ScriptedBot(refuse=True), fake) as r:
                twilio = await r.call(CA)
                code = await twilio.wait_closed()
                return r.bot, r.state.calls, code

    bot, calls, code = run(go)
    assert code == 1011
    assert calls == {}
    assert bot.refused == 1
    [failed] = audits(caplog, "bot_connect")
    assert (failed["outcome"], failed["error"]) == ("failed", "InvalidStatus")
    leaks(caplog, bot)


def test_twilio_dropping_the_socket_is_a_hang_up(caplog):
    async def go():
        with FakeTwilio() as fake:
            async with rig(ScriptedBot(), fake) as r:
                twilio = await r.call(CA)
                conn, _ = await greeted(r, twilio)
                await twilio.send_audio(speech_like(200, seed=7))
                await twilio.drop()
                await conn.closed.wait()
                await wait_until(lambda: CA not in r.state.calls)
                return r.bot, conn

    bot, conn = run(go)
    assert conn.close_code == 1000
    assert conn.stops == 0
    assert [a["outcome"] for a in audits(caplog, "stream_stopped")] == ["normal"]
    assert [a["outcome"] for a in audits(caplog, "call_closed")] == ["hang_up"]
    leaks(caplog, bot)


GARBAGE = ["not json", "[1]", '{"event": 3}', '{"event": "media", "media": {"payload": "%%"}}']
SOME_GARBAGE = [*GARBAGE, "{" + " " * 70_000 + "}", b"\x00binary"]  # oversized, binary


def test_twenty_concurrent_calls_one_sending_garbage_the_others_unaffected(caplog):
    async def one(r: Rig, i: int) -> tuple[bytes, bytes, bytes, bytes, int | None]:
        twilio = await r.call(f"CA{i:032d}")
        conn, greeting = await greeted(r, twilio)
        if i == 0:  # garbage only: closed once too many in a row
            for n in range(60):
                await twilio.send_raw(GARBAGE[n % len(GARBAGE)])
            return b"", b"", greeting.audio, twilio.received_audio, await twilio.wait_closed()
        sent = bytearray()
        for k, bad in enumerate(SOME_GARBAGE):
            if i == 1:  # a little garbage between good messages: counted, dropped
                await twilio.send_raw(bad)
            sent += await twilio.send_audio(speech_like(200, seed=100 * i + k))
        await heard(r, conn, bytes(sent))
        received = conn.received_audio
        await twilio.hangup()
        await conn.closed.wait()
        return bytes(sent), received, greeting.audio, twilio.received_audio, twilio.closed_code

    async def go():
        with FakeTwilio() as fake:
            async with rig(ScriptedBot(), fake) as r:
                results = await asyncio.gather(*(one(r, i) for i in range(20)))
                metrics = await r.metrics_text()
                return r.bot, results, metrics

    bot, results, metrics = run(go)
    assert results[0][4] == 1008
    for sent, received, greeting, heard_, code in results[1:]:
        assert received == sent  # every byte, in order, nothing else
        assert heard_ == greeting
        assert code == 1000
    assert len(bot.all_connections) == 20
    assert 'guardrail_protocol_errors_total{source="twilio"} 56.0' in metrics
    closed = [a for a in audits(caplog, "call_closed") if a["outcome"] != "hang_up"]
    assert [a["outcome"] for a in closed] == ["twilio_protocol_errors"]
    errors = [a["error"] for a in audits(caplog, "protocol_error")]
    assert errors
    assert all(e in _PARSER_ERRORS for e in errors)
    leaks(caplog, bot, metrics)


_PARSER_ERRORS = {
    "binary message",
    "message too large",
    "message is not valid JSON",
    "message is not a JSON object",
    "message has no event name",
    "media payload is not valid base64",
    "media payload missing or too large",
}


def test_a_bot_sending_garbage_is_counted_and_nothing_of_it_reaches_twilio(caplog):
    async def go():
        with FakeTwilio() as fake:
            async with rig(ScriptedBot(garbage=True), fake) as r:
                twilio = await r.call(CA)
                conn, greeting = await greeted(r, twilio)
                metrics = await r.metrics_text()
                await twilio.hangup()
                await conn.closed.wait()
                return r.bot, twilio, greeting, metrics

    bot, twilio, greeting, metrics = run(go)
    assert twilio.received_audio == greeting.audio
    assert twilio.other == []
    assert twilio.malformed == []
    assert twilio.misaddressed == []
    assert 'guardrail_protocol_errors_total{source="bot"} 8.0' in metrics
    leaks(caplog, bot, metrics)


# -- resume tokens --------------------------------------------------------------------


def test_a_stream_with_a_bad_resume_token_or_a_live_callsid_is_refused_1008(caplog):
    async def go():
        with FakeTwilio() as fake:
            async with rig(ScriptedBot(), fake, card_route="pay") as r:
                twilio = await r.call(CA)
                conn, _ = await greeted(r, twilio)
                again = await TwilioCall.connect(r.stream_url, AUTH, call_sid=CA)
                codes = {"live CallSid": await again.wait_closed()}
                await r.bot.say_next(CA)
                await wait_until(lambda: r.session(CA).state == "handed_off")
                await leaves(r, twilio)
                _status, body = await r.webhook("/twilio/return", {"CallSid": CA, **PAID})
                token = ET.fromstring(body).find("Connect/Stream/Parameter").get("value")
                url = r.stream_url
                for what, sid, tok in (
                    ("forged", CA, "not-a-token"),
                    ("another call", CB, token),
                    ("used up", CA, token),
                ):
                    stream = await TwilioCall.connect(
                        url, AUTH, call_sid=sid, custom_parameters={"guardrail_resume": tok}
                    )
                    codes[what] = await stream.wait_closed()
                back = await r.comes_back(CA, {})  # a fresh token works
                await heard(r, conn, await back.send_audio(speech_like(100, seed=8)))
                await back.hangup()
                await conn.closed.wait()
                return r.bot, codes, token

    bot, codes, token = run(go)
    assert codes == {"live CallSid": 1008, "forged": 1008, "another call": 1008, "used up": 1008}
    assert len(audits(caplog, "resume")) == 3
    assert all(token not in t for t in record_texts(caplog.records))
    leaks(caplog, bot)


def test_the_recording_sid_from_the_status_callback_is_the_one_paused(caplog):
    rec = "RE" + "5" * 32

    async def go():
        with FakeTwilio() as fake:
            async with rig(ScriptedBot(), fake) as r:
                twilio = await r.call(CA)
                conn, _ = await greeted(r, twilio)
                await r.webhook("/twilio/status", {"CallSid": CA, "RecordingSid": rec})
                await r.bot.say_next(CA)
                await r.bot.wait_for(lambda: TEXTS.say_secure_path in says(conn))
                await twilio.hangup()
                await conn.closed.wait()
                return r.bot, fake.requests[0]["path"]

    bot, path = run(go)
    assert path.endswith(f"/Calls/{CA}/Recordings/{rec}.json")
    leaks(caplog, bot)


def test_a_call_through_the_proxy_leaves_a_verified_audit_trail_without_values(caplog, tmp_path):
    from guardrail.audit import AuditStore

    path = tmp_path / "audit.db"

    async def go():
        with FakeTwilio() as fake:
            async with rig(ScriptedBot(), fake, store_path=str(path)) as r:
                twilio = await r.call(CA)
                conn, _ = await greeted(r, twilio)
                await r.bot.say_next(CA)  # asks for the card
                await r.bot.wait_for(lambda: TEXTS.say_secure_path in says(conn))
                await twilio.send_keyed(CARD + "#", dtmf_messages=True)
                await r.bot.wait_for(lambda: outcomes(conn) != [], what="the outcome notice")
                await wait_until(lambda: len(fake.requests) >= 2, 5, "the resume")
                await wait_until(lambda: r.state.calls[CA].executor.in_flight == 0, 5, "answers")
                await twilio.hangup()
                await conn.closed.wait()
            return r.bot

    bot = run(go)
    store = AuditStore.open(f"sqlite:///{path}")
    try:
        assert store.verify().ok
        entries = list(store.export(call=CA))
        first = next(iter(store.export()))
    finally:
        store.close()
    # the server's start is the first entry: which config came into force
    assert (first["actor"], first["event"]) == ("server", "config_loaded")
    assert first["resource"].startswith("CF")
    seen = {(e["event"], e["outcome"]) for e in entries}
    assert {("pause_recording", "confirmed"), ("resume_recording", "confirmed")} <= seen
    assert ("secure_capture", "accepted") in seen
    assert all(e["actor"] == "proxy" for e in entries)
    leaks(caplog, bot, json.dumps(entries), path.read_bytes().decode("latin-1"))
