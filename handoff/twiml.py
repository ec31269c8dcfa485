"""TwiML for handoffs, built with twilio's own ``VoiceResponse``.

- :func:`pay` redirects the caller to ``<Pay>``, whose ``action`` brings
  them back;
- :func:`dial` rings a human route's targets in order (the ``action`` URL is
  called when a leg ends, so the next target or the return can follow), or
  enqueues the caller;
- :func:`back_to_bot` answers the incoming call with ``<Connect><Stream>``,
  and the return webhook with the same carrying a single-use resume token as
  a ``<Parameter>``;
- :func:`hang_up` ends a call that cannot go on.

No value ever goes into TwiML: ``<Say>`` texts come from configuration.
"""

from __future__ import annotations

from twilio.twiml.voice_response import Connect, Dial, Stream, VoiceResponse

from .routes import HumanRoute, PayRoute

__all__ = ["back_to_bot", "dial", "hang_up", "pay"]


def pay(
    route: PayRoute, *, action: str, status_callback: str | None = None, say: str | None = None
) -> str:
    """``<Pay>`` for ``route``; ``action`` is where Twilio returns the caller."""
    r = VoiceResponse()
    if say:
        r.say(say)
    r.pay(
        action=action,
        payment_connector=route.payment_connector,
        charge_amount=route.charge_amount or "0",
        currency=route.currency,
        token_type=None if route.charge_amount else "reusable",
        valid_card_types=" ".join(route.valid_card_types),
        security_code=route.security_code,
        postal_code=route.postal_code,
        timeout=route.timeout_s,
        max_attempts=route.max_attempts,
        status_callback=status_callback,
    )
    return str(r)


def dial(route: HumanRoute, *, action: str, attempt: int = 0, say: str | None = None) -> str:
    """Ring target ``attempt`` of ``route`` (the ordered fallbacks, one per leg)."""
    target = route.targets[attempt]
    r = VoiceResponse()
    if say:
        r.say(say)
    if target.kind == "queue":
        r.enqueue(target.address, action=action)
        return str(r)
    d = Dial(action=action, timeout=route.ring_timeout_s, caller_id=route.caller_id)
    if target.kind == "sip":
        d.sip(target.address)
    else:
        d.number(target.address)
    r.append(d)
    return str(r)


def back_to_bot(stream_url: str, resume_token: str | None, *, say: str | None = None) -> str:
    """``<Connect><Stream>`` to the guardrail, with the resume token of a
    returning caller (``None``: a call's first stream, which needs none)."""
    loopback = stream_url.startswith(("ws://127.0.0.1", "ws://localhost", "ws://[::1]"))
    if not stream_url.startswith("wss://") and not loopback:
        raise ValueError("the media stream URL must be wss:// (ws:// only on loopback)")
    r = VoiceResponse()
    if say:
        r.say(say)
    c = Connect()
    s = Stream(url=stream_url)
    if resume_token is not None:
        s.parameter(name="guardrail_resume", value=resume_token)
    c.append(s)
    r.append(c)
    return str(r)


def hang_up() -> str:
    """``<Hangup/>``: the answer for a caller returning to a call that is already over."""
    r = VoiceResponse()
    r.hangup()
    return str(r)
