"""``guardrail check``: the security checklist, run each time a connection is added.

For each connection (Twilio, the bot, the tokenization sink of each keypad
route, the store) it says what the connection may do and whether that is more
than the policy and routes need; how each secret is held; how long each kind
of data lives; which categories the bot may receive and which go to a secure
path or a human; whether webhook signatures are checked against a public
URL; whether the recording is paused for every protected category; whether
every route the policy names exists, every number is valid, and where a
caller handed to a human would go *now* and when that changes.

Each line is a :class:`Finding`: ``status`` (``ok``, ``warn``, ``fail``),
the controls it evidences (:data:`CONTROLS`), and the finding. Any ``fail``
makes the command exit non-zero. ``warn`` marks what the guardrail cannot
evidence on its own (the provider's recording retention, a sink's
authentication) or what is allowed but broader than needed.

What is printed: secret *references* (``env:NAME``, ``file:/path``) and
whether they can be read, never a value; store, bot and sink URLs as scheme
and host (a URL may carry a credential); and the phone numbers, SIP URIs and
queues of human routes in full. Those are configuration, not caller data:
they are what a telephony engineer needs to see to know where a caller would
be sent, and the config file holds them in the clear already.
"""

from __future__ import annotations

import datetime as dt
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from handoff.control import SCOPES
from handoff.routes import DAYS, HumanRoute, KeypadRoute, PayRoute

from .audit import redact_url
from .config import TWILIO_API, Config, is_loopback_host
from .detect import categories as c
from .policy import ROUTING_ACTIONS
from .retention import PCI_AUDIT_MONTHS, PCI_AUDIT_ONLINE_MONTHS
from .secrets import SecretError, SecretRef

__all__ = ["CONTROLS", "Finding", "Report", "next_change", "parse_now", "run"]

PCI_331 = "PCI DSS 3.3.1"
PCI_72 = "PCI DSS 7.2"
PCI_83 = "PCI DSS 8.3"
PCI_102 = "PCI DSS 10.2"
PCI_1051 = "PCI DSS 10.5.1"
HIPAA_B = "HIPAA 164.312(b)"
GDPR_E = "GDPR 5(1)(e)"

CONTROLS = {
    PCI_331: "sensitive authentication data is not stored after authorization",
    PCI_72: "access to data and system components by least privilege and need to know",
    PCI_83: "strong authentication; authentication factors (secrets) protected",
    PCI_102: "audit logs record the events and details needed to reconstruct them",
    PCI_1051: "audit log history kept at least 12 months, the last 3 immediately available",
    HIPAA_B: "audit controls record and let you examine activity on systems with ePHI",
    GDPR_E: "storage limitation: personal data kept no longer than necessary",
}
"""The controls a finding may evidence, with what each asks."""

STATUSES = ("ok", "warn", "fail")
_CARD = (c.PAYMENT_CARD, c.CARD_SECURITY_CODE, c.CARD_EXPIRY)
_NEVER_TO_BOT = (c.PAYMENT_CARD, c.CARD_SECURITY_CODE, c.PIN)
"""Categories whose value must never reach the bot: the card number and
sensitive authentication data (security code, PIN)."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One line of the report."""

    check: str
    status: str
    controls: tuple[str, ...]
    detail: str

    def as_dict(self) -> dict:
        return {
            "check": self.check,
            "status": self.status,
            "controls": list(self.controls),
            "detail": self.detail,
        }


