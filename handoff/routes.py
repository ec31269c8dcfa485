"""Routes: where the guardrail sends a caller, as telephony engineers configure them.

A route is a ``[routes.<name>]`` table of the guardrail's TOML config; the
policy names routes (``route = "secure_card"``). Three kinds:

``human``
    Ordered targets tried in turn (E.164 numbers, ``sip:`` URIs,
    ``queue:<name>`` for a Twilio queue), a caller ID, a ring timeout, and
    optionally business hours in a time zone with an ``after_hours`` route::

        [routes.human]
        kind = "human"
        targets = ["+1 415 555 0100", "sip:agents@pbx.example.com", "queue:support"]
        caller_id = "+1 415 555 0199"
        ring_timeout_s = 20
        timezone = "America/New_York"
        hours = { mon = "09:00-17:00", tue = "09:00-17:00", sat = "10:00-14:00" }
        after_hours = "voicemail"

``pay``
    Twilio ``<Pay>``: payment connector, charge amount (absent: tokenize
    only), accepted card types, security code and postal code prompts,
    timeout and attempts.

``keypad``
    In-stream keypad capture: the bot stays connected and never hears the
    digits; they go to ``sink`` (``"demo"`` or an ``https://`` URL).

Numbers are validated and normalised to E.164 with ``phonenumbers``. Every
problem is a :class:`RouteError` naming the key and the fix; values are not
quoted back (a route may hold a phone number).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers

__all__ = ["DAYS", "HumanRoute", "KeypadRoute", "PayRoute", "RouteError", "Target", "load_routes"]

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CARD_TYPES = frozenset(
    {"visa", "mastercard", "amex", "maestro", "discover", "optima", "jcb", "diners-club", "enroute"}
)
_SIP = re.compile(r"^sips?:[^@\s]+@[A-Za-z0-9.\-]+(?::\d{1,5})?(?:;[^\s]*)?$")
_QUEUE = re.compile(r"^queue:[A-Za-z0-9 _\-]{1,64}$")
_HOURS = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")
_NAME = re.compile(r"^[a-z][a-z0-9_\-]{0,63}$")


class RouteError(ValueError):
    """A route is not valid; the message names the key and the fix."""


@dataclass(frozen=True, slots=True)
class Target:
    """One place to ring: ``kind`` is ``number``, ``sip`` or ``queue``."""

    kind: str
    address: str


@dataclass(frozen=True, slots=True)
class HumanRoute:
    name: str
    targets: tuple[Target, ...]
    caller_id: str | None
    ring_timeout_s: int
    timezone: str | None
    hours: MappingProxyType
    after_hours: str | None
    kind: str = "human"

    def open_at(self, when: dt.datetime) -> bool:
        """Whether ``when`` (aware) is within business hours (always, if none are set)."""
        if not self.hours:
            return True
        local = when.astimezone(ZoneInfo(self.timezone)) if self.timezone else when
        span = self.hours.get(DAYS[local.weekday()])
        if span is None:
            return False
        minute = local.hour * 60 + local.minute
        return span[0] <= minute < span[1]


@dataclass(frozen=True, slots=True)
class PayRoute:
    name: str
    payment_connector: str
    charge_amount: str | None
    currency: str
    valid_card_types: tuple[str, ...]
    security_code: bool
    postal_code: bool
    timeout_s: int
    max_attempts: int
    kind: str = "pay"


@dataclass(frozen=True, slots=True)
class KeypadRoute:
    name: str
    sink: str
    max_digits: int
    digit_timeout_s: int
    kind: str = "keypad"


Route = HumanRoute | PayRoute | KeypadRoute

_KEYS = {
    "human": {"kind", "targets", "caller_id", "ring_timeout_s", "timezone", "hours", "after_hours"},
    "pay": {"kind", "payment_connector", "charge_amount", "currency", "valid_card_types",
            "security_code", "postal_code", "timeout_s", "max_attempts"},
    "keypad": {"kind", "sink", "max_digits", "digit_timeout_s"},
}  # fmt: skip


def load_routes(section: Any, *, default_region: str = "US") -> MappingProxyType:
    """Validate a ``[routes]`` mapping; return route name -> route."""
    if not isinstance(section, dict):
        raise RouteError("routes: must be a table of [routes.<name>] tables")
    routes: dict[str, Route] = {}
    for name, table in section.items():
        if not isinstance(name, str) or not _NAME.match(name) or sum(map(str.isdigit, name)) > 3:
            raise RouteError(
                "routes: route names are lower-case letters, - and _, and at most three digits"
            )
        where = f"routes.{name}"
        if not isinstance(table, dict):
            raise RouteError(f"{where}: must be a table")
        kind = table.get("kind")
        if not isinstance(kind, str) or kind not in _KEYS:
            raise RouteError(f"{where}.kind: must be one of human, pay, keypad")
        for key in table:
            if key not in _KEYS[kind]:
                raise RouteError(
                    f"{where}: an unknown key for a "
                    f"{kind} route; use {', '.join(sorted(_KEYS[kind]))}"
                )
        if kind == "human":
            routes[name] = _human(name, table, where, default_region)
        elif kind == "pay":
            routes[name] = _pay(name, table, where)
        else:
            routes[name] = _keypad(name, table, where)
    for route in routes.values():
        if isinstance(route, HumanRoute) and route.after_hours is not None:
            other = routes.get(route.after_hours)
            if other is None or other is route:
                raise RouteError(
                    f"routes.{route.name}.after_hours: name another route defined under [routes]"
                )
    return MappingProxyType(routes)


def _e164(value: Any, where: str, region: str) -> str:
    if not isinstance(value, str):
        raise RouteError(f'{where}: must be a phone number in a string, like "+1 415 555 0100"')
    try:
        parsed = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        raise RouteError(
            f"{where}: not a phone number; write it in E.164, like +14155550100"
        ) from None
    if not phonenumbers.is_valid_number(parsed):
        raise RouteError(f"{where}: not a valid phone number; check the digits and country code")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _target(value: Any, where: str, region: str) -> Target:
    if isinstance(value, str) and value.startswith(("sip:", "sips:")):
        if not _SIP.match(value):
            raise RouteError(f"{where}: not a SIP URI; write sip:user@host")
        return Target("sip", value)
    if isinstance(value, str) and value.startswith("queue:"):
        if not _QUEUE.match(value):
            raise RouteError(f"{where}: queue names are letters, digits, spaces, - and _")
        return Target("queue", value[6:])
    return Target("number", _e164(value, where, region))


def _int(table: dict, key: str, where: str, default: int, lo: int, hi: int) -> int:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise RouteError(f"{where}.{key}: must be a whole number from {lo} to {hi}")
    return value


def _bool(table: dict, key: str, where: str, default: bool) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise RouteError(f"{where}.{key}: must be true or false")
    return value


def _human(name: str, t: dict, where: str, region: str) -> HumanRoute:
    targets = t.get("targets")
    if not isinstance(targets, list) or not targets:
        raise RouteError(f"{where}.targets: list at least one number, sip: URI or queue:name")
    parsed = tuple(_target(v, f"{where}.targets[{i}]", region) for i, v in enumerate(targets))
    caller_id = _e164(t["caller_id"], f"{where}.caller_id", region) if "caller_id" in t else None
    tz = t.get("timezone")
    if tz is not None:
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise RouteError(
                f"{where}.timezone: use an IANA zone name like America/New_York"
            ) from None
    hours: dict[str, tuple[int, int]] = {}
    raw_hours = t.get("hours", {})
    if not isinstance(raw_hours, dict):
        raise RouteError(f'{where}.hours: a table of day = "HH:MM-HH:MM"')
    for day, span in raw_hours.items():
        if not isinstance(day, str) or day not in DAYS:
            raise RouteError(f"{where}.hours: days are {', '.join(DAYS)}")
        m = _HOURS.match(span) if isinstance(span, str) else None
        if m is None:
            raise RouteError(f'{where}.hours.{day}: write a span like "09:00-17:00"')
        a = int(m[1]) * 60 + int(m[2])
        b = int(m[3]) * 60 + int(m[4])
        if b <= a or b > 24 * 60:
            raise RouteError(f"{where}.hours.{day}: the end must come after the start")
        hours[day] = (a, b)
    if hours and tz is None:
        raise RouteError(f"{where}.timezone: required with hours, so they mean the right time")
    after = t.get("after_hours")
    if after is not None and not isinstance(after, str):
        raise RouteError(f"{where}.after_hours: name another route")
    return HumanRoute(
        name,
        parsed,
        caller_id,
        _int(t, "ring_timeout_s", where, 20, 5, 600),
        tz,
        MappingProxyType(hours),
        after,
    )


def _pay(name: str, t: dict, where: str) -> PayRoute:
    connector = t.get("payment_connector", "Default")
    if not isinstance(connector, str) or not connector.strip() or len(connector) > 64:
        raise RouteError(f"{where}.payment_connector: the connector's name in the Twilio console")
    amount = t.get("charge_amount")
    if amount is not None and (
        not isinstance(amount, str) or not re.fullmatch(r"\d{1,7}(\.\d{2})?", amount)
    ):
        raise RouteError(
            f'{where}.charge_amount: a string like "10.00"; leave it out to tokenize only'
        )
    currency = t.get("currency", "usd")
    if not isinstance(currency, str) or not re.fullmatch(r"[a-z]{3}", currency):
        raise RouteError(f"{where}.currency: a lower-case ISO 4217 code like usd")
    types = t.get("valid_card_types", ["visa", "mastercard", "amex"])
    if (
        not isinstance(types, list)
        or not types
        or any(not isinstance(x, str) or x not in CARD_TYPES for x in types)
    ):
        raise RouteError(f"{where}.valid_card_types: a list from {', '.join(sorted(CARD_TYPES))}")
    return PayRoute(
        name,
        connector,
        amount,
        currency,
        tuple(types),
        _bool(t, "security_code", where, True),
        _bool(t, "postal_code", where, False),
        _int(t, "timeout_s", where, 5, 1, 60),
        _int(t, "max_attempts", where, 3, 1, 10),
    )


def _keypad(name: str, t: dict, where: str) -> KeypadRoute:
    sink = t.get("sink", "demo")
    if not isinstance(sink, str) or not (sink == "demo" or sink.startswith("https://")):
        raise RouteError(f'{where}.sink: "demo" or an https:// tokenization endpoint')
    return KeypadRoute(
        name,
        sink,
        _int(t, "max_digits", where, 19, 4, 19),
        _int(t, "digit_timeout_s", where, 8, 2, 60),
    )
