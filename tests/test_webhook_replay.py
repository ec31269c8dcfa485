"""Replayed and foreign webhooks (issue 11): a repeat of a signed request has no new
effect, a request must name a well-formed call of the configured account, and
resume tokens are O(1), single per call, expiring and bounded.

Both adapters are covered: ``guardrail serve`` over real HTTP on loopback, and
the Pipecat side's framework-free :class:`guardrail.pipecat_twilio.TwilioCalls`.
"""

from __future__ import annotations

import asyncio
import logging
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import SimpleNamespace
from typing import Any

import pytest
from aiohttp import web
from proxy_rig import AC, AUTH, config_text

from guardrail.config import Config
from guardrail.metrics import Metrics
from guardrail.pipecat_twilio import TwilioCalls
from guardrail.server import STATE, make_app
from guardrail.sim.twilio import post_webhook, sign, voice_form
from handoff.replay_guard import WebhookReplayGuard, identifiers_refusal
from handoff.resume import ResumeTokens

CA = "CA" + "3" * 32
PAID = {"Result": "success", "PaymentCardNumber": "xxxx-xxxx-xxxx-1111"}


@pytest.fixture(autouse=True)
def _env(monkeypatch, caplog):
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", AC)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", AUTH)
    caplog.set_level(logging.INFO)


def refusals(caplog) -> list[str]:
    return [r.fields["reason"] for r in caplog.records if r.getMessage() == "request refused"]


def token_of(twiml: str) -> str:
    return ET.fromstring(twiml).find("Connect/Stream/Parameter").get("value")


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


class StubCall:
    """What ``/twilio/return`` and ``/twilio/status`` touch of a live proxy call."""

    def __init__(self, call_sid: str) -> None:
        self.call_sid = call_sid
        self.ended = False
        self.control = None
        self.returns = 0
        self.ends: list[str] = []

    def stream_now(self) -> float:
        return 0.0

    async def returning(self, event: object) -> None:
        self.returns += 1

    async def end(self, reason: str, **_: Any) -> None:
        self.ends.append(reason)


@asynccontextmanager
async def server(clock: Clock) -> AsyncIterator[tuple[str, Any, Metrics]]:
    config = Config.from_toml(config_text("http://127.0.0.1:9", "ws://127.0.0.1:9"))
    metrics = Metrics()
    app = make_app(config, clock=clock, metrics=metrics)
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        yield f"http://127.0.0.1:{runner.addresses[0][1]}", app[STATE], metrics
    finally:
        app[STATE].calls.clear()  # stubs: nothing to end at shutdown
        await runner.cleanup()


# -- guardrail serve ----------------------------------------------------------------


def test_a_replayed_return_gets_the_same_token_and_feeds_the_call_once(caplog):
    clock = Clock()

    async def go():
        async with server(clock) as (base, state, _m):
            call = StubCall(CA)
            state.calls[CA] = call
            form = {"CallSid": CA, "AccountSid": AC, **PAID}
            first = await post_webhook(base, "/twilio/return", form, AUTH)
            clock.t += 30.0  # Twilio's retry, seconds later
            retry = await post_webhook(base, "/twilio/return", form, AUTH)
            twice = await asyncio.gather(
                *(post_webhook(base, "/twilio/return", form, AUTH) for _ in range(3))
            )
            returns, tokens = call.returns, len(state.tokens)
            clock.t += 3600.0  # a captured request, sent an hour later
            late = await post_webhook(base, "/twilio/return", form, AUTH)
            return first, retry, twice, returns, tokens, late, call.returns

    first, retry, twice, returns, tokens, late, returns_after = asyncio.run(go())
    assert first[0] == 200
    assert token_of(first[1])
    assert retry == first  # the same TwiML, the same resume token
    assert all(t == first for t in twice)
    assert returns == 1
    assert tokens == 1
    assert late[0] == 403
    assert returns_after == 1
    assert refusals(caplog) == ["replayed"]


def test_a_repeated_status_callback_ends_the_call_once(caplog):
    clock = Clock()

    async def go():
        async with server(clock) as (base, state, metrics):
            call = StubCall(CA)
            state.calls[CA] = call
            form = {"CallSid": CA, "AccountSid": AC, "CallStatus": "completed"}
            a = await post_webhook(base, "/twilio/status", form, AUTH)
            b = await post_webhook(base, "/twilio/status", form, AUTH)
            await asyncio.sleep(0)  # the spawned end runs
            await asyncio.sleep(0)
            clock.t += 400.0
            c = await post_webhook(base, "/twilio/status", form, AUTH)
            await asyncio.sleep(0)
            return a[0], b[0], c[0], list(call.ends), metrics.render()[0].decode()

    a, b, c, ends, metrics = asyncio.run(go())
    assert (a, b, c) == (204, 204, 403)
    assert ends == ["call_completed"]
    assert 'guardrail_forbidden_total{reason="replayed"} 1.0' in metrics


def test_webhooks_need_a_well_formed_call_of_this_account(caplog):
    forms = {
        "no CallSid": {"AccountSid": AC},
        "empty CallSid": {"CallSid": "", "AccountSid": AC},
        "short CallSid": {"CallSid": "CA1", "AccountSid": AC},
        "upper hex": {"CallSid": "CA" + "A" * 32, "AccountSid": AC},
        "no AccountSid": {"CallSid": CA},
        "bad AccountSid": {"CallSid": CA, "AccountSid": "AC1"},
        "another account": {"CallSid": CA, "AccountSid": "AC" + "9" * 32},
    }

    async def go():
        async with server(Clock()) as (base, state, _m):
            state.calls[CA] = StubCall(CA)
            out = {}
            for path in ("/twilio/voice", "/twilio/return", "/twilio/status"):
                for what, form in forms.items():
                    out[path, what] = (await post_webhook(base, path, form, AUTH))[0]
            ok = await post_webhook(base, "/twilio/voice", voice_form(CA), AUTH)
            return out, ok[0], len(state.tokens)

    out, ok, tokens = asyncio.run(go())
    assert set(out.values()) == {403}, out
    assert ok == 200
    assert tokens == 0
    reasons = refusals(caplog)
    assert reasons.count("another account") == 3
    assert reasons.count("bad call identifiers") == 18


