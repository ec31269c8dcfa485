"""Operations logging for ``guardrail serve``: JSON Lines, and no value ever in them.

The hard rule (DESIGN.md) is that no sensitive value is written anywhere,
logs included, *even by mistake*: a developer who writes
``log.info("card %s", number)``, an exception whose message quotes a header,
aiohttp echoing the raw bytes of a malformed request. So the protection is
not in the call sites but in the logging machinery itself:

- :class:`RedactionFilter` sits on every handler. It renders each record's
  ``msg % args`` into one final string and scrubs it (:func:`scrub`: the
  project's own detector, then a digit-run regex, then URL userinfo and
  query strings); it rebuilds the traceback itself, scrubbing the exception
  messages and source lines, and clears ``exc_info`` so no later formatter
  prints the raw one; it scrubs the structured ``fields`` and every other
  extra attribute. It never raises: on any internal error the message
  becomes ``"[log message withheld]"``.
- :func:`quiet_aiohttp` puts filters on aiohttp's own loggers, because their
  messages are built from request content: a malformed request becomes
  ``"malformed request refused"`` with only the exception's class name, an
  access line keeps only the method and status (or, with :class:`AccessLog`,
  the matched route), and every other aiohttp record keeps only its format
  template.
- :class:`JsonFormatter` writes one JSON object per line: ``ts`` (ISO-8601,
  UTC), ``level``, ``logger``, ``msg``, ``exc`` (the scrubbed traceback, if
  any), and the structured fields passed as ``extra={"fields": {...}}``, at
  the top level (a field named like a reserved key is renamed
  ``field_<n>``). Other ``extra`` attributes are scrubbed in place, for other
  formatters, but not written.

Structured fields are scrubbed like text, except typed fields whose value
has the field's shape (checked, not trusted), which are written as they
are: ``port`` (an int 0-65535), ``status`` (an int 100-599), ``t_ms`` (a
stream time, a number),
``duration_ms`` (a number below an hour), ``remote``/``host`` (an IP
address), ``call_sid``/``stream_sid``/``recording_sid`` (a Twilio SID); and
strings this module built itself from cleaned configuration (the startup
line's URLs, a route template). A field whose *name* says it is sensitive
(``card``, ``ssn``, ``token``, ``signature``, ...) is written as
``"[redacted]"`` whatever it holds; bytes are never decoded. Numbers
elsewhere obey the digit rule: ``"count": 12345`` is written ``"[digits]"``.

The digit rule is deliberately blunt: free text never shows four digits in
a row (an IP address in a message becomes ``[digits]``; put it in a
``remote`` field instead), because a log line is worth less than a card
number.

Usage::

    configure_logging(level="INFO")       # once, at startup; idempotent
    log = logging.getLogger("guardrail.server")
    log.info("call started", extra={"fields": {"call_sid": sid}})
    forbidden(log, "bad signature", path=request.path, remote=request.remote)
"""

from __future__ import annotations

import datetime as _dt
import ipaddress
import json
import logging
import re
import sys
import traceback
from collections.abc import Iterable, Mapping
from typing import IO, Any
from urllib.parse import urlsplit

from aiohttp.abc import AbstractAccessLogger
from aiohttp.http_exceptions import HttpProcessingError

from .detect import scan

__all__ = [
    "FORBIDDEN_REASONS",
    "AccessLog",
    "JsonFormatter",
    "RedactionFilter",
    "configure_logging",
    "forbidden",
    "quiet_aiohttp",
    "safe_url",
    "scrub",
    "startup_line",
]

WITHHELD = "[log message withheld]"
DIGITS = "[digits]"

FORBIDDEN_REASONS: tuple[str, ...] = (
    "missing signature",
    "bad signature",
    "no auth token configured",
    "auth token unreadable",
    "bad form",
    "no public url configured",
    "bad call identifiers",
    "another account",
    "account sid unreadable",
    "replayed",
    "other",
)
"""Why a request got 403: the only reasons :func:`forbidden` writes (anything else
is ``"other"``), and the label values of ``guardrail_forbidden_total``."""

