"""``python -m bench.text_eval [--eval DIR] [--json PATH]``: detector accuracy on outside material.

Measures, against the material in ``shared/eval`` (see its README):

- Presidio's own recognizer test vectors and its research dataset: precision
  and recall per category, ours beside Presidio's pattern recognizers on the
  same text (when presidio-analyzer is installed: ``pip install -e '.[bench]'``);
- NVIDIA NeMo's spoken/written number pairs: how often our reading of the
  spoken form gives exactly the digits of the written form;
- Adyen's test cards and IBANs, written and read aloud: recall.

A span counts as found when a finding of the same category overlaps it.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

from guardrail.detect import scan
from guardrail.detect.numbers import number_runs, tokenize

from . import presidio_baseline

DEFAULT_EVAL = Path(__file__).resolve().parent.parent.parent / "shared" / "eval"
MAP = presidio_baseline.ENTITY_TO_CATEGORY
CATS = ("payment_card", "ssn", "iban", "routing_number", "bank_account")


class Tally:
    def __init__(self) -> None:
        self.tp = self.fp = self.fn = 0

    def add(self, gold: list[tuple[int, int]], found: list[tuple[int, int]]) -> None:
        hit = [any(s < ge and gs < e for s, e in found) for gs, ge in gold]
        self.tp += sum(hit)
        self.fn += len(gold) - sum(hit)
        self.fp += sum(1 for s, e in found if not any(s < ge and gs < e for gs, ge in gold))

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    def as_dict(self) -> dict:
        p, r = self.precision, self.recall
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": None if p is None else round(p, 3),
            "recall": None if r is None else round(r, 3),
        }


def _ours(text: str) -> list[tuple[str, int, int]]:
    return [(f.category, f.start, f.end) for f in scan(text, "caller").findings]


def _systems(use_presidio: bool) -> dict:
    systems = {"guardrail": _ours}
    if use_presidio:
        systems["presidio"] = presidio_baseline.presidio_findings
    return systems


def eval_recognizer_cases(path: Path, systems: dict) -> dict:
    data = json.loads(path.read_text())
    out: dict = defaultdict(lambda: defaultdict(Tally))
    for case in data["cases"]:
        ent = case["entity"]
        if not isinstance(ent, str) or ent not in MAP or ent == "DATE_TIME":
            continue
        params = case.get("params") or {}
        if params.get("language", "en") not in ("en", None):
            continue
        cat = MAP[ent]
        gold = [tuple(s) for s in case["spans"]] if case["expected_count"] else []
        for name, fn in systems.items():
            found = [(s, e) for c, s, e in fn(case["text"]) if c == cat]
            out[cat][name].add(gold, found)
    return {cat: {n: t.as_dict() for n, t in v.items()} for cat, v in out.items()}


def eval_synth(path: Path, systems: dict) -> dict:
    data = json.loads(path.read_text())
    cats = {"CREDIT_CARD": "payment_card", "US_SSN": "ssn", "IBAN_CODE": "iban"}
    out: dict = defaultdict(lambda: defaultdict(Tally))
    for ex in data:
        text = ex["full_text"]
        results = {name: fn(text) for name, fn in systems.items()}
        for ent, cat in cats.items():
            gold = [
                (s["start_position"], s["end_position"])
                for s in ex["spans"]
                if s["entity_type"] == ent
            ]
            for name, res in results.items():
                out[cat][name].add(gold, [(s, e) for c, s, e in res if c == cat])
    return {cat: {n: t.as_dict() for n, t in v.items()} for cat, v in out.items()}


def _spoken_digits(spoken: str) -> str:
    return "".join(r.digits for r in number_runs(tokenize(spoken)))


def eval_nemo(path: Path) -> dict:
    data = json.loads(path.read_text())
    out = {}
    for direction in ("nemo_itn", "nemo_tn"):
        for cls, pairs in data[direction].items():
            if cls in ("word", "whitelist", "electronic"):
                continue
            total = exact = 0
            for p in pairs:
                want = re.sub(r"\D", "", p["written"])
                if not want:
                    continue
                total += 1
                exact += _spoken_digits(p["spoken"]) == want
            if total:
                out[f"{direction[5:]}:{cls}"] = {
                    "pairs": total,
                    "exact": exact,
                    "rate": round(exact / total, 3),
                }
    return out


_WORD = ("oh", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_TEEN = (
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
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")


def _pair(p: str) -> str:
    a, b = int(p[0]), int(p[1])
    if a == 0:
        return f"oh {_WORD[b]}"
    if a == 1:
        return _TEEN[b]
    return _TENS[a] if b == 0 else f"{_TENS[a]} {_WORD[b]}"


def spoken_forms(digits: str) -> list[str]:
    """Ways a caller reads ``digits`` aloud, as speech-to-text writes them.

    Digit by digit in groups of four; as pairs ("forty one eleven"), where a
    lone last digit follows a comma, as people pause before it ("twenty,
    one" is 201; "twenty one" is 21); and digits mixed with words.
    """
    groups = [digits[i : i + 4] for i in range(0, len(digits), 4)]
    per_digit = ", ".join(" ".join(_WORD[int(d)] for d in g) for g in groups)
    pair_groups = []
    for g in groups:
        words = " ".join(_pair(g[i : i + 2]) for i in range(0, len(g) - 1, 2))
        if len(g) % 2:
            words = f"{words}, {_WORD[int(g[-1])]}" if words else _WORD[int(g[-1])]
        pair_groups.append(words)
    mixed = " ".join(d if i % 3 == 0 else _WORD[int(d)] for i, d in enumerate(digits))
    return [per_digit, ", ".join(pair_groups), mixed]


def eval_adyen(folder: Path, systems: dict | None = None) -> dict:
    cards = json.loads((folder / "adyen_test_cards.json").read_text())
    ibans = json.loads((folder / "adyen_test_ibans.json").read_text())
    res: dict = defaultdict(lambda: [0, 0])
    misses: list[str] = []
    for group in cards:
        for item in group["items"]:
            raw = item["cardnumber"]
            digits = re.sub(r"\D", "", raw)
            forms = {"written": raw, "compact": digits}
            for k, s in enumerate(spoken_forms(digits)):
                forms[f"spoken{k}"] = s
            for name, form in forms.items():
                for ctx in ("", "my card number is "):
                    text = ctx + form
                    for sysname, fn in (systems or {"guardrail": _ours}).items():
                        found = [(s, e) for cat, s, e in fn(text) if cat == "payment_card"]
                        key = f"card:{name}:{'context' if ctx else 'bare'}"
                        if sysname != "guardrail":
                            key = f"{key}:{sysname}"
                        res[key][1] += 1
                        ok = any(s <= len(ctx) and e >= len(text) - 1 for s, e in found)
                        res[key][0] += ok
                        if not ok and sysname == "guardrail" and len(misses) < 20:
                            misses.append(f"{group['group']} {key}")
    for item in ibans:
        iban = item["iban"]
        grouped = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
        for name, form in (("compact", iban), ("grouped", grouped)):
            found = [f for f in scan(f"my IBAN is {form}").findings if f.category == "iban"]
            res[f"iban:{name}"][1] += 1
            res[f"iban:{name}"][0] += bool(found)
    out = {k: {"found": a, "of": b, "recall": round(a / b, 3)} for k, (a, b) in res.items()}
    out["misses"] = misses
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.text_eval", description=__doc__)
    p.add_argument("--eval", type=Path, default=DEFAULT_EVAL, help="the shared/eval folder")
    p.add_argument("--json", metavar="PATH", help="write the results as JSON")
    p.add_argument("--no-presidio", action="store_true", help="skip the Presidio baseline")
    args = p.parse_args(argv)
    use_presidio = not args.no_presidio and presidio_baseline.available()
    systems = _systems(use_presidio)
    report = {
        "presidio_recognizer_cases": eval_recognizer_cases(
            args.eval / "presidio" / "recognizer_cases.json", systems
        ),
        "presidio_synth_dataset_v2": eval_synth(
            args.eval / "presidio" / "synth_dataset_v2.json", systems
        ),
        "nemo_spoken_numbers": eval_nemo(args.eval / "spoken" / "nemo_pairs.json"),
        "adyen": eval_adyen(args.eval / "cards", systems),
    }
    w = sys.stdout.write
    for ds in ("presidio_recognizer_cases", "presidio_synth_dataset_v2"):
        w(
            f"\n{ds}\n{'category':<16}{'system':<11}{'tp':>5}{'fp':>5}{'fn':>5}"
            f"{'precision':>11}{'recall':>8}\n"
        )
        for cat, by in sorted(report[ds].items()):
            for name, t in by.items():
                pr = "-" if t["precision"] is None else f"{t['precision']:.3f}"
                rc = "-" if t["recall"] is None else f"{t['recall']:.3f}"
                w(f"{cat:<16}{name:<11}{t['tp']:>5}{t['fp']:>5}{t['fn']:>5}{pr:>11}{rc:>8}\n")
    w("\nnemo spoken numbers (digits exact)\n")
    for cls, r in report["nemo_spoken_numbers"].items():
        w(f"  {cls:<20}{r['exact']:>5}/{r['pairs']:<5}{r['rate']:.3f}\n")
    w("\nadyen test cards and IBANs (recall)\n")
    for k, r in report["adyen"].items():
        if k != "misses":
            w(f"  {k:<32}{r['found']:>5}/{r['of']:<5}{r['recall']:.3f}\n")
    for m in report["adyen"]["misses"]:
        w(f"  miss: {m}\n")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
