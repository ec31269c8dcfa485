"""The bench runs and reports the contracted shape (speed is not asserted here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_bench_quick_json_shape(tmp_path):
    out = tmp_path / "bench.json"
    r = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--json", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    rows = json.loads(out.read_text())
    names = {row["name"] for row in rows}
    assert {"media_message", "mulaw_decode_160B", "vad_frame_20ms", "dtmf_frame_20ms"} <= names
    for row in rows:
        assert set(row) == {"name", "unit", "p50", "p99", "baseline", "ratio", "budget", "ok"}
        assert row["p99"] >= row["p50"] >= 0
        if row["unit"] == "us":
            assert row["p50"] > 0
        assert isinstance(row["ok"], bool)
        if row["baseline"] is not None:
            assert abs(row["ratio"] - row["p50"] / row["baseline"]) < 0.01 * row["ratio"] + 0.01
    assert "media_message" in r.stdout
