"""``guardrail serve``: the Twilio webhooks, signature-checked.

Paths (DESIGN.md): ``POST /twilio/voice`` answers the incoming call with
``<Connect><Stream>`` to this server; ``POST /twilio/return`` is where a
secure path or a human leg sends the caller back (``<Connect><Stream>`` with
a single-use resume token, keyed on the CallSid); ``POST /twilio/status``
takes status callbacks (the recording SID to pause); ``GET /healthz``.
``WS /twilio/media`` checks the upgrade's signature; the media stream itself
joins in a later issue. Every ``/twilio/*`` request without a valid
``X-Twilio-Signature`` gets 403 before anything else happens.

This module is an adapter: it checks, translates and answers. Decisions are
the session's and the policy's.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from aiohttp import web

from handoff.resume import ResumeTokens
from handoff.signatures import public_url, signature_ok
from handoff.twiml import back_to_bot

from .config import Config
from .secrets import SecretError

__all__ = ["make_app"]

_MAX_BODY = 64 * 1024
STATE: web.AppKey = web.AppKey("guardrail", object)


def make_app(config: Config, *, clock: Callable[[], float] = time.monotonic) -> web.Application:
    """The aiohttp application for ``config``."""
    state = _State(config, clock)
    app = web.Application(client_max_size=_MAX_BODY)
    app[STATE] = state
    app.router.add_post("/twilio/voice", state.voice)
    app.router.add_post("/twilio/return", state.back)
    app.router.add_post("/twilio/status", state.status)
    app.router.add_get("/twilio/media", state.media)
    app.router.add_get("/healthz", state.healthz)
    return app


class _State:
    def __init__(self, config: Config, clock: Callable[[], float]) -> None:
        self.config = config
        self.clock = clock
        self.tokens = ResumeTokens()
        self.recordings: dict[str, str] = {}
        self.calls: dict = {}  # CallSid -> handoff.controller.CallController

    def _url(self, request: web.Request, *, websocket: bool = False) -> str:
        return public_url(
            request.path_qs,
            request.headers,
            scheme=request.scheme,
            host=request.host,
            trust_forwarded=self.config.trust_forwarded,
            websocket=websocket,
        )

    async def _verified_form(self, request: web.Request) -> dict[str, str] | None:
        """The form fields if the signature is Twilio's, else ``None`` (-> 403)."""
        try:
            form = await request.post()
        except (ValueError, web.HTTPException):
            return None
        params = {k: v for k, v in form.items() if isinstance(v, str)}
        if not self._signed(request, params):
            return None
        return params

    def _signed(self, request: web.Request, params: dict, *, websocket: bool = False) -> bool:
        if self.config.auth_token is None:
            return False
        try:
            token = self.config.auth_token.value()  # read per request: rotation-safe
        except SecretError:
            return False
        url = self._url(request, websocket=websocket)
        return signature_ok(token, url, params, request.headers.get("X-Twilio-Signature"))

    def _stream_url(self, request: web.Request) -> str:
        base = self._url(request, websocket=True)
        return base.split("/twilio/")[0] + "/twilio/media"

    async def voice(self, request: web.Request) -> web.StreamResponse:
        form = await self._verified_form(request)
        if form is None:
            return web.Response(status=403, text="forbidden\n")
        call_sid = form.get("CallSid", "")
        token = self.tokens.issue(call_sid, self.clock())
        return _twiml(back_to_bot(self._stream_url(request), token))

    async def back(self, request: web.Request) -> web.StreamResponse:
        form = await self._verified_form(request)
        if form is None:
            return web.Response(status=403, text="forbidden\n")
        call_sid = form.get("CallSid", "")
        controller = self.calls.get(call_sid)
        if controller is not None:
            next_leg = await controller.returned(form)
            if next_leg is not None:
                return _twiml(next_leg)  # the next fallback target
        token = self.tokens.issue(call_sid, self.clock())
        return _twiml(back_to_bot(self._stream_url(request), token))

    async def status(self, request: web.Request) -> web.StreamResponse:
        form = await self._verified_form(request)
        if form is None:
            return web.Response(status=403, text="forbidden\n")
        call_sid, rec = form.get("CallSid", ""), form.get("RecordingSid", "")
        if call_sid and rec.startswith("RE"):
            self.recordings[call_sid] = rec[:64]
            controller = self.calls.get(call_sid)
            if controller is not None:
                controller.recording_sid = rec[:64]
        return web.Response(status=204)

    async def media(self, request: web.Request) -> web.StreamResponse:
        if not self._signed(request, {}, websocket=True):
            return web.Response(status=403, text="forbidden\n")
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.close(code=1013, message=b"media stream handling is not enabled yet")
        return ws

    async def healthz(self, request: web.Request) -> web.StreamResponse:
        return web.Response(text="ok\n")


def _twiml(xml: str) -> web.Response:
    return web.Response(text=xml, content_type="text/xml")


def run(config: Config, host: str, port: int) -> None:
    """Serve until interrupted."""
    web.run_app(make_app(config), host=host, port=port, print=None)
