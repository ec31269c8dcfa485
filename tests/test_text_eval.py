"""The measuring instrument: the generated dev/test split and the scorer of ``bench.text_eval``.

The frozen files must be what the generator makes (so they cannot drift
silently), every gold span must sit on its value, the values must be test
cards and generated numbers only, dev and test must share no phrasing, and
the scorer must count true positives, false positives and misses as its
docstring says.
"""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from bench import text_eval
from bench.evalgen import generate as gen
from bench.evalgen.phrasings import FAMILIES
from bench.evalgen.values import PUBLIC_TEST_PANS, TEST_PANS, aba_ok, iban_ok, luhn_ok

ROOT = Path(__file__).resolve().parent.parent
FROZEN = ROOT / "bench" / "data" / "generated"


@pytest.fixture(scope="module")
def items() -> dict[str, list[dict]]:
    return gen.generate(with_values=True)


def test_regeneration_is_byte_identical_to_the_committed_split(tmp_path: Path) -> None:
    gen.write(tmp_path)
    for split in ("dev", "test"):
        assert (tmp_path / f"{split}.jsonl").read_bytes() == (
            FROZEN / f"{split}.jsonl"
        ).read_bytes(), f"{split}.jsonl differs: run python -m bench.evalgen and review the diff"


def test_split_is_large_and_every_category_has_hundreds(items: dict[str, list[dict]]) -> None:
    found: dict[str, int] = defaultdict(int)
    asked: dict[str, int] = defaultdict(int)
    negatives = 0
    for it in items["dev"] + items["test"]:
        for f in it["findings"]:
            found[f["category"]] += 1
        for c in it["requests"]:
            asked[c] += 1
        negatives += not it["findings"] and not it["requests"]
    assert len(items["dev"]) + len(items["test"]) > 5000
    assert len(found) == 10
    assert min(found.values()) >= 200
    assert len(asked) == 11
    assert min(asked.values()) >= 100
    assert negatives >= 1000


_ONES = {
    w: str(i)
    for i, w in enumerate(
        ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
    )
}
_ONES["oh"] = "0"
_TEENS = {
    w: str(10 + i)
    for i, w in enumerate(
        (
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
        )
    )
}
_TENS = {
    w: str(i + 2)
    for i, w in enumerate(
        ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
    )
}


def read_digits(text: str) -> str:
    """A reference reading of the renderings the generator makes (independent of guardrail)."""
    toks = [t for t in re.split(r"([,])|[^a-z0-9,]+", text.lower()) if t]
    out, i = [], 0
    while i < len(toks):
        t = toks[i]
        nxt = toks[i + 1] if i + 1 < len(toks) else ""
        if t.isdigit():
            out.append(t)
        elif t in ("double", "triple") and nxt in _ONES:
            out.append(_ONES[nxt] * (2 if t == "double" else 3))
            i += 1
        elif t in _ONES and nxt == "hundred":
            after = toks[i + 2] if i + 2 < len(toks) else ""
            if after in _TENS or after in _TEENS:
                out.append(_ONES[t])
            elif after in _ONES:
                out.append(_ONES[t] + "0")
            else:
                out.append(_ONES[t] + "00")
            i += 1
        elif t in _ONES:
            out.append(_ONES[t])
        elif t in _TEENS:
            out.append(_TEENS[t])
        elif t in _TENS:
            if nxt in _ONES and nxt not in ("zero", "oh"):
                out.append(_TENS[t] + _ONES[nxt])
                i += 1
            else:
                out.append(_TENS[t] + "0")
        i += 1
    return "".join(out)


def test_reference_reader_reads_the_forms_people_use() -> None:
    assert read_digits("forty one eleven, eleven eleven") == "41111111"
    assert read_digits("four triple one, double oh") == "411100"
    assert read_digits("seven hundred thirty seven") == "737"
    assert read_digits("5,105,105,105,105,100") == "5105105105105100"
    assert read_digits("two eighty eight") == "288"
    assert read_digits("one twenty, five eighty eight") == "120588"


DIGIT_CATEGORIES = {"payment_card", "ssn", "routing_number", "bank_account", "pin"}