# -- the Pipecat side ------------------------------------------------------------------


class StubController:
    def __init__(self) -> None:
        self.returns = 0

    def returned(self, form: dict, now: float) -> tuple[None, None]:
        self.returns += 1
        return None, None


class StubGuard:
    def __init__(self, call_sid: str) -> None:
        self.call_sid = call_sid
        self.controller = StubController()
        self.session = SimpleNamespace(now=0.0)


def test_pipecat_side_replays_have_no_new_effect(caplog):
    clock = Clock()
    config = Config.from_toml(config_text("http://127.0.0.1:9", "ws://127.0.0.1:9"))
    public = "http://127.0.0.1:8765"
    calls = TwilioCalls(config, public_url=public, clock=clock)
    guard = StubGuard(CA)
    calls.guards[CA] = guard  # type: ignore[assignment]
    url = public + "/twilio/return"
    form = {"CallSid": CA, "AccountSid": AC, **PAID}
    sig = sign(AUTH, url, form)

    async def go():
        first = await calls.returned(url, form, sig)
        clock.t += 10.0
        again = await asyncio.gather(*(calls.returned(url, form, sig) for _ in range(3)))
        fed = guard.controller.returns
        clock.t += 3600.0
        late = await calls.returned(url, form, sig)
        foreign = {"CallSid": CA, "AccountSid": "AC" + "9" * 32}
        other = await calls.returned(url, foreign, sign(AUTH, url, foreign))
        empty = {"CallSid": "", "AccountSid": AC}
        blank = await calls.status(
            public + "/twilio/status", empty, sign(AUTH, public + "/twilio/status", empty)
        )
        return first, again, fed, late, other, blank

    first, again, fed, late, other, blank = asyncio.run(go())
    assert first[0] == 200
    assert all(a == first for a in again)
    assert fed == 1
    assert len(calls.tokens) == 1
    assert late[0] == 403
    assert other[0] == 403
    assert blank == 403
    assert refusals(caplog) == ["replayed", "another account", "bad call identifiers"]


# -- the parts ------------------------------------------------------------------------


def test_replay_guard_windows_and_memory_bound():
    g: WebhookReplayGuard[str] = WebhookReplayGuard(window_s=10, remember_s=100, max_entries=3)
    k = g.key("/twilio/return", {"CallSid": CA, "B": "2"}, "sig")
    assert k == g.key("/twilio/return", {"B": "2", "CallSid": CA}, "sig")  # form order
    assert k != g.key("/twilio/status", {"CallSid": CA, "B": "2"}, "sig")
    assert k != g.key("/twilio/return", {"CallSid": CA + "B", "": "2"}, "sig")  # no ambiguity
    assert g.check(k, 0).verdict == "new"
    g.remember(k, "answer", 0)
    assert (g.check(k, 10).verdict, g.check(k, 10).answer) == ("repeat", "answer")
    assert g.check(k, 11).verdict == "replayed"
    assert g.check(k, 101).verdict == "new"
    assert len(g) == 0
    for i in range(10):
        g.remember(bytes([i]), str(i), 200 + i)
    assert len(g) == 3
    assert g.check(bytes([9]), 209).answer == "9"
    assert g.check(bytes([0]), 209).verdict == "new"  # the oldest went first


def test_identifiers():
    assert identifiers_refusal({"CallSid": CA, "AccountSid": AC}, AC) is None
    assert identifiers_refusal({"CallSid": CA, "AccountSid": AC}, None) is None
    assert identifiers_refusal({"CallSid": CA, "AccountSid": AC}, "AC" + "0" * 32) == (
        "another account"
    )
    assert identifiers_refusal({"CallSid": CA + "\n", "AccountSid": AC}, AC) == (
        "bad call identifiers"
    )


def test_resume_tokens_one_per_call_expiring_and_bounded():
    tokens = ResumeTokens(ttl_s=60, max_tokens=4)
    a = tokens.issue(CA, 0)
    b = tokens.issue(CA, 1)  # the same call again: the first stops working
    assert len(tokens) == 1
    assert not tokens.redeem(a, CA, 2)
    assert tokens.redeem(b, CA, 2)
    assert not tokens.redeem(b, CA, 2)
    assert len(tokens) == 0
    c = tokens.issue(CA, 10)
    tokens.issue("CA" + "4" * 32, 30)
    assert tokens.expire(70) == 1
    assert len(tokens) == 1
    assert not tokens.redeem(c, CA, 70)
    sids = ["CA" + f"{i:032x}" for i in range(10)]
    issued = [tokens.issue(s, 80) for s in sids]
    assert len(tokens) == 4  # bounded: the oldest went first
    assert tokens.redeem(issued[-1], sids[-1], 81)
    assert not tokens.redeem(issued[0], sids[0], 81)
    d = tokens.issue(CA, 90)
    tokens.revoke(CA)  # the call ended
    assert not tokens.redeem(d, CA, 91)
    assert len(tokens._by_call) == len(tokens._tokens)  # no stale entries
