"""The TOML policy: safe defaults, overrides, and errors that say how to fix them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from guardrail.detect.categories import REQUEST_CATEGORIES
from guardrail.policy import Policy, PolicyError

ROOT = Path(__file__).resolve().parent.parent


def test_default_policy_protects_every_category():
    policy = Policy.default()
    assert set(policy.rules) == set(REQUEST_CATEGORIES)
    for rule in policy.rules.values():
        assert rule.protects
        assert rule.pause_recording
        assert rule.on_request != "monitor"
    card = policy.rule("payment_card")
    assert (card.on_request, card.on_disclosure) == ("secure_path", "secure_path")
    assert policy.rule("ssn").on_request == "handoff"


def test_example_policy_loads():
    policy = Policy.load(ROOT / "examples" / "policy.toml")
    assert policy.rule("password").on_request == "block"
    assert policy.rule("ssn").route == "identity_team"
    assert policy.rule("health").on_request == "redact"


def test_a_file_says_only_what_it_changes():
    policy = Policy.from_toml('[policy.date_of_birth]\non_request = "monitor"\n')
    assert policy.rule("date_of_birth").on_request == "monitor"
    assert policy.rule("payment_card") == Policy.default().rule("payment_card")
    assert Policy.from_toml("") == Policy.default()


def test_top_level_defaults_apply_to_every_category():
    policy = Policy.from_toml("[policy]\npause_recording = false\n")
    assert not any(r.pause_recording for r in policy.rules.values())


@pytest.mark.parametrize(
    ("toml", "words"),
    [
        (
            '[policy.payment_card]\non_request = "securepath"\n',
            "policy.payment_card.on_request: must be one of",
        ),
        ('[policy.paymentcard]\non_request = "redact"\n', "did you mean 'payment_card'"),
        (
            '[policy.ssn]\nonrequest = "redact"\n',
            "policy.ssn: an unknown key; did you mean 'on_request'",
        ),
        ('[policy.ssn]\non_request = "handoff"\nroute = ""\n', "policy.ssn.route"),
        ('[policy.pin]\npause_recording = "yes"\n', "must be true or false"),
        ('[policy.health]\non_disclosure = "handoff"\nroute = "x"\n', "health is only"),
        ("[policy\n", "not valid TOML"),
        ("policy = 3\n", "must be a table"),
    ],
)
def test_errors_name_the_key_and_the_fix(toml, words):
    with pytest.raises(PolicyError, match=words.replace("(", r"\(")):
        Policy.from_toml(toml)


def test_routing_actions_need_a_known_route():
    toml = '[policy.ssn]\non_request = "handoff"\nroute = "nowhere"\n'
    with pytest.raises(PolicyError, match=r"policy\.ssn\.route: no such route"):
        Policy.from_toml(toml, routes=frozenset({"human", "secure_card", "identity_team"}))


def test_errors_never_quote_values():
    secret = "4111111111111111"
    for toml in (
        f'[policy.ssn]\nnotice = "read back {secret}"\n',
        f'[policy.ssn]\non_request = "{secret}"\n',
        f'[policy.{secret}]\non_request = "redact"\n',
        f'[policy.ssn]\n"{secret}" = 1\n',
    ):
        with pytest.raises(PolicyError) as info:
            Policy.from_toml(toml)
        assert secret not in str(info.value)


def test_check_command(tmp_path):
    ok = subprocess.run(
        [
            sys.executable,
            "-m",
            "guardrail.cli",
            "check",
            "--config",
            str(ROOT / "examples" / "policy.toml"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    # a policy file alone has no credentials, no public_url and names routes it
    # does not define: the checklist fails it, naming the missing route
    assert ok.returncode == 1
    assert "route identity_team" in ok.stdout
    assert "payment_card" in ok.stdout
    bad = tmp_path / "bad.toml"
    bad.write_text('[policy.ssn]\non_request = "nope"\n')
    r = subprocess.run(
        [sys.executable, "-m", "guardrail.cli", "check", "--config", str(bad)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert r.returncode == 2
    assert len(r.stderr.splitlines()) == 1
    assert "policy.ssn.on_request" in r.stderr
