"""Secure sinks: the demo sink and an HTTPS-style tokenization endpoint on loopback."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import web

from handoff.sink import DemoSink, HttpsSink

CARD = "4111111111111111"


def test_demo_sink_keeps_only_a_token_and_the_last_four():
    sink = DemoSink()
    ok, summary = asyncio.run(sink.submit(CARD, "payment_card"))
    assert (ok, summary) == (True, "card ending 1111 accepted")
    assert all(CARD not in "".join(t) for t in sink.tokens)


async def _with_endpoint(answer, submit):
    seen = []

    async def handler(request):
        seen.append(await request.json())
        status, body = answer
        return web.json_response(body, status=status)

    app = web.Application()
    app.router.add_post("/tokens", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    try:
        return await submit(f"http://127.0.0.1:{port}/tokens"), seen
    finally:
        await runner.cleanup()


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ((200, {"accepted": True, "last4": "1111"}), (True, "card ending 1111 accepted")),
        ((200, {"accepted": False}), (False, "the card was not accepted")),
        ((500, {"error": "x"}), (False, "the card was not accepted")),
        ((200, {"accepted": True, "last4": "41111111"}), (True, "card accepted")),
    ],
)
def test_https_sink(answer, expected):
    result, seen = asyncio.run(
        _with_endpoint(answer, lambda url: HttpsSink(url).submit(CARD, "payment_card"))
    )
    assert result == expected
    assert seen == [{"category": "payment_card", "value": CARD}]


def test_https_sink_refuses_plain_http_off_loopback():
    with pytest.raises(ValueError, match="https://"):
        HttpsSink("http://tokens.example.com/v1")


def test_sink_for_a_keypad_route():
    import tomllib

    from handoff.routes import load_routes
    from handoff.sink import sink_for

    routes = load_routes(
        tomllib.loads(
            '[routes.a]\nkind = "keypad"\n[routes.b]\nkind = "keypad"\n'
            'sink = "https://tokens.example.com/v1"\n'
        )["routes"]
    )
    assert isinstance(sink_for(routes["a"]), DemoSink)
    assert sink_for(routes["b"]).url == "https://tokens.example.com/v1"
