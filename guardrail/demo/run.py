"""The demo's two calls, and the checks that decide its exit code.

Call 1 (every protection works):

1. the caller presses 1 at the menu (a short keyed choice reaches the bot) and
   says they want to pay a bill;
2. the bot asks for the card number; the guardrail judges the words before
   they are spoken, pauses the Twilio recording (confirmed by the REST
   stand-in), and redirects the call to Twilio ``<Pay>``; the bot's question
   never reaches the caller's ear;
3. the simulated Twilio ends the stream (as Twilio does on a redirect),
   plays ``<Pay>`` and posts its result to ``/twilio/return``; the caller
   comes back on a new stream joined to the same bot connection; the
   recording resumes; the bot is told "card ending 1111 accepted" and goes on;
4. later the caller blurts out a social security number: the bot receives
   only the redacted transcript, the audit says the recording had already
   heard it (marked for remediation after the call), and the local
   recording is silenced where the number was spoken (word timings from the
   bot's speech-to-text).

Call 2 (fail closed): Twilio refuses the recording pause (401). The caller
hears one consistent thing (the guardrail's "can't take card details right
now"), nothing stays muted, the audit says the pause was refused (never
"confirmed"), and when the caller keys their card number anyway the digits
never reach the bot and the keypad tones never reach the recording.

Then: the audit chain verifies, no value appears in the logs, the audit
export, the transcripts at rest or anything the bot received, and the
per-frame time the guardrail added is measured. ``run`` returns the
checks; ``guardrail demo`` exits 0 only if every one passed.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import re
import socket
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from aiohttp import web

from audio.dtmf import DtmfDetector, KeyUp
from audio.wav import read_wav

from ..audit import AuditStore
from ..config import Config
from ..logs import configure_logging
from ..metrics import Metrics
from ..server import STATE, make_app
from ..sim.bot import BotConnection, ScriptedBot
from ..sim.rest import FakeTwilio
from ..sim.twilio import TwilioCall, parse_connect_stream, post_webhook, voice_form
from ..transcripts import TranscriptStore

__all__ = ["Check", "DemoResult", "run"]

AUDIO = Path(__file__).resolve().parent / "audio"
ACCOUNT = "AC" + "d" * 32
AUTH = "demo-auth-token-not-a-secret"
CALL_1 = "CA" + "1" * 32
CALL_2 = "CA" + "2" * 32
RECORDING = "RE" + "d" * 32
CARD = "4111111111111111"  # the public Visa test card
SSN = "123-45-6789"  # what the caller says in ssn.wav (a made-up number)
PAID = {
    "Result": "success",
    "PaymentCardNumber": "xxxx-xxxx-xxxx-1111",
    "PaymentCardType": "visa",
    "PaymentToken": "demo-token",
}

GREETING = "Thanks for calling Northwind Power. For billing, press 1."
ASK_CARD = "Sure, I can take a card payment. What's the card number?"
GOING_ON = "Thanks, your payment is done. Is there anything else?"
NO_NEED = "Thanks, I don't need that. Have a good day!"
ASK_CARD_2 = "Of course. What's the new card number?"

CONFIG = """
[twilio]
account_sid = "env:GUARDRAIL_DEMO_ACCOUNT_SID"
auth_token = "env:GUARDRAIL_DEMO_AUTH_TOKEN"
api_base_url = "{fake}"
scopes = ["recording:pause", "recording:resume", "call:redirect"]

[server]
public_url = "{public}"

[bot]
url = "{bot}"

[store]
url = "sqlite:///{store}"

[retention]
recordings_dir = "{recordings}"

[routes.pay]
kind = "pay"
payment_connector = "Default"
valid_card_types = ["visa", "mastercard", "amex"]

[routes.secure_card]
kind = "keypad"
sink = "demo"

[routes.human]
kind = "human"
targets = ["queue:support"]

[policy.payment_card]
on_request = "secure_path"
on_disclosure = "secure_path"
route = "pay"

[policy.ssn]
on_request = "handoff"
on_disclosure = "redact"
route = "human"
"""


@dataclass(frozen=True, slots=True)
class Check:
    """One protection the demo expects, and whether it happened."""

    call: str
    name: str
    ok: bool
    detail: str = ""


@dataclass
class DemoResult:
    out: Path
    checks: list[Check] = field(default_factory=list)
    timeline: dict[str, list[dict]] = field(default_factory=dict)
    latency_us: dict[str, float] = field(default_factory=dict)
    marks: dict[str, dict[str, Any]] = field(default_factory=dict)
    bot_view: dict[str, list[str]] = field(default_factory=dict)
    """Per call, what the bot received besides audio: transcripts, keys, notices."""

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)


class _Timed(Metrics):
    """The server's metrics, keeping every added-latency sample for the report."""

    def __init__(self) -> None:
        super().__init__()
        self.samples: list[float] = []

    def latency(self, seconds: float) -> None:
        self.samples.append(seconds)
        super().latency(seconds)