def test_every_gold_span_sits_on_its_value(items: dict[str, list[dict]]) -> None:
    checked = 0
    for it in items["dev"] + items["test"]:
        text = it["text"]
        spans = sorted((f["start"], f["end"]) for f in it["findings"])
        for (_, e1), (s2, _) in itertools.pairwise(spans):
            assert e1 <= s2, it["id"]
        for f, rendering in zip(it["findings"], it["renderings"], strict=True):
            s, e = f["start"], f["end"]
            assert 0 <= s < e <= len(text), it["id"]
            piece = text[s:e]
            assert piece == piece.strip(" ,.") or piece.endswith(("!", "$", "#")), it["id"]
            assert s == 0 or not text[s - 1].isalnum(), it["id"]
            assert e == len(text) or not text[e].isalnum(), it["id"]
            # without commas, pairs are ambiguous ("three fifty nine seventeen"), as in real STT
            ambiguous = rendering.endswith(":pairs") and "," not in piece
            if not ambiguous and (
                f["category"] in DIGIT_CATEGORIES
                or (f["category"] == "card_security_code" and it["style"] != "selfcorrect")
            ):
                read = read_digits(piece)
                if it["kind"].endswith(".fragments"):  # the second transcript fragment
                    assert f["value"].endswith(read), (it["id"], piece)
                    continue
                assert read.endswith(f["value"]), (it["id"], piece)
                if it["style"] in ("clean", "nopunct", "lower", "hesitation", "fillers"):
                    assert read == f["value"], (it["id"], piece)
                checked += 1
            elif f["category"] == "iban":
                compact = re.sub(r"[^A-Za-z0-9]", "", piece).upper()
                if compact.isalnum() and len(compact) == len(f["value"]):
                    assert compact == f["value"], it["id"]
            elif f["category"] == "password" and "password:token" in it["renderings"]:
                assert f["value"] in piece, it["id"]
    assert checked > 1500


def _digit_runs(text: str) -> list[str]:
    return [re.sub(r"\D", "", m) for m in re.findall(r"\d(?:[ .-]?\d)*", text)]


def test_values_are_only_test_cards_and_generated_numbers(items: dict[str, list[dict]]) -> None:
    assert set(PUBLIC_TEST_PANS) <= set(TEST_PANS)
    assert all(luhn_ok(p) for p in TEST_PANS)
    for it in items["dev"] + items["test"]:
        for f in it["findings"]:
            v, cat = f["value"], f["category"]
            if cat == "payment_card":
                assert v in TEST_PANS
                assert luhn_ok(v)
            elif cat == "ssn" and len(v) == 9:
                area, group, serial = int(v[:3]), int(v[3:5]), int(v[5:])
                assert 0 < area < 900
                assert area != 666
                assert group > 0
                assert serial > 0
            elif cat == "routing_number":
                assert aba_ok(v)
            elif cat == "iban":
                assert iban_ok(v)
                assert v[:2] in ("GB", "DE", "FR", "NL", "ES")
        # nothing card-like that is not a published test card, anywhere in any line
        # (outside the digits of a generated IBAN)
        text = it["text"]
        for f in it["findings"]:
            if f["category"] == "iban":
                text = text[: f["start"]] + " " * (f["end"] - f["start"]) + text[f["end"] :]
        for line in [text, *(t["text"] for t in it["context"])]:
            for run in _digit_runs(line):
                if 13 <= len(run) <= 19 and luhn_ok(run):
                    assert run in TEST_PANS, it["id"]


def test_dev_and_test_share_no_template(items: dict[str, list[dict]]) -> None:
    tmpl = {s: {it["template"] for it in items[s]} for s in ("dev", "test")}
    assert tmpl["dev"]
    assert tmpl["test"]
    assert not tmpl["dev"] & tmpl["test"]
    texts: dict[str, set[str]] = {"dev": set(), "test": set()}
    for fam in FAMILIES:
        for i, split in gen.split_of(fam).items():
            texts[split].add(fam.templates[i])
    assert not texts["dev"] & texts["test"]
    # context lines (agent requests, re-asks) come from the item's own split
    agent_lines = {s: {it["text"] for it in items[s] if it["role"] == "agent"} for s in texts}
    for split in ("dev", "test"):
        for it in items[split]:
            for turn in it["context"]:
                if turn["role"] == "agent":
                    assert turn["text"] in texts[split], it["id"]
    assert agent_lines["dev"].isdisjoint(agent_lines["test"])
    ids = [it["id"] for s in ("dev", "test") for it in items[s]]
    assert len(ids) == len(set(ids))


