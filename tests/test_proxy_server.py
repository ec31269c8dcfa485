"""``guardrail serve`` around proxy mode: what Twilio signs, why a request got 403,
``/metrics`` and ``/healthz``, and SIGTERM draining a real server process."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
from pathlib import Path
from unittest import mock

import aiohttp
import pytest
from aiohttp.test_utils import make_mocked_request
from proxy_rig import AUTH, assert_clean, bot_texts, config_text, record_texts, rig, run

from guardrail.config import Config, ConfigError
from guardrail.server import STATE, make_app, serve
from guardrail.sim.bot import ScriptedBot
from guardrail.sim.rest import FakeTwilio
from guardrail.sim.twilio import (
    StreamRejected,
    TwilioCall,
    parse_connect_stream,
    post_webhook,
    speech_like,
    voice_form,
)

CA = "CA" + "1" * 32
CB = "CA" + "2" * 32
PUBLIC = "https://guard.example.com"


@pytest.fixture(autouse=True)
def _env(monkeypatch, caplog):
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC00000000000000000000000000000001")
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", AUTH)
    caplog.set_level(logging.INFO)


def refusals(caplog) -> list[str]:
    return [r.fields["reason"] for r in caplog.records if r.getMessage() == "request refused"]


def test_signatures_are_checked_against_the_public_url_never_the_host_header(caplog):
    extra = f'\n[server]\npublic_url = "{PUBLIC}"\n'

    async def go():
        with FakeTwilio() as fake:
            async with rig(ScriptedBot(), fake, extra=extra) as r:
                form = voice_form(CA)
                out = {}
                # signed for the URL the server was reached on: Twilio never signs that
                out["host"] = await post_webhook(r.base, "/twilio/voice", form, AUTH)
                out["public"] = await post_webhook(
                    r.base, "/twilio/voice", form, AUTH, public_url=PUBLIC
                )
                out["forged"] = await post_webhook(
                    r.base, "/twilio/voice", form, "wrong", public_url=PUBLIC
                )
                async with aiohttp.ClientSession() as http:
                    resp = await http.post(r.base + "/twilio/voice", data=form)
                    out["unsigned"] = resp.status, await resp.text()
                    resp = await http.post(
                        r.base + "/twilio/voice",
                        data=form,
                        headers={"Host": "guard.example.com", "X-Twilio-Signature": "x"},
                    )
                    out["spoofed host"] = resp.status, await resp.text()
                with pytest.raises(StreamRejected) as refused:
                    await TwilioCall.connect(r.stream_url, AUTH, call_sid=CA)
                out["ws host"] = refused.value.status
                twilio = await TwilioCall.connect(
                    r.stream_url,
                    AUTH,
                    call_sid=CA,
                    signed_url="wss://guard.example.com/twilio/media",
                )
                conn = await r.bot.connection(CA)
                await twilio.hangup()
                await conn.closed.wait()
                metrics = await r.metrics_text()
                return r.bot, out, metrics

    bot, out, metrics = run(go)
    assert out["host"][0] == 403
    assert out["forged"][0] == 403
    assert out["unsigned"][0] == 403
    assert out["spoofed host"][0] == 403
    assert out["ws host"] == 403
    status, body = out["public"]
    assert status == 200
    url, params = parse_connect_stream(body)
    assert url == "wss://guard.example.com/twilio/media"
    assert params == {}
    assert refusals(caplog) == [
        "bad signature",
        "bad signature",
        "missing signature",
        "bad signature",
        "bad signature",
    ]
    assert 'guardrail_forbidden_total{reason="bad_signature"} 4.0' in metrics
    assert 'guardrail_forbidden_total{reason="missing_signature"} 1.0' in metrics
    assert_clean(bot_texts(bot), record_texts(caplog.records), metrics)
    assert all(AUTH not in t for t in record_texts(caplog.records))


def test_without_public_url_only_a_loopback_socket_may_trust_the_host(monkeypatch):
    config = Config.from_toml(config_text("http://127.0.0.1:9", "ws://127.0.0.1:9/bot"))
    app = make_app(config)
    state = app[STATE]

    def request(local: str):
        transport = mock.Mock()
        transport.get_extra_info.return_value = (local, 8080)
        return make_mocked_request(
            "POST", "/twilio/voice", headers={"Host": "guard.example.com"}, transport=transport
        )

    assert state._signed_url(request("127.0.0.1"), websocket=False) == (
        "http://guard.example.com/twilio/voice"
    )
    assert state._signed_url(request("192.0.2.10"), websocket=False) is None
    assert state._signed_url(request("::1"), websocket=True) == (
        "ws://guard.example.com/twilio/voice"
    )


def test_serving_beyond_loopback_needs_a_public_url():
    config = Config.from_toml(config_text("http://127.0.0.1:9", "ws://127.0.0.1:9/bot"))
    with pytest.raises(ConfigError, match=r"server\.public_url"):
        asyncio.run(serve(config, "0.0.0.0", 0))


def test_metrics_and_healthz():
    async def go():
        with FakeTwilio() as fake:
            async with rig(ScriptedBot(), fake) as r, aiohttp.ClientSession() as http:
                twilio = await r.call(CA)
                conn = await r.bot.connection(CA)
                await twilio.send_audio(speech_like(200, seed=1))
                await r.bot.wait_for(lambda: len(conn.received_audio) >= 1600)
                async with http.get(r.base + "/healthz") as resp:
                    health = resp.status, await resp.text()
                async with http.get(r.base + "/metrics") as resp:
                    metrics = resp.status, resp.headers["Content-Type"], await resp.text()
                await twilio.hangup()
                await conn.closed.wait()
                return health, metrics

    health, (status, ctype, text) = run(go)
    assert health == (200, "ok\n")
    assert status == 200
    assert ctype.startswith("text/plain")
    assert 'guardrail_media_frames_total{direction="caller"} 10.0' in text
    assert "guardrail_added_latency_seconds_bucket" in text
    assert "guardrail_calls_total 1.0" in text


# -- SIGTERM: a real server process ----------------------------------------------------


class Server:
    """``guardrail serve`` as a child process; its stderr (JSON Lines) collected."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.lines: list[dict] = []
        self.raw: list[str] = []
        self._reader = asyncio.create_task(self._read())
        self._changed = asyncio.Event()

    async def _read(self) -> None:
        assert self.proc.stderr is not None
        async for line in self.proc.stderr:
            text = line.decode("utf-8", "replace")
            self.raw.append(text)
            with contextlib.suppress(ValueError):
                self.lines.append(json.loads(text))
            self._changed.set()

    async def line(self, msg: str, timeout: float = 10.0) -> dict:
        async with asyncio.timeout(timeout):
            while True:
                for obj in self.lines:
                    if obj.get("msg") == msg:
                        return obj
                if self._reader.done():
                    raise AssertionError("server exited: " + "".join(self.raw[-20:]))
                self._changed.clear()
                await self._changed.wait()

    async def wait(self, timeout: float) -> int:
        code = await asyncio.wait_for(self.proc.wait(), timeout)
        await self._reader
        return code


