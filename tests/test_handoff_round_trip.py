"""The whole round trip, and Twilio failing at each step.

The agent asks for the card; the recording pauses; the call is redirected
to ``<Pay>``; Twilio's action webhook (a real signed HTTP request) returns
the caller; the recording resumes; the session goes on. Real twilio library,
real aiohttp server, a loopback stand-in for Twilio's REST API. The call is
the server's own :class:`~guardrail.proxy.ProxyCall` (with no bot attached:
these tests are about the control path), so the return webhook reaches the
session through the same executor as in a live call.
"""

from __future__ import annotations

import asyncio
import random
import xml.etree.ElementTree as ET

import aiohttp
import pytest
from aiohttp import web
from twilio.request_validator import RequestValidator

from guardrail.config import Config
from guardrail.events import AgentText, Alert, Audit, CallStarted, Notice
from guardrail.executor import Executor
from guardrail.metrics import Metrics
from guardrail.proxy import ProxyCall
from guardrail.server import STATE, make_app
from guardrail.session import Session
from guardrail.sim.rest import FakeTwilio
from handoff.control import TwilioControl
from handoff.controller import CallController

AC = "AC00000000000000000000000000000001"
CA = "CA00000000000000000000000000000007"
AUTH = "test-auth-token-0000"
CONFIG = """
[twilio]
account_sid = "env:TWILIO_ACCOUNT_SID"
auth_token = "env:TWILIO_AUTH_TOKEN"
[routes.pay]
kind = "pay"
[routes.human]
kind = "human"
targets = ["queue:support"]
[routes.secure_card]
kind = "keypad"
[policy.payment_card]
on_request = "secure_path"
on_disclosure = "secure_path"
route = "pay"
"""


@pytest.fixture
def config(monkeypatch):
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", AC)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", AUTH)
    return Config.from_toml(CONFIG)


async def scenario(config, fake, plan):
    fake.plan = list(plan)
    session = Session(config.policy, routes={n: r.kind for n, r in config.routes.items()})
    control = TwilioControl(
        AC,
        config.rest_credentials,
        config.scopes,
        base_url=fake.url,
        deadline_s=0.8,
        backoff_s=0.01,
        rng=random.Random(2),
    )
    app = make_app(config)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    base = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"
    controller = CallController(
        control, dict(config.routes), call_sid=CA, return_url=base + "/twilio/return"
    )
    call, first = _call(session, controller)
    app[STATE].calls[CA] = call
    try:
        first += call.executor.feed(AgentText("What's the card number?", True, 1000.0))
        await call.executor.settle(5)
        state_after_ask = session.state
        url = base + "/twilio/return"
        form = {
            "CallSid": CA,
            "AccountSid": AC,
            "Result": "success",
            "PaymentCardNumber": "xxxx-xxxx-xxxx-1111",
        }
        sig = RequestValidator(AUTH).compute_signature(url, form)
        async with aiohttp.ClientSession() as http:
            r = await http.post(url, data=form, headers={"X-Twilio-Signature": sig})
            body = await r.text()
        await call.executor.settle(5)
        return session, first, state_after_ask, r.status, body
    finally:
        app[STATE].calls.pop(CA, None)  # as the return left it: shutdown would end the call
        await runner.cleanup()


def _call(session, controller):
    """A proxy call without a bot; returns it and the list its audit entries go to."""
    seen: list = []
    call = ProxyCall(
        CA,
        session,
        control=controller,
        sink=None,
        metrics=Metrics(),
        audit=lambda _sid, entry, _detail: seen.append(entry),
        on_end=lambda _call: None,
    )
    seen += call.executor.feed(CallStarted(CA, "MZ1", 0.0))
    return call, seen


def test_round_trip_to_pay_and_back(config):
    with FakeTwilio() as fake:
        session, first, asked, status, body = asyncio.run(scenario(config, fake, []))
        reqs = list(fake.requests)
    assert asked == "handed_off"
    pause, redirect, resume = reqs
    assert pause["form"]["Status"] == "paused"
    pay = ET.fromstring(redirect["form"]["Twiml"]).find("Pay")
    assert pay.get("action").endswith("/twilio/return")
    assert resume["form"]["Status"] == "in-progress"
    assert status == 200
    assert ET.fromstring(body).find("Connect/Stream/Parameter").get("name") == "guardrail_resume"
    assert session.state == "normal"
    assert not session.recording_paused
    notices = [a.text for a in first if isinstance(a, Notice)]
    assert notices  # the bot was told the caller is on the secure line


def test_pause_failing_fails_closed_and_never_redirects(config):
    with FakeTwilio() as fake:
        _session, first, asked, status, _ = asyncio.run(scenario(config, fake, [500] * 50))
        paths = [r["path"] for r in fake.requests]
    assert all("/Recordings/" in p for p in paths)  # no redirect was attempted
    assert any(isinstance(a, Alert) for a in first)
    # the audit says why: the provider's answer, never "confirmed"
    assert any(
        isinstance(a, Audit) and a.event == "pause_recording" and a.outcome == "http 500"
        for a in first
    )
    assert not any(isinstance(a, Audit) and a.outcome == "confirmed" for a in first)
    assert asked == "normal"  # the flow was abandoned, the caller told not to read it out
    assert status == 200


