"""The guardrail's TOML config: Twilio credentials, server, routes, policy.

::

    [twilio]
    account_sid = "env:TWILIO_ACCOUNT_SID"
    auth_token = "env:TWILIO_AUTH_TOKEN"     # checks webhook signatures
    api_key = "env:TWILIO_API_KEY"           # preferred for REST calls (optional)
    api_secret = "env:TWILIO_API_SECRET"
    scopes = ["recording:pause", "recording:resume", "call:redirect"]
    pause_behavior = "silence"

    api_base_url = "https://api.twilio.com"  # a local stand-in in tests (http:// only on loopback)

    [server]
    public_url = "https://guard.example.com" # what Twilio signs; streams go to its wss:// form
    trust_forwarded = false                  # true only behind a proxy that sets X-Forwarded-*
    drain_timeout_s = 30                     # on SIGTERM, how long live calls may go on

    [bot]
    url = "wss://bot.internal/twilio"        # proxy mode: the bot's Twilio-protocol websocket

    [store]
    url = "sqlite:///var/lib/guardrail/guardrail.db"   # read, not used yet

    [retention]                              # see guardrail.retention
    audit_months = 12

    [routes.<name>]  ...                     # see handoff.routes
    [policy] ...                             # see guardrail.policy

Credentials are secret references (:mod:`guardrail.secrets`); a literal is
refused. URLs are checked for their scheme: ``https://``/``wss://``, and
plain ``http://``/``ws://`` only to a loopback host (tests, a local bot).
Every problem is a :class:`ConfigError` naming the key by our name for it;
a message never quotes a key or value from the file (a mistyped line may hold
a secret or a number).
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from handoff.control import SCOPES, TwilioControl
from handoff.routes import RouteError, load_routes

from . import toml_input
from .policy import Policy, PolicyError
from .retention import Retention, RetentionError
from .secrets import SecretError, SecretRef

__all__ = ["Config", "ConfigError", "is_loopback_host"]

_TOP = ("twilio", "server", "bot", "store", "retention", "routes", "policy")
_TWILIO = (
    "account_sid",
    "auth_token",
    "api_key",
    "api_secret",
    "scopes",
    "pause_behavior",
    "api_base_url",
)
_SERVER = ("public_url", "trust_forwarded", "drain_timeout_s")
_BOT = ("url",)
_STORE = ("url",)
TWILIO_API = "https://api.twilio.com"


class ConfigError(ValueError):
    """The config is not valid; the message names the key and the fix."""


@dataclass(frozen=True, slots=True)
class Config:
    account_sid: SecretRef | None
    auth_token: SecretRef | None
    api_key: SecretRef | None
    api_secret: SecretRef | None
    scopes: frozenset[str]
    pause_behavior: str
    trust_forwarded: bool
    routes: MappingProxyType
    policy: Policy
    api_base_url: str = TWILIO_API
    """Where Twilio REST requests go (a local stand-in in tests)."""
    public_url: str | None = None
    """The origin Twilio calls (``https://host[:port]``): signatures are checked
    against it and the stream URL handed out is its ``wss://`` form. ``None``:
    only for a server on loopback, which uses the Host it was reached on."""
    drain_timeout_s: float = 30.0
    bot_url: str | None = None
    """Proxy mode: the bot's Twilio-protocol websocket."""
    store_url: str | None = None
    """The audit trail's store, which also keeps redacted transcripts."""
    retention: Retention = field(default_factory=Retention)
    """How long each kind of data lives (``[retention]``; :mod:`guardrail.retention`)."""
    fingerprint: str | None = None
    """``CF`` and the first 32 hex digits of the SHA-256 of the config text: which
    config was in force, for the audit entry of its load (the text holds secret
    references, never secrets)."""

    @classmethod
    def load(cls, path: str | Path) -> Config:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            raise ConfigError("config file could not be read; check the path") from None
        return cls.from_toml(text)

    @classmethod
    def from_toml(cls, text: str) -> Config:
        try:
            data = toml_input.loads(text)
        except toml_input.TomlInputError as exc:
            raise ConfigError(f"config is {exc}") from None
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        return replace(cls.from_dict(data), fingerprint="CF" + digest)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Config:
        for key in data:
            if key not in _TOP:
                raise ConfigError(f"an unknown section; the sections are {', '.join(_TOP)}")
        tw, sv = _table(data, "twilio", _TWILIO), _table(data, "server", _SERVER)
        bot, store = _table(data, "bot", _BOT), _table(data, "store", _STORE)
        try:
            refs = {
                k: SecretRef.parse(tw[k], f"twilio.{k}") if k in tw else None
                for k in ("account_sid", "auth_token", "api_key", "api_secret")
            }
        except SecretError as exc:
            raise ConfigError(str(exc)) from None
        if (refs["api_key"] is None) != (refs["api_secret"] is None):
            raise ConfigError("twilio.api_key and twilio.api_secret go together; set both")
        scopes = tw.get("scopes", ["recording:pause", "recording:resume", "call:redirect"])
        if not isinstance(scopes, list) or any(
            not isinstance(s, str) or s not in SCOPES for s in scopes
        ):
            raise ConfigError(f"twilio.scopes: a list from {', '.join(sorted(SCOPES))}")
        behavior = tw.get("pause_behavior", "silence")
        if behavior not in ("silence", "skip"):
            raise ConfigError(
                "twilio.pause_behavior: silence (keeps the recording's length auditable) or skip"
            )
        trust = sv.get("trust_forwarded", False)
        if not isinstance(trust, bool):
            raise ConfigError("server.trust_forwarded: true or false")
        drain = sv.get("drain_timeout_s", 30)
        if (
            isinstance(drain, bool)
            or not isinstance(drain, int | float)
            or not math.isfinite(drain)
            or not 0 < drain <= 3600
        ):
            raise ConfigError("server.drain_timeout_s: seconds, more than 0 and at most 3600")
        api_base = _url(
            tw.get("api_base_url", TWILIO_API), "twilio.api_base_url", "https", "http", origin=True
        )
        public = _url(sv.get("public_url"), "server.public_url", "https", "http", origin=True)
        bot_url = _url(bot.get("url"), "bot.url", "wss", "ws")
        store_url = store.get("url")
        if store_url is not None and not isinstance(store_url, str):
            raise ConfigError("store.url: a URL in a string, like sqlite:///path/guardrail.db")
        try:
            retention = Retention.from_dict(data.get("retention", {}))
        except RetentionError as exc:
            raise ConfigError(str(exc)) from None
        try:
            routes = load_routes(data.get("routes", {}))
        except RouteError as exc:
            raise ConfigError(str(exc)) from None
        try:
            known = frozenset(routes) if "routes" in data else None
            policy = Policy.from_dict(data.get("policy", {}), routes=known)
        except PolicyError as exc:
            raise ConfigError(str(exc)) from None
        return cls(
            refs["account_sid"],
            refs["auth_token"],
            refs["api_key"],
            refs["api_secret"],
            frozenset(scopes),
            behavior,
            trust,
            routes,
            policy,
            api_base or TWILIO_API,
            public,
            float(drain),
            bot_url,
            store_url,
            retention=retention,
        )

    def public_origin(self, *, websocket: bool = False) -> str | None:
        """``public_url``, or its ``wss://`` form (``ws://`` on loopback) for a
        websocket: what Twilio calls and signs in front of our paths."""
        if self.public_url is None or not websocket:
            return self.public_url
        scheme, rest = self.public_url.split("://", 1)
        return ("wss" if scheme == "https" else "ws") + "://" + rest

    @property
    def stream_url(self) -> str | None:
        """The media-stream URL handed out in TwiML: ``public_url``'s ``wss://`` form."""
        origin = self.public_origin(websocket=True)
        return None if origin is None else origin + "/twilio/media"

    def twilio_control(self, confirm_timeout_ms: float) -> TwilioControl | None:
        """The one scoped Twilio client this config grants, or ``None`` without
        credentials (recording steps then fail closed or say ``not_configured``).

        Each attempt and the whole retry deadline fit inside the session's
        ``confirm_timeout_ms``, so Twilio's answer comes before the session gives
        up on it. :class:`~guardrail.secrets.SecretError` if the account SID's
        reference cannot be read now.
        """
        if self.account_sid is None or (self.auth_token is None and self.api_key is None):
            return None
        confirm_s = confirm_timeout_ms / 1000.0
        return TwilioControl(
            self.account_sid.value(),
            self.rest_credentials,
            self.scopes,
            base_url=None if self.api_base_url == TWILIO_API else self.api_base_url,
            timeout_s=min(2.0, 0.4 * confirm_s),
            deadline_s=0.75 * confirm_s,
        )

    def rest_credentials(self) -> tuple[str, str]:
        """Username and password for Twilio's REST API, read now (rotation-safe)."""
        if self.api_key is not None and self.api_secret is not None:
            return self.api_key.value(), self.api_secret.value()
        if self.account_sid is None or self.auth_token is None:
            raise ConfigError("twilio.account_sid and twilio.auth_token (or an API key) are needed")
        return self.account_sid.value(), self.auth_token.value()


def is_loopback_host(host: str | None) -> bool:
    """Whether ``host`` (a name or an IP address, IPv6 with or without brackets)
    is this machine's loopback: ``localhost``, 127.0.0.0/8 or ``::1``."""
    if not host:
        return False
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _table(data: dict[str, Any], name: str, keys: tuple[str, ...]) -> dict[str, Any]:
    table = data.get(name, {})
    if not isinstance(table, dict):
        raise ConfigError(f"{name}: must be a table ([{name}])")
    for key in table:
        if key not in keys:
            raise ConfigError(f"{name}: an unknown key; the keys are {', '.join(keys)}")
    return table


def _url(value: object, where: str, secure: str, plain: str, *, origin: bool = False) -> str | None:
    """A checked URL: ``secure://`` anywhere, ``plain://`` only to loopback.

    With ``origin`` only ``scheme://host[:port]`` is allowed (a trailing ``/``
    is dropped): that is what Twilio signs in front of our paths. Messages say
    what is wrong without quoting the URL (it may carry a credential).
    """
    if value is None:
        return None
    example = f"{secure}://host.example.com" + ("" if origin else "/path")
    if not isinstance(value, str) or len(value) > 2048:
        raise ConfigError(f'{where}: a URL in a string, like "{example}"')
    try:
        parts = urlsplit(value)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise ConfigError(f'{where}: not a valid URL; write it like "{example}"') from None
    scheme = parts.scheme.lower()
    if not host or scheme not in (secure, plain):
        raise ConfigError(
            f'{where}: must be {secure}:// ({plain}:// only on loopback), like "{example}"'
        )
    if scheme == plain and not is_loopback_host(host):
        raise ConfigError(
            f"{where}: {plain}:// is only allowed to a loopback host; use {secure}:// "
            "(traffic to this address would go unencrypted)"
        )
    if origin:
        if parts.username or parts.password or parts.query or parts.fragment:
            raise ConfigError(f"{where}: scheme and host only, no user, query or fragment")
        if parts.path not in ("", "/"):
            raise ConfigError(
                f"{where}: scheme and host only (no path); Twilio calls our /twilio/ paths on it"
            )
        return value.rstrip("/")
    return value