def _wav_pcm(name: str) -> np.ndarray:
    pcm, _ = read_wav(AUDIO / f"{name}.wav")
    return pcm


def _lines() -> dict[str, Any]:
    return json.loads((AUDIO / "lines.json").read_text())


def _words(name: str, t0: float) -> tuple[str, list[dict]]:
    """The transcript of line ``name`` and its word timings from ``t0`` (stream ms),
    as a speech-to-text reports them: words spread over their piece's span."""
    line = _lines()[name]
    if name != "ssn":
        return line["text"], []
    value = line["values"][0]
    before = ["oh", "and", "my", "social", "is"]
    after = ["in", "case", "you", "need", "it"]
    words: list[dict] = []

    def spread(ws: list[str], a: float, b: float) -> None:
        step = (b - a) / len(ws)
        for i, w in enumerate(ws):
            words.append(
                {"word": w, "start_ms": t0 + a + i * step, "end_ms": t0 + a + (i + 1) * step - 20}
            )

    spread(before, 0.0, value["start_ms"] - 120)
    words.append({"word": SSN, "start_ms": t0 + value["start_ms"], "end_ms": t0 + value["end_ms"]})
    spread(after, value["end_ms"] + 120, line["ms"] - 120)
    return f"oh and my social is {SSN} in case you need it", words


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Demo:
    def __init__(self, out: Path, say: Callable[[str], None]) -> None:
        self.out = out
        self.say = say
        self.result = DemoResult(out)
        self.fake = FakeTwilio()
        self.bot = ScriptedBot([GREETING], speak_says=True)
        self.metrics = _Timed()
        self.redirects: asyncio.Queue[dict] = asyncio.Queue()
        self.loop = asyncio.get_running_loop()
        self.base = ""
        self.app: web.Application | None = None

    def check(self, call: str, name: str, ok: bool, detail: str = "") -> bool:
        self.result.checks.append(Check(call, name, bool(ok), detail))
        self.say(f"  [{'ok' if ok else 'FAILED'}] {name}" + (f": {detail}" if detail else ""))
        return bool(ok)

    # -- the simulated Twilio ---------------------------------------------------------

    def _on_rest(self, record: dict) -> None:
        """The REST stand-in's hook (its thread): a redirect is acted on as Twilio does."""
        if record["method"] == "POST" and "Twiml" in record["form"]:
            self.loop.call_soon_threadsafe(self.redirects.put_nowait, record)

    async def webhook(self, path: str, form: dict[str, str]) -> tuple[int, str]:
        return await post_webhook(self.base, path, {"AccountSid": ACCOUNT, **form}, AUTH)

    async def ring(self, call_sid: str) -> TwilioCall:
        form = voice_form(call_sid, account_sid=ACCOUNT)
        status, body = await self.webhook("/twilio/voice", form)
        if status != 200:
            raise RuntimeError(f"the voice webhook answered {status}")
        url, params = parse_connect_stream(body)
        call = await TwilioCall.connect(
            url, AUTH, call_sid=call_sid, account_sid=ACCOUNT, custom_parameters=params
        )
        await self.webhook(
            "/twilio/status",
            {"CallSid": call_sid, "CallStatus": "in-progress", "RecordingSid": RECORDING},
        )
        return call

    def session(self, call_sid: str):
        assert self.app is not None
        return self.app[STATE].calls[call_sid].session

    def offset(self, call_sid: str) -> float:
        assert self.app is not None
        leg = self.app[STATE].calls[call_sid].leg
        return leg.offset if leg is not None else 0.0

    async def until(self, predicate: Callable[[], bool], what: str, timeout: float = 10.0) -> bool:
        end = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > end:
                self.say(f"  (timed out waiting for {what})")
                return False
            await asyncio.sleep(0.01)
        return True

    async def speak(self, call: TwilioCall, conn: BotConnection, name: str) -> float:
        """The caller says line ``name``; the bot's STT hears it; returns its stream start."""
        t0 = call.timestamp_ms + self.offset(call.call_sid)
        said = await call.send_audio(_wav_pcm(name))
        await self.until(lambda: conn.received_audio.endswith(said), "the bot to hear the caller")
        text, words = _words(name, t0)
        await self.bot.hear(call.call_sid, text, words=words)
        return t0

    async def bot_says(self, conn: BotConnection, call: TwilioCall, text: str) -> None:
        n = len(conn.utterances)
        await self.bot.say(call.call_sid, text)
        await self.until(lambda: len(conn.utterances) > n and conn.utterances[n].done, "the bot")

    # -- call 1 --------------------------------------------------------------------

    async def call_one(self) -> None:
        c = "call 1"
        self.say("call 1: the caller pays by card on the secure path, then blurts out an SSN")
        twilio = await self.ring(CALL_1)
        conn = await self.bot.connection(CALL_1)
        await self.until(lambda: bool(conn.utterances) and conn.utterances[0].done, "greeting")
        await twilio.send_keyed("1")
        self.check(c, "a menu choice (one key) reaches the bot", await self.until(
            lambda: conn.received_dtmf == ["1"], "the menu key"), "dtmf 1")  # fmt: skip
        await self.speak(twilio, conn, "bill")
        self.say("  the agent asks for the card number ...")
        asked = len(conn.utterances)
        await self.bot.say(CALL_1, ASK_CARD)
        redirect = await asyncio.wait_for(self.redirects.get(), 10)
        question = conn.utterances[asked]
        pauses = [q for q in self.fake.requests if q["form"].get("Status") == "paused"]
        self.check(c, "recording paused before the caller was sent away", len(pauses) == 1,
                   "POST .../Recordings/...json Status=paused")  # fmt: skip
        twiml = ET.fromstring(redirect["form"]["Twiml"])  # noqa: S314 - our own server's
        pay = twiml.find("Pay")
        self.check(c, "the caller is sent to Twilio <Pay>", pay is not None,
                   "redirect TwiML: " + " ".join(el.tag for el in twiml))  # fmt: skip
        heard_question = question.audio and question.audio in twilio.received_audio
        self.check(c, "the bot's card question never reached the caller", not heard_question)
        await twilio.hangup()  # Twilio ends the stream when it redirects the call
        await self.until(lambda: self.app[STATE].calls[CALL_1].leg is None, "the stream to end")
        self.say("  the caller keys the card on Twilio's <Pay> (not on our stream) ...")
        await asyncio.sleep(0.3)
        status, body = await self.webhook("/twilio/return", {"CallSid": CALL_1, **PAID})
        url, params = parse_connect_stream(body)
        back = await TwilioCall.connect(
            url, AUTH, call_sid=CALL_1, account_sid=ACCOUNT, custom_parameters=params
        )
        await self.until(lambda: self.app[STATE].calls[CALL_1].leg is not None, "the rejoin")
        got_outcome = await self.until(
            lambda: any(n.get("respond") is True for n in conn.notices), "the outcome notice"
        )
        outcome = [n["text"] for n in conn.notices if n.get("respond") is True]
        self.check(c, "the caller came back to the same bot conversation",
                   status == 200 and len(self.bot.all_connections) == 1 and got_outcome,
                   f"one bot connection; the bot was told {outcome[:1]}")  # fmt: skip
        resumed = [q for q in self.fake.requests if q["form"].get("Status") == "in-progress"]
        self.check(c, "recording resumed after the return", len(resumed) == 1)
        self.check(c, "the bot never received a card digit",
                   not _has_digits(_bot_texts(conn), CARD))  # fmt: skip
        await self.bot_says(conn, back, GOING_ON)
        t_ssn = await self.speak(back, conn, "ssn")
        redacted = await self.until(
            lambda: any(n.get("type") == "transcript" for n in conn.notices), "the redaction"
        )
        told = [n["text"] for n in conn.notices if n.get("type") == "transcript"]
        self.check(c, "the SSN reached the bot only redacted",
                   redacted and "[ssn]" in told[-1] and not _has_digits(_bot_texts(conn), SSN),
                   f"the bot's LLM sees: {told[-1] if told else '-'}")  # fmt: skip
        value = _lines()["ssn"]["values"][0]
        self.result.marks[CALL_1] = {
            "ssn_ms": (t_ssn + value["start_ms"], t_ssn + value["end_ms"]),
        }
        await self.bot_says(conn, back, NO_NEED)
        await self.speak(back, conn, "bye")
        await back.hangup()
        self.result.bot_view[CALL_1] = _bot_view(conn)
        await self.webhook("/twilio/status", {"CallSid": CALL_1, "CallStatus": "completed"})
        await self.until(lambda: CALL_1 not in self.app[STATE].calls, "the call to end")

    # -- call 2 --------------------------------------------------------------------

    async def call_two(self) -> None:
        c = "call 2"
        self.say("call 2: Twilio refuses the recording pause; the call fails closed")
        twilio = await self.ring(CALL_2)
        conn = await self.bot.connection(CALL_2)
        await self.until(lambda: bool(conn.utterances) and conn.utterances[0].done, "greeting")
        await self.speak(twilio, conn, "update")
        self.fake.plan = [401]  # the pause is refused: a revoked key, say
        n = len(self.fake.requests)
        await self.bot.say(CALL_2, ASK_CARD_2)
        said = await self.until(
            lambda: any(n.get("type") == "say" for n in conn.notices), "the guardrail's words"
        )
        says = [m["text"] for m in conn.notices if m.get("type") == "say"]
        self.check(c, "the caller hears one consistent thing", said and len(says) == 1,
                   f"said: {says[0] if says else '-'}")  # fmt: skip
        await self.until(lambda: self.session(CALL_2).state == "normal", "normal state")
        session = self.session(CALL_2)
        muted = [m["type"] for m in conn.notices if m.get("type") in ("mute", "unmute")]
        self.check(c, "nothing stays muted or waiting",
                   session.state == "normal" and (not muted or muted[-1] == "unmute"),
                   f"state {session.state}, notices {muted}")  # fmt: skip
        redirected = [q for q in self.fake.requests[n:] if "Twiml" in q["form"]]
        self.check(c, "the caller was not sent to <Pay> without a paused recording",
                   not redirected)  # fmt: skip
        keys_before = len(conn.received_dtmf)
        await twilio.send_keyed(CARD)
        await twilio.send_audio(np.zeros(8000, np.int16))  # the caller waits a second
        await asyncio.sleep(0.2)
        self.check(c, "the card keyed anyway never reached the bot",
                   len(conn.received_dtmf) == keys_before, "0 of 16 keys forwarded")  # fmt: skip
        await twilio.hangup()
        self.result.bot_view[CALL_2] = _bot_view(conn)
        await self.webhook("/twilio/status", {"CallSid": CALL_2, "CallStatus": "completed"})
        await self.until(lambda: CALL_2 not in self.app[STATE].calls, "the call to end")


