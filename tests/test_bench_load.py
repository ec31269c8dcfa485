"""``python -m bench.load`` runs end to end (a smoke run, not a measurement)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_a_short_ramp_with_the_breakdown_measures_every_stack(tmp_path):
    out = tmp_path / "load.json"
    proc = subprocess.run(
        [sys.executable, "-m", "bench.load", "--calls", "2", "--seconds", "1",
         "--breakdown", "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(out.read_text())
    stacks = {r["stack"]: r for r in report["rows"]}
    assert set(stacks) == {
        "direct", "guardrail", "bare", "guardrail-session", "guardrail-session+parse"
    }  # fmt: skip
    for r in stacks.values():
        assert r["messages"] == 2 * 50
        assert r["lost"] == 0
    assert report["headline"]["target"] == 0.8


def test_the_stubbed_server_refuses_an_unknown_part():
    proc = subprocess.run(
        [sys.executable, "-m", "bench.load_stub", "everything", "serve"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "usage" in proc.stderr
