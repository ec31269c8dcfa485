"""``python -m bench.proxy_relay [--n 5000]``: per-message latency through proxy mode.

One call's caller audio (real Twilio ``media`` messages of speech, a keyed
card and silence) goes through ``guardrail serve`` in proxy mode on loopback
to a sink bot, one message at a time (the next leaves when the bot has the
last, so queueing never counts), and through a bare pass-through relay
built the same way (an aiohttp websocket server, a ``websockets`` client to
the bot, text forwarded as it came). The two alternate in blocks, so a burst
of load hits both. Printed: end-to-end p50/p99 of each in microseconds and
their ratio, the difference (what the guardrail adds), and the proxy's own
measure of the path it adds (``perf_counter_ns`` around parse -> session ->
send, what ``guardrail_added_latency_seconds`` observes).

Everything runs in one process and one event loop (sender, relays, bot), so
both sides carry the same scheduling cost; the numbers are for comparing the
two, not absolute.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import time
from collections.abc import AsyncIterator

import numpy as np
from aiohttp import WSMsgType, web
from twilio.request_validator import RequestValidator
from websockets.asyncio.client import connect
from websockets.asyncio.server import serve

from .paths import material, media_messages

AUTH = "bench-auth-token"


class _Sink:
    """The bot: notes when each caller message arrives."""

    def __init__(self) -> None:
        self.arrived = asyncio.Event()
        self.at = 0

    async def handler(self, ws) -> None:
        async for message in ws:
            if isinstance(message, str) and message.startswith('{"event": "media"'):
                self.at = time.perf_counter_ns()
                self.arrived.set()


@contextlib.asynccontextmanager
async def _site(app: web.Application) -> AsyncIterator[int]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield runner.addresses[0][1]
    finally:
        await runner.cleanup()


def _bare_app(bot_url: str) -> web.Application:
    """A pass-through relay on the same stack: no parsing, no session."""

    async def media(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=2**20)
        await ws.prepare(request)
        async with connect(bot_url, compression=None, proxy=None) as bot:

            async def back() -> None:
                async for m in bot:
                    await ws.send_str(m if isinstance(m, str) else m.decode())

            task = asyncio.create_task(back())
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    await bot.send(msg.data)
            task.cancel()
        return ws

    app = web.Application()
    app.router.add_get("/twilio/media", media)
    return app


class _Recorder:
    """Metrics that also keep each added-latency sample (seconds)."""

    def __init__(self) -> None:
        from guardrail.metrics import Metrics

        self.inner = Metrics()
        self.samples: list[float] = []

    def latency(self, seconds: float) -> None:
        self.samples.append(seconds)
        self.inner.latency(seconds)

    def __getattr__(self, name: str):
        return getattr(self.inner, name)


async def _stream(
    url: str, call_sid: str, signed: bool, sink: _Sink, msgs: list[str], n: int
) -> np.ndarray:
    """Send ``n`` messages one by one; each one's time from sending to the bot (us)."""
    headers = {}
    if signed:
        headers["X-Twilio-Signature"] = RequestValidator(AUTH).compute_signature(url, {})
    out = np.empty(n)
    async with connect(url, additional_headers=headers, compression=None, proxy=None) as ws:
        start = {
            "event": "start",
            "sequenceNumber": "1",
            "start": {
                "accountSid": "AC" + "0" * 32,
                "streamSid": "MZ00000000000000000000000000000000",
                "callSid": call_sid,
                "tracks": ["inbound"],
                "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
                "customParameters": {},
            },
            "streamSid": "MZ00000000000000000000000000000000",
        }
        await ws.send(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
        await ws.send(json.dumps(start))
        for i in range(n):
            sink.arrived.clear()
            t0 = time.perf_counter_ns()
            await ws.send(msgs[i % len(msgs)])
            await sink.arrived.wait()
            out[i] = (sink.at - t0) / 1000.0
        await ws.send(json.dumps({"event": "stop", "streamSid": start["streamSid"]}))
    return out


async def measure(n: int, blocks: int) -> dict[str, float]:
    from guardrail.config import Config
    from guardrail.server import make_app

    os.environ.setdefault("BENCH_TWILIO_SID", "AC" + "0" * 32)
    os.environ.setdefault("BENCH_TWILIO_TOKEN", AUTH)
    msgs = media_messages(material())
    sink = _Sink()
    recorder = _Recorder()
    async with serve(sink.handler, "127.0.0.1", 0, compression=None) as bot_server:
        bot_url = f"ws://127.0.0.1:{next(iter(bot_server.sockets)).getsockname()[1]}/bot"
        config = Config.from_toml(
            f"""
            [twilio]
            account_sid = "env:BENCH_TWILIO_SID"
            auth_token = "env:BENCH_TWILIO_TOKEN"
            [bot]
            url = "{bot_url}"
            """
        )
        guarded_app = make_app(config, metrics=recorder)  # type: ignore[arg-type]
        async with _site(guarded_app) as gport, _site(_bare_app(bot_url)) as bport:
            guarded, bare = [], []
            per = n // blocks
            for b in range(blocks):
                sid = f"CA{b:032d}"
                for port, signed, out in ((gport, True, guarded), (bport, False, bare)):
                    url = f"ws://127.0.0.1:{port}/twilio/media"
                    out.append(await _stream(url, sid, signed, sink, msgs, per))
    g, r = np.concatenate(guarded), np.concatenate(bare)
    inner = np.array(recorder.samples) * 1e6
    return {
        "n": float(len(g)),
        "proxy_p50_us": float(np.percentile(g, 50)),
        "proxy_p99_us": float(np.percentile(g, 99)),
        "bare_p50_us": float(np.percentile(r, 50)),
        "bare_p99_us": float(np.percentile(r, 99)),
        "ratio_p50": float(np.percentile(g, 50) / np.percentile(r, 50)),
        "ratio_p99": float(np.percentile(g, 99) / np.percentile(r, 99)),
        "added_p50_us": float(np.percentile(g, 50) - np.percentile(r, 50)),
        "added_p99_us": float(np.percentile(g, 99) - np.percentile(r, 99)),
        "inner_path_p50_us": float(np.percentile(inner, 50)),
        "inner_path_p99_us": float(np.percentile(inner, 99)),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.proxy_relay", description=__doc__)
    p.add_argument("--n", type=int, default=5000, help="messages per side (default 5000)")
    p.add_argument("--blocks", type=int, default=10, help="alternating blocks (default 10)")
    args = p.parse_args(argv)
    result = asyncio.run(measure(args.n, args.blocks))
    sys.stdout.write(json.dumps({k: round(v, 2) for k, v in result.items()}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