def _bot_view(conn: BotConnection) -> list[str]:
    """What the bot's side saw, as readable lines (no audio)."""
    out = []
    for m in conn.messages:
        kind = m.get("event")
        if kind == "dtmf":
            out.append(f"key {m['dtmf']['digit']}")
        elif kind == "guardrail.notice":
            out.append(f"notice ({m.get('type') or 'outcome'}): {m.get('text', '')}")
    heard = [f"its speech-to-text heard (sent to the guardrail): {t}" for t in conn.heard]
    return heard + out


def _bot_texts(conn: BotConnection) -> str:
    """Everything the bot received but the audio payloads."""
    out = []
    for m in conn.messages:
        if m.get("event") == "media":
            continue
        out.append(json.dumps(m))
    return "\n".join(out)


def _has_digits(text: str, value: str) -> bool:
    """``value``'s digits in ``text`` in any grouping (separators between them)."""
    digits = re.sub(r"\D", "", value)
    return re.search(r"[\s\-./,]{0,3}".join(digits), text) is not None


async def _serve(demo: _Demo, config: Config, port: int) -> web.AppRunner:
    app = make_app(config, metrics=demo.metrics)
    demo.app = app
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


async def _run(out: Path, say: Callable[[str], None]) -> DemoResult:
    demo = _Demo(out, say)
    recordings = out / "recordings"
    store = out / "guardrail.db"
    for old in [store, *store.parent.glob("guardrail.db-*"), *recordings.glob("*.wav")]:
        old.unlink(missing_ok=True)
    port = _free_port()
    demo.base = f"http://127.0.0.1:{port}"
    with demo.fake as fake:
        fake.on_request = demo._on_rest
        async with demo.bot.serve():
            config = Config.from_toml(
                CONFIG.format(
                    fake=fake.url, public=demo.base, bot=demo.bot.url, store=store,
                    recordings=recordings,
                )
            )  # fmt: skip
            runner = await _serve(demo, config, port)
            try:
                await demo.call_one()
                await demo.call_two()
            finally:
                await runner.cleanup()
    demo.result.latency_us = _latency(demo.metrics.samples)
    return demo.result


