"""bench/pipecat_transport.py runs the real transport path and reports the contracted shape.

Speed is not asserted here (bench rows carry ``ok``); what is: every lane's
frames really went through the pipeline, at both input rates, and the rows
have the shape ``python -m bench --json`` promises.
"""

from __future__ import annotations

import pytest

from bench import pipecat_transport


@pytest.mark.parametrize("rate", [8000, 16000])
def test_every_variant_measures_frames_through_the_pipeline(rate):
    t = pipecat_transport.measure_variants(
        pipecat_transport.BREAKDOWN, rate=rate, frames=40, warmup=10
    )
    assert set(t) == set(pipecat_transport.BREAKDOWN)
    for name, times in t.items():
        assert len(times) == 40, name
        assert (times > 0).all(), name


def test_rows_have_the_bench_shape():
    rows = pipecat_transport.transport_rows(quick=True, only=["pipecat_transport_input_8k"])
    assert [r.name for r in rows] == ["pipecat_transport_input_8k"]
    d = rows[0].as_dict()
    assert set(d) == {"name", "unit", "p50", "p99", "baseline", "ratio", "budget", "ok"}
    assert d["unit"] == "us"
    assert d["p99"] >= d["p50"] > 0
    assert d["baseline"] > 0
    assert abs(d["ratio"] - d["p50"] / d["baseline"]) < 0.01
    assert isinstance(d["ok"], bool)
    assert pipecat_transport.transport_rows(quick=True, only=["media_message"]) == []
