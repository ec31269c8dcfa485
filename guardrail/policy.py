"""The written policy: per category, what happens when it is asked for or disclosed.

A policy is TOML, read with the standard library's ``tomllib``, under a
``[policy]`` table of the guardrail's config file::

    [policy]
    pause_recording = true            # default for every category
    keyed_digits_max = 3              # longer keyed runs never reach the bot
    keyed_digits_gap_ms = 1500        # a pause this long ends a keyed run

    [policy.payment_card]
    on_request = "secure_path"        # the agent asks for it
    on_disclosure = "secure_path"     # the caller says it anyway
    route = "secure_card"             # where secure_path / handoff send the caller
    pause_recording = true
    notice = "The caller is giving their card on the secure line."

Actions:

- ``secure_path``: the caller gives the value to a secure path (Twilio
  ``<Pay>`` or in-stream keypad capture) that the bot never hears;
- ``handoff``: the caller is routed to a human;
- ``redact``: the conversation goes on; the value is redacted from
  everything the bot, the logs and the transcripts see;
- ``block``: an agent request is replaced by ``block_message`` (a disclosure
  is redacted and the bot is told to move on);
- ``monitor``: only audited.

The default policy is the safe one: every category is protected, so a team
that forgets to configure something gets protection, not exposure. A file
only needs to say what it changes. Every problem is a :class:`PolicyError`
naming the key and saying how to fix it; values are never quoted back.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from . import toml_input
from .detect import categories as c

__all__ = ["ACTIONS", "Policy", "PolicyError", "Rule"]

ACTIONS = ("secure_path", "handoff", "redact", "block", "monitor")
ROUTING_ACTIONS = frozenset({"secure_path", "handoff"})
_RULE_KEYS = ("on_request", "on_disclosure", "route", "pause_recording", "notice", "block_message")
_TOP_KEYS = (
    "pause_recording",
    "notice",
    "block_message",
    "recording_after_exposure",
    "keyed_digits_max",
    "keyed_digits_gap_ms",
    *c.REQUEST_CATEGORIES,
)
_MAX_TEXT = 500


class PolicyError(ValueError):
    """The policy is not valid; the message names the key and the fix."""


@dataclass(frozen=True, slots=True)
class Rule:
    """What the guardrail does for one category."""

    category: str
    on_request: str
    on_disclosure: str
    route: str | None
    pause_recording: bool
    notice: str
    block_message: str

    @property
    def protects(self) -> bool:
        """Whether anything beyond auditing happens for this category."""
        return self.on_request != "monitor" or self.on_disclosure != "monitor"


_CARD_NOTICE = "The caller is giving their card details on a secure line; do not ask for them."
_HUMAN_NOTICE = "The caller is being connected to a member of staff for this."
_REDACT_NOTICE = "The caller shared a sensitive value; it was removed. Do not ask for it again."
_BLOCK = "For your security I can't take that over this line."


def _default_rules() -> dict[str, Rule]:
    card = ("secure_path", "secure_path", "secure_card", _CARD_NOTICE)
    human = ("handoff", "redact", "human", _HUMAN_NOTICE)
    table = {
        c.PAYMENT_CARD: card,
        c.CARD_SECURITY_CODE: card,
        c.CARD_EXPIRY: card,
        c.SSN: human,
        c.BANK_ACCOUNT: human,
        c.ROUTING_NUMBER: human,
        c.IBAN: human,
        c.PIN: human,
        c.PASSWORD: human,
        c.DATE_OF_BIRTH: ("redact", "redact", None, _REDACT_NOTICE),
        c.HEALTH: ("redact", "redact", None, _REDACT_NOTICE),
    }
    return {
        cat: Rule(cat, req, disc, route, True, notice, _BLOCK)
        for cat, (req, disc, route, notice) in table.items()
    }


@dataclass(frozen=True, slots=True)
class Policy:
    """A validated policy: one :class:`Rule` per category (all categories present).

    ``recording_after_exposure`` says what happens, once the call ends, to a
    provider recording that caught a disclosure before it could be paused:
    ``quarantine`` (kept, with the exact spans to redact; the default) or
    ``delete`` (through Twilio's API; needs the ``recording:delete`` scope).
    """

    rules: MappingProxyType
    recording_after_exposure: str = "quarantine"
    keyed_digits_max: int = 3
    """Keyed input is protected on its own merits, asked for or not: a run of
    keypad digits (ended by ``#``, ``*`` or a pause of ``keyed_digits_gap_ms``)
    reaches the bot only if it has at most this many digits -- a menu choice,
    not a card, an account, an SSN or a PIN. Longer runs are withheld."""
    keyed_digits_gap_ms: float = 1500.0

    def rule(self, category: str) -> Rule:
        rule = self.rules.get(category)
        if rule is None:
            raise PolicyError(f"unknown category; use one of {', '.join(c.REQUEST_CATEGORIES)}")
        return rule

    @property
    def routes(self) -> frozenset[str]:
        """Every route name the policy refers to."""
        return frozenset(r.route for r in self.rules.values() if r.route)

    @classmethod
    def default(cls) -> Policy:
        """The built-in policy: every category protected, the recording paused."""
        return cls(MappingProxyType(_default_rules()))

    @classmethod
    def load(cls, path: str | Path, *, routes: frozenset[str] | None = None) -> Policy:
        """Read the ``[policy]`` table of a TOML config file."""
        try:
            raw = Path(path).read_bytes()
        except OSError:
            raise PolicyError("config file could not be read; check the path") from None
        return cls.from_toml(raw.decode("utf-8", errors="replace"), routes=routes)

    @classmethod
    def from_toml(cls, text: str, *, routes: frozenset[str] | None = None) -> Policy:
        try:
            data = toml_input.loads(text)
        except toml_input.TomlInputError as exc:
            raise PolicyError(f"config is {exc}") from None
        section = data.get("policy", {})
        return cls.from_dict(section, routes=routes)

    @classmethod
    def from_dict(cls, section: Any, *, routes: frozenset[str] | None = None) -> Policy:
        """Validate a ``[policy]`` mapping over the defaults.

        ``routes``, when given, is the set of route names the deployment
        defines; a rule that routes elsewhere is an error.
        """
        if not isinstance(section, dict):
            raise PolicyError("policy: must be a table ([policy])")
        for key in section:
            if key not in _TOP_KEYS:
                raise PolicyError(f"policy: an unknown key{_suggest(key, _TOP_KEYS)}")
        rules = _default_rules()
        exposure = section.get("recording_after_exposure", "quarantine")
        if exposure not in ("quarantine", "delete"):
            raise PolicyError(
                "policy.recording_after_exposure: quarantine (keep, with the spans to redact)"
                " or delete"
            )
        base_pause = _bool(section, "pause_recording", "policy", None)
        base_notice = _text(section, "notice", "policy", None)
        base_block = _text(section, "block_message", "policy", None)
        for cat, rule in list(rules.items()):
            changes: dict[str, Any] = {}
            if base_pause is not None:
                changes["pause_recording"] = base_pause
            if base_notice is not None:
                changes["notice"] = base_notice
            if base_block is not None:
                changes["block_message"] = base_block
            table = section.get(cat)
            if table is not None:
                changes.update(_rule_changes(cat, table))
            rule = replace(rule, **changes)
            where = f"policy.{cat}"
            if cat == c.HEALTH and rule.on_disclosure not in ("redact", "monitor"):
                raise PolicyError(
                    f"{where}.on_disclosure: health is only detected in agent requests;"
                    " use 'redact' or 'monitor'"
                )
            needs_route = {rule.on_request, rule.on_disclosure} & ROUTING_ACTIONS
            if needs_route and not rule.route:
                raise PolicyError(
                    f"{where}.route: required when an action is secure_path or handoff;"
                    " name a route defined under [routes]"
                )
            if routes is not None and rule.route and rule.route not in routes:
                raise PolicyError(
                    f"{where}.route: no such route; define it under [routes] or use one of "
                    f"{', '.join(sorted(routes)) or '(none defined)'}"
                )
            if "block" in (rule.on_request, rule.on_disclosure) and not rule.block_message:
                raise PolicyError(f"{where}.block_message: required when an action is block")
            rules[cat] = rule
        keyed_max = section.get("keyed_digits_max", 3)
        if isinstance(keyed_max, bool) or not isinstance(keyed_max, int) or not 0 <= keyed_max <= 8:
            raise PolicyError(
                "policy.keyed_digits_max: a whole number from 0 to 8 (longer keyed runs are"
                " withheld from the bot)"
            )
        gap = section.get("keyed_digits_gap_ms", 1500)
        if isinstance(gap, bool) or not isinstance(gap, int | float) or not 300 <= gap <= 10_000:
            raise PolicyError("policy.keyed_digits_gap_ms: milliseconds from 300 to 10000")
        return cls(MappingProxyType(rules), exposure, keyed_max, float(gap))


def _rule_changes(cat: str, table: Any) -> dict[str, Any]:
    where = f"policy.{cat}"
    if not isinstance(table, dict):
        raise PolicyError(f"{where}: must be a table ([{where}])")
    for key in table:
        if key not in _RULE_KEYS:
            raise PolicyError(f"{where}: an unknown key{_suggest(key, _RULE_KEYS)}")
    out: dict[str, Any] = {}
    for key in ("on_request", "on_disclosure"):
        if key in table:
            value = table[key]
            if not isinstance(value, str) or value not in ACTIONS:
                raise PolicyError(f"{where}.{key}: must be one of {', '.join(ACTIONS)}")
            out[key] = value
    if "route" in table:
        route = table["route"]
        if not isinstance(route, str) or not route.strip() or len(route) > 64:
            raise PolicyError(f"{where}.route: must be a route name (a short string)")
        out["route"] = route
    pause = _bool(table, "pause_recording", where, None)
    if pause is not None:
        out["pause_recording"] = pause
    for key in ("notice", "block_message"):
        value = _text(table, key, where, None)
        if value is not None:
            out[key] = value
    return out


def _bool(table: dict, key: str, where: str, default: bool | None) -> bool | None:
    if key not in table:
        return default
    value = table[key]
    if not isinstance(value, bool):
        raise PolicyError(f"{where}.{key}: must be true or false")
    return value


def _text(table: dict, key: str, where: str, default: str | None) -> str | None:
    if key not in table:
        return default
    value = table[key]
    if not isinstance(value, str) or len(value) > _MAX_TEXT:
        raise PolicyError(f"{where}.{key}: must be a string of at most {_MAX_TEXT} characters")
    if any(ch.isdigit() for ch in value) and _looks_like_value(value):
        raise PolicyError(f"{where}.{key}: must not contain long numbers (it is read to people)")
    return value


def _looks_like_value(text: str) -> bool:
    digits = sum(ch.isdigit() for ch in text)
    return digits >= 6


def _suggest(key: Any, choices: tuple[str, ...]) -> str:
    """A hint from our own names (never the key as written, which may hold a value)."""
    close = difflib.get_close_matches(str(key)[:64], choices, n=1)
    if close:
        return f"; did you mean {close[0]!r}?"
    return f"; expected one of {', '.join(choices)}"