@dataclass(frozen=True, slots=True)
class Report:
    """Every finding for one config, at one time, with the per-control evidence."""

    source: str
    now: dt.datetime
    findings: tuple[Finding, ...]
    evidence_commands: tuple[str, ...] = field(default=())

    @property
    def failed(self) -> bool:
        return any(f.status == "fail" for f in self.findings)

    def summary(self) -> dict:
        counts = {s: sum(f.status == s for f in self.findings) for s in STATUSES}
        return {**counts, "result": "fail" if self.failed else "ok"}

    def controls(self) -> list[dict]:
        """Per control: what it asks, the check lines that evidence it, and commands."""
        out = []
        for control, asks in CONTROLS.items():
            lines = [f for f in self.findings if control in f.controls]
            worst = (
                "fail"
                if any(f.status == "fail" for f in lines)
                else ("warn" if any(f.status == "warn" for f in lines) else "ok")
            )
            entry = {
                "control": control,
                "asks": asks,
                "status": worst if lines else "warn",
                "checks": [f.check for f in lines],
            }
            if control in (PCI_102, PCI_1051, HIPAA_B):
                entry["commands"] = list(self.evidence_commands)
            out.append(entry)
        return out

    def as_dict(self) -> dict:
        return {
            "config": self.source,
            "now": _iso(self.now),
            "checks": [f.as_dict() for f in self.findings],
            "controls": self.controls(),
            "summary": self.summary(),
        }

    def text(self) -> str:
        """The readable report: one line per check, then the evidence per control."""
        width = max((len(f.check) for f in self.findings), default=10)
        lines = [f"guardrail check: {self.source} at {_iso(self.now)}"]
        for f in self.findings:
            controls = f"  [{', '.join(f.controls)}]" if f.controls else ""
            lines.append(f"{f.status.upper():<4}  {f.check:<{width}}  {f.detail}{controls}")
        lines.append("")
        lines.append("Evidence per control:")
        for entry in self.controls():
            lines.append(f"  {entry['control']} ({entry['asks']}): {entry['status'].upper()}")
            if entry["checks"]:
                lines.append(f"    checks: {', '.join(entry['checks'])}")
            else:
                lines.append("    checks: none in this config")
            for cmd in entry.get("commands", ()):
                lines.append(f"    evidence: {cmd}")
        s = self.summary()
        lines.append("")
        lines.append(
            f"result: {s['result'].upper()} ({s['fail']} fail, {s['warn']} warn, {s['ok']} ok)"
        )
        return "\n".join(lines) + "\n"


def run(config: Config, source: str, *, now: dt.datetime) -> Report:
    """Every check on ``config`` at ``now`` (aware; business hours are judged at it)."""
    out: list[Finding] = [
        Finding(
            "config",
            "ok",
            (),
            f"loads: {len(config.routes)} route(s), a rule for each of "
            f"{len(config.policy.rules)} categories",
        )
    ]
    out += _secrets(config)
    out += _twilio(config)
    out += _scopes(config)
    out += _server(config)
    out += _bot(config)
    out += _sinks(config)
    out += _store(config)
    out += _boundaries(config)
    out += _recording_pause(config)
    out += _routes(config, now)
    out += _retention(config)
    store = redact_url(config.store_url) if config.store_url else "URL"
    commands = (
        f"guardrail audit export --store {store}",
        f"guardrail audit verify --store {store}",
    )
    return Report(source, now, tuple(out), commands)


# -- secrets ------------------------------------------------------------------


def _secret(where: str, ref: SecretRef) -> Finding:
    kind = "environment variable" if ref.ref.startswith("env:") else "owner-only file"
    try:
        ref.value()
    except SecretError as exc:
        return Finding(f"secret {where}", "fail", (PCI_83,), str(exc))
    return Finding(
        f"secret {where}",
        "ok",
        (PCI_83,),
        f"{ref.ref} ({kind}): readable now; read on every use, so rotating it needs no restart",
    )


def _secrets(config: Config) -> list[Finding]:
    out = [
        Finding(
            "secrets are references",
            "ok",
            (PCI_83,),
            "every credential is env:NAME or file:/path; a literal value is refused when the"
            " config loads",
        )
    ]
    for key in ("account_sid", "auth_token"):
        ref = getattr(config, key)
        if ref is None:
            why = (
                "no Twilio control: every recording pause fails closed and no call is redirected"
                if key == "account_sid"
                else "webhook signatures cannot be checked"
            )
            out.append(
                Finding(
                    f"secret twilio.{key}",
                    "fail",
                    (PCI_83,),
                    f"not set: {why}; set it to env:NAME or file:/path",
                )
            )
        else:
            out.append(_secret(f"twilio.{key}", ref))
    if config.api_key is not None and config.api_secret is not None:
        out.append(_secret("twilio.api_key", config.api_key))
        out.append(_secret("twilio.api_secret", config.api_secret))
    else:
        out.append(
            Finding(
                "secret twilio.api_key",
                "warn",
                (PCI_72, PCI_83),
                "not set: REST calls authenticate with the account's auth token; an API key"
                " (twilio.api_key and twilio.api_secret) can be limited and revoked on its own",
            )
        )
    return out


# -- connections ----------------------------------------------------------------