# Four or more digits, each pair separated by at most three of: spaces, tabs,
# dots, commas, slashes, dashes (ASCII and Unicode). Every repetition must
# end on a digit and separators are not digits, so no input backtracks more
# than a few characters: linear time. ``\d`` also matches non-ASCII digits.
_DIGIT_RUN = re.compile(r"\d(?:[ \t.,/\-\u2010-\u2015\u2212]{0,3}\d){3,}")
# userinfo in a URL ("scheme://user:pass@host"), and a URL's query string.
_URL_USERINFO = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]{0,15}://)[^\s/?#@]{1,256}@")
_URL_QUERY = re.compile(r"(://[^\s?#]*+)\?[^\s#]*+")
# a %-format placeholder, for records whose arguments are withheld
_PLACEHOLDER = re.compile(r"%(?:\([^)]{0,40}\))?[-#0 +]*(?:\*|\d{0,3})(?:\.\d{0,3})?[a-zA-Z%]")
_KEY = re.compile(r"[a-z_][a-z0-9_]{0,39}")
_SID = re.compile(r"(?:CA|MZ|RE)[0-9a-f]{32}")
_SAFE_PATH = re.compile(r"/[A-Za-z_/\-]{0,64}")

_MAX_TEXT = 16_384
_MAX_FIELD = 4_096
_MAX_FIELDS = 50
_MAX_DEPTH = 3
_MAX_FRAMES = 40
_MAX_CHAIN = 5

_RESERVED = frozenset({"ts", "level", "logger", "msg", "exc", "stack"})
_SENSITIVE_WORDS = frozenset(
    {
        "card", "pan", "cvv", "cvc", "csc", "expiry", "ssn", "social", "iban", "routing",
        "account", "dob", "birth", "pin", "password", "passcode", "secret", "token",
        "signature", "auth", "authorization", "credential", "credentials", "cookie",
        "digits", "payload", "transcript",
    }
)  # fmt: skip
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_STANDARD_ATTRS = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "taskName",
    "fields",
}
_MARK = "_guardrail_scrubbed"
_ACCESS_MARK = "_guardrail_access"

_AIOHTTP_OTHER = ("aiohttp.web", "aiohttp.websocket", "aiohttp.internal", "aiohttp.client")
_THIRD_PARTY = ("aiohttp.access", "aiohttp.server", *_AIOHTTP_OTHER, "websockets")


class _Vetted(str):
    """A string this module built itself from parts it has already cleaned (a
    URL without userinfo or query, a route template, a rebuilt traceback):
    written as it is, not scrubbed again, so ``http://127.0.0.1:8080`` stays
    readable in the startup line and line numbers stay in tracebacks. Private:
    code outside this module cannot vouch for a string."""

    __slots__ = ()


# -- scrubbing ------------------------------------------------------------------


def scrub(text: str, *, limit: int = _MAX_TEXT) -> str:
    """``text`` with every sensitive value replaced.

    Runs the project's detector (``scan(text, "caller").redacted``: spoken
    and written card numbers, SSNs, ... become ``[category]``), then removes
    URL userinfo and query strings, then replaces every run of four or more
    digits, separated or not (``4111 1111 1111 1111``, ``078-05-1123``,
    ``4,111,111``), with ``[digits]``. Text past ``limit`` characters is
    dropped (not logged) before scanning, which bounds the cost.
    """
    if len(text) > limit:
        text = text[:limit] + " [truncated]"
    text = scan(text, "caller").redacted
    text = _URL_USERINFO.sub(r"\1", text)
    text = _URL_QUERY.sub(r"\1?[query]", text)
    return _DIGIT_RUN.sub(DIGITS, text)


def _digits_only(text: str) -> str:
    """The cheap part of :func:`scrub`, for code-derived text (paths, names)."""
    return _DIGIT_RUN.sub(DIGITS, text)


