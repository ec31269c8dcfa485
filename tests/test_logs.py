"""guardrail.logs: JSON Lines operations logs that never hold a value.

Values used: the public test card 4111 1111 1111 1111, the SSA's example SSN
078-05-1123, and card numbers generated here (Luhn-valid, random).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import logging
import random
import re
import time
from collections.abc import Iterable, Iterator

import pytest
from aiohttp import web

import guardrail.logs as logs
from guardrail.logs import (
    AccessLog,
    JsonFormatter,
    RedactionFilter,
    configure_logging,
    forbidden,
    quiet_aiohttp,
    safe_url,
    scrub,
    startup_line,
)

CARD = "4111111111111111"
SSN = "078-05-1123"
NAMED = ("aiohttp.access", "aiohttp.server", "aiohttp.web", "aiohttp.websocket", "websockets")
QUIET = ("aiohttp.access", "aiohttp.server", "aiohttp.web", "aiohttp.websocket", "aiohttp.internal")


def generated_card(rng: random.Random) -> str:
    """A random 16-digit Visa-range number with a valid Luhn check digit."""
    body = "4" + "".join(str(rng.randrange(10)) for _ in range(14))
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return body + str((10 - total % 10) % 10)


GENERATED = generated_card(random.Random(20240611))


def groupings(value: str) -> set[str]:
    """``value`` as written, its bare digits, and its usual groupings."""
    digits = re.sub(r"\D", "", value)
    forms = {value, digits}
    for sep in (" ", "-", ".", ","):
        forms.add(sep.join(digits[i : i + 4] for i in range(0, len(digits), 4)))
        if len(digits) == 9:
            forms.add(sep.join((digits[:3], digits[3:5], digits[5:])))
    return forms


def assert_no_values(text: str, values: Iterable[str]) -> None:
    """No value appears in ``text``: raw, grouped in fours or 3-2-4 (spaces,
    dashes, dots, commas), or as its digits once every separator is removed
    from ``text``."""
    squeezed = re.sub(r"[\s\-.,/]", "", text)
    for value in values:
        for form in groupings(value):
            assert form not in text, f"a value leaked, as {form[:2]}..."
        digits = re.sub(r"\D", "", value)
        assert digits not in squeezed, "a value leaked, with separators between its digits"


def json_lines(text: str) -> list[dict]:
    lines = text.splitlines()
    assert lines, "nothing was logged"
    return [json.loads(line) for line in lines]


def _state(logger: logging.Logger) -> tuple[list, list]:
    return list(logger.handlers), list(logger.filters)


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """Put back the root logger, the named loggers and lastResort as they were."""
    root = logging.getLogger()
    names = (*NAMED, *QUIET, "guardrail.test")
    saved = (
        list(root.handlers),
        root.level,
        {h: list(h.filters) for h in root.handlers},
        {
            n: (list(logging.getLogger(n).handlers), list(logging.getLogger(n).filters))
            for n in names
        },
        list(logging.lastResort.filters) if logging.lastResort else [],
    )
    yield
    handlers, level, filters, named, last = saved
    for h in list(root.handlers):
        if h not in handlers:
            root.removeHandler(h)
    root.setLevel(level)
    for h, f in filters.items():
        h.filters[:] = f
    for n, (hs, fs) in named.items():
        lg = logging.getLogger(n)
        for h in list(lg.handlers):
            if h not in hs:
                lg.removeHandler(h)
        lg.filters[:] = fs
    if logging.lastResort is not None:
        logging.lastResort.filters[:] = last


@pytest.fixture
def out(restore_logging: None) -> io.StringIO:
    buf = io.StringIO()
    configure_logging(buf, "DEBUG")
    return buf


LOG = logging.getLogger("guardrail.test")

# -- the record shape --------------------------------------------------------------


def test_one_json_object_per_line_with_the_documented_keys(out: io.StringIO) -> None:
    LOG.info("started", extra={"fields": {"port": 8080, "status": 200, "mode": "proxy"}})
    LOG.warning("two\nlines")
    first, second = json_lines(out.getvalue())
    assert set(first) == {"ts", "level", "logger", "msg", "port", "status", "mode"}
    assert first["level"] == "INFO"
    assert first["logger"] == "guardrail.test"
    assert (first["msg"], first["port"], first["status"], first["mode"]) == (
        "started",
        8080,
        200,
        "proxy",
    )
    ts = dt.datetime.fromisoformat(first["ts"])
    assert ts.utcoffset() == dt.timedelta(0)
    assert abs((dt.datetime.now(dt.UTC) - ts).total_seconds()) < 60
    assert second["msg"] == "two\nlines"
    assert second["level"] == "WARNING"


def test_fields_cannot_overwrite_the_reserved_keys(out: io.StringIO) -> None:
    LOG.info("real", extra={"fields": {"msg": "fake", "level": "DEBUG", "ok": 1}})
    (line,) = json_lines(out.getvalue())
    assert line["msg"] == "real"
    assert line["level"] == "INFO"
    assert "fake" in line.values()
    assert line["ok"] == 1


# -- values in every place a log call can carry them --------------------------------


def test_percent_args(out: io.StringIO) -> None:
    LOG.info("card %s", CARD)
    LOG.info("card %s", GENERATED)
    LOG.info("card %s and %d", "4111 1111 1111 1111", 4111111111111111)
    text = out.getvalue()
    assert_no_values(text, [CARD, GENERATED])
    assert all(line["msg"].startswith("card [") for line in json_lines(text))


def test_fstring(out: io.StringIO) -> None:
    LOG.info(f"ssn {SSN}")
    LOG.info(f"ssn {SSN.replace('-', ' ')} and card {CARD[:4]}-{CARD[4:8]}-{CARD[8:]}")
    text = out.getvalue()
    assert_no_values(text, [SSN, CARD])
    assert json_lines(text)[0]["msg"] == "ssn [ssn]"


def test_spoken_numbers_go_through_the_detector(out: io.StringIO) -> None:
    LOG.info("caller said four one one one, one one one one, one one one one, one one one one")
    (line,) = json_lines(out.getvalue())
    assert line["msg"] == "caller said [payment_card]"


def test_exception_message_and_chain(out: io.StringIO) -> None:
    def fail() -> None:
        try:
            raise KeyError(f"{CARD[:4]} {CARD[4:8]} {CARD[8:12]} {CARD[12:]}")
        except KeyError as exc:
            raise ValueError(f"card {CARD} ssn {SSN}") from exc

    try:
        fail()
    except ValueError:
        LOG.exception("lookup failed for %s", GENERATED)
    text = out.getvalue()
    assert_no_values(text, [CARD, SSN, GENERATED])
    (line,) = json_lines(text)
    exc = line["exc"]
    assert exc.count("Traceback (most recent call last):") == 2
    assert "direct cause" in exc
    assert re.search(r'File ".*test_logs.py", line \d+, in fail', exc)
    assert exc.rstrip().endswith("ValueError: card [payment_card] ssn [ssn]")
    assert "KeyError" in exc


def test_exc_info_is_cleared_so_a_plain_formatter_prints_only_the_scrubbed_text(
    restore_logging: None,
) -> None:
    plain = io.StringIO()
    handler = logging.StreamHandler(plain)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logging.getLogger().addHandler(handler)
    configure_logging(io.StringIO(), "INFO")
    try:
        raise RuntimeError(f"declined {CARD}")
    except RuntimeError:
        LOG.exception("payment")
    text = plain.getvalue()
    assert_no_values(text, [CARD])
    assert "RuntimeError: declined [payment_card]" in text
    assert text.count("Traceback") == 1


def test_extra_fields_and_other_extras(out: io.StringIO, restore_logging: None) -> None:
    plain = io.StringIO()
    handler = logging.StreamHandler(plain)
    handler.setFormatter(logging.Formatter("%(message)s %(note)s"))
    logging.getLogger().addHandler(handler)
    configure_logging(out, "DEBUG")  # the new handler gets the filter too
    LOG.info(
        "fields",
        extra={
            "fields": {
                "card": CARD,  # a name that says it is sensitive
                "note": f"value {GENERATED}",
                "number": 4111111111111111,
                "nested": {"inner": [SSN, {"deeper": CARD}]},
                "raw": CARD.encode(),
                CARD: "a value as a key",
                "port": 4111111111111111,  # out of range: not a typed port
            },
            "note": f"extra {CARD}",
        },
    )
    text = out.getvalue() + plain.getvalue()
    assert_no_values(text, [CARD, GENERATED, SSN])
    (line,) = json_lines(out.getvalue())
    assert line["card"] == "[redacted]"
    assert line["raw"] == "[bytes]"
    assert "a value as a key" in line.values()
    assert line["port"] != 4111111111111111
    assert "note" in line
    assert line["note"].startswith("value [")
    assert plain.getvalue().startswith("fields extra [")


def test_typed_fields_keep_their_values_when_they_have_the_shape(out: io.StringIO) -> None:
    sid = "CA" + "0123456789abcdef" * 2
    LOG.info(
        "typed",
        extra={
            "fields": {
                "port": 8443,
                "status": 403,
                "duration_ms": 12.345,
                "remote": "192.168.10.20",
                "call_sid": sid,
                "count": 12345,  # not typed: a 5-digit run is scrubbed
                "ratio": 0.5,
            }
        },
    )
    (line,) = json_lines(out.getvalue())
    assert line["port"] == 8443
    assert line["status"] == 403
    assert line["duration_ms"] == 12.3
    assert line["remote"] == "192.168.10.20"
    assert line["call_sid"] == sid
    assert line["count"] == "[digits]"
    assert line["ratio"] == 0.5


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4111 1111 1111 1111", "[digits]"),  # detector context may not apply: regex does
        ("078-05-1123", "[digits]"),
        ("4,111,111", "[digits]"),
        ("ref 4111.1111", "ref [digits]"),
        ("id 1234 ok", "id [digits] ok"),
        ("a 1 2 3 4 b", "a [digits] b"),
        ("\u0664\u0661\u0661\u0661", "[digits]"),  # Arabic-Indic digits
        ("code 12:30, room 42", "code 12:30, room 42"),
        ("got 403 from 127", "got 403 from 127"),
    ],
)
def test_scrub_digit_runs(text: str, expected: str) -> None:
    # the detector may name the value's category first; either tag is a redaction
    assert re.sub(r"\[[a-z_]+\]", "[digits]", scrub(text)) == expected


def test_scrub_strips_url_userinfo_and_query() -> None:
    got = scrub("fetching https://user:hunter2@bot.example/ws?token=abc&x=1 now")
    assert got == "fetching https://bot.example/ws?[query] now"


def test_scrub_is_linear_in_the_input() -> None:
    # the regex itself, on a megabyte of near-misses and of one long run
    for chunk in ("12 ,,,, ", "1 - ", "9"):
        text = chunk * (1_000_000 // len(chunk))
        t0 = time.perf_counter()
        logs._DIGIT_RUN.sub("[digits]", text)
        assert time.perf_counter() - t0 < 1.0  # DESIGN.md: <= 1 s per MB
    # scrub bounds what it scans: the cost of a huge message is capped
    t0 = time.perf_counter()
    got = scrub("4111 " * 400_000)
    assert time.perf_counter() - t0 < 1.0
    assert got.endswith("[truncated]")
    assert len(got) < 20_000


# -- the filter never raises ----------------------------------------------------------


class Unprintable:
    def __str__(self) -> str:
        raise RuntimeError(CARD)


def test_broken_messages_are_withheld_not_raised(
    out: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    LOG.info("%d items", "not a number")
    LOG.info("value %s", Unprintable())
    monkeypatch.setattr(logs, "scan", lambda *a, **k: 1 / 0)
    LOG.info("card %s", CARD)
    lines = json_lines(out.getvalue())
    assert [line["msg"] for line in lines] == [logs.WITHHELD] * 3
    assert_no_values(out.getvalue(), [CARD])


def test_filter_returns_true_and_marks_the_record_once() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "card %s", (CARD,), None)
    flt = RedactionFilter()
    assert flt.filter(record) is True
    assert record.args is None
    assert CARD not in record.msg
    record.msg = "changed"
    assert flt.filter(record) is True
    assert record.msg == "changed"


def test_formatter_scrubs_a_record_no_filter_saw() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "card %s", (CARD,), None)
    line = json.loads(JsonFormatter().format(record))
    assert_no_values(json.dumps(line), [CARD])


# -- installation ---------------------------------------------------------------------


def test_configure_is_idempotent(restore_logging: None) -> None:
    root = logging.getLogger()
    first, second = io.StringIO(), io.StringIO()
    configure_logging(first, "INFO")
    configure_logging(second, "WARNING")
    ours = [h for h in root.handlers if isinstance(h.formatter, JsonFormatter)]
    assert len(ours) == 1
    for h in root.handlers:
        assert sum(isinstance(f, RedactionFilter) for f in h.filters) == 1
    for name in QUIET:
        assert len(logging.getLogger(name).filters) == 1
    LOG.warning("where")
    LOG.info("dropped at WARNING")
    assert first.getvalue() == ""
    assert [line["msg"] for line in json_lines(second.getvalue())] == ["where"]


def test_filter_on_handlers_of_third_party_loggers_and_last_resort(
    restore_logging: None,
) -> None:
    bufs = {}
    for name in ("websockets", "aiohttp.web"):
        buf = io.StringIO()
        handler = logging.StreamHandler(buf)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logging.getLogger(name).addHandler(handler)
        bufs[name] = buf
    configure_logging(io.StringIO(), "DEBUG")
    for name in ("websockets", "aiohttp.web", *NAMED):
        for h in logging.getLogger(name).handlers:
            assert any(isinstance(f, RedactionFilter) for f in h.filters), name
    assert logging.lastResort is not None
    assert any(isinstance(f, RedactionFilter) for f in logging.lastResort.filters)
    logging.getLogger("websockets").warning("handshake failed: %s", CARD)
    logging.getLogger("aiohttp.web").warning("bad %s", CARD)
    assert bufs["websockets"].getvalue().startswith("handshake failed: [")
    assert bufs["aiohttp.web"].getvalue().strip() == "bad [withheld]"
    assert_no_values(bufs["websockets"].getvalue() + bufs["aiohttp.web"].getvalue(), [CARD])


def test_aiohttp_loggers_keep_only_their_templates(out: io.StringIO) -> None:
    logging.getLogger("aiohttp.internal").warning(
        "Can not load cookies: Illegal cookie name %r", f"c{CARD}"
    )
    try:
        raise ValueError(CARD)
    except ValueError:
        logging.getLogger("aiohttp.websocket").exception("reader failed")
    first, second = json_lines(out.getvalue())
    assert first["msg"] == "Can not load cookies: Illegal cookie name [withheld]"
    assert second["msg"] == "reader failed"
    assert second["error"] == "ValueError"
    assert "exc" not in second
    assert_no_values(out.getvalue(), [CARD])


# -- a real aiohttp server, sent malformed requests -------------------------------------

MALFORMED = [
    # a header name with a control byte, the card in the name, value and query
    f"GET /healthz?card={CARD} HTTP/1.1\r\nHost: x\r\nX-{CARD}\x01: {CARD}\r\n\r\n",
    # a header value with a NUL byte, the card grouped
    f"GET /healthz?c={CARD} HTTP/1.1\r\nHost: x\r\nX-Card: 4111 1111 1111 1111\x00\r\n\r\n",
    # a bad request line: a bad method, then a bad version
    f"GE(T /healthz?{CARD[:4]}-{CARD[4:8]}-{CARD[8:12]}-{CARD[12:]} HTTP/1.1\r\nHost: x\r\n\r\n",
    f"GET /healthz?ssn={SSN} HTTP/9.9{CARD}\r\nHost: x\r\n\r\n",
    # a header line too long to parse, full of card numbers
    "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Long: " + CARD * 1200 + "\r\n\r\n",
]
WELL_FORMED = [
    # a valid request: the query string, the path and the headers must not be logged
    f"GET /healthz?x={CARD}&ssn={SSN} HTTP/1.1\r\nHost: x\r\nUser-Agent: {CARD}\r\n"
    f"Referer: http://r/{CARD}\r\nConnection: close\r\n\r\n",
    f"GET /nope/{CARD} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    f"GET /boom?x={CARD} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
]


async def _serve_and_send(requests: list[str], access_log_class: type | None) -> list[bytes]:
    async def healthz(request: web.Request) -> web.Response:
        return web.Response(text="ok\n")

    async def boom(request: web.Request) -> web.Response:
        raise ValueError(f"handler bug with {CARD} in it")

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/boom", boom)
    kwargs = {} if access_log_class is None else {"access_log_class": access_log_class}
    runner = web.AppRunner(app, **kwargs)
    await runner.setup()
    answers = []
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        for raw in requests:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            try:
                writer.write(raw.encode("latin-1"))
                await writer.drain()
                answers.append(await reader.read())  # the server closes after answering
            finally:
                writer.close()
                await writer.wait_closed()
    finally:
        await runner.cleanup()
    return answers


@pytest.mark.parametrize("access_log_class", [None, AccessLog], ids=["default-access", "AccessLog"])
def test_malformed_requests_leave_no_trace_of_their_content(
    out: io.StringIO, access_log_class: type | None
) -> None:
    answers = asyncio.run(_serve_and_send(MALFORMED + WELL_FORMED, access_log_class))
    assert [a.split(b" ", 2)[1] for a in answers] == [b"400"] * 5 + [b"200", b"404", b"500"]
    text = out.getvalue()
    lines = json_lines(text)  # every line is JSON
    assert_no_values(text, [CARD, SSN])
    for line in lines:
        rest = json.dumps({k: v for k, v in line.items() if k != "ts"})
        assert not re.search(r"\d{4,}", rest), "a run of digits reached the log"
        assert "healthz?" not in rest
        assert "/nope" not in rest
    refused = [line for line in lines if line["msg"] == "malformed request refused"]
    assert len(refused) == len(MALFORMED)
    assert {line["error"] for line in refused} >= {"BadHttpMessage", "BadHttpMethod"}
    assert all("exc" not in line and line["status"] == 400 for line in refused)
    (failed,) = [line for line in lines if line["msg"] == "request handler failed"]
    assert failed["error"] == "ValueError"
    assert "in boom" in failed["exc"]
    assert failed["exc"].endswith("\nValueError")  # frames and code only, no message
    access = [line for line in lines if line["logger"] == "aiohttp.access"]
    assert len(access) == len(MALFORMED) + len(WELL_FORMED)
    assert sorted(line["status"] for line in access)[-3:] == [400, 404, 500]
    if access_log_class is AccessLog:
        assert {line["route"] for line in access} == {"/healthz", "/boom", "[unmatched]"}
        assert all(line["remote"] == "127.0.0.1" for line in access)


# -- helpers for the server -------------------------------------------------------------


def test_forbidden_logs_the_route_and_the_reason_only(out: io.StringIO) -> None:
    sig = "c2lnbmF0dXJlLXZhbHVl"
    forbidden(
        LOG, "bad signature", path=f"/twilio/voice?Signature={sig}&c={CARD}", remote="10.1.2.3"
    )
    forbidden(LOG, f"bad signature {sig}", path="/twilio/media#frag", remote="not an ip")
    forbidden(LOG, "missing signature", path=f"/twilio/{CARD}", remote=None)
    forbidden(LOG, "no auth token configured", path="/twilio/%34%31%31%31", remote="::1")
    text = out.getvalue()
    assert sig not in text
    assert "Signature" not in text
    assert "frag" not in text
    assert_no_values(text, [CARD])
    a, b, c, d = json_lines(text)
    assert (a["level"], a["msg"], a["status"]) == ("WARNING", "request refused", 403)
    assert (a["reason"], a["path"], a["remote"]) == ("bad signature", "/twilio/voice", "10.1.2.3")
    assert (b["reason"], b["path"], "remote" in b) == ("other", "/twilio/media", False)
    assert (c["reason"], c["path"]) == ("missing signature", "[other]")
    assert (d["reason"], d["path"], d["remote"]) == ("no auth token configured", "[other]", "::1")


def test_startup_line_strips_credentials(out: io.StringIO) -> None:
    got = startup_line(
        LOG,
        host="127.0.0.1",
        port=8080,
        public_url="https://user:pw@guard.example.com/?x=1#f",
        bot_url="wss://bot:botpass@bot.internal:8443/twilio?token=tok123",
        api_base_url="http://127.0.0.1:9123",
        scopes=["recording:resume", "recording:pause"],
        store_url="postgresql://guard:dbpass@db.internal:5432/guardrail?sslpassword=x",
    )
    assert got == {
        "listen_host": "127.0.0.1",
        "port": 8080,
        "public_url": "https://guard.example.com/",
        "bot_url": "wss://bot.internal:8443/twilio",
        "twilio_api_base_url": "http://127.0.0.1:9123",
        "store_url": "postgresql://guard@db.internal:5432/guardrail",
        "scopes": ["recording:pause", "recording:resume"],
    }
    (line,) = json_lines(out.getvalue())
    assert line["msg"] == "guardrail serving"
    assert line["level"] == "INFO"
    assert {k: v for k, v in line.items() if k not in ("ts", "level", "logger", "msg")} == got
    for secret in ("pw", "botpass", "tok123", "dbpass", "sslpassword"):
        assert secret not in out.getvalue().replace("password", "")


@pytest.mark.parametrize(
    ("url", "keep_user", "expected"),
    [
        ("sqlite:///var/lib/guardrail/g.db", True, "sqlite:///var/lib/guardrail/g.db"),
        ("postgresql://u:p@[::1]:5432/db", True, "postgresql://u@[::1]:5432/db"),
        ("postgresql://u:p@h/db", False, "postgresql://h/db"),
        ("https://h:99999/", False, "[invalid url]"),
        ("no scheme at all", False, "[invalid url]"),
        (None, False, None),
    ],
)
def test_safe_url(url: str | None, keep_user: bool, expected: str | None) -> None:
    assert safe_url(url, keep_user=keep_user) == expected


def test_quiet_aiohttp_is_idempotent(restore_logging: None) -> None:
    quiet_aiohttp()
    quiet_aiohttp()
    for name in QUIET:
        assert len(logging.getLogger(name).filters) == 1