def test_sigterm_drains_live_calls_then_exits(tmp_path: Path):
    async def go():
        with FakeTwilio() as fake:
            bot = ScriptedBot()
            async with bot.serve():
                cfg = tmp_path / "guardrail.toml"
                cfg.write_text(config_text(fake.url, bot.url) + "\n[server]\ndrain_timeout_s = 2\n")
                proc = await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "guardrail.cli",
                    "serve",
                    "--config",
                    str(cfg),
                    "--port",
                    "0",
                    stderr=asyncio.subprocess.PIPE,
                    env={**os.environ, "PYTHONUNBUFFERED": "1"},
                )
                server = Server(proc)
                try:
                    started = await server.line("guardrail serving")
                    base = f"http://127.0.0.1:{started['port']}"
                    stream = base.replace("http", "ws", 1) + "/twilio/media"
                    calls = {}
                    for sid in (CA, CB):
                        _, body = await post_webhook(base, "/twilio/voice", voice_form(sid), AUTH)
                        url, _ = parse_connect_stream(body)
                        calls[sid] = await TwilioCall.connect(url, AUTH, call_sid=sid)
                    conns = {sid: await bot.connection(sid) for sid in calls}
                    loop = asyncio.get_running_loop()
                    proc.send_signal(signal.SIGTERM)
                    term = loop.time()
                    await server.line("draining")
                    refused = {}
                    refused["voice"], _ = await post_webhook(
                        base, "/twilio/voice", voice_form("CA" + "3" * 32), AUTH
                    )
                    try:
                        await TwilioCall.connect(stream, AUTH, call_sid="CA" + "3" * 32)
                    except StreamRejected as exc:
                        refused["media"] = exc.status
                    # live calls go on while draining
                    said = await calls[CA].send_audio(speech_like(200, seed=2))
                    await bot.wait_for(lambda: conns[CA].received_audio.endswith(said))
                    await calls[CA].hangup()
                    code_b = await calls[CB].wait_closed(10)
                    code = await server.wait(10)
                    took = loop.time() - term
                finally:
                    if proc.returncode is None:
                        proc.kill()
                        await proc.wait()
                    await server._reader
                for call in calls.values():
                    await call.close()
                return started, refused, code_b, code, took, server.raw, bot

    started, refused, code_b, code, took, raw, bot = run(go)
    assert started["port"] > 0
    assert started["bot_url"].startswith("ws://127.0.0.1:")
    assert started["scopes"] == sorted(started["scopes"])
    assert "call:redirect" in started["scopes"]
    assert refused == {"voice": 503, "media": 503}
    assert code_b == 1001  # ended by the drain timeout, going away
    assert code == 0
    assert 1.5 < took < 8
    assert_clean(raw, bot_texts(bot))