def _exception_text(exc: BaseException, *, messages: bool) -> _Vetted:
    """A traceback built from its parts: frame locations as they are, source
    lines and (if ``messages``) exception messages scrubbed, else only the
    exception class names. Never the raw ``str(exc)``. Returned as vetted
    text, so a handler's filter does not scrub it again (line numbers stay)."""
    chain: list[tuple[BaseException, str]] = []  # newest first, with the line before it
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen and len(chain) < _MAX_CHAIN:
        seen.add(id(cur))
        if cur.__cause__ is not None:
            older, sep = cur.__cause__, "The above exception was the direct cause of:"
        elif cur.__context__ is not None and not cur.__suppress_context__:
            older, sep = cur.__context__, "During handling of the above exception:"
        else:
            older, sep = None, ""
        chain.append((cur, sep))
        cur = older
    lines: list[str] = []
    for e, sep in reversed(chain):
        if lines and sep:
            lines += ["", sep, ""]
        if e.__traceback__ is not None:
            lines.append("Traceback (most recent call last):")
            for fs in traceback.extract_tb(e.__traceback__)[-_MAX_FRAMES:]:
                lines.append(
                    f'  File "{_digits_only(fs.filename)}", line {int(fs.lineno or 0)}, '
                    f"in {_digits_only(fs.name)}"
                )
                if fs.line:
                    lines.append("    " + scrub(fs.line.strip(), limit=400))
        name = f"{type(e).__module__}.{type(e).__qualname__}".removeprefix("builtins.")
        if messages:
            try:
                msg = str(e)
            except Exception:
                msg = "[message withheld]"
            lines.append(f"{name}: {scrub(msg)}" if msg else name)
        else:
            lines.append(name)
    return _Vetted("\n".join(lines))


def _record_exception(record: logging.LogRecord) -> BaseException | None:
    info = record.exc_info
    if isinstance(info, tuple) and len(info) == 3 and isinstance(info[1], BaseException):
        return info[1]
    return None


def _sensitive_key(key: str) -> bool:
    return not _SENSITIVE_WORDS.isdisjoint(key.split("_"))


def _ip(value: object) -> str | None:
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def _typed(key: str, value: object) -> tuple[bool, object]:
    """``(True, value)`` if ``key`` is a typed field and ``value`` has its shape."""
    if isinstance(value, bool):
        return False, None
    if key == "port" and isinstance(value, int) and 0 <= value <= 65535:
        return True, value
    if key == "status" and isinstance(value, int) and 100 <= value <= 599:
        return True, value
    if key == "duration_ms" and isinstance(value, int | float) and 0 <= value < 3_600_000:
        return True, round(float(value), 1)
    if key == "t_ms" and isinstance(value, int | float) and 0 <= value < 1e10:
        return True, round(float(value), 1)  # a stream time (audit entries): not a value
    if key in ("remote", "host"):
        ip = _ip(value)
        return (ip is not None), ip
    if key in ("call_sid", "stream_sid", "recording_sid") and isinstance(value, str):
        return (_SID.fullmatch(value) is not None), value
    return False, None


def _clean_value(key: str, value: object, depth: int) -> object:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, _Vetted):
        return str(value)
    if _sensitive_key(key):
        return "[redacted]"
    ok, typed = _typed(key, value)
    if ok:
        return typed
    if isinstance(value, int | float):
        text = repr(value)
        cleaned = scrub(text)
        return value if cleaned == text else cleaned
    if isinstance(value, str):
        return scrub(value, limit=_MAX_FIELD)
    if isinstance(value, bytes | bytearray | memoryview):
        return "[bytes]"
    if isinstance(value, Mapping):
        if depth >= _MAX_DEPTH:
            return "[nested]"
        return _clean_fields(value, depth + 1)
    if isinstance(value, list | tuple | set | frozenset):
        if depth >= _MAX_DEPTH:
            return "[nested]"
        return [_clean_value(key, v, depth + 1) for v in list(value)[:_MAX_FIELDS]]
    try:
        text = str(value)
    except Exception:
        return "[unloggable]"
    return scrub(text, limit=_MAX_FIELD)


