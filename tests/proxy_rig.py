"""The proxy test rig: a real ``guardrail serve`` app between a simulated Twilio and a bot.

Everything is real and on loopback: the aiohttp server with its signature
checks, the ``websockets`` connection to :class:`guardrail.sim.bot.ScriptedBot`,
:class:`guardrail.sim.twilio.TwilioCall` as Twilio's media stream and webhooks, and
:class:`guardrail.sim.rest.FakeTwilio` as Twilio's REST API. Tests wait for
conditions with timeouts (:func:`wait_until`), never for a fixed time, and
everything is stopped before a test returns (:func:`run` fails a test that
leaves a task running).

:func:`assert_clean` is the search every proxy test ends with: no value the
test fed in (card numbers in any grouping, SSNs) in any log record, the
metrics page, or any message the bot received.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

import aiohttp
from aiohttp import web

from guardrail.config import Config
from guardrail.metrics import Metrics
from guardrail.server import STATE, make_app
from guardrail.sim.bot import ScriptedBot
from guardrail.sim.rest import FakeTwilio
from guardrail.sim.twilio import TwilioCall, parse_connect_stream, post_webhook, voice_form
from handoff.control import TwilioControl

AC = "AC00000000000000000000000000000001"
AUTH = "proxy-auth-token-0000"
CARD = "4111111111111111"
SSN = "078-05-1123"
T = TypeVar("T")

CONFIG = """
[twilio]
account_sid = "env:TWILIO_ACCOUNT_SID"
auth_token = "env:TWILIO_AUTH_TOKEN"
api_base_url = "{fake}"
scopes = ["recording:pause", "recording:resume", "call:redirect", "recording:delete"]

[bot]
url = "{bot}"

[store]
url = "{store}"

[routes.secure_card]
kind = "keypad"
sink = "demo"

[routes.pay]
kind = "pay"

[routes.human]
kind = "human"
targets = ["+1 415 555 0100", "sip:agents@pbx.example.com", "queue:support"]

[policy.payment_card]
on_request = "secure_path"
on_disclosure = "{card_disclosure}"
route = "{card_route}"

[policy.ssn]
on_request = "handoff"
on_disclosure = "redact"
route = "human"

[policy.pin]
on_request = "block"
on_disclosure = "redact"
"""


def config_text(
    fake_url: str,
    bot_url: str,
    *,
    card_route: str = "secure_card",
    store: str = "",
    card_disclosure: str = "secure_path",
) -> str:
    text = CONFIG.format(
        fake=fake_url,
        bot=bot_url,
        card_route=card_route,
        store=store,
        card_disclosure=card_disclosure,
    )
    return text if store else text.replace('[store]\nurl = ""\n', "")


def run(make: Callable[[], Awaitable[T]], timeout: float = 60.0) -> T:
    """Run one test body on a fresh loop; fail if it leaves a task running."""

    async def body() -> T:
        result = await asyncio.wait_for(make(), timeout)
        leftover = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        assert leftover == [], f"tasks left running: {leftover}"
        return result

    return asyncio.run(body())


async def wait_until(predicate: Callable[[], bool], timeout: float = 5.0, what: str = "") -> None:
    """Poll ``predicate`` until it holds; past ``timeout``, TimeoutError naming ``what``."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not predicate():
        if loop.time() > end:
            raise TimeoutError(f"timed out waiting for {what or predicate}")
        await asyncio.sleep(0.005)


@dataclass
class Rig:
    """A running guardrail in proxy mode and what surrounds it."""

    base: str
    app: web.Application
    bot: ScriptedBot
    fake: FakeTwilio
    metrics: Metrics

    @property
    def state(self) -> Any:
        return self.app[STATE]

    @property
    def stream_url(self) -> str:
        return "ws" + self.base[len("http") :] + "/twilio/media"

    async def webhook(self, path: str, form: dict[str, str]) -> tuple[int, str]:
        """POST ``form`` signed, as Twilio does: every webhook of Twilio's names the account."""
        return await post_webhook(self.base, path, {"AccountSid": AC, **form}, AUTH)

    async def call(self, call_sid: str, **kwargs: Any) -> TwilioCall:
        """A call as Twilio places it: the voice webhook, then its ``<Connect><Stream>``."""
        status, body = await self.webhook("/twilio/voice", voice_form(call_sid))
        assert status == 200, (status, body)
        url, params = parse_connect_stream(body)
        assert params == {}  # a call's first stream carries no resume token
        return await TwilioCall.connect(
            url, AUTH, call_sid=call_sid, custom_parameters=params, **kwargs
        )

    async def comes_back(self, call_sid: str, form: dict[str, str]) -> TwilioCall:
        """The return webhook fires; the caller comes back on the stream it answers."""
        status, body = await self.webhook("/twilio/return", {"CallSid": call_sid, **form})
        assert status == 200, (status, body)
        url, params = parse_connect_stream(body)
        assert set(params) == {"guardrail_resume"}
        return await TwilioCall.connect(url, AUTH, call_sid=call_sid, custom_parameters=params)

    async def metrics_text(self) -> str:
        async with aiohttp.ClientSession() as http, http.get(self.base + "/metrics") as r:
            assert r.status == 200
            return await r.text()

    def session(self, call_sid: str) -> Any:
        return self.state.calls[call_sid].session


