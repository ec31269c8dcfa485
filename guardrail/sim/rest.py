"""A local stand-in for Twilio's REST API, on loopback, that can fail on purpose.

It records every request (method, path, form fields, the basic-auth user, and
the headers) and answers from a plan: a status code per request (200 by
default), ``"slow"`` (answers after ``slow_s``) or ``"hang"`` (never answers
until the server stops).

Tests that must react to a request -- a call redirect ends the media stream
in real Twilio, so a simulated call should hang up its stream -- set
``on_request`` (called on the server's thread with each record, before the
answer; bridge to asyncio with ``loop.call_soon_threadsafe``) or wait with
:meth:`FakeTwilio.wait_for_requests` instead of sleeping.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import urllib.parse
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeTwilio:
    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.plan: list = []
        self.slow_s = 1.0
        self.on_request: Callable[[dict], None] | None = None
        self._stop = threading.Event()
        self._arrived = threading.Condition()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                auth = self.headers.get("Authorization", "")
                user = ""
                if auth.startswith("Basic "):
                    user = base64.b64decode(auth[6:]).decode().split(":", 1)[0]
                record = {
                    "method": self.command,
                    "path": self.path,
                    "user": user,
                    "form": dict(urllib.parse.parse_qsl(body)),
                    "headers": dict(self.headers.items()),
                }
                with fake._arrived:
                    fake.requests.append(record)
                    fake._arrived.notify_all()
                if fake.on_request is not None:
                    fake.on_request(record)
                step = fake.plan.pop(0) if fake.plan else 200
                if step == "hang":
                    fake._stop.wait(30)
                    return
                if step == "slow":
                    time.sleep(fake.slow_s)
                    step = 200
                status = int(step)
                if self.command == "DELETE" and status == 200:
                    status = 204
                payload = (
                    b""
                    if status == 204
                    else json.dumps(
                        {"sid": "RE00000000000000000000000000000000", "status": "paused"}
                        if status < 400
                        else {"code": 20500, "message": "failure", "status": status}
                    ).encode()
                )
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up on a slow answer, as Twilio's clients do

            do_POST = do_DELETE = do_GET = _answer

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def wait_for_requests(self, n: int, timeout: float = 5.0) -> list[dict]:
        """Block until at least ``n`` requests have arrived; returns them all.

        Raises :class:`TimeoutError` if they have not after ``timeout`` seconds.
        """
        with self._arrived:
            if not self._arrived.wait_for(lambda: len(self.requests) >= n, timeout):
                raise TimeoutError(f"fake Twilio: {len(self.requests)} of {n} requests arrived")
            return list(self.requests)

    def __enter__(self) -> FakeTwilio:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)
