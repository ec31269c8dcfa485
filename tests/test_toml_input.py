"""Config parsers of outside input: a defined result or their own error, never quoting it."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guardrail.policy import Policy, PolicyError
from guardrail.toml_input import TomlInputError, loads
from handoff.routes import RouteError, load_routes

SECRET = "4111111111111111"

SHAPES = [
    "a = " + "[" * 5000 + "]" * 5000,
    "[policy]\na = " + "1" * 5000,
    f'[policy]\n"{SECRET}" = 1\n"{SECRET}" = 2\n',
    f"[policy.{SECRET}]\n[policy.{SECRET}]\n",
    f'x = "{SECRET}\n',
    "[policy]\nssn = []\n",
    "[policy.ssn]\non_request = [[]]\n",
    "[policy]\nkeyed_digits_max = 1e400\n",
]


@pytest.mark.parametrize("text", SHAPES)
def test_known_crashers_get_a_clear_error_that_never_quotes(text):
    with pytest.raises(PolicyError) as exc:
        Policy.from_toml(text)
    assert SECRET not in str(exc.value)
    assert "1111" not in str(exc.value)


ROUTE_TABLES = [
    {"kind": []},
    {"kind": [[]]},
    {"kind": "pay", "valid_card_types": [[]]},
    {"kind": "pay", "valid_card_types": [{}]},
    {"kind": "human", "targets": [[]]},
    {"kind": "human", "targets": ["queue:a"], "hours": {(): 1}},
    {"kind": "human", "targets": [SECRET]},
    {"kind": "keypad", "sink": []},
]


@pytest.mark.parametrize("table", ROUTE_TABLES)
def test_wrong_types_in_routes_are_route_errors(table):
    with pytest.raises(RouteError) as exc:
        load_routes({"r": table})
    assert SECRET not in str(exc.value)


values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)
KEYS = st.sampled_from([
    "kind", "targets", "caller_id", "ring_timeout_s", "timezone", "hours", "after_hours",
    "payment_connector", "charge_amount", "currency", "valid_card_types", "security_code",
    "postal_code", "timeout_s", "max_attempts", "sink", "max_digits", "digit_timeout_s",
    "on_request", "on_disclosure", "route", "pause_recording", "notice", "block_message",
])  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(KEYS, values, max_size=5))
def test_any_route_table_is_a_route_or_a_route_error(table):
    with contextlib.suppress(RouteError):
        load_routes({"r": table})


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.sampled_from(["ssn", "payment_card", "pause_recording",
                                        "keyed_digits_max", "recording_after_exposure"]),
                       values | st.dictionaries(KEYS, values, max_size=4), max_size=4))  # fmt: skip
def test_any_policy_table_is_a_policy_or_a_policy_error(section):
    with contextlib.suppress(PolicyError):
        Policy.from_dict(section, routes=frozenset({"human"}))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet='[]{}="\n.,a1 #', max_size=200))
def test_any_text_parses_or_gets_a_toml_input_error(text):
    message = ""
    try:
        loads(text)
    except TomlInputError as exc:
        message = str(exc)
    if message:
        assert any(w in message for w in (" line ", "end of the file", "nested", "number"))


@pytest.mark.parametrize(
    "text",
    [
        f"[policy]\nx{SECRET} = 1\n",
        "[policy]\npasswordhunter2 = 1\n",
        "[policy.ssn]\nhunter2 = 1\n",
        "[routes.k]\nkind = 'keypad'\nhunter2 = 1\n",
    ],
)
def test_an_unknown_key_is_never_quoted(text):
    from guardrail.config import Config, ConfigError

    with pytest.raises((PolicyError, ConfigError)) as exc:
        Config.from_toml(text) if "routes" in text else Policy.from_toml(text)
    assert "hunter2" not in str(exc.value)
    assert SECRET not in str(exc.value)