def _twilio(config: Config) -> list[Finding]:
    host = urlsplit(config.api_base_url).hostname or "?"
    if config.api_base_url == TWILIO_API:
        return [
            Finding(
                "connection twilio",
                "ok",
                (PCI_72,),
                f"REST to {host} over https; only the scopes below are allowed, anything else"
                " is refused before a request leaves the process",
            )
        ]
    plain = config.api_base_url.startswith("http://")
    return [
        Finding(
            "connection twilio",
            "warn",
            (PCI_72,),
            f"REST goes to {host}, not api.twilio.com"
            + (" (unencrypted, loopback only: a test stand-in)" if plain else ""),
        )
    ]


def _routing_rules(config: Config) -> list:
    return [
        r
        for r in config.policy.rules.values()
        if r.route and {r.on_request, r.on_disclosure} & ROUTING_ACTIONS
    ]


def _redirect_routes(config: Config) -> list[str]:
    """Routes the policy uses that take the call away from the stream (pay, human)."""
    names: list[str] = []
    for rule in _routing_rules(config):
        route = config.routes.get(rule.route)
        if isinstance(route, PayRoute | HumanRoute) and route.name not in names:
            names.append(route.name)
            after = config.routes.get(getattr(route, "after_hours", None) or "")
            if isinstance(after, HumanRoute) and after.name not in names:
                names.append(after.name)
    return names


def _scopes(config: Config) -> list[Finding]:
    policy = config.policy
    paused = [r.category for r in policy.rules.values() if r.pause_recording and r.protects]
    redirect = _redirect_routes(config)
    need: dict[str, str] = {}
    if paused:
        why = f"pause_recording is on for {len(paused)} protected categories"
        need["recording:pause"] = why
        need["recording:resume"] = why + " (each pause is resumed)"
    if redirect:
        need["call:redirect"] = f"the policy uses pay/human routes: {', '.join(redirect)}"
    if policy.recording_after_exposure == "delete":
        need["recording:delete"] = "policy.recording_after_exposure is delete"
    unneeded = {
        "recording:pause": "no protected category pauses the recording",
        "recording:resume": "no protected category pauses the recording",
        "call:redirect": "no pay or human route is used by the policy (keypad capture stays"
        " in the stream)",
        "recording:delete": "policy.recording_after_exposure is not delete",
    }
    out = []
    for scope in sorted(SCOPES):
        granted = scope in config.scopes
        check = f"scope {scope}"
        if granted and scope in need:
            out.append(Finding(check, "ok", (PCI_72,), f"granted and needed: {need[scope]}"))
        elif granted:
            out.append(
                Finding(
                    check,
                    "warn",
                    (PCI_72,),
                    f"granted but broader than needed: {unneeded[scope]}; remove it from"
                    " twilio.scopes",
                )
            )
        elif scope in need:
            out.append(
                Finding(
                    check,
                    "fail",
                    (PCI_72,),
                    f"needed but not granted: {need[scope]}; the call would fail closed;"
                    " add it to twilio.scopes",
                )
            )
    return out


def _server(config: Config) -> list[Finding]:
    out = []
    token = config.auth_token
    if token is None:
        out.append(
            Finding(
                "webhook signatures",
                "fail",
                (PCI_83,),
                "no twilio.auth_token: X-Twilio-Signature cannot be checked",
            )
        )
    else:
        try:
            token.value()
            status, detail = (
                "ok",
                "X-Twilio-Signature is required on every /twilio/* request and the media"
                f" stream upgrade (403 otherwise), checked with twilio.auth_token ({token.ref})",
            )
        except SecretError:
            status, detail = "fail", f"twilio.auth_token ({token.ref}) cannot be read now"
        out.append(Finding("webhook signatures", status, (PCI_83,), detail))
    url = config.public_url
    if url is None:
        extra = (
            " (server.trust_forwarded takes it from X-Forwarded-* headers, which only a proxy"
            " you run may set)"
            if config.trust_forwarded
            else ""
        )
        out.append(
            Finding(
                "server.public_url",
                "fail",
                (PCI_83,),
                "not set: signatures would be checked against the Host a request names"
                f"{extra}; set it to the https:// origin Twilio calls",
            )
        )
    elif url.startswith("http://"):
        ok = is_loopback_host(urlsplit(url).hostname)
        out.append(
            Finding(
                "server.public_url",
                "warn" if ok else "fail",
                (PCI_83,),
                "http:// on loopback only (tests, a local demo): unencrypted"
                if ok
                else "http:// off loopback: webhooks and media would travel unencrypted",
            )
        )
    else:
        out.append(
            Finding(
                "server.public_url",
                "ok",
                (PCI_83,),
                f"{url}: Twilio signs it; media streams go to its wss:// form",
            )
        )
    return out


