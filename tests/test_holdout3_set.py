"""The third hand-written held-out set (``bench/data/handwritten3``) is well formed.

It checks the data, never the detector: the JSON Lines are the build of the
sources, and every item passes the set's own checks (the second set's checks,
with this set's wider list of public test cards).
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent.parent / "bench" / "data" / "handwritten3"
_spec = importlib.util.spec_from_file_location("build_holdout3", HERE / "build.py")
build3 = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build3)


def _items() -> list[dict]:
    return [json.loads(line) for line in (HERE / "holdout3.jsonl").read_text().splitlines()]


def test_the_jsonl_is_the_build_of_the_sources():
    assert _items() == build3.build(), "rebuild: python bench/data/handwritten3/build.py"


def test_every_item_passes_the_sets_checks():
    items = _items()
    assert len(items) >= 420
    assert all(it["id"].startswith("h3-") for it in items)
    build3.check(items)


def test_the_checks_catch_a_bad_item():
    item = {"id": "x", "role": "caller", "text": "it's 4111 1111 1111 1112", "requests": []}
    item["findings"] = [{"category": "payment_card", "start": 5, "end": 24}]
    with pytest.raises(build3.CheckError):
        build3.check([item])


def test_the_checks_catch_a_bad_routing_number_and_iban():
    for category, text in (
        ("routing_number", "021000022"),
        ("iban", "GB29 NWBK 6016 1331 9268 18"),
    ):
        item = {"id": "x", "role": "caller", "text": text, "requests": []}
        item["findings"] = [{"category": category, "start": 0, "end": len(text)}]
        with pytest.raises(build3.CheckError):
            build3.check([item])


def test_the_wider_test_cards_pass_and_others_do_not():
    # A Luhn-valid run of zeros: card-like, but nobody's card.
    text = "it's 4242 4242 4242 4242"
    item = {"id": "x", "role": "caller", "text": text, "requests": []}
    item["findings"] = [{"category": "payment_card", "start": 5, "end": len(text)}]
    build3.check([item])
    item = {"id": "y", "role": "caller", "text": "order 0000 0000 0000 00", "findings": []}
    item["requests"] = []
    with pytest.raises(build3.CheckError):
        build3.check([item])


def test_every_category_is_there_to_be_measured():
    items = _items()
    found = build3.mix(items)["findings"]
    asked = build3.mix(items)["requests"]
    assert len(found) == 10
    assert len(asked) == 11
    for category, n in found.items():
        assert n >= (15 if category in ("iban", "routing_number") else 20), category
    for category, n in asked.items():
        assert n >= 8, category
