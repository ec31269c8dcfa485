"""``guardrail demo``, run as a newcomer runs it: every protection happens, and
nothing it leaves behind holds a value the callers said or keyed."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VALUES = ("4111111111111111", "123456789")  # the card keyed in call 2, the SSN said in call 1


def _grouped(digits: str) -> re.Pattern[bytes]:
    return re.compile(rb"[\s\-./,]{0,3}".join(d.encode() for d in digits))


def test_the_demo_protects_both_calls_and_leaves_no_value_behind(tmp_path):
    """As the README runs it: no arguments, so its files go to a folder in the working
    directory (a relative path, which the config it builds must still take)."""
    out = tmp_path / "guardrail-demo"
    r = subprocess.run(
        [sys.executable, "-m", "guardrail.cli", "demo"],
        cwd=tmp_path, capture_output=True, timeout=300, check=False,
    )  # fmt: skip
    stdout = r.stdout.decode()
    assert r.returncode == 0, stdout[-2000:] + r.stderr.decode()[-2000:]
    assert "demo ok" in stdout
    summary = json.loads((out / "checks.json").read_text())
    assert summary["ok"] is True
    names = {c["check"] for c in summary["checks"]}
    assert len(names) >= 19
    assert all(c["ok"] for c in summary["checks"])
    for expected in (
        "recording paused before the caller was sent away",
        "the caller came back to the same bot conversation",
        "the SSN reached the bot only redacted",
        "the recording is silent where the SSN was spoken",
        "the audit says the pause was refused, never confirmed",
        "no keypad tone in the recording",
        "guardrail audit verify: the chain is intact",
    ):
        assert expected in names
    assert summary["added_latency_us"]["frames"] > 500
    assert (out / "timeline.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in (out / "recordings").iterdir()) == [
        "CA" + "1" * 32 + ".wav",
        "CA" + "2" * 32 + ".wav",
    ]
    verify = subprocess.run(
        [sys.executable, "-m", "guardrail.cli", "audit", "verify",
         "--store", f"sqlite:///{out / 'guardrail.db'}"],
        capture_output=True, timeout=60, check=False,
    )  # fmt: skip
    assert verify.returncode == 0, verify.stdout + verify.stderr
    # every file the demo wrote (the store's database pages included) and every
    # line it printed: no value, in any grouping
    blobs = [r.stdout, r.stderr] + [p.read_bytes() for p in out.rglob("*") if p.is_file()]
    for value in VALUES:
        pattern = _grouped(value)
        for blob in blobs:
            assert not pattern.search(blob), f"a value leaked (its first digits {value[:2]})"
