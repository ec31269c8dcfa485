"""The pre-release gate: a row fails only when it stays over budget."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from bench.gate import plot_rows, run_gate
from bench.harness import Row

ROOT = Path(__file__).resolve().parent.parent


def _row(name: str, ok: bool, p50: float = 1.0) -> Row:
    rng = np.random.default_rng(len(name))
    a = rng.lognormal(0.0, 0.2, 500) * p50
    return Row(name, "us", p50, p50 * 2, 1.0, p50, "ratio<=1.5", ok, a, rng.lognormal(0, 0.2, 500))


def test_a_row_within_budget_is_not_remeasured() -> None:
    asked: list[str] = []
    result = run_gate([_row("a", True)], lambda n: asked.append(n), tries=3)
    assert result.passed
    assert asked == []
    assert result.rows[0].verdict == "ok"


def test_a_row_over_once_passes_on_remeasure_and_keeps_every_attempt() -> None:
    answers = iter([_row("a", False), _row("a", True)])
    result = run_gate([_row("a", False)], lambda n: next(answers), tries=3)
    assert result.passed
    v = result.rows[0]
    assert v.verdict == "ok_on_remeasure"
    assert [r.ok for r in v.attempts] == [False, False, True]
    assert v.final.ok


def test_a_row_that_stays_over_fails_after_exactly_tries_remeasures() -> None:
    asked: list[str] = []

    def again(name: str) -> Row:
        asked.append(name)
        return _row(name, False)

    result = run_gate([_row("fine", True), _row("slow", False)], again, tries=2)
    assert not result.passed
    assert result.failed == ["slow"]
    assert asked == ["slow", "slow"]
    assert result.rows[1].verdict == "over"
    assert len(result.as_dict()["rows"][1]["attempts"]) == 3


def test_a_row_that_cannot_be_remeasured_keeps_its_first_verdict() -> None:
    result = run_gate([_row("x", False)], lambda n: None, tries=3)
    assert not result.passed
    assert len(result.rows[0].attempts) == 1


def test_plot_has_a_panel_per_row(tmp_path: Path) -> None:
    result = run_gate([_row("a", True), _row("b", False)], lambda n: None, tries=0)
    out = plot_rows(result, tmp_path / "rows.png")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_gate_command_reports_every_attempt(tmp_path: Path) -> None:
    report = tmp_path / "gate.json"
    r = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--only", "vad_frame_20ms", "--gate",
         "--gate-json", str(report), "--png", str(tmp_path / "g.png")],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    data = json.loads(report.read_text())
    assert r.returncode == (0 if data["passed"] else 1), r.stderr
    (row,) = data["rows"]
    assert row["name"] == "vad_frame_20ms"
    assert row["verdict"] in ("ok", "ok_on_remeasure", "over")
    assert all(a["name"] == "vad_frame_20ms" for a in row["attempts"])
    assert (tmp_path / "g.png").stat().st_size > 1000
