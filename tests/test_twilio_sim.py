"""The Twilio simulator against the example bot, directly (no guardrail in between).

Both are test equipment for the proxy; these tests pin down that each does
what the real thing does on the wire, so a proxy test that fails is failing
on the proxy: messages laid out as a real Twilio capture, audio byte for
byte, marks echoed after playback, ``clear`` dropping queued audio, the side
channel, keypad tones that are real DTMF, signatures Twilio would compute,
and the bot's fault modes. Everything runs on 127.0.0.1 and is stopped
before each test returns.
"""

from __future__ import annotations

import asyncio
import base64
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import numpy as np
import pytest
from aiohttp import web

from audio import mulaw
from audio.dtmf import DtmfDetector, KeyDown, KeyUp
from audio.vad import VoiceActivityDetector
from guardrail.sim.bot import DEFAULT_TURNS, ScriptedBot, garbage_messages, utterance_pcm
from guardrail.sim.rest import FakeTwilio
from guardrail.sim.twilio import (
    FRAME_BYTES,
    StreamRejected,
    TwilioCall,
    parse_connect_stream,
    post_webhook,
    sign,
    speech_like,
    voice_form,
)
from handoff import twiml
from handoff.signatures import signature_ok

ROOT = Path(__file__).resolve().parent.parent
AUTH = "sim-auth-token-0000"
T = TypeVar("T")


def run(make: Callable[[], Awaitable[T]]) -> T:
    """Run one test body on a fresh loop; fail if it leaves a task running."""

    async def body() -> T:
        result = await asyncio.wait_for(make(), 30)
        leftover = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        assert leftover == [], f"tasks left running: {leftover}"
        return result

    return asyncio.run(body())


def _layout(obj: Any) -> Any:
    """The key structure of a JSON value, in order (values dropped)."""
    if isinstance(obj, dict):
        return [(k, _layout(v)) for k, v in obj.items() if k != "customParameters"]
    return type(obj).__name__