def _clean_fields(fields: Mapping, depth: int = 0) -> dict[str, object]:
    out: dict[str, object] = {}
    for i, (k, v) in enumerate(fields.items()):
        if i >= _MAX_FIELDS:
            out["fields_dropped"] = "yes"
            break
        ok_key = (
            isinstance(k, str)
            and _KEY.fullmatch(k) is not None
            and _DIGIT_RUN.search(k) is None
            and (depth > 0 or k not in _RESERVED)
        )
        key = k if ok_key else f"field_{i}"
        out[key] = _clean_value(key, v, depth)
    return out


def _scrub_record(record: logging.LogRecord) -> None:
    """Rewrite ``record`` in place so that nothing in it holds a value."""
    try:
        text = record.getMessage()
    except Exception:
        text = WITHHELD
    record.msg = scrub(text)
    record.args = None
    if hasattr(record, "message"):  # a formatter without this filter ran first
        record.message = record.msg
    exc = _record_exception(record)
    if exc is not None:
        record.exc_text = _exception_text(exc, messages=True)
    elif record.exc_text and not isinstance(record.exc_text, _Vetted):
        record.exc_text = scrub(str(record.exc_text))
    record.exc_info = None
    if record.stack_info:
        record.stack_info = scrub(str(record.stack_info))
    fields = record.__dict__.get("fields")
    if fields is not None:
        record.fields = (
            _clean_fields(fields) if isinstance(fields, Mapping) else {"field_0": "[unloggable]"}
        )
    for key in [k for k in record.__dict__ if k not in _STANDARD_ATTRS]:
        if key in (_MARK, _ACCESS_MARK):
            continue
        record.__dict__[key] = _clean_value(key, record.__dict__[key], 0)


def _withhold(record: logging.LogRecord) -> None:
    """The last resort: keep the record's level and logger, drop everything else."""
    try:
        record.msg = WITHHELD
        record.args = None
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        if hasattr(record, "message"):
            record.message = WITHHELD
        for key in [k for k in record.__dict__ if k not in _STANDARD_ATTRS]:
            record.__dict__[key] = "[withheld]"
        record.fields = {}
        setattr(record, _MARK, True)
    except Exception:  # noqa: S110 - a log filter must never raise
        pass


class RedactionFilter(logging.Filter):
    """Scrubs every record that reaches the handler it is installed on.

    Never drops a record (operators need to know something happened) and
    never raises (a logging call must not break a live call): on any internal
    error the message becomes ``"[log message withheld]"``. A record is
    scrubbed once, then marked, so a record reaching several handlers costs
    one scrub.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.__dict__.get(_MARK):
            return True
        try:
            _scrub_record(record)
            setattr(record, _MARK, True)
        except Exception:
            _withhold(record)
        return True


_FILTER = RedactionFilter()


def _install(handler: logging.Handler) -> None:
    if not any(isinstance(f, RedactionFilter) for f in handler.filters):
        handler.addFilter(_FILTER)


# -- aiohttp --------------------------------------------------------------------


def _template(record: logging.LogRecord) -> str:
    """The record's format string with every argument withheld."""
    msg = record.msg
    if not isinstance(msg, str):
        return WITHHELD
    if not record.args:
        return msg
    return _PLACEHOLDER.sub(lambda m: "%" if m.group() == "%%" else "[withheld]", msg)


def _drop_extras(record: logging.LogRecord) -> None:
    for key in [k for k in record.__dict__ if k not in _STANDARD_ATTRS]:
        if key not in (_MARK, _ACCESS_MARK):
            del record.__dict__[key]


def _class_only(record: logging.LogRecord, fields: dict[str, object]) -> None:
    """Replace the record's exception by its class name, in ``fields["error"]``."""
    exc = _record_exception(record)
    if exc is not None:
        fields["error"] = type(exc).__name__
    record.exc_info = None
    record.exc_text = None
    record.stack_info = None


