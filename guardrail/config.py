"""The guardrail's TOML config: Twilio credentials, server, routes, policy.

::

    [twilio]
    account_sid = "env:TWILIO_ACCOUNT_SID"
    auth_token = "env:TWILIO_AUTH_TOKEN"     # checks webhook signatures
    api_key = "env:TWILIO_API_KEY"           # preferred for REST calls (optional)
    api_secret = "env:TWILIO_API_SECRET"
    scopes = ["recording:pause", "recording:resume", "call:redirect"]
    pause_behavior = "silence"

    [server]
    trust_forwarded = false                  # true only behind a proxy that sets X-Forwarded-*

    [routes.<name>]  ...                     # see handoff.routes
    [policy] ...                             # see guardrail.policy

Credentials are secret references (:mod:`guardrail.secrets`); a literal is
refused. Every problem is a :class:`ConfigError` naming the key.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from handoff.control import SCOPES
from handoff.routes import RouteError, load_routes

from .policy import Policy, PolicyError
from .secrets import SecretError, SecretRef

__all__ = ["Config", "ConfigError"]

_TOP = ("twilio", "server", "routes", "policy")
_TWILIO = ("account_sid", "auth_token", "api_key", "api_secret", "scopes", "pause_behavior")
_SERVER = ("trust_forwarded",)


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
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config is not valid TOML: {exc}") from None
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Config:
        for key in data:
            if key not in _TOP:
                raise ConfigError(
                    f"{key if len(str(key)) < 40 else '<key>'}: unknown section; "
                    f"use {', '.join(_TOP)}"
                )
        tw = data.get("twilio", {})
        sv = data.get("server", {})
        if not isinstance(tw, dict) or not isinstance(sv, dict):
            raise ConfigError("twilio and server must be tables")
        for key in tw:
            if key not in _TWILIO:
                raise ConfigError(f"twilio.{key}: unknown key; use {', '.join(_TWILIO)}")
        for key in sv:
            if key not in _SERVER:
                raise ConfigError(f"server.{key}: unknown key; use {', '.join(_SERVER)}")
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
        if not isinstance(scopes, list) or any(s not in SCOPES for s in scopes):
            raise ConfigError(f"twilio.scopes: a list from {', '.join(sorted(SCOPES))}")
        behavior = tw.get("pause_behavior", "silence")
        if behavior not in ("silence", "skip"):
            raise ConfigError(
                "twilio.pause_behavior: silence (keeps the recording's length auditable) or skip"
            )
        trust = sv.get("trust_forwarded", False)
        if not isinstance(trust, bool):
            raise ConfigError("server.trust_forwarded: true or false")
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
        )

    def rest_credentials(self) -> tuple[str, str]:
        """Username and password for Twilio's REST API, read now (rotation-safe)."""
        if self.api_key is not None and self.api_secret is not None:
            return self.api_key.value(), self.api_secret.value()
        if self.account_sid is None or self.auth_token is None:
            raise ConfigError("twilio.account_sid and twilio.auth_token (or an API key) are needed")
        return self.account_sid.value(), self.auth_token.value()
