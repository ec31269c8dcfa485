"""Secure sinks: where keyed values go, instead of the bot.

A sink takes a complete keyed value (a card number, already Luhn-checked by
the session) and answers whether it was accepted, with a summary the bot may
hear ("card ending 4242 accepted"). The value never goes anywhere else.

- :class:`DemoSink` keeps nothing but a random token and the last four
  digits: for demos and tests.
- :class:`HttpsSink` posts the value to a tokenization endpoint over HTTPS
  (plain HTTP only on loopback, for tests) and expects
  ``{"accepted": bool, "last4": "4242"}`` back.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

import aiohttp

__all__ = ["DemoSink", "HttpsSink", "sink_for", "summary_for"]


def summary_for(category: str, ok: bool, last4: str | None) -> str:
    """What the bot may learn: the outcome and, for a card, its last four digits."""
    if category == "payment_card":
        if ok and last4:
            return f"card ending {last4} accepted"
        return "card accepted" if ok else "the card was not accepted"
    return "the value was accepted" if ok else "the value was not accepted"


@dataclass
class DemoSink:
    """Accepts every value; remembers a token and the last four digits, nothing more."""

    tokens: list[tuple[str, str]] = field(default_factory=list)

    def check(self, digits: str, category: str) -> tuple[bool, str]:
        last4 = digits[-4:] if len(digits) >= 4 else None
        self.tokens.append((secrets.token_hex(8), last4 or ""))
        return True, summary_for(category, True, last4)

    async def submit(self, digits: str, category: str) -> tuple[bool, str]:
        return self.check(digits, category)


class HttpsSink:
    """Posts values to a tokenization endpoint; never logs or returns them."""

    def __init__(self, url: str, *, timeout_s: float = 4.0) -> None:
        loopback = url.startswith(("http://127.0.0.1", "http://localhost", "http://[::1]"))
        if not url.startswith("https://") and not loopback:
            raise ValueError("a tokenization sink must be https:// (http:// only on loopback)")
        self.url = url
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)

    async def submit(self, digits: str, category: str) -> tuple[bool, str]:
        try:
            async with aiohttp.ClientSession(timeout=self.timeout) as http:
                r = await http.post(self.url, json={"category": category, "value": digits})
                if r.status != 200:
                    return False, summary_for(category, False, None)
                body = await r.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError):
            return False, summary_for(category, False, None)
        ok = isinstance(body, dict) and body.get("accepted") is True
        last4 = body.get("last4") if isinstance(body, dict) else None
        if not (isinstance(last4, str) and len(last4) == 4 and last4.isdigit()):
            last4 = None
        return ok, summary_for(category, ok, last4)


def sink_for(route) -> DemoSink | HttpsSink:
    """The sink a keypad route configures (``sink = "demo"`` or an https:// URL)."""
    return DemoSink() if route.sink == "demo" else HttpsSink(route.sink)