class _AiohttpServerFilter(logging.Filter):
    """``aiohttp.server``: a malformed request's exception carries its raw bytes.

    "Error handling request" with an HTTP parse error becomes ``"malformed
    request refused"`` with the exception's class name and the status; with
    any other exception (a handler bug) ``"request handler failed"`` with a
    traceback of code locations only, no messages. Every other record keeps
    only its format template.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            exc = _record_exception(record)
            fields: dict[str, object] = {}
            template = record.msg if isinstance(record.msg, str) else ""
            remote = record.args[0] if isinstance(record.args, tuple) and record.args else None
            if template.startswith("Error handling request"):
                if exc is None or isinstance(exc, HttpProcessingError):
                    record.msg = "malformed request refused"
                    code = getattr(exc, "code", 400)
                    fields["status"] = code if isinstance(code, int) and code >= 100 else 400
                    _class_only(record, fields)
                else:
                    record.msg = "request handler failed"
                    fields["status"] = 500
                    fields["error"] = type(exc).__name__
                    record.exc_text = _exception_text(exc, messages=False)
                    record.exc_info = None
                ip = _ip(remote)
                if ip is not None:
                    fields["remote"] = ip
            else:
                record.msg = _template(record)
                if exc is not None:
                    fields["error"] = type(exc).__name__
                    record.exc_text = _exception_text(exc, messages=False)
                record.exc_info = None
                record.stack_info = None
            record.args = None
            _drop_extras(record)
            record.fields = fields
        except Exception:
            _withhold(record)
        return True


class _AccessFilter(logging.Filter):
    """``aiohttp.access``: the default access line holds the query string and
    headers (User-Agent, Referer). Records from :class:`AccessLog` pass (they
    hold only vetted parts); any other becomes ``"request"`` with the method
    and the status."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.__dict__.get(_ACCESS_MARK):
            return True
        try:
            fields: dict[str, object] = {}
            line = record.__dict__.get("first_request_line")
            method = line.split(" ", 1)[0] if isinstance(line, str) else ""
            if method in _METHODS:
                fields["method"] = method
            status = record.__dict__.get("response_status")
            if isinstance(status, int | str) and str(status).isdigit():
                fields["status"] = int(status)
            remote = _ip(record.__dict__.get("remote_address"))
            if remote is not None:
                fields["remote"] = remote
            record.msg = "request" if record.levelno <= logging.INFO else _template(record)
            record.args = None
            _class_only(record, fields)
            _drop_extras(record)
            record.fields = fields
        except Exception:
            _withhold(record)
        return True


