"""Signatures and resume tokens (groundwork for the webhooks of issue 5)."""

from __future__ import annotations

from twilio.request_validator import RequestValidator

from handoff.resume import ResumeTokens
from handoff.signatures import public_url, signature_ok

TOKEN = "test-auth-token-0000"


def sign(url, params):
    return RequestValidator(TOKEN).compute_signature(url, params)


def test_signed_requests_pass_and_forged_ones_fail():
    url = "https://gr.example.com/twilio/voice"
    params = {"CallSid": "CA1", "From": "+14155550100"}
    good = sign(url, params)
    assert signature_ok(TOKEN, url, params, good)
    assert not signature_ok(TOKEN, url, {**params, "From": "+14155550101"}, good)
    assert not signature_ok(TOKEN, url, params, None)
    assert not signature_ok(TOKEN, url, params, "")
    assert not signature_ok("other-token", url, params, good)
    assert not signature_ok(TOKEN, "https://gr.example.com/twilio/status", params, good)


def test_forwarded_headers_only_when_trusted():
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "gr.example.com"}
    seen = {"scheme": "http", "host": "10.0.0.5:8080"}
    assert public_url("/twilio/voice", headers, **seen) == "http://10.0.0.5:8080/twilio/voice"
    assert (
        public_url("/twilio/voice", headers, **seen, trust_forwarded=True)
        == "https://gr.example.com/twilio/voice"
    )
    assert (
        public_url("/twilio/media", headers, **seen, trust_forwarded=True, websocket=True)
        == "wss://gr.example.com/twilio/media"
    )
    # a forged proto that is not http(s) is ignored
    assert public_url(
        "/x", {"X-Forwarded-Proto": "gopher"}, **seen, trust_forwarded=True
    ).startswith("http://")


def test_websocket_upgrade_signature_over_wss_url():
    url = public_url("/twilio/media", {}, scheme="https", host="gr.example.com", websocket=True)
    assert signature_ok(TOKEN, url, {}, sign(url, {}))


def test_resume_tokens_are_single_use_per_call_and_expire():
    tokens = ResumeTokens(ttl_s=60)
    t = tokens.issue("CA1", now=0.0)
    assert not tokens.redeem(t, "CA2", now=1.0)  # wrong call: and now it is spent
    t = tokens.issue("CA1", now=0.0)
    assert tokens.redeem(t, "CA1", now=1.0)
    assert not tokens.redeem(t, "CA1", now=2.0)  # single use
    t = tokens.issue("CA1", now=0.0)
    assert not tokens.redeem(t, "CA1", now=61.0)  # expired
    old = tokens.issue("CA3", now=0.0)
    new = tokens.issue("CA3", now=1.0)
    assert not tokens.redeem(old, "CA3", now=2.0)  # superseded
    assert tokens.redeem(new, "CA3", now=2.0)
    tokens.issue("CA4", now=0.0)
    assert tokens.expire(now=100.0) == 1
    assert not tokens.redeem(None, "CA1", now=0.0)  # type: ignore[arg-type]
