"""The hand-written tuning set (``bench/data/handwritten_dev/dev.jsonl``) is well formed.

The same checks as the held-out set (``tests/test_holdout_set.py``, whose
read-back and checksum helpers this imports): schema, spans on value
characters, every span reading back to a value of its category, coverage.
This set also writes the speech-to-text homophones a real transcript has
("for" for four, "to" for two, "won" for one, "ate" for eight) inside
values, so the read-back maps those first. It checks the data, never the
detector.
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT / "bench" / "data" / "handwritten_dev" / "dev.jsonl"


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


holdout_checks = _load(
    "test_holdout_set_helpers", Path(__file__).resolve().parent / "test_holdout_set.py"
)
build_dev = _load("build_dev", DEV.parent / "build_dev.py")
CATEGORIES = holdout_checks.CATEGORIES
TEST_CARDS = holdout_checks.TEST_CARDS
HOMOPHONES = {
    "for": "four",
    "fore": "four",
    "to": "two",
    "too": "two",
    "won": "one",
    "ate": "eight",
}


def heard(span: str) -> str:
    """The span with speech-to-text homophones of digit words put back."""
    return re.sub(r"[A-Za-z]+", lambda m: HOMOPHONES.get(m.group(0).lower(), m.group(0)), span)


def read_back(span: str, letters: bool = False) -> str:
    """The held-out reader, after the homophones are put back."""
    return holdout_checks.read_back(heard(span), letters)


def check_value(cat: str, value: str, where: str) -> None:
    """The held-out value rules (test cards, ABA, mod 97, SSN shape, lengths)."""
    spoken = heard(value)
    if cat == "password":
        assert len(value) >= 4, f"{where}: a password of fewer than 4 characters"
    else:
        holdout_checks._check_value(cat, spoken, where)


def _items() -> list[dict]:
    return [json.loads(x) for x in DEV.read_text(encoding="utf-8").splitlines() if x]


ITEMS = _items()


def test_file_is_the_build_of_its_sources() -> None:
    """The JSON Lines are exactly what the marked-up sources build to (nobody edits one alone)."""
    assert build_dev.build() == ITEMS


def test_schema_and_ids() -> None:
    assert len(ITEMS) >= 700
    assert all(it["id"].startswith("hd-") for it in ITEMS)
    holdout_checks.check_schema(ITEMS)


def test_spans_are_on_value_characters_and_do_not_overlap() -> None:
    holdout_checks.check_spans(ITEMS)


def test_every_span_reads_back_to_a_valid_value() -> None:
    for it in ITEMS:
        for f in it["findings"]:
            check_value(f["category"], it["text"][f["start"] : f["end"]], it["id"])


def test_public_test_cards_only_in_context_too() -> None:
    """No card-like digit run anywhere (context included) outside the test-card list."""
    for it in ITEMS:
        for text in [it["text"]] + [t["text"] for t in it.get("context", [])]:
            for run in re.findall(r"\d[\d -]{11,}\d", text):
                digits = re.sub(r"\D", "", run)
                if 13 <= len(digits) <= 19 and holdout_checks.luhn(digits):
                    assert digits in TEST_CARDS, f"{it['id']}: a Luhn-valid run not in the list"


def test_coverage() -> None:
    counts = Counter(f["category"] for it in ITEMS for f in it["findings"])
    counts.update(c for it in ITEMS for c in it["requests"])
    for cat in sorted(CATEGORIES | {"health"}):
        assert counts[cat] >= 25, f"{cat}: {counts[cat]} positives, want at least 25"
    roles = Counter(it["role"] for it in ITEMS)
    assert roles["agent"] >= 150
    assert roles["caller"] >= 300
    negatives = sum(1 for it in ITEMS if not it["findings"] and not it["requests"])
    assert negatives >= 0.25 * len(ITEMS)
    assert sum(1 for it in ITEMS if it.get("context")) >= 60


@pytest.mark.parametrize(
    ("span", "want"),
    [
        ("for one one won", "4111"),
        ("to ate to", "282"),
        ("forty one eleven", "4111"),
        ("oh for", "04"),
    ],
)
def test_read_back_puts_homophones_back(span: str, want: str) -> None:
    assert read_back(span) == want


def test_text_eval_scores_the_set_and_prints_its_misses(tmp_path: Path, capsys) -> None:
    """The set is a ``--split`` of its own, in ``--json``, and ``--misses`` prints its items."""
    from bench import text_eval

    out = tmp_path / "d.json"
    argv = ["--split", "handwritten_dev", "--generated-only", "--no-presidio"]
    assert text_eval.main([*argv, "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["handwritten_dev"]["items"] == len(ITEMS)
    assert set(report["handwritten_dev"]["requests"]) >= {"health"}
    capsys.readouterr()
    assert text_eval.main([*argv, "--misses", "3"]) == 0
    printed = capsys.readouterr().out
    assert "hand-written dev (tune on this)" in printed
    assert re.search(r"^- hd-", printed, re.M)
