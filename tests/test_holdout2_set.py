"""The second hand-written held-out set (``bench/data/handwritten2``) is well formed.

It checks the data, never the detector: the JSON Lines are the build of the
sources, and every item passes the set's own checks (spans on whole values
that read back to a valid value of their category, public test cards only).
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent.parent / "bench" / "data" / "handwritten2"
_spec = importlib.util.spec_from_file_location("build_holdout2", HERE / "build.py")
build2 = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build2)


def _items() -> list[dict]:
    return [json.loads(line) for line in (HERE / "holdout2.jsonl").read_text().splitlines()]


def test_the_jsonl_is_the_build_of_the_sources():
    assert _items() == build2.build(), "rebuild: python bench/data/handwritten2/build.py"


def test_every_item_passes_the_sets_checks():
    items = _items()
    assert len(items) >= 450
    build2.check(items)


def test_the_checks_catch_a_bad_item():
    item = {"id": "x", "role": "caller", "text": "it's 4111 1111 1111 1112", "requests": []}
    item["findings"] = [{"category": "payment_card", "start": 5, "end": 24}]
    with pytest.raises(build2.CheckError):
        build2.check([item])


def test_every_category_is_there_to_be_measured():
    items = _items()
    found = {f["category"] for it in items for f in it["findings"]}
    asked = {c for it in items for c in it["requests"]}
    assert len(found) == 10
    assert len(asked) == 11