def _bot_categories(config: Config) -> list[str]:
    return [r.category for r in config.policy.rules.values() if r.on_disclosure == "monitor"]


def _bot(config: Config) -> list[Finding]:
    seen = _bot_categories(config)
    gets = (
        f"the bot receives values of {', '.join(seen)} as said"
        if seen
        else "the bot receives no sensitive value: redacted text and silence in their place"
    )
    url = config.bot_url
    if url is None:
        return [
            Finding(
                "connection bot",
                "ok",
                (PCI_72,),
                f"no [bot] url: Pipecat mode (the guardrail runs in the bot's pipeline); {gets}",
            )
        ]
    parts = urlsplit(url)
    status, notes = "ok", []
    if parts.scheme == "ws":
        status, notes = "warn", ["ws:// on loopback only: unencrypted"]
    if parts.username or parts.password or parts.query:
        status = "warn"
        notes.append(
            "the URL has user info or a query string: a credential there is a literal secret"
            " in the config"
        )
    detail = f"{parts.scheme}://{parts.hostname} (proxy mode); {gets}"
    if notes:
        detail += "; " + "; ".join(notes)
    return [Finding("connection bot", status, (PCI_72,), detail)]


def _sinks(config: Config) -> list[Finding]:
    out = []
    for name, route in config.routes.items():
        if not isinstance(route, KeypadRoute):
            continue
        cats = [r.category for r in _routing_rules(config) if r.route == name]
        what = f"receives keyed {', '.join(cats)}" if cats else "not used by the policy"
        if route.sink == "demo":
            out.append(
                Finding(
                    f"connection sink routes.{name}",
                    "warn",
                    (PCI_72,),
                    f"demo sink (keeps a random token and the last four digits; accepts"
                    f" everything): not a production tokenizer; {what}",
                )
            )
        else:
            host = urlsplit(route.sink).hostname
            out.append(
                Finding(
                    f"connection sink routes.{name}",
                    "warn",
                    (PCI_72,),
                    f"https://{host} {what}; the guardrail sends it no credential, so restrict"
                    " the endpoint to this service (mTLS or network policy)",
                )
            )
    return out


def _store(config: Config) -> list[Finding]:
    url = config.store_url
    audit = (PCI_102, HIPAA_B)
    if url is None:
        return [
            Finding(
                "connection store",
                "warn",
                audit,
                "no [store] url: audit entries go only to the JSON log lines on stderr (not"
                " hash-chained; kept as long as the log pipeline keeps them) and transcripts"
                " are not kept; set store.url",
            )
        ]
    scheme = url.partition("://")[0]
    if scheme == "sqlite":
        return _sqlite_store(url, audit)
    out = []
    parts = urlsplit(url)
    if parts.password:
        out.append(
            Finding(
                "secret store.url",
                "fail",
                (PCI_83,),
                "the URL holds a password: a literal secret in the config; use a password file"
                " (PGPASSFILE) or the PGPASSWORD environment variable",
            )
        )
    out.append(_open_audit(url, audit, f"postgresql://{parts.hostname or 'localhost'}"))
    return out


def _open_audit(url: str, audit: tuple[str, ...], shown: str) -> Finding:
    from .audit import AuditError, AuditStore

    try:
        store = AuditStore.open(url, create=False)
    except AuditError as exc:
        return Finding("connection store", "fail", audit, f"{shown}: {exc}")
    try:
        result = store.verify()
    except AuditError as exc:
        return Finding("connection store", "fail", audit, f"{shown}: {exc}")
    finally:
        store.close()
    if not result.ok:
        return Finding(
            "connection store",
            "fail",
            audit,
            f"{shown}: the audit chain is broken at seq {result.seq}: {result.error}",
        )
    return Finding(
        "connection store",
        "ok",
        audit,
        f"{shown}: audit chain intact, {result.entries} entries, head {result.head}; every"
        " entry says what, when and who (never a value)",
    )