@contextlib.asynccontextmanager
async def rig(
    bot: ScriptedBot,
    fake: FakeTwilio,
    *,
    card_route: str = "secure_card",
    extra: str = "",
    twilio: TwilioControl | None = None,
    bot_url: str | None = None,
    store_path: str | None = None,
    card_disclosure: str = "secure_path",
) -> AsyncIterator[Rig]:
    """Serve ``bot`` and a guardrail in front of it for the ``async with`` block
    (``twilio``: a Twilio client with other timings than the config's;
    ``bot_url``: put another bot, served elsewhere, behind the guardrail;
    ``store_path``: an audit store file for ``[store] url``;
    ``card_disclosure``: what a disclosed card number does, by policy)."""
    async with bot.serve():
        url = bot_url or bot.url
        store = f"sqlite:///{store_path}" if store_path else ""
        config = Config.from_toml(
            config_text(
                fake.url, url, card_route=card_route, store=store, card_disclosure=card_disclosure
            )
            + extra
        )
        metrics = Metrics()
        app = make_app(config, metrics=metrics, twilio=twilio)
        runner = web.AppRunner(app)
        await runner.setup()
        try:
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            port = runner.addresses[0][1]
            yield Rig(f"http://127.0.0.1:{port}", app, bot, fake, metrics)
        finally:
            await runner.cleanup()


def _grouped(digits: str) -> re.Pattern[str]:
    """``digits`` in any grouping: any of space, dash, dot, slash or comma between them."""
    return re.compile(r"[\s\-./,]{0,3}".join(digits))


LEAKS = (_grouped(CARD), _grouped(CARD[:8]), _grouped(SSN.replace("-", "")))


def bot_texts(bot: ScriptedBot) -> list[str]:
    """Every message the bot received, media payloads left out (they are audio)."""
    out = []
    for conn in bot.all_connections:
        for m in conn.messages:
            if m.get("event") == "media":
                m = {**m, "media": {k: v for k, v in m["media"].items() if k != "payload"}}
            out.append(json.dumps(m))
        out += [repr(x) for x in conn.malformed]
    return out


_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message"}


def record_texts(records: Iterable[logging.LogRecord]) -> list[str]:
    """Each log record as everything a handler could write: the message with its
    arguments, the traceback, and every extra attribute (``fields`` among them)."""
    out = []
    for r in records:
        out.append(r.getMessage())
        if r.exc_info or r.exc_text:
            out.append(logging.Formatter().formatException(r.exc_info) if r.exc_info else "")
            out.append(str(r.exc_text or ""))
        out.append(repr({k: v for k, v in r.__dict__.items() if k not in _STANDARD}))
    return out


def assert_clean(*texts: Iterable[str] | str) -> None:
    """No value fed in by a test appears in any of ``texts``, in any grouping."""
    for group in texts:
        for text in [group] if isinstance(group, str) else group:
            for pattern in LEAKS:
                assert not pattern.search(text), f"a fed-in value leaked: {pattern.pattern}"


# -- ``guardrail serve`` as a child process ---------------------------------------------


class ServeProcess:
    """``guardrail serve --config F --port 0`` as a child process; its stderr (JSON
    Lines) collected as it comes. Stop it with :meth:`stop` (SIGTERM: it drains)."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.lines: list[dict] = []
        self.raw: list[str] = []
        self._changed = asyncio.Event()
        self._reader = asyncio.create_task(self._read())
        self.base = ""

    @classmethod
    async def start(cls, config_path: str, env: dict[str, str]) -> ServeProcess:
        """Start it and wait for its startup line; :attr:`base` is where it listens."""
        import os
        import sys

        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "guardrail.cli",
            "serve",
            "--config",
            config_path,
            "--port",
            "0",
            stderr=asyncio.subprocess.PIPE,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **env},
        )
        server = cls(proc)
        try:
            started = await server.line("guardrail serving", timeout=30)
        except BaseException:
            await server.kill()
            raise
        server.base = f"http://127.0.0.1:{started['port']}"
        return server

    async def _read(self) -> None:
        assert self.proc.stderr is not None
        async for line in self.proc.stderr:
            text = line.decode("utf-8", "replace")
            self.raw.append(text)
            with contextlib.suppress(ValueError):
                obj = json.loads(text)
                if isinstance(obj, dict):
                    self.lines.append(obj)
            self._changed.set()
        self._changed.set()

    def audits(self, event: str | None = None) -> list[dict]:
        """The audit lines it logged (their fields), of ``event`` if given."""
        out = [o for o in self.lines if o.get("msg") == "audit"]
        return [o for o in out if event is None or o.get("event") == event]

    async def line(self, msg: str, timeout: float = 10.0, **match: object) -> dict:
        """The first log line with ``msg`` (and the fields in ``match``); waits for it."""
        async with asyncio.timeout(timeout):
            while True:
                for obj in self.lines:
                    if obj.get("msg") == msg and all(obj.get(k) == v for k, v in match.items()):
                        return obj
                if self._reader.done():
                    raise AssertionError("server exited: " + "".join(self.raw[-20:]))
                self._changed.clear()
                await self._changed.wait()

    async def stop(self, timeout: float = 20.0) -> int:
        """SIGTERM, then its exit code (killed if it does not exit in ``timeout``)."""
        import signal

        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = await asyncio.wait_for(self.proc.wait(), timeout)
        finally:
            await self.kill()
        return code

    async def kill(self) -> None:
        if self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()
        await self._reader