class _TemplateOnlyFilter(logging.Filter):
    """Other aiohttp loggers (cookies, multipart, websocket): the format
    template only, arguments withheld, exceptions as class names."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            fields: dict[str, object] = {}
            record.msg = _template(record)
            record.args = None
            _class_only(record, fields)
            _drop_extras(record)
            record.fields = fields
        except Exception:
            _withhold(record)
        return True


_QUIET: dict[str, logging.Filter] = {
    "aiohttp.server": _AiohttpServerFilter(),
    "aiohttp.access": _AccessFilter(),
    **{name: _TemplateOnlyFilter() for name in _AIOHTTP_OTHER},
}


def quiet_aiohttp() -> None:
    """Install the aiohttp filters on their loggers (idempotent).

    These are logger filters, so they run before any handler sees the record,
    whatever handlers exist now or later; :class:`RedactionFilter` on the
    handlers then scrubs what is left.
    """
    for name, flt in _QUIET.items():
        logger = logging.getLogger(name)
        if flt not in logger.filters:
            logger.addFilter(flt)


class AccessLog(AbstractAccessLogger):
    """An access log of vetted parts: method, matched route (the router's
    template, never the request's path or query), status, duration, peer IP.

    Pass ``access_log_class=AccessLog`` to ``web.AppRunner`` or
    ``web.run_app``. Without it, :func:`quiet_aiohttp` still reduces
    aiohttp's default access line to method and status.
    """

    __slots__ = ()

    @property
    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.INFO)

    def log(self, request: Any, response: Any, time: float) -> None:
        try:
            method = request.method if request.method in _METHODS else "OTHER"
            route: str = "[unmatched]"
            try:  # a request refused before routing (a malformed one) has no match_info
                resource = request.match_info.route.resource
            except (AttributeError, AssertionError):
                resource = None
            if resource is not None:
                route = _Vetted(resource.canonical)
            fields: dict[str, object] = {
                "method": method,
                "route": route,
                "status": int(response.status),
                "duration_ms": max(0.0, float(time) * 1000.0),
            }
            ip = _ip(request.remote)
            if ip is not None:
                fields["remote"] = ip
            self.logger.info("request", extra={"fields": fields, _ACCESS_MARK: True})
        except Exception as exc:
            error = {"error": type(exc).__name__}
            extra = {"fields": error, _ACCESS_MARK: True}
            self.logger.warning("access log line withheld", extra=extra)


# -- output ---------------------------------------------------------------------


def _timestamp(created: float) -> str:
    """ISO-8601 in UTC, to the millisecond: ``2025-01-31T12:00:00.123Z``."""
    ts = _dt.datetime.fromtimestamp(created, _dt.UTC).isoformat(timespec="milliseconds")
    return ts.replace("+00:00", "Z")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ``ts``, ``level``, ``logger``, ``msg``, ``exc``,
    then the record's ``fields``. ASCII only (``ensure_ascii``), so a line
    never splits and never carries control characters. Scrubs the record
    first if no :class:`RedactionFilter` has (a handler someone built without
    one)."""

    def format(self, record: logging.LogRecord) -> str:
        try:
            _FILTER.filter(record)
            obj: dict[str, object] = {
                "ts": _timestamp(record.created),
                "level": record.levelname,
                "logger": _digits_only(record.name),
                "msg": record.msg if isinstance(record.msg, str) else WITHHELD,
            }
            if record.exc_text:
                obj["exc"] = str(record.exc_text)
            if record.stack_info:
                obj["stack"] = str(record.stack_info)
            fields = record.__dict__.get("fields")
            if isinstance(fields, dict):
                for k, v in fields.items():
                    obj.setdefault(k, v)
            return json.dumps(
                obj, ensure_ascii=True, separators=(",", ":"), default=lambda _: "[unloggable]"
            )
        except Exception:
            return json.dumps({"level": "ERROR", "logger": "guardrail.logs", "msg": WITHHELD})


def configure_logging(stream: IO[str] | None = None, level: str | int = "INFO") -> None:
    """Send every log record to ``stream`` (default: ``sys.stderr``) as JSON Lines.

    Installs one JSON handler on the root logger (calling again replaces its
    stream, never adds a second), sets the root level, puts the one
    :class:`RedactionFilter` on every handler of every logger that exists now
    (the root's, aiohttp's, websockets', anything already configured) and on
    ``logging.lastResort``, and calls :func:`quiet_aiohttp`. A handler added
    after this call is not covered: call it again after adding one.
    """
    root = logging.getLogger()
    out = sys.stderr if stream is None else stream
    handler = next((h for h in root.handlers if getattr(h, "_guardrail_json", False)), None)
    if isinstance(handler, logging.StreamHandler):
        if handler.stream is not out:
            try:
                handler.setStream(out)
            except ValueError:  # the old stream is closed and cannot be flushed
                handler.stream = out
    else:
        handler = logging.StreamHandler(out)
        handler._guardrail_json = True  # type: ignore[attr-defined]
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
    root.setLevel(level.upper() if isinstance(level, str) else level)
    for h in _all_handlers():
        _install(h)
    quiet_aiohttp()


def _all_handlers() -> Iterable[logging.Handler]:
    yield from logging.getLogger().handlers
    for name in _THIRD_PARTY:
        yield from logging.getLogger(name).handlers
    for logger in list(logging.Logger.manager.loggerDict.values()):
        if isinstance(logger, logging.Logger):
            yield from logger.handlers
    if logging.lastResort is not None:
        yield logging.lastResort


# -- helpers for the server -----------------------------------------------------


def safe_url(url: str | None, *, keep_user: bool = False) -> str | None:
    """``url`` without its password (and, unless ``keep_user``, its user name),
    query string and fragment; ``None`` stays ``None``; something that does
    not parse as a URL becomes ``"[invalid url]"``."""
    if url is None:
        return None
    try:
        parts = urlsplit(str(url))
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "[invalid url]"
    if not parts.scheme:
        return "[invalid url]"
    if ":" in host:
        host = f"[{host}]"
    netloc = host + (f":{port}" if port is not None else "")
    if keep_user and parts.username:
        netloc = f"{parts.username}@{netloc}"
    slashes = "//" if str(url)[len(parts.scheme) + 1 :].startswith("//") else ""
    return f"{parts.scheme}:{slashes}{netloc}{parts.path}"


def startup_line(
    logger: logging.Logger,
    *,
    host: str,
    port: int,
    public_url: str | None = None,
    bot_url: str | None = None,
    api_base_url: str | None = None,
    scopes: Iterable[str] = (),
    store_url: str | None = None,
) -> dict[str, object]:
    """Log (at INFO) and return the one startup record of ``guardrail serve``.

    URLs lose their userinfo, query string and fragment (the store URL keeps
    its user name, never its password), so a token in a bot URL's query or a
    database password in the store URL cannot reach the log.
    """
    urls = {
        "public_url": safe_url(public_url),
        "bot_url": safe_url(bot_url),
        "twilio_api_base_url": safe_url(api_base_url),
        "store_url": safe_url(store_url, keep_user=True),
    }
    record: dict[str, object] = {
        "listen_host": str(host),
        "port": int(port),
        **{k: v for k, v in urls.items() if v is not None},
        "scopes": sorted(str(s) for s in scopes),
    }
    vetted = {k: _Vetted(v) if isinstance(v, str) else v for k, v in record.items()}
    logger.info("guardrail serving", extra={"fields": vetted})
    return record


def forbidden(logger: logging.Logger, reason: str, *, path: str, remote: str | None) -> None:
    """Log (at WARNING) why a request was refused with 403, as one JSON line.

    ``reason`` is one of :data:`FORBIDDEN_REASONS` (anything else is logged
    as ``"other"``, so no signature, token or header can ride in on it);
    ``path`` is reduced to the route (query string and fragment cut; a path
    with anything but letters, ``/``, ``_`` and ``-`` becomes
    ``"[other]"``); ``remote`` is written only if it is an IP address.
    """
    why = reason if reason in FORBIDDEN_REASONS else "other"
    route = str(path).split("?", 1)[0].split("#", 1)[0]
    if _SAFE_PATH.fullmatch(route) is None:
        route = "[other]"
    fields: dict[str, object] = {"status": 403, "reason": why, "path": _Vetted(route)}
    ip = _ip(remote)
    if ip is not None:
        fields["remote"] = ip
    logger.warning("request refused", extra={"fields": fields})


_DTMF_FRAME = re.compile(r"\b(tone|digit)(['\"]?\s{0,3}[:=]\s{0,3}['\"]?)[0-9*#A-D]\b")
_KEYPAD = re.compile(r"<?KeypadEntry\.\w+(:\s{0,3}'[^']{0,2}'>)?")
_RESUME = re.compile(r"(guardrail_resume['\"]?\s*[:=]\s*['\"]?)[A-Za-z0-9_\-]+")
_loguru_protected = False


def _scrub_loguru_record(record: dict) -> None:
    message = record["message"]
    message = _DTMF_FRAME.sub(r"\1\2[key]", message)
    message = _KEYPAD.sub("KeypadEntry[key]", message)
    message = _RESUME.sub(r"\1[token]", message)
    record["message"] = scrub(message)


def protect_loguru() -> None:
    """Scrub every loguru message (Pipecat logs with loguru) before any sink sees it.

    At TRACE level Pipecat logs each frame pushed between processors, the
    transport's keypad frames (one digit a line) and the speech-to-text's raw
    transcript among them, before the guard has seen them; at DEBUG it logs
    a stream's custom parameters (the resume token). The patcher replaces
    keypad digits, resume tokens and, through :func:`scrub`, every value the
    detector finds, in the message itself, so no sink can write them. It runs
    only for records some sink takes. Idempotent; it sets loguru's patcher
    (a bot that sets its own patcher must call :func:`scrub` in it).
    """
    global _loguru_protected
    if _loguru_protected:
        return
    try:
        from loguru import logger
    except ImportError:  # pragma: no cover - loguru comes with pipecat
        return
    logger.configure(patcher=_scrub_loguru_record)
    _loguru_protected = True