def _headers(h: dict[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in h.items()}


def test_connected_and_start_reach_the_bot_laid_out_as_a_real_capture(data_dir: Path) -> None:
    lines = (data_dir / "twilio_capture_head.jsonl").read_text().splitlines()
    capture = [json.loads(x) for x in lines if x]

    async def go() -> None:
        async with ScriptedBot(greet=False).serve() as bot:
            params = {"guardrail_resume": "tok-1", "lang": "en"}
            async with TwilioCall.open(
                bot.url, AUTH, call_sid="CA1", stream_sid="MZ1", custom_parameters=params
            ) as call:
                conn = await bot.connection("CA1")
                connected, start = conn.messages[:2]
                assert connected == capture[0]
                assert _layout(start) == _layout(capture[1])
                assert start["sequenceNumber"] == "1"
                assert start["streamSid"] == start["start"]["streamSid"] == "MZ1"
                assert start["start"]["callSid"] == "CA1"
                assert start["start"]["mediaFormat"] == capture[1]["start"]["mediaFormat"]
                assert conn.custom_parameters == params
                assert bot.starts == [start]
                assert conn.stream_sid == call.stream_sid == "MZ1"
                sig = _headers(conn.headers)["x-twilio-signature"]
                assert signature_ok(AUTH, bot.url, {}, sig)
                assert not signature_ok("other-token", bot.url, {}, sig)

    run(go)


def test_the_upgrade_is_signed_for_the_public_url_when_given() -> None:
    public = "wss://guard.example.com/twilio/media"

    async def go() -> None:
        async with (
            ScriptedBot(greet=False).serve() as bot,
            TwilioCall.open(bot.url, AUTH, call_sid="CA1", signed_url=public),
        ):
            conn = await bot.connection("CA1")
            sig = _headers(conn.headers)["x-twilio-signature"]
            assert signature_ok(AUTH, public, {}, sig)
            assert not signature_ok(AUTH, bot.url, {}, sig)
            assert sig == sign(AUTH, public)

    run(go)


def test_caller_audio_arrives_byte_for_byte_in_twilio_media_messages() -> None:
    async def go() -> None:
        async with (
            ScriptedBot(greet=False).serve() as bot,
            TwilioCall.open(bot.url, AUTH, call_sid="CA1") as call,
        ):
            pcm = speech_like(1010, seed=3)  # not whole frames: the last is padded
            raw = bytes(range(256)) * 2  # mu-law bytes as they are
            sent = await call.send_audio(pcm) + await call.send_audio(raw)
            conn = await bot.connection("CA1")
            await bot.wait_for(lambda: len(conn.received_audio) >= len(sent), what="audio")
            media = [m for m in conn.messages if m["event"] == "media"]

        assert len(sent) == (51 + 4) * FRAME_BYTES
        assert sent[: len(pcm)] == mulaw.encode_bytes(pcm)
        assert sent[len(pcm) : 51 * FRAME_BYTES] == bytes([mulaw.SILENCE]) * (51 * 160 - len(pcm))
        assert sent[51 * FRAME_BYTES : 51 * FRAME_BYTES + len(raw)] == raw
        assert conn.received_audio == sent == bytes(call.sent_audio)
        assert [m["sequenceNumber"] for m in media] == [str(i) for i in range(2, 2 + len(media))]
        assert [m["media"]["chunk"] for m in media] == [str(i) for i in range(1, 1 + len(media))]
        assert [m["media"]["timestamp"] for m in media] == [str(20 * i) for i in range(len(media))]
        assert {m["media"]["track"] for m in media} == {"inbound"}
        assert {m["streamSid"] for m in media} == {call.stream_sid}
        assert conn.caller_audio_ms == 20 * len(media)

    run(go)


def test_realtime_sending_is_paced_at_20_ms_a_frame() -> None:
    async def go() -> float:
        async with (
            ScriptedBot(greet=False).serve() as bot,
            await TwilioCall.connect(bot.url, AUTH, call_sid="CA1", realtime=True) as call,
        ):
            loop = asyncio.get_running_loop()
            t0 = loop.time()
            await call.send_audio(speech_like(300))
            return loop.time() - t0

    # 15 frames: the first goes at once, the last 14 x 20 ms later
    assert run(go) >= 0.27


def test_bot_announces_its_words_then_speaks_then_marks_and_twilio_echoes() -> None:
    async def go() -> None:
        async with (
            ScriptedBot().serve() as bot,
            await TwilioCall.connect(bot.url, AUTH, call_sid="CA1", stream_sid="MZ1") as call,
        ):
            await call.wait_for(lambda: call.mark_echoes, what="the greeting's mark")
            conn = await bot.connection("CA1")
            await bot.wait_for(lambda: conn.marks_echoed, what="the echo")

        kinds = [m["event"] for m in call.inbox]
        n = len(call.received_media)
        assert kinds == ["guardrail.agent_text"] + ["media"] * n + ["mark"]
        assert call.inbox[0] == {
            "event": "guardrail.agent_text",
            "text": DEFAULT_TURNS[0],
            "final": True,
        }
        assert call.received_audio == mulaw.encode_bytes(utterance_pcm(DEFAULT_TURNS[0]))
        assert {len(p) for p in call.received_media} == {FRAME_BYTES}
        assert call.marks == ["utt-0"]
        assert call.mark_echoes == [("utt-0", "played")]
        assert conn.marks_echoed == ["utt-0"]
        echo = [m for m in conn.messages if m["event"] == "mark"]
        assert echo == [
            {"event": "mark", "sequenceNumber": "2", "streamSid": "MZ1", "mark": {"name": "utt-0"}}
        ]
        assert conn.utterances[0].complete
        assert conn.utterances[0].audio == call.received_audio

    run(go)


def test_realtime_playback_echoes_a_mark_only_after_its_audio_has_played() -> None:
    turn = "one two three four five"  # 5 words x 100 ms

    async def go() -> float:
        loop = asyncio.get_running_loop()
        async with ScriptedBot([turn], ms_per_word=100).serve() as bot:
            t0 = loop.time()
            async with TwilioCall.open(bot.url, AUTH, call_sid="CA1", realtime=True) as call:
                await call.wait_for(lambda: call.mark_echoes, what="the mark's echo")
                assert call.mark_echoes == [("utt-0", "played")]
                assert len(call.received_audio) == 500 * 8
                return loop.time() - t0

    assert run(go) >= 0.49


def test_clear_drops_queued_audio_and_echoes_pending_marks_at_once() -> None:
    turn = "a b c d e f g h i j"  # 10 s of audio, sent at once, played in real time

    async def go() -> None:
        async with (
            ScriptedBot([turn], ms_per_word=1000).serve() as bot,
            TwilioCall.open(bot.url, AUTH, call_sid="CA1", realtime=True) as call,
        ):
            await call.wait_for(lambda: call.marks == ["utt-0"], what="the mark")
            await bot.clear("CA1")
            await call.wait_for(lambda: call.mark_echoes, what="the echo")
            assert call.mark_echoes == [("utt-0", "cleared")]
            assert call.clears == 1
            assert 0 < call.dropped_bytes <= 10_000 * 8
            conn = await bot.connection("CA1")
            await bot.wait_for(lambda: conn.marks_echoed == ["utt-0"], what="the echo")

    run(go)


def test_bot_sends_what_it_hears_on_the_side_channel() -> None:
    async def go() -> None:
        bot = ScriptedBot(greet=False, transcript_script=[(200, "hello there")])
        async with (
            bot.serve(),
            TwilioCall.open(bot.url, AUTH, call_sid="CA1") as call,
        ):
            conn = await bot.connection("CA1")
            await call.send_audio(speech_like(180))
            await bot.wait_for(lambda: conn.caller_audio_ms >= 180, what="180 ms")
            assert conn.heard == []
            await call.send_audio(speech_like(40))
            await call.wait_for(lambda: call.other, what="the scripted transcript")
            await bot.hear("CA1", "my number is 4111 1111 1111 1111")
            await call.wait_for(lambda: len(call.other) == 2, what="the second transcript")

        assert call.other == [
            {"event": "guardrail.transcript", "text": "hello there", "final": True},
            {
                "event": "guardrail.transcript",
                "text": "my number is 4111 1111 1111 1111",
                "final": True,
            },
        ]
        assert conn.heard == ["hello there", "my number is 4111 1111 1111 1111"]

    run(go)


def test_hear_with_respond_says_the_next_line() -> None:
    async def go() -> None:
        async with (
            ScriptedBot(["first", "second"]).serve() as bot,
            TwilioCall.open(bot.url, AUTH, call_sid="CA1") as call,
        ):
            await call.wait_for(lambda: call.marks == ["utt-0"], what="the greeting")
            await bot.hear("CA1", "yes please", respond=True)
            await call.wait_for(lambda: call.marks == ["utt-0", "utt-1"], what="the reply")
        texts = [m["text"] for m in call.other]
        assert texts == ["first", "yes please", "second"]

    run(go)


def test_a_notice_is_recorded_and_respond_true_makes_the_bot_speak() -> None:
    quiet = {"event": "guardrail.notice", "text": "secure capture started"}
    back = {"event": "guardrail.notice", "text": "card ending 1111 accepted", "respond": True}

    async def go() -> None:
        async with (
            ScriptedBot(["hello", "welcome back", "bye"]).serve() as bot,
            TwilioCall.open(bot.url, AUTH, call_sid="CA1") as call,
        ):
            await call.wait_for(lambda: call.marks == ["utt-0"], what="the greeting")
            await call.send_json(quiet)
            await call.send_json(back)
            await call.wait_for(lambda: call.marks == ["utt-0", "utt-1"], what="the reply")
            conn = await bot.connection("CA1")
        assert bot.notices == [quiet, back]
        assert conn.said == ["hello", "welcome back"]

    run(go)


def test_a_careful_bot_stops_an_utterance_the_guardrail_answered() -> None:
    ask = "Could you read me the long number on the front of your card"

    async def go() -> None:
        bot = ScriptedBot([ask], realtime=True, ms_per_word=200)  # 2.4 s, paced
        async with (
            bot.serve(),
            TwilioCall.open(bot.url, AUTH, call_sid="CA1") as call,
        ):
            await call.wait_for(lambda: call.other, what="the agent text")
            await call.send_json({"event": "guardrail.notice", "text": "blocked"})
            conn = await bot.connection("CA1")
            await bot.wait_for(lambda: conn.utterances[0].done, what="the cut")
            utt = conn.utterances[0]
            assert not utt.complete
            assert len(utt.audio) < len(utterance_pcm(ask, ms_per_word=200))
            await call.wait_for(
                lambda: len(call.received_audio) == len(utt.audio), what="the audio sent"
            )
            assert call.marks == []

    run(go)


def test_a_careless_bot_keeps_talking_and_never_responds() -> None:
    ask = "Could you read me the long number on the front of your card"

    async def go() -> None:
        bot = ScriptedBot([ask, "next"], ignore_notices=True, realtime=True, ms_per_word=40)
        async with (
            bot.serve(),
            TwilioCall.open(bot.url, AUTH, call_sid="CA1") as call,
        ):
            await call.wait_for(lambda: call.other, what="the agent text")
            await call.send_json({"event": "guardrail.notice", "text": "blocked"})
            await call.send_json({"event": "guardrail.notice", "text": "go", "respond": True})
            conn = await bot.connection("CA1")
            await bot.wait_for(lambda: len(conn.notices) == 2, what="the notices")
            await bot.say("CA1", "explicit")
            await call.wait_for(lambda: len(call.marks) == 2, what="both marks")
            assert conn.said == [ask, "explicit"]
            assert conn.utterances[0].complete
            first = len(mulaw.encode_bytes(utterance_pcm(ask, ms_per_word=40)))
            assert len(conn.utterances[0].audio) == first

    run(go)


def test_keyed_digits_are_real_keypad_tones_followed_by_dtmf_messages() -> None:
    async def go() -> None:
        async with (
            ScriptedBot(greet=False).serve() as bot,
            TwilioCall.open(bot.url, AUTH, call_sid="CA1") as call,
        ):
            await call.send_audio(speech_like(100))
            spans = await call.send_keyed("4111")
            silent = await call.send_keyed("9", dtmf_messages=False)
            conn = await bot.connection("CA1")
            total = len(call.sent_audio)
            await bot.wait_for(lambda: len(conn.received_audio) == total, what="all audio")
            return conn, spans, silent

    conn, spans, silent = run(go)
    assert conn.received_dtmf == list("4111")
    dtmf = [m for m in conn.messages if m["event"] == "dtmf"]
    assert dtmf[0]["dtmf"] == {"track": "inbound_track", "digit": "4"}
    assert set(dtmf[0]) == {"event", "streamSid", "sequenceNumber", "dtmf"}
    for (_digit, _start, end), at in zip(spans, conn.dtmf_at_ms, strict=True):
        assert end <= at < end + 20  # sent with the frame that ends the tone
    assert spans[0][1] == 200.0  # 100 ms of speech, then 100 ms lead silence
    pcm = mulaw.decode(conn.received_audio)
    det = DtmfDetector()
    events = [e for i in range(0, len(pcm), 160) for e in det.process(pcm[i : i + 160], i / 8)]
    ups = [e for e in events if isinstance(e, KeyUp)]
    assert "".join(e.digit for e in ups) == "41119"
    for (digit, start, end), up in zip(spans + silent, ups, strict=True):
        assert up.digit == digit
        assert abs(up.start_ms - start) <= 20
        assert abs(up.end_ms - end) <= 20


def test_synthetic_speech_is_speech_to_a_vad_and_no_key_to_a_dtmf_detector() -> None:
    for pcm in (speech_like(2000, seed=7), utterance_pcm(" ".join(DEFAULT_TURNS))):
        heard = mulaw.decode(mulaw.encode_bytes(pcm))
        vad = VoiceActivityDetector()
        frames = [heard[i : i + 160] for i in range(0, len(heard) - 159, 160)]
        voiced = sum(vad.is_speech(np.ascontiguousarray(f)) for f in frames)
        assert voiced >= 0.8 * len(frames)
        det = DtmfDetector()
        keys = [e for i, f in enumerate(frames) for e in det.process(f, 20 * i)]
        assert not [e for e in keys if isinstance(e, KeyDown | KeyUp)]


def test_the_bot_records_a_changed_stream_sid_and_twilio_ignores_misaddressed_audio() -> None:
    async def go() -> None:
        async with (
            ScriptedBot(["hi", "again"]).serve() as bot,
            await TwilioCall.connect(bot.url, AUTH, call_sid="CA1", stream_sid="MZ1") as call,
        ):
            await call.wait_for(lambda: call.marks == ["utt-0"], what="the greeting")
            heard = call.received_audio
            call.stream_sid = "MZ2"  # a new stream of the same call, not joined by a proxy
            await call.send_audio(speech_like(40))
            conn = await bot.connection("CA1")
            await bot.wait_for(lambda: conn.stream_sid_changes, what="the new streamSid")
            await bot.say_next("CA1")
            await call.wait_for(
                lambda: any(m.get("event") == "mark" for m in call.misaddressed),
                what="the misaddressed mark",
            )
            assert conn.stream_sid == "MZ1"
            assert conn.stream_sid_changes == ["MZ2"]
            assert call.received_audio == heard  # nothing for MZ1 was played on MZ2
            assert {m["streamSid"] for m in call.misaddressed} == {"MZ1"}
            assert call.mark_echoes == [("utt-0", "played")]

    run(go)


def test_refused_and_wrong_path_handshakes_raise_stream_rejected() -> None:
    async def go() -> None:
        async with ScriptedBot(refuse=True).serve() as bot:
            with pytest.raises(StreamRejected) as refused:
                await TwilioCall.connect(bot.url, AUTH, call_sid="CA1")
            assert refused.value.status == 503
            assert bot.refused == 1
            assert bot.all_connections == []
        async with ScriptedBot().serve() as bot:
            with pytest.raises(StreamRejected) as missing:
                await TwilioCall.connect(bot.url + "/nope", AUTH, call_sid="CA1")
            assert missing.value.status == 404
            assert bot.handshakes[0]["path"] == "/twilio/nope"

    run(go)


def test_the_bot_drops_the_call_after_the_scripted_caller_audio() -> None:
    async def go() -> None:
        async with (
            ScriptedBot(greet=False, drop_after_ms=200).serve() as bot,
            TwilioCall.open(bot.url, AUTH, call_sid="CA1") as call,
        ):
            await call.send_audio(speech_like(1000))
            assert await call.wait_closed() == 1011
            assert not await call.send_dtmf("1")  # Twilio stops streaming to a closed socket
            assert await call.send_audio(speech_like(100)) == b""
            conn = await bot.connection("CA1")
            await asyncio.wait_for(conn.closed.wait(), 5)
            assert conn.caller_audio_ms >= 200
            assert conn.close_code == 1011

    run(go)


def test_a_garbage_bot_sends_malformed_messages_then_behaves() -> None:
    async def go() -> None:
        async with (
            ScriptedBot(["hello"], garbage=True).serve() as bot,
            TwilioCall.open(bot.url, AUTH, call_sid="CA1", stream_sid="MZ1") as call,
        ):
            await call.wait_for(lambda: call.mark_echoes, what="the greeting after garbage")
        bad = garbage_messages("MZ1")
        assert call.malformed == [bad[i] for i in (0, 1, 4, 5, 7)]
        assert [m.get("event") for m in call.other] == [
            None,
            "no.such.event",
            "guardrail.agent_text",
            "guardrail.agent_text",
        ]
        assert call.other[-1] == {"event": "guardrail.agent_text", "text": "hello", "final": True}
        assert call.received_audio == mulaw.encode_bytes(utterance_pcm("hello"))

    run(go)


def test_hangup_sends_stop_and_closes_normally_and_drop_is_abnormal() -> None:
    async def go() -> None:
        async with ScriptedBot(greet=False).serve() as bot:
            call = await TwilioCall.connect(bot.url, AUTH, call_sid="CA1", account_sid="AC9")
            await call.hangup()
            conn = await bot.connection("CA1")
            await asyncio.wait_for(conn.closed.wait(), 5)
            assert conn.stops == 1
            assert conn.messages[-1] == {
                "event": "stop",
                "sequenceNumber": "2",
                "streamSid": call.stream_sid,
                "stop": {"accountSid": "AC9", "callSid": "CA1"},
            }
            assert conn.close_code == call.closed_code == 1000
            await call.close()  # idempotent

            dropped = await TwilioCall.connect(bot.url, AUTH, call_sid="CA2")
            conn2 = await bot.connection("CA2")
            await dropped.drop()
            await asyncio.wait_for(conn2.closed.wait(), 5)
            assert conn2.close_code == 1006

    run(go)


def test_the_bot_closes_its_connections_when_it_stops_serving() -> None:
    async def go() -> None:
        async with ScriptedBot(greet=False).serve() as bot:
            call = await TwilioCall.connect(bot.url, AUTH, call_sid="CA1")
            await bot.connection("CA1")
        assert await call.wait_closed() == 1001
        await call.close()

    run(go)


# -- webhooks ----------------------------------------------------------------


async def _checking_app(public_base: str | None) -> tuple[web.AppRunner, str, list]:
    """A tiny server that accepts a request only with Twilio's signature for its URL."""
    seen: list = []

    async def hook(request: web.Request) -> web.Response:
        form = {k: str(v) for k, v in (await request.post()).items()}
        url = (public_base + request.path_qs) if public_base else str(request.url)
        ok = signature_ok(AUTH, url, form, request.headers.get("X-Twilio-Signature"))
        seen.append((request.path, form, ok))
        return web.Response(text="<Response/>") if ok else web.Response(status=403, text="no")

    app = web.Application()
    app.router.add_post("/twilio/{name}", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    return runner, f"http://127.0.0.1:{port}", seen


def test_post_webhook_signs_what_a_server_checks() -> None:
    async def go() -> None:
        runner, base, seen = await _checking_app(None)
        try:
            form = voice_form("CA1")
            assert await post_webhook(base, "/twilio/voice", form, AUTH) == (200, "<Response/>")
            status, _ = await post_webhook(base, "/twilio/status", form, "wrong-token")
            assert status == 403
            # signed for a public URL the server does not reconstruct: refused
            status, _ = await post_webhook(
                base, "/twilio/return", form, AUTH, public_url="https://guard.example.com"
            )
            assert status == 403
            assert seen[0] == ("/twilio/voice", form, True)
            assert [ok for *_, ok in seen] == [True, False, False]
        finally:
            await runner.cleanup()

    run(go)


def test_post_webhook_signs_the_public_url_twilio_called() -> None:
    public = "https://guard.example.com"

    async def go() -> None:
        runner, base, _seen = await _checking_app(public)
        try:
            form = {"CallSid": "CA1", "CallStatus": "completed"}
            status, _ = await post_webhook(base, "/twilio/status", form, AUTH, public_url=public)
            assert status == 200
            status, _ = await post_webhook(base, "/twilio/status", form, AUTH)
            assert status == 403
        finally:
            await runner.cleanup()

    run(go)


def test_sign_matches_twilio_validation_and_covers_every_parameter() -> None:
    url = "https://guard.example.com/twilio/voice"
    form = voice_form("CA1")
    sig = sign(AUTH, url, form)
    assert signature_ok(AUTH, url, form, sig)
    assert not signature_ok(AUTH, url, {**form, "From": "+1"}, sig)
    assert not signature_ok(AUTH, url + "?x=1", form, sig)
    assert sign(AUTH, url) == sign(AUTH, url, {})


def test_parse_connect_stream_reads_what_twilio_would_stream_to() -> None:
    answer = twiml.back_to_bot("ws://127.0.0.1:9/twilio/media", "tok-9", say="Welcome back")
    assert parse_connect_stream(answer) == (
        "ws://127.0.0.1:9/twilio/media",
        {"guardrail_resume": "tok-9"},
    )
    with pytest.raises(ValueError, match="Connect"):
        parse_connect_stream("<Response><Say>hi</Say></Response>")
    with pytest.raises(ValueError, match="XML"):
        parse_connect_stream("not xml")


# -- the bot on its own --------------------------------------------------------


def test_ws_bot_runs_from_the_command_line() -> None:
    async def go() -> None:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            str(ROOT / "examples" / "ws_bot.py"),
            "0",
            stdout=asyncio.subprocess.PIPE,
            cwd=ROOT,
        )
        try:
            assert proc.stdout is not None
            line = await asyncio.wait_for(proc.stdout.readline(), 20)
            url = json.loads(line)["url"]
            assert url.startswith("ws://127.0.0.1:")
            assert url.endswith("/twilio")
            async with TwilioCall.open(url, AUTH, call_sid="CA1") as call:
                await call.wait_for(lambda: call.mark_echoes, what="the greeting")
                assert call.other[0]["text"] == DEFAULT_TURNS[0]
        finally:
            if proc.returncode is None:
                proc.terminate()
            code = await asyncio.wait_for(proc.wait(), 10)
        assert code == 0

    run(go)


def test_fake_twilio_reports_requests_to_a_waiting_test() -> None:
    """The REST stand-in's hooks: what a proxy test uses to end a stream on a redirect."""

    async def go() -> list[dict]:
        loop = asyncio.get_running_loop()
        redirected = asyncio.Event()
        with FakeTwilio() as fake:
            fake.on_request = lambda r: (
                loop.call_soon_threadsafe(redirected.set) if "Twiml" in r["form"] else None
            )
            async with aiohttp.ClientSession() as http:
                url = fake.url + "/2010-04-01/Accounts/AC1/Calls/CA1.json"
                auth = {"Authorization": "Basic " + base64.b64encode(b"SK_test:secret").decode()}
                async with http.post(url, data={"Status": "x"}, headers=auth) as r:
                    assert r.status == 200
                async with http.post(url, data={"Twiml": "<Response/>"}, headers=auth) as r:
                    assert r.status == 200
            await asyncio.wait_for(redirected.wait(), 5)
            return await asyncio.to_thread(fake.wait_for_requests, 2, 5.0)

    reqs = run(go)
    assert [r["form"] for r in reqs] == [{"Status": "x"}, {"Twiml": "<Response/>"}]
    assert {r["user"] for r in reqs} == {"SK_test"}
    assert reqs[1]["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    with FakeTwilio() as fake, pytest.raises(TimeoutError):
        fake.wait_for_requests(1, 0.05)