def _latency(samples: list[float]) -> dict[str, float]:
    if not samples:
        return {}
    us = np.asarray(samples) * 1e6
    return {
        "frames": float(len(us)),
        "p50": float(np.percentile(us, 50)),
        "p99": float(np.percentile(us, 99)),
        "max": float(us.max()),
    }


def _after(result: DemoResult, log_text: str) -> None:
    """Checks on what is at rest once the calls are over."""
    out = result.out
    url = f"sqlite:///{out / 'guardrail.db'}"
    store = AuditStore.open(url, create=False)
    try:
        verdict = store.verify()
        entries = list(store.export())
        head = store.head()
    finally:
        store.close()
    result.checks.append(
        Check(
            "store",
            "guardrail audit verify: the chain is intact",
            bool(verdict),
            f"{len(entries)} entries, head {head}",
        )
    )
    for call in (CALL_1, CALL_2):
        result.timeline[call] = [e for e in entries if e.get("call_sid") == call]
    events1 = [(e["event"], e["outcome"]) for e in result.timeline[CALL_1]]
    events2 = [(e["event"], e["outcome"]) for e in result.timeline[CALL_2]]
    result.checks.append(
        Check(
            "call 1",
            "the audit records the pause as confirmed",
            ("pause_recording", "confirmed") in events1,
        )
    )
    pauses2 = [o for ev, o in events2 if ev == "pause_recording"]
    result.checks.append(
        Check(
            "call 2",
            "the audit says the pause was refused, never confirmed",
            bool(pauses2) and "confirmed" not in pauses2,
            f"outcomes {pauses2}",
        )
    )
    result.checks.append(
        Check(
            "call 1",
            "the audit says the recording heard the SSN (remediation after the call)",
            any(ev == "recording_exposed" for ev, _ in events1),
        )
    )
    with TranscriptStore.open(url) as ts:
        transcripts = ts.export(CALL_1) + ts.export(CALL_2)
    at_rest = "\n".join(
        [log_text, json.dumps(entries), json.dumps(transcripts)]
    )  # fmt: skip
    leaked = [v for v in (CARD, SSN, CARD[:6] + CARD[-4:]) if _has_digits(at_rest, v)]
    result.checks.append(
        Check(
            "store",
            "no value in the logs, the audit trail or the transcripts at rest",
            not leaked and bool(transcripts),
            f"{len(transcripts)} redacted utterances kept",
        )
    )
    _check_recordings(result)


