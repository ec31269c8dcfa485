"""``guardrail serve``: real HTTP on loopback, real Twilio signatures, 403 for the rest."""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from twilio.request_validator import RequestValidator

from guardrail.config import Config, ConfigError

ROOT = Path(__file__).resolve().parent.parent
AUTH = "test-auth-token-0000"
AC = "AC00000000000000000000000000000001"
CALL = {"CallSid": "CA" + "1" * 32, "AccountSid": AC}
"""The identifiers every Twilio webhook carries (the server refuses forms without them)."""


@pytest.fixture
def config(monkeypatch):
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", AC)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", AUTH)
    return Config.load(ROOT / "examples" / "guardrail.toml")


async def _serve(config):
    from guardrail.server import make_app

    runner = web.AppRunner(make_app(config))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    return runner, f"http://127.0.0.1:{port}"


def signed(url, form, token=AUTH):
    return {"X-Twilio-Signature": RequestValidator(token).compute_signature(url, form)}


def run(coro):
    return asyncio.run(coro)


def test_webhooks_need_twilio_signatures(config):
    async def go():
        runner, base = await _serve(config)
        try:
            async with aiohttp.ClientSession() as http:
                form = {**CALL, "From": "+14155550100"}
                out = {}
                for path in ("/twilio/voice", "/twilio/return", "/twilio/status"):
                    url = base + path
                    r = await http.post(url, data=form)
                    out[path, "none"] = r.status
                    r = await http.post(url, data=form, headers=signed(url, form, "wrong"))
                    out[path, "forged"] = r.status
                    r = await http.post(url, data={**form, "From": "+1"}, headers=signed(url, form))
                    out[path, "tampered"] = r.status
                    r = await http.post(url, data=form, headers=signed(url, form))
                    out[path, "signed"] = (r.status, await r.text())
                r = await http.get(base + "/healthz")
                out["health"] = r.status
                r = await http.get(base + "/twilio/media", headers={"Upgrade": "websocket"})
                out["ws"] = r.status
                return out
        finally:
            await runner.cleanup()

    out = run(go())
    for path in ("/twilio/voice", "/twilio/return", "/twilio/status"):
        assert out[path, "none"] == 403
        assert out[path, "forged"] == 403
        assert out[path, "tampered"] == 403
    status, body = out["/twilio/voice", "signed"]
    assert status == 200
    stream = ET.fromstring(body).find("Connect/Stream")
    assert stream.get("url").startswith("ws://127.0.0.1:")  # plain HTTP here; wss behind TLS
    assert stream.find("Parameter") is None  # a call's first stream needs no resume token
    assert out["/twilio/status", "signed"][0] == 204
    assert out["health"] == 200
    assert out["ws"] == 403


def test_forwarded_headers_are_used_only_when_trusted(config):
    from dataclasses import replace

    async def post(cfg, headers):
        runner, base = await _serve(cfg)
        try:
            async with aiohttp.ClientSession() as http:
                public = "https://gr.example.com/twilio/voice"
                form = {**CALL}
                r = await http.post(
                    base + "/twilio/voice", data=form, headers={**headers, **signed(public, form)}
                )
                return r.status, await r.text()
        finally:
            await runner.cleanup()

    fwd = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "gr.example.com"}
    assert run(post(config, fwd))[0] == 403  # not trusted: the signed URL does not match
    status, body = run(post(replace(config, trust_forwarded=True), fwd))
    assert status == 200
    url = ET.fromstring(body).find("Connect/Stream").get("url")
    assert url == "wss://gr.example.com/twilio/media"


def test_rotated_auth_token_is_used_without_restart(config, monkeypatch):
    async def go():
        runner, base = await _serve(config)
        try:
            async with aiohttp.ClientSession() as http:
                url = base + "/twilio/status"
                form = {**CALL, "RecordingSid": "RE1"}
                a = (await http.post(url, data=form, headers=signed(url, form))).status
                monkeypatch.setenv("TWILIO_AUTH_TOKEN", "rotated-token")
                b = (await http.post(url, data=form, headers=signed(url, form))).status
                c = (
                    await http.post(url, data=form, headers=signed(url, form, "rotated-token"))
                ).status
                return a, b, c
        finally:
            await runner.cleanup()

    assert run(go()) == (204, 403, 204)


GHOST = """
[policy.ssn]
on_request = "handoff"
route = "ghost"
[routes.human]
kind = "human"
targets = ["queue:x"]
[routes.secure_card]
kind = "keypad"
"""


def test_config_errors(tmp_path):
    for text, words in (
        ('[twilio]\nauth_token = "abc123literal"\n', "twilio.auth_token: secrets are references"),
        ('[twilio]\nscopes = ["account:all"]\n', "twilio.scopes"),
        ('[twilio]\napi_key = "env:K"\n', "go together"),
        ("[nope]\n", "unknown section"),
        (GHOST, "policy.ssn.route: no such route"),
    ):
        with pytest.raises(ConfigError, match=words.replace(".", r"\.")):
            Config.from_toml(text)
    with pytest.raises(ConfigError) as info:
        Config.from_toml('[twilio]\nauth_token = "abc123literal"\n')
    assert "abc123literal" not in str(info.value)


def test_oversized_and_malformed_bodies_are_refused(config):
    async def go():
        runner, base = await _serve(config)
        try:
            async with aiohttp.ClientSession() as http:
                url = base + "/twilio/voice"
                big = await http.post(url, data={**CALL, "Pad": "x" * 200_000})
                junk = await http.post(
                    url,
                    data=b"\xff\xfe\x00garbage",
                    headers={"Content-Type": "application/x-www-form-urlencoded"},
                )
                return big.status, junk.status
        finally:
            await runner.cleanup()

    big, junk = run(go())
    assert big in (403, 413)
    assert junk == 403