def _sqlite_store(url: str, audit: tuple[str, ...]) -> list[Finding]:
    path = url[len("sqlite:///") :]
    p = Path(path)
    shown = f"sqlite:///{path}"
    if not p.exists():
        parent = p.parent if str(p.parent) else Path(".")
        if parent.is_dir() and os.access(parent, os.W_OK):
            return [
                Finding(
                    "connection store",
                    "ok",
                    audit,
                    f"{shown}: not created yet; made at the first call (audit entries hash-"
                    "chained, transcripts beside them)",
                )
            ]
        return [
            Finding(
                "connection store",
                "fail",
                audit,
                f"{shown}: its directory does not exist or is not writable; create it",
            )
        ]
    out = [_open_audit(url, audit, shown)]
    try:
        mode = stat.S_IMODE(os.stat(p).st_mode)
    except OSError:
        mode = 0
    if mode & 0o077:
        out.append(
            Finding(
                "store file mode",
                "warn",
                (PCI_72,),
                f"{shown} is open to group or others (mode {mode:04o}); it holds redacted"
                f" transcripts and call SIDs: run chmod 600 {path}",
            )
        )
    return out


# -- data boundaries and the policy --------------------------------------------


def _boundaries(config: Config) -> list[Finding]:
    rules = config.policy.rules.values()
    out = []
    bot = _bot_categories(config)
    banned = [cat for cat in bot if cat in _NEVER_TO_BOT]
    if banned:
        out.append(
            Finding(
                "boundary bot",
                "fail",
                (PCI_331, PCI_72),
                f"on_disclosure = monitor lets the bot (and its LLM) receive {', '.join(banned)}:"
                " card numbers and authentication data must go to a secure path or be redacted",
            )
        )
    if bot and len(banned) < len(bot):
        rest = [cat for cat in bot if cat not in banned]
        out.append(
            Finding(
                "boundary bot",
                "warn",
                (PCI_72,),
                f"the bot receives values of {', '.join(rest)} (on_disclosure = monitor:"
                " audited only); redact them unless the bot needs them",
            )
        )
    if not bot:
        out.append(
            Finding(
                "boundary bot",
                "ok",
                (PCI_331, PCI_72),
                "the bot never receives a sensitive value: every category is redacted, routed"
                " or blocked before it reaches the bot",
            )
        )

    def where(action: str) -> dict[str, list[str]]:
        dest: dict[str, list[str]] = {}
        for r in rules:
            if action in (r.on_request, r.on_disclosure):
                dest.setdefault(r.route or "-", []).append(r.category)
        return dest

    secure = where("secure_path")
    if secure:
        out.append(
            Finding(
                "boundary secure path",
                "ok",
                (PCI_331, PCI_72),
                "; ".join(
                    f"{', '.join(cats)} -> {name} ({_kind(config, name)})"
                    for name, cats in secure.items()
                )
                + " (the bot never hears it)",
            )
        )
    human = where("handoff")
    if human:
        out.append(
            Finding(
                "boundary human",
                "ok",
                (PCI_72,),
                "; ".join(
                    f"{', '.join(cats)} -> {name} ({_kind(config, name)})"
                    for name, cats in human.items()
                ),
            )
        )
    redacted = [r.category for r in rules if r.on_disclosure in ("redact", "block")]
    if redacted:
        out.append(
            Finding(
                "boundary redacted",
                "ok",
                (PCI_72,),
                f"{', '.join(redacted)}: the conversation goes on; the value is replaced by"
                " [category] in what the bot, the logs and the transcripts see",
            )
        )
    return out


def _kind(config: Config, name: str) -> str:
    route = config.routes.get(name)
    return route.kind if route is not None else "NOT DEFINED"


def _recording_pause(config: Config) -> list[Finding]:
    out = []
    missing = [
        r.category for r in config.policy.rules.values() if r.protects and not r.pause_recording
    ]
    for cat in missing:
        out.append(
            Finding(
                f"recording pause {cat}",
                "fail",
                (PCI_331,) if cat in (*_CARD, c.PIN) else (),
                f"policy.{cat}.pause_recording is false: a value said on the call is kept in"
                " the provider's recording; set it to true",
            )
        )
    if not missing:
        n = sum(r.protects for r in config.policy.rules.values())
        out.append(
            Finding(
                "recording pause",
                "ok",
                (PCI_331,),
                f"the call recording is paused for every protected category ({n}), confirmed"
                " with Twilio or the call fails closed",
            )
        )
    return out


def _target(t) -> str:
    return f"queue:{t.address}" if t.kind == "queue" else t.address


