"""The Twilio control client: the real twilio library against a local stand-in."""

from __future__ import annotations

import asyncio
import random

import pytest

from guardrail.sim.rest import FakeTwilio
from handoff.control import ScopeError, TwilioControl

AC = "AC00000000000000000000000000000001"
CA = "CA00000000000000000000000000000001"
ALL = {"recording:pause", "recording:resume", "call:redirect", "recording:delete"}


def control(fake, scopes=ALL, creds=("SK_test_key", "test-secret"), **kw):
    holder = {"creds": creds}
    c = TwilioControl(
        AC, lambda: holder["creds"], scopes, base_url=fake.url, rng=random.Random(1), **kw
    )
    return c, holder


def test_pause_resume_and_redirect_reach_twilio_as_twilio_expects():
    with FakeTwilio() as fake:
        c, _ = control(fake)
        assert asyncio.run(c.pause_recording(CA)).ok
        assert asyncio.run(c.resume_recording(CA)).ok
        assert asyncio.run(c.redirect(CA, "<Response><Say>hi</Say></Response>")).ok
        assert asyncio.run(c.delete_recording("RE00000000000000000000000000000002")).ok
    pause, resume, redirect, delete = fake.requests
    assert pause["path"] == f"/2010-04-01/Accounts/{AC}/Calls/{CA}/Recordings/Twilio.CURRENT.json"
    assert pause["form"] == {"Status": "paused", "PauseBehavior": "silence"}
    assert resume["form"] == {"Status": "in-progress"}
    assert redirect["path"] == f"/2010-04-01/Accounts/{AC}/Calls/{CA}.json"
    assert redirect["form"]["Twiml"].startswith("<Response>")
    assert delete["method"] == "DELETE"
    assert {r["user"] for r in fake.requests} == {"SK_test_key"}


def test_operations_outside_the_scopes_are_refused_before_any_request():
    with FakeTwilio() as fake:
        c, _ = control(fake, scopes={"recording:pause"})
        with pytest.raises(ScopeError, match="call:redirect"):
            asyncio.run(c.redirect(CA, "<Response/>"))
        with pytest.raises(ScopeError):
            asyncio.run(c.delete_recording("RE1"))
    assert fake.requests == []
    with pytest.raises(ScopeError, match="unknown scopes"):
        TwilioControl(AC, lambda: ("u", "p"), {"account:everything"})


def test_500_and_429_are_retried_with_backoff():
    with FakeTwilio() as fake:
        fake.plan = [500, 429, 200]
        c, _ = control(fake, backoff_s=0.01)
        out = asyncio.run(c.pause_recording(CA))
    assert (out.ok, out.attempts) == (True, 3)
    assert len(fake.requests) == 3


def test_client_errors_are_final_and_reported_without_content():
    with FakeTwilio() as fake:
        fake.plan = [404]
        c, _ = control(fake, backoff_s=0.01)
        out = asyncio.run(c.redirect(CA, "<Response><Say>4111 1111 1111 1111</Say></Response>"))
    assert (out.ok, out.attempts, out.reason) == (False, 1, "http 404")
    assert "4111" not in repr(out)


def test_a_twilio_that_never_answers_ends_at_the_deadline():
    with FakeTwilio() as fake:
        fake.plan = ["hang"] * 10
        c, _ = control(fake, timeout_s=0.3, deadline_s=0.6, backoff_s=0.01)
        out = asyncio.run(c.pause_recording(CA))
    assert not out.ok
    assert out.reason in ("timeout", "deadline")
    assert len(fake.requests) >= 1


def test_rotated_credentials_are_used_on_the_next_request():
    with FakeTwilio() as fake:
        c, holder = control(fake)
        asyncio.run(c.pause_recording(CA))
        holder["creds"] = ("SK_rotated", "new-secret")
        asyncio.run(c.resume_recording(CA))
    assert [r["user"] for r in fake.requests] == ["SK_test_key", "SK_rotated"]


def test_a_slow_twilio_is_retried_within_the_deadline():
    with FakeTwilio() as fake:
        fake.slow_s = 0.5
        fake.plan = ["slow", 200]
        c, _ = control(fake, timeout_s=0.2, deadline_s=3.0, backoff_s=0.01)
        out = asyncio.run(c.pause_recording(CA))
    assert out.ok
    assert out.attempts == 2


_NO_IMPORTS_ON_THE_LOOP = r"""
import asyncio, random, sys
from guardrail.sim.rest import FakeTwilio
from handoff.control import TwilioControl
AC, CA = "AC" + "0" * 31 + "1", "CA" + "0" * 31 + "1"
scopes = {"recording:pause", "recording:resume", "call:redirect", "recording:delete"}
with FakeTwilio() as fake:
    c = TwilioControl(AC, lambda: ("SK_k", "s"), scopes, base_url=fake.url,
                      rng=random.Random(1), backoff_s=0.01, timeout_s=0.3)
    before = set(sys.modules)
    fake.plan = [500, 200, 404, "hang", 200]
    async def calls():
        return [await c.pause_recording(CA), await c.resume_recording(CA),
                await c.redirect(CA, "<Response/>"), await c.delete_recording("RE" + "0" * 32)]
    outs = asyncio.run(calls())
    print([o.ok for o in outs])
    print(sorted(set(sys.modules) - before))
"""


def test_a_control_request_imports_nothing_on_the_event_loop():
    """The first pause of a process ran ~100 of the library's lazy imports on the
    event loop (40-60 ms with every call's media stalled); they happen when the
    control client is built. A fresh interpreter, since this one has them."""
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", _NO_IMPORTS_ON_THE_LOOP], capture_output=True, text=True,
        timeout=60, check=True,
    ).stdout.splitlines()  # fmt: skip
    assert out[0] == "[True, False, True, True]"
    assert out[1] == "[]"
