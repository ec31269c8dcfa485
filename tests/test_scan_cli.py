"""``guardrail scan``: the JSON Lines contract, conversation state, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECRETS = ("4111", "078-05-1123", "hunter2")


def run(data: bytes, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "guardrail.cli", "scan", *args],
        input=data,
        capture_output=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def lines(*objs) -> bytes:
    return b"".join((o if isinstance(o, bytes) else json.dumps(o).encode()) + b"\n" for o in objs)


def test_contract_shape_and_spans():
    text = "my card is 4111 1111 1111 1111 and my social is 078-05-1123"
    r = run(lines({"role": "caller", "text": text}))
    assert r.returncode == 0
    [out] = [json.loads(x) for x in r.stdout.splitlines()]
    assert set(out) == {"findings", "requests", "redacted"}
    spans = [(f["category"], text[f["start"] : f["end"]]) for f in out["findings"]]
    assert spans == [("payment_card", "4111 1111 1111 1111"), ("ssn", "078-05-1123")]
    assert out["redacted"] == "my card is [payment_card] and my social is [ssn]"
    assert out["requests"] == []


def test_lines_are_one_conversation():
    r = run(
        lines(
            {"role": "agent", "text": "What's the security code on the back?"},
            {"role": "caller", "text": "seven three seven"},
            {"role": "agent", "text": "Thanks! How many bags?"},
            {"role": "caller", "text": "seven three seven"},
        )
    )
    outs = [json.loads(x) for x in r.stdout.splitlines()]
    assert outs[0]["requests"] == ["card_security_code"]
    assert [f["category"] for f in outs[1]["findings"]] == ["card_security_code"]
    assert outs[3]["findings"] == []


def test_independent_and_default_role():
    r = run(
        lines({"text": "What's your card number?"}, {"text": "seven three seven"}),
        "--role",
        "agent",
        "--independent",
    )
    outs = [json.loads(x) for x in r.stdout.splitlines()]
    assert outs[0]["requests"] == ["payment_card"]
    assert outs[1]["findings"] == []


def test_bad_lines_get_errors_that_never_echo_input_and_the_rest_go_on():
    bad = [
        b"not json 4111111111111111",
        b"\xff\xfe 4111111111111111",
        b'{"text": 4111111111111111}',
        b'["4111111111111111"]',
        b'{"role": "4111111111111111", "text": "x"}',
        b"",
        b'{"text": "my password is hunter2"',
    ]
    good = {"text": "my social is 078-05-1123"}
    r = run(lines(*bad, good))
    assert r.returncode == 0
    outs = [json.loads(x) for x in r.stdout.splitlines()]
    assert len(outs) == len(bad) + 1
    for i, o in enumerate(outs[:-1], 1):
        assert set(o) == {"error"}
        assert o["error"].startswith(f"line {i}: ")
    assert outs[-1]["redacted"] == "my social is [ssn]"
    everything = r.stdout + r.stderr
    for secret in SECRETS:
        assert secret.encode() not in everything.replace(b"[ssn]", b"")
    assert b"Traceback" not in r.stderr


def test_empty_text_and_empty_input():
    r = run(lines({"text": ""}))
    assert json.loads(r.stdout) == {"findings": [], "requests": [], "redacted": ""}
    r = run(b"")
    assert (r.returncode, r.stdout) == (0, b"")


def test_a_megabyte_of_text():
    chunk = "my card is 4111 1111 1111 1111, call me at 555-867-5309, order 12345. "
    text = chunk * (1_000_000 // len(chunk))
    r = run(lines({"text": text}))
    assert r.returncode == 0
    out = json.loads(r.stdout)
    cards = [f for f in out["findings"] if f["category"] == "payment_card"]
    assert len(cards) == text.count("4111 1111")
    assert "4111" not in out["redacted"]
    assert len(out["findings"]) == len(cards)


def test_a_line_longer_than_a_scan_window_is_redacted_everywhere():
    from guardrail.detect.scan import _OVERLAP, _WINDOW

    chunk = "the weather is nice, my card is 4111 1111 1111 1111 thanks and "
    text = chunk * ((3 * _WINDOW + 4 * _OVERLAP) // len(chunk))
    r = run(lines({"text": text}))
    assert r.returncode == 0
    out = json.loads(r.stdout)
    assert len(out["findings"]) == text.count("4111 1111")
    assert "4111" not in out["redacted"]
    assert all(text[f["start"] : f["end"]] == "4111 1111 1111 1111" for f in out["findings"])