def _check_recordings(result: DemoResult) -> None:
    rec = result.out / "recordings"
    pcm1, _ = read_wav(rec / f"{CALL_1}.wav")
    a, b = result.marks[CALL_1]["ssn_ms"]
    speech = pcm1[int(a * 8) : int(b * 8)].astype(np.float64)
    silent = float(np.sqrt(np.mean(speech**2))) if len(speech) else 0.0
    bill = pcm1[: int(8 * 3000)].astype(np.float64)
    loud = float(np.sqrt(np.mean(bill**2)))
    result.checks.append(
        Check(
            "call 1",
            "the recording is silent where the SSN was spoken",
            silent < max(1.0, loud / 100) and loud > 100,
            f"RMS {silent:.0f} there vs {loud:.0f} in the rest",
        )
    )
    pcm2, _ = read_wav(rec / f"{CALL_2}.wav")
    det = DtmfDetector(20)
    keys = []
    pad = np.concatenate([pcm2, np.zeros((-len(pcm2)) % 160, np.int16)])
    for i in range(0, len(pad), 160):
        keys += [e for e in det.process(pad[i : i + 160], i / 8) if isinstance(e, KeyUp)]
    result.checks.append(
        Check(
            "call 2",
            "no keypad tone in the recording",
            not keys,
            f"{len(keys)} keys found by the DTMF detector",
        )
    )


def run(out: Path, *, say: Callable[[str], None] = print) -> DemoResult:
    """Play both calls, check every protection, write the artefacts under ``out``
    (relative to the working directory when relative: the config it builds names its
    recordings directory by an absolute path, as every config must)."""
    out = out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    env = {"GUARDRAIL_DEMO_ACCOUNT_SID": ACCOUNT, "GUARDRAIL_DEMO_AUTH_TOKEN": AUTH}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    logs = io.StringIO()
    root = logging.getLogger()
    old_handlers, old_level = root.handlers[:], root.level
    try:
        configure_logging(stream=logs)
        logging.getLogger("websockets").setLevel(logging.WARNING)
        result = asyncio.run(_run(out, say))
    finally:
        root.handlers[:] = old_handlers
        root.setLevel(old_level)
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    log_text = logs.getvalue()
    (out / "guardrail.log").write_text(log_text)
    _after(result, log_text)
    return result