def test_scorer_counts_overlaps_wrong_categories_and_request_sets() -> None:
    items = [
        {  # a card found (partly), a code missed, a stray expiry
            "id": "a",
            "role": "caller",
            "text": "card 4111 1111 1111 1111 code 737 on 12/29",
            "findings": [
                {"category": "payment_card", "start": 5, "end": 24},
                {"category": "card_security_code", "start": 30, "end": 33},
            ],
            "requests": [],
            "context": [],
            "kind": "k",
            "style": "clean",
        },
        {  # a PIN reported as a security code: a miss for pin, a false positive for the code
            "id": "b",
            "role": "caller",
            "text": "pin 4321",
            "findings": [{"category": "pin", "start": 4, "end": 8}],
            "requests": [],
            "context": [],
            "kind": "k",
            "style": "clean",
        },
        {  # asks for card and expiry; found card and code
            "id": "c",
            "role": "agent",
            "text": "card and expiry please",
            "findings": [],
            "requests": ["payment_card", "card_expiry"],
            "context": [],
            "kind": "k",
            "style": "clean",
        },
    ]
    predictions = {
        "a": ([("payment_card", 10, 14), ("card_expiry", 37, 42)], []),
        "b": ([("card_security_code", 4, 8)], []),
        "c": ([], ["payment_card", "card_security_code"]),
    }
    report, examples = text_eval.eval_generated(
        items, misses=5, predictor=lambda it: predictions[it["id"]]
    )
    f, r = report["findings"], report["requests"]
    assert (f["payment_card"]["tp"], f["payment_card"]["fp"], f["payment_card"]["fn"]) == (1, 0, 0)
    assert (f["card_security_code"]["tp"], f["card_security_code"]["fp"]) == (0, 1)
    assert f["card_security_code"]["fn"] == 1
    assert (f["card_expiry"]["fp"], f["pin"]["fn"], f["pin"]["tp"]) == (1, 1, 0)
    assert report["findings_all"] == {
        "tp": 1,
        "fp": 2,
        "fn": 2,
        "precision": round(1 / 3, 3),
        "recall": round(1 / 3, 3),
    }
    assert (r["payment_card"]["tp"], r["card_expiry"]["fn"], r["card_security_code"]["fp"]) == (
        1,
        1,
        1,
    )
    assert [e["id"] for e in examples["missed"]] == ["a", "b", "c"]
    assert [e["id"] for e in examples["false"]] == ["a", "b", "c"]


def test_context_items_go_through_the_call_scanner() -> None:
    item = {
        "id": "x",
        "role": "caller",
        "text": "4111 1111 1111 1111",
        "findings": [],
        "requests": [],
        "context": [{"role": "agent", "text": "What's the card number?"}],
    }
    found, requested = text_eval.predict(item)
    assert [c for c, _, _ in found] == ["payment_card"]
    assert requested == []
    agent = dict(item, role="agent", text="What's your date of birth?", context=[])
    assert text_eval.predict(agent)[1] == ["date_of_birth"]


def test_text_eval_runs_from_the_repo_copy(tmp_path: Path) -> None:
    out = tmp_path / "x.json"
    assert text_eval.DEFAULT_EVAL.is_relative_to(ROOT)
    proc = subprocess.run(
        [sys.executable, "-m", "bench.text_eval", "--no-presidio", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(out.read_text())
    assert set(report["generated"]) == {"dev", "test"}
    assert report["generated"]["test"]["findings"]["payment_card"]["tp"] > 0
    for key in ("presidio_recognizer_cases", "presidio_synth_dataset_v2", "nemo_spoken_numbers"):
        assert report[key]
    assert report["adyen"]["card:compact:bare"]["of"] > 0
    assert "generated test (held out" in proc.stdout
    for key in (
        "handwritten_holdout",
        "handwritten_holdout2",
        "handwritten_holdout3",
        "handwritten_dev",
    ):
        assert report[key]["findings_all"]["tp"] > 0


@pytest.mark.parametrize("split", ["holdout", "holdout2", "holdout3"])
def test_misses_refuses_the_held_out_sets(split: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        text_eval.main(["--split", split, "--misses", "3", "--no-presidio"])
    err = capsys.readouterr().err
    assert "never tuned on" in err


def test_misses_lists_failures_of_one_category_on_dev(capsys: pytest.CaptureFixture[str]) -> None:
    argv = [
        "--generated-only",
        "--no-presidio",
        "--split",
        "dev",
        "--category",
        "card_security_code",
    ]
    assert text_eval.main([*argv, "--misses", "3"]) == 0
    out = capsys.readouterr().out
    assert "generated dev" in out
    assert "generated test" not in out
    assert "missed on dev" in out
    assert "false on dev" in out
    assert "payment_card" not in out.split("missed on dev")[0]