def test_redirect_failing_fails_closed(config):
    with FakeTwilio() as fake:
        session, first, asked, _, _ = asyncio.run(scenario(config, fake, [200] + [500] * 50))
    assert any(isinstance(a, Alert) and a.reason.startswith("handoff") for a in first)
    assert asked == "normal"
    assert session.recording_paused  # still paused: protection stays until the agent moves on


def test_resume_failing_is_alerted(config):
    with FakeTwilio() as fake:
        # pause ok, redirect ok, then every resume fails
        session, _first, asked, status, _ = asyncio.run(
            scenario(config, fake, [200, 200] + [500] * 50)
        )
    assert asked == "handed_off"
    assert status == 200
    assert session.recording_paused  # known to be still paused


HUMAN = """
[twilio]
account_sid = "env:TWILIO_ACCOUNT_SID"
auth_token = "env:TWILIO_AUTH_TOKEN"
[routes.human]
kind = "human"
targets = ["+1 415 555 0100", "sip:agents@pbx.example.com", "queue:support"]
[routes.secure_card]
kind = "keypad"
"""


def test_human_route_walks_its_fallbacks_then_returns_to_the_bot(monkeypatch):
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", AC)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", AUTH)
    config = Config.from_toml(HUMAN)

    async def go(fake):
        session = Session(config.policy, routes={n: r.kind for n, r in config.routes.items()})
        control = TwilioControl(AC, config.rest_credentials, config.scopes, base_url=fake.url)
        app = make_app(config)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        base = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"
        controller = CallController(
            control, dict(config.routes), call_sid=CA, return_url=base + "/twilio/return"
        )
        call, _ = _call(session, controller)
        app[STATE].calls[CA] = call
        answers = []
        try:
            call.executor.feed(AgentText("What's your social security number?", True, 1000.0))
            await call.executor.settle(5)
            url = base + "/twilio/return"
            async with aiohttp.ClientSession() as http:
                for form in (
                    {"CallSid": CA, "AccountSid": AC, "DialCallStatus": "no-answer"},
                    {"CallSid": CA, "AccountSid": AC, "DialCallStatus": "busy"},
                    {"CallSid": CA, "AccountSid": AC, "QueueResult": "bridged"},
                ):
                    sig = RequestValidator(AUTH).compute_signature(url, form)
                    r = await http.post(url, data=form, headers={"X-Twilio-Signature": sig})
                    answers.append(await r.text())
            await call.executor.settle(5)
        finally:
            app[STATE].calls.pop(CA, None)  # as the return left it: shutdown would end it
            await runner.cleanup()
        return session, answers

    with FakeTwilio() as fake:
        session, answers = asyncio.run(go(fake))
        redirect = next(r for r in fake.requests if "Twiml" in r["form"])
    assert ET.fromstring(redirect["form"]["Twiml"]).find("Dial/Number").text == "+14155550100"
    assert ET.fromstring(answers[0]).find("Dial/Sip").text == "sip:agents@pbx.example.com"
    assert ET.fromstring(answers[1]).find("Enqueue").text == "support"
    assert ET.fromstring(answers[2]).find("Connect/Stream") is not None
    assert session.state == "normal"


@pytest.mark.parametrize("mode", ["quarantine", "delete"])
def test_a_recording_that_caught_a_disclosure_is_dealt_with_after_the_call(monkeypatch, mode):
    from guardrail.events import CallEnded, CallerTranscript, DisposeRecording

    monkeypatch.setenv("TWILIO_ACCOUNT_SID", AC)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", AUTH)
    toml = CONFIG.replace(
        "[twilio]",
        "[twilio]\nscopes = ['recording:pause', "
        "'recording:resume', 'call:redirect', 'recording:delete']",
    )
    toml += f'\n[policy]\nrecording_after_exposure = "{mode}"\n'
    config = Config.from_toml(toml)

    async def go(fake):
        session = Session(config.policy, routes={n: r.kind for n, r in config.routes.items()})
        session.feed(CallStarted(CA, "MZ1", 0.0))
        control = TwilioControl(AC, config.rest_credentials, config.scopes, base_url=fake.url)
        controller = CallController(
            control,
            dict(config.routes),
            call_sid=CA,
            return_url="https://gr.example.com/twilio/return",
        )
        controller.recording_sid = "RE00000000000000000000000000000009"
        rest: list = []
        executor = Executor(session, control=controller, audit=rest.append, deliver=rest.extend)
        # the caller reads an SSN out unprompted, before anything paused the recording
        executor.feed(CallerTranscript("my social is 078-05-1123", True, 5000.0))
        await executor.settle(5)
        rest.clear()
        rest += executor.feed(CallEnded(9000.0))
        await executor.settle(5)
        return rest

    with FakeTwilio() as fake:
        rest = asyncio.run(go(fake))
        deletes = [r for r in fake.requests if r["method"] == "DELETE"]
    [dispose] = [a for a in rest if isinstance(a, DisposeRecording)]
    assert dispose.mode == mode
    assert [(s[1], s[2]) for s in dispose.spans] == [(5000.0, "ssn")]
    assert any(isinstance(a, Audit) and a.event == "recording_exposed" for a in rest)
    if mode == "delete":
        assert [d["path"].rsplit("/", 1)[-1] for d in deletes] == [
            "RE00000000000000000000000000000009.json"
        ]
        assert any(
            isinstance(a, Audit) and a.event == "recording_delete" and a.outcome == "ok"
            for a in rest
        )
    else:
        assert deletes == []