def _routes(config: Config, now: dt.datetime) -> list[Finding]:
    out = []
    routes = config.routes
    named: dict[str, list[str]] = {}
    for rule in _routing_rules(config):
        named.setdefault(rule.route, []).append(rule.category)
    for name, cats in named.items():
        route = routes.get(name)
        keys = ", ".join(f"policy.{cat}.route" for cat in cats)
        if route is None:
            out.append(
                Finding(
                    f"route {name}",
                    "fail",
                    (PCI_72,),
                    f"not defined under [routes]; named by {keys}: define [routes.{name}]",
                )
            )
            continue
        wrong = []
        for cat in cats:
            rule = config.policy.rules[cat]
            acts = {rule.on_request, rule.on_disclosure}
            if "handoff" in acts and not isinstance(route, HumanRoute):
                wrong.append(f"policy.{cat} hands off to a {route.kind} route")
            if "secure_path" in acts and isinstance(route, HumanRoute):
                wrong.append(f"policy.{cat} sends a secure path to a human route")
        if wrong:
            out.append(
                Finding(
                    f"route {name}",
                    "warn",
                    (PCI_72,),
                    "; ".join(wrong) + " (handoff needs a human route; secure_path pay or keypad)",
                )
            )
        else:
            out.append(Finding(f"route {name}", "ok", (PCI_72,), f"{route.kind}, used by {keys}"))
    after = {r.after_hours for r in routes.values() if isinstance(r, HumanRoute)}
    for name, route in routes.items():
        if name not in named and name not in after:
            out.append(
                Finding(f"route {name}", "warn", (), f"{route.kind}, not used by the policy")
            )
    numbers = []
    for route in routes.values():
        if isinstance(route, HumanRoute):
            numbers += [t.address for t in route.targets if t.kind == "number"]
            if route.caller_id:
                numbers.append(route.caller_id)
    if numbers:
        out.append(
            Finding(
                "handoff numbers",
                "ok",
                (),
                f"valid E.164 (checked when the config loads): {', '.join(dict.fromkeys(numbers))}",
            )
        )
    for route in routes.values():
        if isinstance(route, HumanRoute):
            out.append(_human_now(route, routes, now))
    return out


def _local(when: dt.datetime, zone: str | None) -> str:
    local = when.astimezone(ZoneInfo(zone)) if zone else when
    return f"{DAYS[local.weekday()].capitalize()} {local:%H:%M}"


def _rings(route: HumanRoute) -> str:
    return (
        "rings "
        + ", then ".join(_target(t) for t in route.targets)
        + f" ({route.ring_timeout_s} s each)"
    )


def next_change(route: HumanRoute, now: dt.datetime) -> dt.datetime | None:
    """When ``route``'s business hours next open or close after ``now`` (``None``:
    no hours, always open, or no open day in the week ahead)."""
    if not route.hours or not route.timezone:
        return None
    zone = ZoneInfo(route.timezone)
    today = now.astimezone(zone).date()
    spans: list[tuple[dt.datetime, dt.datetime]] = []
    for d in range(-1, 9):
        day = today + dt.timedelta(days=d)
        span = route.hours.get(DAYS[day.weekday()])
        if span is None:
            continue
        midnight = dt.datetime(day.year, day.month, day.day, tzinfo=zone)
        start = midnight + dt.timedelta(minutes=span[0])
        end = midnight + dt.timedelta(minutes=span[1])
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
        else:
            spans.append((start, end))
    for start, end in spans:
        if start <= now < end:
            return end
        if start > now:
            return start
    return None


def _human_now(route: HumanRoute, routes, now: dt.datetime) -> Finding:
    check = f"route {route.name} now"
    zone = route.timezone
    if not route.hours:
        return Finding(check, "ok", (PCI_72,), f"no business hours (always open): {_rings(route)}")
    at = f"{_local(now, zone)} {zone}"
    change = next_change(route, now)
    if change is None:
        when = "and no change in the week ahead"
    else:
        when = f"{_local(change, zone)} local ({_iso(change)})"
    if route.open_at(now):
        detail = f"open now ({at}): a handoff {_rings(route)}; closes {when}"
        after = routes.get(route.after_hours or "")
        if isinstance(after, HumanRoute):
            detail += f", then goes to after-hours route {after.name}: {_rings(after)}"
        return Finding(check, "ok", (PCI_72,), detail)
    after = routes.get(route.after_hours or "")
    opens = f"; opens {when}" if change is not None else ""
    if isinstance(after, HumanRoute):
        return Finding(
            check,
            "ok",
            (PCI_72,),
            f"closed now ({at}): a handoff goes to after-hours route {after.name}, which"
            f" {_rings(after)}{opens}",
        )
    why = (
        f"after_hours names {after.name}, a {after.kind} route, which a handoff cannot use"
        if after is not None
        else "no after_hours route"
    )
    return Finding(
        check,
        "warn",
        (PCI_72,),
        f"closed now ({at}) and {why}: a handoff still {_rings(route)}{opens}",
    )


# -- retention ------------------------------------------------------------------


def _retention(config: Config) -> list[Finding]:
    r = config.retention
    out = [
        Finding(
            "retention sensitive authentication data",
            "ok",
            (PCI_331,),
            "never stored, not configurable: card security codes and PINs go to the secure"
            " path or are redacted before anything is written (audit entries hold categories,"
            " never values)",
        )
    ]
    if config.store_url is None:
        out.append(
            Finding(
                "retention transcripts",
                "ok",
                (GDPR_E,),
                f"no [store] url: no transcripts are kept (transcripts_days = {r.transcripts_days}"
                " applies once one is set)",
            )
        )
    elif r.transcripts_days == 0:
        out.append(
            Finding("retention transcripts", "ok", (GDPR_E,), "transcripts_days = 0: none are kept")
        )
    else:
        long = r.transcripts_days > 365
        out.append(
            Finding(
                "retention transcripts",
                "warn" if long else "ok",
                (GDPR_E,),
                f"redacted transcripts in the store, deleted after {r.transcripts_days} days by"
                " `guardrail purge`"
                + ("; more than a year: keep only what you need" if long else ""),
            )
        )
    long = r.recordings_days > 365
    if r.recordings_dir is None:
        detail = (
            "no recordings_dir: the guardrail writes local recordings only with replay --record,"
            " to the path given; set [retention] recordings_dir so `guardrail purge` covers them"
        )
    else:
        detail = (
            f"masked local recordings (*.wav) in {r.recordings_dir}, deleted after"
            f" {r.recordings_days} days by `guardrail purge`"
        )
    if long:
        detail += "; more than a year: keep only what you need"
    out.append(Finding("retention local recordings", "warn" if long else "ok", (GDPR_E,), detail))
    out.append(
        Finding(
            "retention provider recordings",
            "warn",
            (GDPR_E,),
            "Twilio keeps its call recordings until they are deleted there: set a retention"
            " period in the Twilio console (the guardrail pauses them and, with"
            f" recording_after_exposure = delete, deletes exposed ones; now"
            f" {config.policy.recording_after_exposure})",
        )
    )
    audit_ok = r.audit_months >= PCI_AUDIT_MONTHS
    out.append(
        Finding(
            "retention audit",
            "ok" if audit_ok else "fail",
            (PCI_1051, HIPAA_B),
            f"audit entries kept {r.audit_months} months, then deleted by `guardrail purge`"
            " (the chain stays verifiable)"
            + ("" if audit_ok else f"; PCI DSS 10.5.1 needs at least {PCI_AUDIT_MONTHS}"),
        )
    )
    online_ok = r.audit_online_months >= PCI_AUDIT_ONLINE_MONTHS
    out.append(
        Finding(
            "retention audit online",
            "ok" if online_ok else "fail",
            (PCI_1051,),
            f"the last {r.audit_online_months} months immediately available (the store keeps"
            f" all {r.audit_months} online)"
            + ("" if online_ok else f"; PCI DSS 10.5.1 needs at least {PCI_AUDIT_ONLINE_MONTHS}"),
        )
    )
    out.append(
        Finding(
            "purge audited",
            "ok" if config.store_url else "warn",
            (PCI_102,),
            "each `guardrail purge` appends an entry per kind (event purge, counts only) to the"
            " audit store"
            if config.store_url
            else "no [store] url: a purge cannot be audited (its summary goes to stdout only)",
        )
    )
    return out


def _iso(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_now(text: str | None) -> dt.datetime:
    """``--now`` (ISO-8601; no zone means UTC), or the current time."""
    if text is None:
        return dt.datetime.now(dt.UTC)
    try:
        when = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError("expected an ISO-8601 time, e.g. 2026-01-31T12:00:00Z") from None
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)
